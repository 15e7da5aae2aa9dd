"""The console in a real headless Chromium: the operator's walk of the issue, end to end against a real
PostgreSQL source, the API server and a Celery worker."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from catalog.session import session_scope
from models import Job
from services.enqueue import RELAY_EVENTS, send_now
from tests.api.conftest import Users
from tests.console.conftest import BrowserFactory, sign_in
from tests.support.pipeline import run_sql, wait_until
from workers.process import WorkerProcess

SOURCE = [
    "CREATE SCHEMA sales",
    "CREATE TABLE sales.orders (id bigint PRIMARY KEY, amount numeric(10,2) NOT NULL, placed_at timestamptz)",
    "COMMENT ON COLUMN sales.orders.amount IS 'order total in EUR'",
    "CREATE TABLE sales.customers (id bigint PRIMARY KEY, name text)",
    "CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE amount > 1000",
    "CREATE SCHEMA hr",
    "CREATE TABLE hr.staff (id int PRIMARY KEY, salary numeric)",
]


def shots_dir(tmp_path: Path) -> Path:
    """Screenshots go to OBJECTSYNC_SCREENSHOTS when set (docs/screenshots is refreshed that way)."""
    target = Path(os.environ.get("OBJECTSYNC_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def open_menu_and_sync(page: Page, name: str, *, include_disabled: bool) -> None:
    page.get_by_label(f"More actions for {name}", exact=True).click()
    panel = page.locator("details.menu[open] .menu-panel")
    checkbox = panel.get_by_label("Also scan all disabled data objects")
    checkbox.set_checked(include_disabled)
    panel.get_by_role("button", name="Run Object Sync").click()


def finished_job(page: Page) -> dict[str, str]:
    """Wait on the job page for the live progress to close; returns the bulkId and status shown."""
    expect(page.locator("#job-progress")).to_contain_text("Summary", timeout=60_000)
    bulk_id = page.url.rsplit("/", 1)[1]
    return {"bulk_id": bulk_id, "status": page.locator("#job-progress .card-head .badge").inner_text()}


def job_options(bulk_id: str) -> dict:
    with session_scope() as session:
        return dict(session.scalar(select(Job.options).where(Job.bulk_id == bulk_id)) or {})


@pytest.mark.usefixtures("settled_jobs")
def test_operator_walk(api_url: str, users: Users, worker: WorkerProcess, source_db: str,
                       browser: BrowserFactory, tmp_path: Path) -> None:
    shots = shots_dir(tmp_path)
    run_sql(source_db, *SOURCE)
    database = urlparse(source_db).path.lstrip("/")
    admin_token = users.token("admin", "APPLICATION_ADMIN", "GOVERNANCE")
    users.token("olga")  # a user to make data owner of one schema

    page = browser().new_page()

    # Sign in → the Connections tab, empty.
    sign_in(page, api_url, admin_token)
    expect(page).to_have_url(re.compile(r"/console/connections$"))
    expect(page.get_by_role("heading", name="Connections", exact=True)).to_be_visible()
    expect(page.get_by_text("No connections")).to_be_visible()

    # Register connection → PostgreSQL.
    page.get_by_text("Register connection").click()
    page.get_by_role("link", name="PostgreSQL").click()
    expect(page.get_by_role("heading", name="Register a PostgreSQL connection")).to_be_visible()
    page.get_by_label("Display name (connection key)").fill("pg")
    page.get_by_label("Hostname").fill("wrong-host.invalid")
    page.get_by_label(re.compile(r"^Database")).fill(database)
    page.get_by_label("Username").fill("postgres")
    expect(page.get_by_label("Enable the connection")).to_be_checked()
    page.get_by_label("Enable new data objects found by object sync").check()

    # Validate Credentials fails for a wrong host: each test with its message, nothing stored.
    page.get_by_role("button", name="Validate Credentials").click()
    results = page.locator("#validation-results")
    expect(results).to_contain_text("Validation failed")
    expect(results.locator(".badge-bad").first).to_have_text("failed")
    expect(results.locator(".test-message").first).to_contain_text("wrong-host.invalid")
    page.screenshot(path=str(shots / "register-validation-failed.png"), full_page=True)
    with session_scope() as session:
        assert session.scalar(select(Job.id)) is None

    # … and passes for a good one; then Register.
    page.get_by_label("Hostname").fill("127.0.0.1")
    page.get_by_role("button", name="Validate Credentials").click()
    expect(results).to_contain_text("validation tests passed")
    expect(results.locator(".badge-bad")).to_have_count(0)
    page.get_by_role("button", name="Register connection").click()
    expect(page.get_by_role("heading", name="pg", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("validation passed")
    page.get_by_role("link", name="follow its progress").click()
    first = finished_job(page)
    assert first["status"] == "succeeded"

    # The Connections tab lists it, with its Run Object Sync action and the last job's result.
    page.get_by_role("link", name="Connections", exact=True).click()
    row = page.get_by_role("row").filter(has_text="postgresql")
    expect(row).to_contain_text("enabled")
    expect(row).to_contain_text("succeeded")
    expect(row.locator("td.num")).to_have_text("4")  # three tables and a view are data sources
    page.get_by_label("More actions for pg", exact=True).click()
    expect(page.get_by_role("button", name="Run Object Sync")).to_be_visible()
    page.screenshot(path=str(shots / "connections.png"))
    page.keyboard.press("Escape")

    # The connection page: its database; the database page: both schemas.
    page.get_by_role("link", name="pg", exact=True).click()
    page.get_by_role("link", name=database, exact=True).click()
    expect(page.get_by_role("row").filter(has_text="sales")).to_contain_text("enabled")
    expect(page.get_by_role("row").filter(has_text="hr")).to_be_visible()
    database_url = page.url

    # The more actions menu works from the keyboard: Enter opens it, Escape closes it.
    page.get_by_label("More actions for sales", exact=True).focus()
    page.keyboard.press("Enter")
    menu = page.locator("details.menu[open] .menu-panel")
    expect(menu.get_by_label("Also scan all disabled data objects")).to_be_visible()
    page.screenshot(path=str(shots / "hierarchy.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(page.locator("details.menu[open]")).to_have_count(0)

    # Run Object Sync on a schema without the checkbox, then with it: progress, then the summary.
    run_sql(source_db, "CREATE TABLE sales.refunds (id bigint, order_id bigint)")
    open_menu_and_sync(page, "sales", include_disabled=False)
    expect(page.get_by_role("heading", name=re.compile("Object sync of"))).to_be_visible()
    expect(page.locator("progress")).to_be_visible()
    plain = finished_job(page)
    assert plain["status"] == "succeeded"
    expect(page.locator("#job-progress")).to_contain_text("1 of 1 schema subtasks finished")
    assert job_options(plain["bulk_id"])["includeDisabled"] is False
    page.screenshot(path=str(shots / "job.png"), full_page=True)

    page.goto(database_url)
    open_menu_and_sync(page, "sales", include_disabled=True)
    expect(page.get_by_text("also scanning disabled data objects")).to_be_visible()
    scanned = finished_job(page)
    assert scanned["status"] == "succeeded"
    assert job_options(scanned["bulk_id"])["includeDisabled"] is True

    # The events of that sync appear in the feed, filtered by type and path.
    page.get_by_role("link", name="Events", exact=True).click()
    expect(page.locator("#event-rows")).to_contain_text("refunds")
    page.get_by_label("Type").select_option("object.created")
    page.get_by_label("Object path").fill(f"pg/{database}/sales")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#event-rows tr")).not_to_have_count(0)
    expect(page.locator("#event-rows")).not_to_contain_text("staff")
    page.screenshot(path=str(shots / "events.png"))

    # The feed updates live: a new table shows up without reloading the page.
    run_sql(source_db, "CREATE TABLE sales.returns (id bigint)")
    with session_scope() as session:
        from services.crawl.jobs import request_crawl

        request_crawl(session, ["pg", database, "sales"], requested_by="admin")
    expect(page.locator("#event-rows")).to_contain_text("returns", timeout=60_000)

    # Disable the schema: its tables are disabled once the settings job has run.
    page.goto(f"{database_url}/sales")
    expect(page.get_by_role("row").filter(has_text="orders").first).to_contain_text("enabled")
    page.get_by_role("radio", name=re.compile("^Disable")).first.check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("heading", name=re.compile("Settings change of"))).to_be_visible()
    finished_job(page)
    page.get_by_role("link", name=re.compile(r"sales$")).first.click()
    table_rows = page.locator("tbody tr").filter(has=page.locator("a"))
    expect(table_rows).to_have_count(5)
    for index in range(5):
        expect(table_rows.nth(index)).to_contain_text("disabled")
    expect(page.get_by_role("row").filter(has_text="enabled")).to_have_count(0)

    # Make olga the data owner of hr, add a column there: a validation request for her.
    page.goto(f"{database_url}/hr")
    page.get_by_label("Data owners").fill("user:olga")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.get_by_role("row").filter(has_text="staff")).to_be_visible()
    run_sql(source_db, "ALTER TABLE hr.staff ADD COLUMN email text")
    open_menu_and_sync(page, "hr", include_disabled=False)
    finished_job(page)
    wait_until(lambda: _pending_requests() > 0, 60, every=0.5, nudge=lambda: send_now(RELAY_EVENTS),
               what="an owner request for the new column")

    # The schema page marks the table with a New column to validate.
    page.goto(f"{database_url}/hr")
    expect(page.get_by_role("row").filter(has_text="staff").locator(".chip-new")).to_have_text("New")

    # The data source page: its dictionary with the New tag, and its history.
    page.goto(f"{database_url}/hr/staff")
    dictionary = page.locator("section").filter(has=page.get_by_role("heading", name="Data dictionary"))
    expect(dictionary.get_by_role("row").filter(has_text="email")).to_contain_text("New")
    expect(page.locator(".history")).to_contain_text("column.added")
    page.screenshot(path=str(shots / "data-source.png"), full_page=True)

    # Validate the owner request (as the admin here; olga's view is next).
    page.get_by_role("link", name="Requests", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="email")).to_contain_text("Column added")
    page.screenshot(path=str(shots / "requests.png"))

    # A data owner's view hides what they do not own.
    olga_token = users.token("olga")
    olga = browser().new_page()
    sign_in(olga, api_url, olga_token)
    expect(olga.get_by_role("row").filter(has_text="postgresql")).to_have_count(1)
    expect(olga.get_by_role("link", name="Register connection")).to_have_count(0)
    olga.get_by_role("link", name="pg", exact=True).click()
    olga.get_by_role("link", name=database, exact=True).click()
    expect(olga.get_by_role("link", name="hr", exact=True)).to_be_visible()
    expect(olga.get_by_role("link", name="sales", exact=True)).to_have_count(0)
    expect(olga.get_by_label("More actions for hr", exact=True)).to_be_visible()
    expect(olga.get_by_label(f"More actions for {database}", exact=True)).to_have_count(0)
    olga.goto(f"{database_url}/sales")
    expect(olga.get_by_role("heading", name="Not allowed")).to_be_visible()
    olga.get_by_role("link", name="Requests", exact=True).click()
    request_row = olga.get_by_role("row").filter(has_text="email")
    request_row.get_by_role("button", name=re.compile("^Validate")).click()
    expect(olga.get_by_role("status")).to_contain_text("validated")
    assert _pending_requests() == 0
    olga.goto(f"{database_url}/hr/staff")
    dictionary = olga.locator("section").filter(has=olga.get_by_role("heading", name="Data dictionary"))
    expect(dictionary.get_by_role("row").filter(has_text="email")).not_to_contain_text("New")
    olga.get_by_role("link", name="Events", exact=True).click()
    expect(olga.locator("#event-rows")).to_contain_text("staff")
    expect(olga.locator("#event-rows")).not_to_contain_text("sales")

    # Readable at phone width: nothing wider than the screen but the tables' own scroll boxes.
    phone = browser(width=390, height=844).new_page()
    sign_in(phone, api_url, admin_token)
    expect(phone.get_by_role("link", name="pg", exact=True)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_label("More actions for pg", exact=True).click()
    expect(phone.get_by_role("button", name="Run Object Sync")).to_be_in_viewport()
    phone.screenshot(path=str(shots / "phone-connections.png"), full_page=True)

    # A wrong token sees nothing.
    stranger = browser().new_page()
    sign_in(stranger, api_url, "osk_wrong-token")
    expect(stranger.get_by_role("alert")).to_have_text("invalid or revoked API token")
    stranger.screenshot(path=str(shots / "login.png"))
    stranger.goto(f"{api_url}/console/connections")
    expect(stranger).to_have_url(re.compile(r"/console/login$"))


def _pending_requests() -> int:
    from services.delivery.owner_requests import list_requests

    with session_scope() as session:
        return len(list_requests(session, status="pending"))

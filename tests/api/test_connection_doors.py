"""One use case, whichever door: testing, registering, editing and deregistering a connection over HTTP and
through the `objectsync` command give the same statuses, validation results, stored rows and messages."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select, update

from catalog.session import session_factory
from models import ChangeEvent, Connection
from services.access.secrets import decrypt_secret
from tests.api.conftest import source_connection
from tests.cli.runner import objectsync

pytestmark = pytest.mark.usefixtures("worker", "settled_jobs")

PASSWORD = "d00r-Pässword-never-shown"
RESULT_NAMES = ["Initial validation: basic connection test", "Initial validation: database access test",
                "Initial validation: metadata privileges test"]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    #: The connection as the door showed it afterwards (None where the door shows none).
    view: dict[str, Any] | None
    #: The error message, without a door's own wrapping ("objectsync: error: ").
    message: str
    #: Text the door printed or answered, to search for secrets.
    shown: str


class Door(Protocol):
    def test(self, fields: dict[str, Any]) -> Outcome: ...
    def register(self, key: str, fields: dict[str, Any]) -> Outcome: ...
    def show(self, key: str) -> Outcome: ...
    def edit(self, key: str, fields: dict[str, Any]) -> Outcome: ...
    def deregister(self, key: str) -> Outcome: ...


class HttpDoor:
    def __init__(self, client: httpx.Client):
        self.client = client

    def _outcome(self, response: httpx.Response) -> Outcome:
        body = response.json() if response.content else {}
        ok = response.is_success
        view = (body if "status" in body else None) if ok else body.get("connection")
        return Outcome(ok, view, "" if ok else body["detail"], response.text)

    def test(self, fields: dict[str, Any]) -> Outcome:
        response = self.client.post("/data/connection/test", json={"connection": fields})
        body = response.json()
        assert response.status_code == 200, response.text
        return Outcome(body["passed"], {"validationResults": body["validationResults"]}, "", response.text)

    def register(self, key: str, fields: dict[str, Any]) -> Outcome:
        return self._outcome(self.client.post("/data/connection", json={"connectionKey": key, "connection": fields}))

    def show(self, key: str) -> Outcome:
        return self._outcome(self.client.get(f"/data/connection/{quote(key, safe='')}"))

    def edit(self, key: str, fields: dict[str, Any]) -> Outcome:
        return self._outcome(self.client.put(f"/data/connection/{quote(key, safe='')}", json={"connection": fields}))

    def deregister(self, key: str) -> Outcome:
        return self._outcome(self.client.delete(f"/data/object/{quote(key, safe='')}"))


class CommandDoor:
    """Fields become flags; the password travels in an environment variable, as the CLI requires."""

    ERROR = "objectsync: error: "

    def _args(self, fields: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
        args: list[str] = []
        env = dict(os.environ)
        for name, value in fields.items():
            if name == "password":
                env["DOOR_PASSWORD"] = value
                args += ["--password-env", "DOOR_PASSWORD"]
            elif name in ("hostname", "port", "database", "username", "technology"):
                args += [f"--{name}", str(value)]
            else:
                args += ["--option", f"{name}={value}"]
        return args, env

    def _run(self, *args: str, env: dict[str, str] | None = None) -> Outcome:
        result = objectsync(*args, env=env)
        message = result.stderr.strip().removeprefix(self.ERROR)
        assert "Traceback" not in result.stderr
        return Outcome(result.returncode == 0, None, "" if result.returncode == 0 else message,
                       result.stdout + result.stderr)

    def _shown(self, key: str, outcome: Outcome) -> Outcome:
        shown = objectsync("connection", "show", key, "--json")
        view = json.loads(shown.stdout) if shown.returncode == 0 else None
        return Outcome(outcome.ok, view, outcome.message, outcome.shown + shown.stdout + shown.stderr)

    def test(self, fields: dict[str, Any]) -> Outcome:
        args, env = self._args(fields)
        result = objectsync("connection", "test", *args, "--json", env=env)
        assert result.returncode in (0, 2), result.stderr
        report = json.loads(result.stdout)
        return Outcome(report["passed"], {"validationResults": report["validationResults"]}, "",
                       result.stdout + result.stderr)

    def register(self, key: str, fields: dict[str, Any]) -> Outcome:
        args, env = self._args(fields)
        outcome = self._run("connection", "add", key, *args, env=env)
        assert outcome.ok or "failed validation" in outcome.message, outcome
        return self._shown(key, outcome)

    def show(self, key: str) -> Outcome:
        return self._shown(key, self._run("connection", "show", key))

    def edit(self, key: str, fields: dict[str, Any]) -> Outcome:
        args, env = self._args({k: v for k, v in fields.items() if k != "technology"})
        return self._shown(key, self._run("connection", "edit", key, *args, env=env))

    def deregister(self, key: str) -> Outcome:
        return self._run("connection", "remove", key)


@pytest.fixture(params=["http", "command"])
def door(request: pytest.FixtureRequest, admin: httpx.Client) -> Door:
    return HttpDoor(admin) if request.param == "http" else CommandDoor()


def stored(key: str) -> Connection | None:
    with session_factory()() as session:
        return session.scalar(select(Connection).where(Connection.key == key))


def statuses(view: dict[str, Any] | None) -> list[tuple[str, str]]:
    assert view is not None
    return [(r["name"], r["status"]) for r in view["validationResults"]["validationTests"]]


def wait_for_first_crawl(key: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with session_factory()() as session:
            if session.scalar(select(ChangeEvent.id).where(ChangeEvent.connection_key == key,
                                                           ChangeEvent.type == "job.finished")):
                return
        time.sleep(0.1)
    raise AssertionError(f"the first crawl of {key!r} did not finish")


def test_the_connection_lifecycle_is_the_same_through_every_door(door: Door, source_db: str) -> None:
    good = source_connection(source_db, password=PASSWORD)
    ghost = {**good, "username": "ghost_role"}

    tested = door.test(ghost)
    assert not tested.ok and statuses(tested.view) == list(zip(RESULT_NAMES, ["failed", "skipped", "skipped"],
                                                               strict=True))
    assert door.test(good).ok and stored("pg") is None

    failed = door.register("pg", ghost)
    assert not failed.ok
    assert failed.message.startswith("connection 'pg' failed validation (Initial validation: basic connection test: ")
    assert failed.message.endswith("it is stored with status createError: edit it to fix it, or deregister it")
    assert failed.view is not None and failed.view["status"] == "createError"
    assert statuses(failed.view)[0] == (RESULT_NAMES[0], "failed")
    assert failed.view["credentialsSet"] == ["password", "username"]
    assert stored("pg").status == "createError"

    fixed = door.edit("pg", {"username": "postgres"})
    assert fixed.ok and fixed.view["status"] == "enabled"
    assert statuses(fixed.view) == [(name, "passed") for name in RESULT_NAMES]

    broken = door.edit("pg", {"username": "ghost_role", "hostname": "localhost"})
    assert not broken.ok
    assert broken.message.endswith("the previous configuration is kept (status editError)")
    assert broken.view["status"] == "editError" and broken.view["connection"]["hostname"] == good["hostname"]
    assert decrypt_secret(stored("pg").credentials_encrypted)["username"] == "postgres"
    assert door.edit("pg", {"hostname": good["hostname"]}).view["status"] == "enabled"

    registered = door.register("crawled", good)
    assert registered.ok and registered.view["status"] == "enabled"
    wait_for_first_crawl("crawled")

    for key in ("pg", "crawled"):
        removed = door.deregister(key)
        assert removed.ok, removed
        assert stored(key) is None
    assert not door.show("crawled").ok
    with session_factory()() as session:
        deleted = session.scalars(select(ChangeEvent.object_path).where(ChangeEvent.type == "object.deleted")).all()
    assert ["crawled"] in deleted, "deregistering announces the connection's deletion through both doors"
    for outcome in (tested, failed, fixed, broken, registered):
        assert PASSWORD not in outcome.shown


def test_both_doors_store_the_same_failed_registration(admin: httpx.Client, source_db: str) -> None:
    fields = source_connection(source_db, username="ghost_role", password=PASSWORD)
    over_http = HttpDoor(admin).register("via-http", fields)
    on_command_line = CommandDoor().register("via-cli", fields)
    assert over_http.message.replace("via-http", "KEY") == on_command_line.message.replace("via-cli", "KEY")

    rows = {key: stored(key) for key in ("via-http", "via-cli")}
    assert rows["via-http"].status == rows["via-cli"].status == "createError"
    assert rows["via-http"].config == rows["via-cli"].config
    assert rows["via-http"].options == rows["via-cli"].options
    assert [(r["name"], r["status"]) for r in rows["via-http"].validation_results] == [
        (r["name"], r["status"]) for r in rows["via-cli"].validation_results]
    assert (decrypt_secret(rows["via-http"].credentials_encrypted)
            == decrypt_secret(rows["via-cli"].credentials_encrypted))


def test_a_connection_busy_with_another_change_refuses_an_edit_through_every_door(door: Door, source_db: str) -> None:
    assert door.register("pg", source_connection(source_db)).ok
    wait_for_first_crawl("pg")
    with session_factory()() as session:  # as while another request waits for the platform's answer
        session.execute(update(Connection).where(Connection.key == "pg").values(status="editing"))
        session.commit()
    refused = door.edit("pg", {"port": 5432})
    assert not refused.ok and refused.message == "connection 'pg' is editing; retry when it has settled"
    assert stored("pg").status == "editing"

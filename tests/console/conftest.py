"""The console served by the real API (uvicorn in a thread) on the test catalog, a real worker, and Debian's
Chromium driven by Playwright with a fresh profile per browser context."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from tests.api.conftest import Users, admin, api_url, register, settled_jobs  # noqa: F401 - fixtures shared with the API tests

CHROMIUM = os.environ.get("OBJECTSYNC_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

expect.set_options(timeout=30_000)


@pytest.fixture
def users(api_url: str, catalog: None) -> Iterator[Users]:  # noqa: F811
    registry = Users(api_url)
    yield registry
    registry.close()


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as driver:
        yield driver


BrowserFactory = Callable[..., BrowserContext]


@pytest.fixture
def browser(playwright_driver: Playwright) -> Iterator[BrowserFactory]:
    """Opens browser contexts, each a separate Chromium with a fresh user data dir (no shared cookies)."""
    opened: list[tuple[BrowserContext, tempfile.TemporaryDirectory[str]]] = []

    def open_context(width: int = 1280, height: int = 900) -> BrowserContext:
        profile = tempfile.TemporaryDirectory(prefix="objectsync-chromium-")
        context = playwright_driver.chromium.launch_persistent_context(
            profile.name, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": width, "height": height}, locale="en-US", timezone_id="UTC",
        )
        context.set_default_timeout(30_000)
        opened.append((context, profile))
        return context

    yield open_context
    for context, profile in opened:
        context.close()
        profile.cleanup()


def sign_in(page: Page, base_url: str, token: str) -> None:
    page.goto(f"{base_url}/console/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()

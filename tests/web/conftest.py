"""Fixtures for web tests: a small two-organisation world, a live server and headless chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.settings import Settings
from palermo.web.app import server_config
from tests.conftest import make_settings

PASSWORD = "test-password-1"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


def two_org_world(db: Database) -> None:
    """Organisation A (NLD police) and B (ITA NGO), each with an admin, an analyst and an officer."""
    system = Principal.system()
    with db.session() as s:
        accounts.create_organisation(s, system, name="Operator", short_name="HUB", org_type="international_organisation",
                                     is_operator=True)
        accounts.create_organisation(s, system, name="Police A", short_name="A", org_type="police", country="NLD")
        accounts.create_organisation(s, system, name="NGO B", short_name="B", org_type="ngo", country="ITA")
        accounts.create_user(s, system, username="hub-admin", password=PASSWORD, organisation="HUB", roles="admin")
        for org in ("a", "b"):
            for role in ("admin", "analyst", "officer", "viewer"):
                accounts.create_user(s, system, username=f"{org}-{role}", password=PASSWORD, organisation=org.upper(),
                                     roles=role)


@pytest.fixture
def world(db: Database) -> Database:
    two_org_world(db)
    return db


@dataclass
class LiveServer:
    url: str
    settings: Settings
    db: Database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(settings: Settings, db: Database, port: int | None = None) -> Iterator[LiveServer]:
    port = port or _free_port()
    server = uvicorn.Server(server_config(settings, db, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings, db)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(sqlite_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    two_org_world(sqlite_db)
    yield from serve(make_settings(tmp_path, sqlite_db), sqlite_db)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright (no browser download).

    One per test module, not per session: Playwright's sync API keeps an event loop running in the test
    thread while it is open, and a later test that runs its own loop (``asyncio.run``, anyio) would fail.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Shots:
    """Saves a numbered screenshot of each page a browser test visits, for a person to look at."""

    def __init__(self, page: object, folder: Path) -> None:
        self.page, self.folder, self.n = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


def collect_errors(pg: object) -> list[str]:
    """The list a page's script errors and CSP violations are appended to while the test runs.

    Failed sub-resources (scripts, styles, images) are counted by their own status, since a page answered
    with 4xx on purpose (e.g. a refused login) is logged as a console error too.
    """
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text)  # type: ignore[attr-defined]
          if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}")  # type: ignore[attr-defined]
          if r.status >= 400 and r.request.resource_type != "document" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))  # type: ignore[attr-defined]
    return errors


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[tuple[object, Shots]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    errors = collect_errors(pg)
    try:
        yield pg, Shots(pg, OUTPUT / request.node.name.replace("/", "_"))
    finally:
        context.close()
    assert not errors, f"browser console errors (CSP violations or script errors): {errors}"

"""Sources that stay fresh: files registered by URL and refreshed, tested against a local HTTP server on
127.0.0.1 that this test starts; every failure is recorded, nothing stored, the previous version kept."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.auth.roles import Principal
from palermo.cli import app
from palermo.coordination.feeds import feed_status, get_feed, refresh_due, refresh_feed, register_feed
from palermo.coordination.initiatives import list_initiatives
from palermo.db import Database
from palermo.errors import Conflict, ValidationError
from tests.conftest import EXTERNAL

SYSTEM = Principal.system()
HEADER = ("Ref,Title,Org,Country,Start,End,Period end,Reached\n"
          "#activity+code,#activity+name,#org+impl,#country+code,#date+start,#date+end,#date+reported,#reached\n")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "site"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _titles(db: Database) -> dict[str, str]:
    with db.session(write=False) as s:
        return {i.ref: i.title for i in list_initiatives(s)}


def test_a_registered_url_refreshes_and_failures_keep_the_previous_version(db: Database, site: tuple[str, Path]) -> None:
    base, root = site
    (root / "3w.csv").write_text(HEADER + "A,Shelter,NGO,NGA,2025-01-01,2026-12-31,2025-06-30,40\n", encoding="utf-8")
    url = f"{base}/3w.csv"
    with db.session() as s:
        register_feed(s, SYSTEM, url, "hxl", 7, allow_private=True)
        [r] = refresh_due(s, SYSTEM, allow_private=True)
        assert r.ok and r.changed and r.initiatives == 1
        assert refresh_due(s, SYSTEM, allow_private=True) == []  # not due again before its interval
        assert refresh_feed(s, SYSTEM, get_feed(s, url), allow_private=True).changed is False  # same file
    assert _titles(db) == {"A": "Shelter"}

    (root / "3w.csv").write_text(HEADER + "A,Shelter and counselling,NGO,NGA,2025-01-01,2026-12-31,2025-12-31,55\n"
                                 "B,Hotline,NGO,NGA,2025-01-01,,,\n", encoding="utf-8")
    with db.session() as s:
        [r] = refresh_due(s, SYSTEM, everything=True, allow_private=True)
    assert r.ok and _titles(db) == {"A": "Shelter and counselling", "B": "Hotline"}

    cases = [
        ("<!DOCTYPE html><html><body>Dataset page</body></html>", "web page (HTML)"),
        (HEADER + "A,Shelter,NGO,Atlantis,2025-01-01,2026-12-31,2025-12-31,many\n", "line 3"),
    ]
    for body, reason in cases:
        (root / "3w.csv").write_text(body, encoding="utf-8")
        with db.session() as s:
            [r] = refresh_due(s, SYSTEM, everything=True, allow_private=True)
        assert not r.ok and reason in get_feed_error(db, url), (reason, get_feed_error(db, url))
        assert _titles(db) == {"A": "Shelter and counselling", "B": "Hotline"}  # previous version kept
    (root / "3w.csv").unlink()
    with db.session() as s:
        [r] = refresh_due(s, SYSTEM, everything=True, allow_private=True)
    assert not r.ok and "404" in get_feed_error(db, url)
    with db.session(write=False) as s:
        [status] = feed_status(s)
    assert status.overdue and status.initiatives == 2 and "404" in status.last_error
    assert _titles(db) == {"A": "Shelter and counselling", "B": "Hotline"}


def get_feed_error(db: Database, url: str) -> str:
    with db.session(write=False) as s:
        return get_feed(s, url).last_error


def test_an_iati_feed_reads_the_standards_example(db: Database, site: tuple[str, Path]) -> None:
    base, root = site
    (root / "activities.xml").write_bytes((EXTERNAL / "iati-standard" / "activity-standard-example-annotated.xml").read_bytes())
    with db.session() as s:
        feed = register_feed(s, SYSTEM, f"{base}/activities.xml", "iati", allow_private=True)
        assert refresh_feed(s, SYSTEM, feed, allow_private=True).initiatives == 1
    with db.session(write=False) as s:
        [i] = list_initiatives(s)
        assert i.ref == "AA-AAA-123456789-ABC123" and i.results[0].actual == 11


def test_bad_registrations_are_refused(db: Database, site: tuple[str, Path]) -> None:
    base, _ = site
    with db.session() as s, pytest.raises(ValidationError, match="private network"):
        register_feed(s, SYSTEM, f"{base}/3w.csv", "hxl")  # the hub's own network, not allowed by default
    with db.session() as s, pytest.raises(ValidationError) as info:
        register_feed(s, SYSTEM, "ftp://example.org/x.csv", "csv", 0, allow_private=True)
    assert {p.field for p in info.value.problems} == {"url", "format", "every_days"}
    with db.session() as s:
        register_feed(s, SYSTEM, f"{base}/3w.csv", "hxl", allow_private=True)
    with db.session() as s, pytest.raises(Conflict):
        register_feed(s, SYSTEM, f"{base}/3w.csv", "hxl", allow_private=True)


def test_the_feeds_commands(sqlite_db: Database, site: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    base, root = site
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PALERMO_COORD_FEEDS_ALLOW_PRIVATE", "true")
    (root / "3w.csv").write_text(HEADER + "A,Shelter,NGO,NGA,2025-01-01,2026-12-31,2025-06-30,40\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["coord", "feeds", "add", f"{base}/3w.csv", "--format", "hxl"]).exit_code == 0
    r = runner.invoke(app, ["coord", "feeds", "refresh"])
    assert r.exit_code == 0 and "1 initiatives" in r.output
    (root / "3w.csv").unlink()
    r = runner.invoke(app, ["coord", "feeds", "refresh", "--all"])
    assert r.exit_code == 1 and "previous version kept" in r.output and "404" in r.output
    r = runner.invoke(app, ["coord", "feeds", "list"])
    assert "OVERDUE" in r.output and "404" in r.output

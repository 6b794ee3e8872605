"""Secrets never appear in error pages, API errors or logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.db import Database
from palermo.web.app import create_app
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD
from tests.web_helpers import csrf_of


def test_unexpected_errors_show_no_internals(world: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path, world)
    app = create_app(settings, world)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"internal detail {settings.resolved_secret_key}")

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/boom")
    assert r.status_code == 500
    assert settings.resolved_secret_key not in r.text and "Traceback" not in r.text and "internal detail" not in r.text


def test_passwords_and_tokens_are_not_logged(world: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, world)
    client = TestClient(create_app(settings, world))
    token = csrf_of(client)
    client.post("/login", data={"username": "a-admin", "password": PASSWORD, "csrf_token": token})
    client.post("/login", data={"username": "a-admin", "password": "wrong-" + PASSWORD, "csrf_token": token})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, settings.resolved_secret_key, token):
        assert secret not in logged


def test_generated_secret_key_is_private(tmp_path: Path) -> None:
    from palermo.settings import Settings

    settings = Settings(data_dir=tmp_path / "ws")
    key = settings.resolved_secret_key
    path = tmp_path / "ws" / "secret.key"
    assert path.read_text() == key and len(key) >= 40
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert Settings(data_dir=tmp_path / "ws").resolved_secret_key == key  # stable across restarts

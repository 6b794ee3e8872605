"""Forms and actions are offered only to those the rules table allows to use them (issue 14)."""

from __future__ import annotations

from pathlib import Path

from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from tests.conftest import make_settings
from tests.web_helpers import client_for, csrf, login


def test_viewer_is_not_offered_the_screening_form_or_save_the_table(sqlite_demo_db: Database, tmp_path: Path) -> None:
    """Regression: the viewer got the screening form and "save the table" and learnt of the refusal only
    after submitting."""
    settings = make_settings(tmp_path, sqlite_demo_db)
    viewer = client_for(settings, sqlite_demo_db)
    login(viewer, "viewer", DEMO_PASSWORD)
    ident = viewer.get("/identification").text
    assert 'id="screening-form"' not in ident and 'action="/identification/screen"' not in ident
    assert 'id="screening-not-offered"' in ident
    estimates = viewer.get("/statistics/estimates").text
    assert 'name="save"' not in estimates and 'action="/statistics/estimates"' in estimates  # estimating stays open
    assert 'action="/statistics/import"' not in viewer.get("/statistics/data").text
    # and what is not offered is refused by the same rule, with its reason
    r = viewer.post("/identification/screen", data={"csrf_token": csrf(viewer), "age": "17"})
    assert r.status_code == 403 and "needs role analyst or officer" in r.text
    for user, form in (("nl.officer", 'id="screening-form"'), ("lastrada.worker", 'id="screening-form"')):
        c = client_for(settings, sqlite_demo_db)
        login(c, user, DEMO_PASSWORD)
        assert form in c.get("/identification").text, user
    analyst = client_for(settings, sqlite_demo_db)
    login(analyst, "nl.analyst", DEMO_PASSWORD)
    assert 'name="save"' in analyst.get("/statistics/estimates").text
    assert 'action="/statistics/import"' in analyst.get("/statistics/data").text

"""Forms and actions are offered only to those the rules table allows to use them (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD
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


TEMPLATES = Path(__file__).parents[2] / "src" / "palermo" / "web" / "templates"
# a role, operator or ownership test written into a template: the rule belongs to the rules table or the core
RULES_IN_TEMPLATES = re.compile(r"principal\.(is_operator|roles|role\b|has\(|organisation_id|user_id)|_org_id\s*==|org\s*==")


def test_no_template_decides_a_rule_itself() -> None:
    found = [f"{p.relative_to(TEMPLATES)}:{n}: {m.group(0)}" for p in sorted(TEMPLATES.rglob("*.html"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if (m := RULES_IN_TEMPLATES.search(line))]
    assert found == [], "use can(action) or a decision of the core: " + "; ".join(found)


def test_the_admin_page_offers_what_the_core_allows(world: Database, tmp_path: Path) -> None:
    """An organisation's admin adds users to its own organisation only and is not offered to add organisations;
    the hub operator's admin manages every organisation; no admin is offered to deactivate itself."""
    settings = make_settings(tmp_path, world)
    a = client_for(settings, world)
    login(a, "a-admin", PASSWORD)
    page = a.get("/admin").text
    options = re.findall(r'<option value="([^"]+)">', page.split('name="organisation"')[1].split("</select>")[0])
    assert options == ["A"]
    assert "Users of your organisation" in page and 'action="/admin/organisations"' not in page
    assert 'action="/admin/users/a-officer/deactivate"' in page and 'action="/admin/users/a-admin/deactivate"' not in page
    hub = client_for(settings, world)
    login(hub, "hub-admin", PASSWORD)
    page = hub.get("/admin").text
    options = re.findall(r'<option value="([^"]+)">', page.split('name="organisation"')[1].split("</select>")[0])
    assert sorted(options) == ["A", "B", "HUB"]
    assert "Users of your organisation" not in page and 'action="/admin/organisations"' in page
    assert 'action="/admin/users/b-officer/deactivate"' in page and 'action="/admin/users/hub-admin/deactivate"' not in page
    # what the page does not offer the organisation's admin, the core refuses by the same rule
    r = a.post("/admin/users", data={"csrf_token": csrf(a), "username": "x-b", "password": PASSWORD, "organisation": "B",
                                     "roles": "viewer"})
    assert r.status_code == 403

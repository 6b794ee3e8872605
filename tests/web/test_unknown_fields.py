"""A field an API operation does not take is refused, never silently dropped.

Personal data sent by mistake (a ``name`` in a screening case, a first name in a case summary) must be
refused with a clear message, not discarded unseen while the rest is stored; every request body model
says so in the OpenAPI document (``additionalProperties: false``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.identification.models import NgoCase, Screening
from palermo.web.app import create_app
from tests.conftest import make_settings
from tests.web_helpers import client_for

SCENARIOS = Path(__file__).parents[2] / "src" / "palermo" / "identification" / "data" / "scenarios"


def _count(db: Database, model: Any) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def _token(db: Database, username: str) -> dict[str, str]:
    with db.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, username), "t").token
    return {"Authorization": f"Bearer {token}"}


def test_a_name_in_a_screening_case_is_refused_and_nothing_is_stored(demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, demo_db), demo_db)
    auth = _token(demo_db, "lastrada.worker")
    case = json.loads((SCENARIOS / "woman-deceived-sexual-exploitation.json").read_text())
    before = _count(demo_db, Screening)
    r = c.post("/api/v1/identification/screen", headers=auth,
               json={"case": {**case, "name": "Joy Okafor"}, "save": True})
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"error", "message", "details"} and body["error"] == "validation"
    problem = next(p for p in body["details"]["problems"] if p["field"] == "body.case.name")
    assert "unknown field" in problem["reason"] and "names" in problem["reason"] and "never stored" in problem["reason"]
    assert "Joy Okafor" not in r.text  # the personal data is not echoed back
    assert "body.case.name" in body["message"]
    assert _count(demo_db, Screening) == before
    ok = c.post("/api/v1/identification/screen", headers=auth, json={"case": case, "save": True})
    assert ok.status_code == 200 and _count(demo_db, Screening) == before + 1  # the same case without the name


def test_an_unknown_field_in_a_case_summary_is_refused_by_the_core(demo_db: Database, tmp_path: Path) -> None:
    """The NGO channel takes free-form summaries (validated by the core, all at once): an unlisted field such
    as a surname is refused like the known identifiers, and nothing of the batch is stored."""
    c = client_for(make_settings(tmp_path, demo_db), demo_db)
    auth = _token(demo_db, "fairwork.worker")
    good = {"year": 2025, "country": "NLD", "prs_Gender": "Feminine", "age_group": "adult", "prs_Citizenship": "NGA",
            "vic_TypeOfExploitation": "ForcedLabour", "vic_TraffickingStatus": "Possible"}
    before = _count(demo_db, NgoCase)
    r = c.post("/api/v1/identification/cases", headers=auth, json=[good, {**good, "surname": "Okafor"}])
    assert r.status_code == 422, r.text
    problems = r.json()["details"]["problems"]
    assert [(p["line"], p["field"]) for p in problems] == [(2, "surname")]
    assert "no names or identifiers are stored" in problems[0]["reason"] and "Okafor" not in r.text
    assert _count(demo_db, NgoCase) == before
    assert c.post("/api/v1/identification/cases", headers=auth, json=[good]).status_code == 201


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_every_request_body_model_refuses_unknown_fields(tmp_path: Path, db: Database) -> None:
    """Every model reachable from a JSON request body, in every router, declares ``additionalProperties: false``
    (uploads are multipart files, read by the core's importers)."""
    doc = create_app(make_settings(tmp_path, db)).openapi()
    schemas = doc["components"]["schemas"]
    todo = set().union(*(_refs(op.get("requestBody", {}).get("content", {}).get("application/json", {}))
                         for path in doc["paths"].values() for op in path.values()))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= _refs(schemas[name]) - seen
    models = {n for n in seen if schemas[n].get("type") == "object"}
    assert {"ScreenIn", "CaseIn", "ObservedIn", "ReferralIn", "RequestIn", "InitiativeIn", "ObservationsIn"} <= models
    assert [n for n in sorted(models) if schemas[n].get("additionalProperties") is not False] == []

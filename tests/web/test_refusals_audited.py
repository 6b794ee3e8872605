"""Every refusal leaves a trace in the audit trail, with its reason and without secrets (probe 4)."""

from __future__ import annotations

import json
from pathlib import Path

from palermo.auth import accounts, audit
from palermo.auth.roles import Principal
from palermo.db import Database
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD
from tests.web_helpers import client_for, csrf, csrf_of, login


def _entries(db: Database, action: str) -> list[dict]:
    with db.session(write=False) as s:
        return [{"actor": e.actor, "org": e.organisation_id, "object": e.object_id, **json.loads(e.details)}
                for e in audit.entries(s, Principal.system(), action=action)]


def test_refusals_are_audited_with_reason(world: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, world, login_attempts_per_minute=2)
    c = client_for(settings, world)
    token = csrf_of(c)
    for _ in range(3):
        c.post("/login", data={"username": "b-analyst", "password": "Secret-typo-123", "csrf_token": token})
    failed, throttled = _entries(world, "session.login_failed"), _entries(world, "session.login_throttled")
    assert len(failed) == 2 and failed[0]["reason"] == "wrong password" and len(throttled) == 1
    with world.session(write=False) as s:
        b_org = accounts.get_user(s, "b-analyst").organisation_id
    assert {e["org"] for e in failed + throttled} == {b_org}  # B's admins see attempts on B's accounts
    # CSRF rejection, under the logged-in user
    login(c, "a-analyst", PASSWORD)
    c.post("/admin/users", data={"username": "x", "password": "y" * 12, "organisation": "A", "roles": "viewer"})
    csrf_refused = _entries(world, "refused.permission_denied")
    assert csrf_refused[0]["actor"] == "a-analyst" and "CSRF" in csrf_refused[0]["reason"]
    # Forbidden and not-found look-ups of another organisation's objects
    assert c.get("/api/v1/users/b-admin/tokens").status_code == 404
    r = c.post("/api/v1/users/b-admin/deactivate", headers={"X-CSRF-Token": csrf(c)})
    assert r.status_code == 403
    not_found = _entries(world, "refused.not_found")
    assert not_found[0]["route"] == "/api/v1/users/{username}/tokens" and not_found[0]["path_params"] == {"username": "b-admin"}
    # A revoked token: recorded in the token's organisation, by reference, never the token
    with world.session() as s:
        issued = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "b-admin"), "old")
        accounts.revoke_token(s, Principal.system(), issued.record.reference)
    assert client_for(settings, world).get("/api/v1/me", headers={"Authorization": f"Bearer {issued.token}"}).status_code == 401
    revoked = _entries(world, "refused.authentication_failed")[0]
    assert revoked["reason"] == "revoked token"
    assert revoked["token"] == issued.record.reference and revoked["org"] == b_org
    # Nothing secret anywhere in the trail
    with world.session(write=False) as s:
        everything = " ".join(e.details + e.object_id for e in audit.entries(s, Principal.system(), limit=1000))
    assert "Secret-typo-123" not in everything and issued.token not in everything and PASSWORD not in everything
    assert "testclient" not in everything


def test_rejected_uploads_are_audited_once(world: Database, tmp_path: Path) -> None:
    from palermo.errors import NotFound
    from palermo.web.app import _is_refusal

    with world.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "a-analyst"), "t").token
    c = client_for(make_settings(tmp_path, world), world)
    junk = "Iso3_code,Country,Region,Subregion,Indicator,Dimension,Category,Sex,Age,Year,Unit of measurement,txtVALUE,Source\n"
    junk += "QQQQ,x,x,x,x,Total,Total,Total,Total,2020,Counts,5,x\n"
    r = c.post("/api/v1/statistics/import", data={"fmt": "unodc"}, files={"file": ("glotip.csv", junk.encode())},
               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and "yields no observation" in r.json()["message"]
    rejected = _entries(world, "refused.import_rejected")
    assert len(rejected) == 1 and rejected[0]["actor"] == "a-analyst" and rejected[0]["route"] == "/api/v1/statistics/import"
    assert "QQQQ" not in json.dumps(rejected)  # the file's content stays out of the trail
    # A refusal the core already audited (after its rollback) is not written a second time.
    core_audited = audit.refused(NotFound("no hit 'x'"), Principal.anonymous(), "link.hit.review_refused", "link_hit", "x")
    assert not _is_refusal(core_audited) and _is_refusal(NotFound("no hit 'x'"))

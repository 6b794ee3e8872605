"""The hub lifecycle through its faces: the agency-side CLI against a running hub (review, uploads,
withdraw), the JSON API's refusals, the web hit page and review form, `palermo maintenance …` at the
hub, and the daily purge that `palermo serve` runs by itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.cli import app as cli
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.linkage import retention
from palermo.linkage.hits import hits_for
from palermo.linkage.models import LinkHitReview, LinkUpload
from palermo.linkage.synthetic import agency_lists
from palermo.web.app import create_app
from tests.conftest import make_settings
from tests.web.conftest import LiveServer, serve
from tests.web_helpers import client_for, csrf, login

runner = CliRunner()
LISTS, _ = agency_lists({"A": 80}, overlap=0.0, noise=0.05, seed=5)


def flat(result) -> str:  # type: ignore[no-untyped-def]
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def _tokens(db: Database, *users: str) -> dict[str, str]:
    with db.session() as s:
        return {u: accounts.issue_token(s, Principal.system(), accounts.get_user(s, u), "t").token for u in users}


@pytest.fixture
def hub(sqlite_demo_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    yield from serve(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


def test_agency_cli_reviews_lists_and_withdraws_through_the_hub(hub: LiveServer, tmp_path: Path) -> None:
    tok = _tokens(hub.db, "europol.analyst", "es.officer", "nl.officer")
    with hub.db.session(write=False) as s:
        ref = next(h.reference for h in hits_for(s, accounts.principal_for(accounts.get_user(s, "europol.analyst")))
                   if h.other_agency == "ES-POL")
    code = runner.invoke(cli, ["link", "review", ref, "--verdict", "confirmed", "--note", "same passport", "--url", hub.url,
                               "--token", tok["europol.analyst"], "--json"])
    assert code.exit_code == 0, code.output
    body = json.loads(code.output)
    assert body["verdict"] == "confirmed" and body["outcome"] == "confirmed" and body["other_agency"] == "ES-POL"
    out = runner.invoke(cli, ["link", "review", ref, "--verdict", "rejected", "--url", hub.url, "--token", tok["es.officer"]])
    assert out.exit_code == 0 and "outcome disputed" in flat(out) and "EUROPOL said confirmed" in flat(out)
    bad = runner.invoke(cli, ["link", "review", ref, "--verdict", "perhaps", "--url", hub.url, "--token", tok["es.officer"]])
    assert bad.exit_code == 1 and "unknown verdict 'perhaps'; use one of confirmed, rejected, unsure" in flat(bad)
    foreign = runner.invoke(cli, ["link", "review", ref, "--verdict", "confirmed", "--url", hub.url, "--token", tok["nl.officer"]])
    assert foreign.exit_code == 1 and "(404)" in flat(foreign) and "only the two parties" in flat(foreign)
    ents = json.loads(runner.invoke(cli, ["link", "entities", "--json", "--url", hub.url, "--token", tok["europol.analyst"]]).output)
    assert ents and all(e["known_to"] == len(e["agencies"]) + 1 and e["hits"] for e in ents)
    assert "ES-POL" in {a for e in ents for a in e["agencies"]}
    shown = flat(runner.invoke(cli, ["link", "entities", "--url", hub.url, "--token", tok["europol.analyst"]]))
    assert f"is known to {ents[0]['known_to']} agencies" in shown
    listed = runner.invoke(cli, ["link", "uploads", "--json", "--url", hub.url, "--token", tok["es.officer"]])
    uploads = json.loads(listed.output)
    assert [u["status"] for u in uploads] == ["live"] and uploads[0]["expires_at"] and uploads[0]["open_hits"] > 0
    upload_ref = uploads[0]["reference"]
    assert upload_ref.startswith("upl-") and "id" not in uploads[0]
    other = runner.invoke(cli, ["link", "withdraw", upload_ref, "--url", hub.url, "--token", tok["nl.officer"]])
    assert other.exit_code == 1 and f"no upload {upload_ref} of your organisation" in flat(other)
    done = runner.invoke(cli, ["link", "withdraw", upload_ref, "--url", hub.url, "--token", tok["es.officer"]])
    assert done.exit_code == 0 and f"Upload {upload_ref} withdrawn" in flat(done)
    text = flat(runner.invoke(cli, ["link", "uploads", "--url", hub.url, "--token", tok["es.officer"]]))
    assert "withdrawn" in text and "0 open hits" in text
    with hub.db.session(write=False) as s:
        assert s.execute(select(LinkUpload).where(LinkUpload.reference == upload_ref)).scalar_one().encodings is None
        assert len(s.execute(select(LinkHitReview)).scalars().all()) == 2
        refused = {e.action for e in s.execute(select(AuditEntry).where(AuditEntry.action.like("%refused"))).scalars()}
        assert {"link.hit.review_refused", "link.upload.withdraw_refused"} <= refused


def test_web_hit_page_review_form_and_the_linkage_page(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "europol.analyst", DEMO_PASSWORD)
    page = c.get("/linkage").text
    assert "How often hits were right" in page and "Kept until" in page and "Withdraw" in page
    assert "known to 2 agencies" in page or "known to 3 agencies" in page
    with sqlite_demo_db.session(write=False) as s:
        ref = next(h.reference for h in hits_for(s, accounts.principal_for(accounts.get_user(s, "europol.analyst")))
                   if h.other_agency == "ES-POL")
    hit = c.get(f"/linkage/hits/{ref}")
    assert hit.status_code == 200 and "Review this hit" in hit.text
    r = c.post(f"/linkage/hits/{ref}/review", data={"verdict": "rejected", "note": "other person", "csrf_token": csrf(c)})
    assert r.status_code == 200 and "Your verdict (rejected) is recorded" in r.text and "other person" in r.text
    assert "rejected" in c.get("/linkage").text
    bad = c.post(f"/linkage/hits/{ref}/review", data={"verdict": "maybe", "csrf_token": csrf(c)})
    assert bad.status_code == 422 and "verdict &#39;maybe&#39; unknown" in bad.text
    other = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(other, "nl.officer", DEMO_PASSWORD)
    assert other.get(f"/linkage/hits/{ref}").status_code == 404  # not a party: not even the page


def test_api_refusals(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    tok = _tokens(sqlite_demo_db, "europol.analyst", "nl.officer")
    h = {"Authorization": f"Bearer {tok['nl.officer']}"}
    eu = {"Authorization": f"Bearer {tok['europol.analyst']}"}
    mine = c.get("/api/v1/linkage/uploads", headers=eu).json()
    assert c.delete(f"/api/v1/linkage/uploads/{mine[0]['reference']}", headers=h).status_code == 404
    ref = next(x["reference"] for x in c.get("/api/v1/linkage/hits", headers=eu).json() if x["other_agency"] == "ES-POL")
    assert c.post(f"/api/v1/linkage/hits/{ref}/review", headers=eu, json={"verdict": "maybe"}).status_code == 422
    ok = c.post(f"/api/v1/linkage/hits/{ref}/review", headers=eu, json={"verdict": "confirmed"})
    assert ok.status_code == 200 and ok.json()["outcome"] == "confirmed"
    figures = c.get("/api/v1/linkage/precision", headers=eu).json()
    assert any(p["group"] == "agreement" and p["confirmed"] == 1 and p["measured"] == 1.0 for p in figures)
    assert all(p["reviewed"] == 0 for p in c.get("/api/v1/linkage/precision", headers=h).json())


def test_maintenance_cli_at_the_hub(sqlite_demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_demo_db.url)
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path / "data"))
    out = runner.invoke(cli, ["maintenance", "purge", "--json"])
    assert out.exit_code == 0, out.output
    assert set(json.loads(out.output)["counts"]) == set(retention.KINDS)
    back = runner.invoke(cli, ["maintenance", "purge", "--on", "2020-01-01"])
    assert back.exit_code == 1 and "before the last purge" in flat(back)
    assert runner.invoke(cli, ["maintenance", "purge", "--on", "1st of May"]).exit_code == 1
    rot = runner.invoke(cli, ["maintenance", "rotate-key", "--kind", "suspects", "--window-days", "14"])
    assert rot.exit_code == 0 and "Key epoch 2 of suspects lists is open" in flat(rot)
    assert runner.invoke(cli, ["maintenance", "rotate-key", "--kind", "spies", "--window-days", "14"]).exit_code == 1
    rows = json.loads(runner.invoke(cli, ["maintenance", "epochs", "--json"]).output)
    assert {(r["list_kind"], r["epoch"], r["state"]) for r in rows} >= {("suspects", 1, "transition"), ("suspects", 2, "current")}
    # encode with the new epoch: the file says so
    persons = tmp_path / "p.csv"
    cols = list(LISTS["A"][0])
    persons.write_text(",".join(cols) + "\n" + "\n".join(",".join(r[c] or "" for c in cols) for r in LISTS["A"]) + "\n")
    key = tmp_path / "k.key"
    assert runner.invoke(cli, ["link", "keygen", "-o", str(key)]).exit_code == 0
    enc = runner.invoke(cli, ["link", "encode", str(persons), "--secret-file", str(key), "-o", str(tmp_path / "e.parquet"),
                              "--key-epoch", "2"])
    assert enc.exit_code == 0, enc.output
    from palermo.linkage.encoding import read_encodings

    assert read_encodings(tmp_path / "e.parquet").meta["key_epoch"] == "2"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_daily_runs_every_day_at_the_time_and_survives_a_failure(anyio_backend: str) -> None:
    now = [datetime(2027, 1, 1, 12, 0, tzinfo=UTC)]
    slept: list[float] = []
    ran: list[datetime] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    def job() -> None:
        ran.append(now[0])
        if len(ran) == 1:
            raise RuntimeError("disk full")

    await retention.daily(job, dtime(3, 15), clock=lambda: now[0], sleep=fake_sleep, runs=3)
    assert ran == [datetime(2027, 1, d, 3, 15, tzinfo=UTC) for d in (2, 3, 4)]  # the failure did not stop it
    assert slept[0] == (15 * 3600 + 15 * 60) and slept[1:] == [86400.0, 86400.0]


def test_serve_runs_the_purge_by_itself(sqlite_demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "next_run", lambda now, at: now + timedelta(seconds=0.2))
    app = create_app(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    with TestClient(app):  # runs the lifespan, as `palermo serve` does
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with sqlite_demo_db.session(write=False) as s:
                done = s.execute(select(AuditEntry).where(AuditEntry.action == "maintenance.purge")).scalars().all()
            if done:
                break
            time.sleep(0.1)
    assert done and done[0].actor == "system:daily-purge"

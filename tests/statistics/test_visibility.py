"""Disclosure control is part of reading: every read of statistics, for every face, returns only what its
reader may see. True values below the threshold only for analysts and data owners of the owning
organisation; everyone else (other organisations, viewers, anonymous visitors) gets protected cells,
also in explanations, differences, shares, profiles, exports and the coordination gaps built on them."""

from __future__ import annotations

import re
from pathlib import Path

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.statistics.divergence import explain
from palermo.statistics.exports import rows_for_export
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
from palermo.statistics.profile import country_profile
from palermo.statistics.query import find_observations
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

SYSTEM = Principal.system()
THRESHOLD = 5


def _world(db: Database) -> dict[str, Principal]:
    """Two police forces; A publishes a source with a small cell (organs: 2), B another with organs: 4."""
    with db.session() as s:
        a = accounts.create_organisation(s, SYSTEM, name="Police A", short_name="A", org_type="police", country="NLD")
        b = accounts.create_organisation(s, SYSTEM, name="Police B", short_name="B", org_type="police", country="NLD")
        out = {}
        for org, role in (("A", "analyst"), ("A", "viewer"), ("A", "officer"), ("B", "analyst")):
            u = accounts.create_user(s, SYSTEM, username=f"{org.lower()}-{role}", password="pw-123456789",
                                     organisation=org, roles=role)
            out[f"{org}-{role}"] = accounts.principal_for(u)
        for key, org, organs, total in (("src-a", a, 2.0, 400.0), ("src-b", b, 4.0, 803.0)):
            cells = [ObservationSpec("victims", "NLD", "2023", value=total),
                     ObservationSpec("victims", "NLD", "2023", exploitation="sexual", value=total - organs - 100),
                     ObservationSpec("victims", "NLD", "2023", exploitation="labour", value=100.0),
                     ObservationSpec("victims", "NLD", "2023", exploitation="organs", value=organs),
                     ObservationSpec("victims", "NLD", "2023", sex="female", value=total / 2),
                     ObservationSpec("victims", "NLD", "2023", sex="male", value=total / 2)]
            record_observations(s, SYSTEM, SourceSpec(key, key, "police", "detected", "persons", "national",
                                                      owner_org_id=org.id), cells)
    return out


def _organs(obs) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    return {o.source_key: o.value for o in obs if o.exploitation == "organs"}


def test_true_small_values_only_for_analysts_of_the_owner(db: Database) -> None:
    who = _world(db)
    with db.session(write=False) as s:
        assert _organs(find_observations(s, who["A-analyst"])) == {"src-a": 2.0, "src-b": None}
        assert _organs(find_observations(s, who["B-analyst"])) == {"src-a": None, "src-b": 4.0}
        for reader in (who["A-viewer"], who["A-officer"], Principal.anonymous()):
            assert _organs(find_observations(s, reader)) == {"src-a": None, "src-b": None}, reader.username
        assert _organs(find_observations(s, SYSTEM)) == {"src-a": 2.0, "src-b": 4.0}
        # asking for the public release narrows even the owner's view
        assert _organs(find_observations(s, who["A-analyst"], public_only=True)) == {"src-a": None, "src-b": None}


def test_complementary_cell_is_suppressed_too(db: Database) -> None:
    who = _world(db)
    with db.session(write=False) as s:
        seen = {(o.source_key, o.exploitation): o for o in find_observations(s, who["A-viewer"]) if o.sex == "total"}
    # total 400 = sexual + labour + organs: with organs hidden, the smallest other part must go as well
    hidden = [k for k, o in seen.items() if k[0] == "src-a" and o.suppressed]
    assert ("src-a", "organs") in hidden and len(hidden) == 2
    assert all(seen[k].value is None and seen[k].lower is None for k in hidden)


def test_a_suppressed_cell_takes_part_in_no_difference(db: Database) -> None:
    who = _world(db)
    with db.session(write=False) as s:
        for reader in (who["A-viewer"], who["B-analyst"], Principal.anonymous()):
            text = str([p.to_dict() for p in explain(s, reader, country="NLD", year="2023", threshold=THRESHOLD)])
            assert "organs" not in text, reader.username
            # nor the complementary cell: no difference names a cell the reader sees suppressed
            hidden = {o.exploitation for o in find_observations(s, reader) if o.suppressed}
            assert not any(f"'{h}: " in text for h in hidden), (reader.username, hidden, text)
        owner = str([p.to_dict() for p in explain(s, SYSTEM, country="NLD", year="2023")])
        assert "organs: 2 vs 4" in owner  # the comparison itself still works where values may be seen


def test_exports_and_profile_use_the_same_protected_read(db: Database) -> None:
    who = _world(db)
    with db.session(write=False) as s:
        rows = rows_for_export(s, who["A-viewer"], threshold=THRESHOLD)  # no public flag: still protected
        assert {r["source"]: r["value"] for r in rows if r["exploitation"] == "organs"} == {"src-a": None, "src-b": None}
        assert all("suppressed" in r["flags"] for r in rows if r["exploitation"] == "organs")
        own = rows_for_export(s, who["A-analyst"], threshold=THRESHOLD)
        assert {r["source"]: r["value"] for r in own if r["exploitation"] == "organs"} == {"src-a": 2.0, "src-b": None}
        profile = country_profile(s, who["A-viewer"], "nld", threshold=THRESHOLD)
        assert profile.year == "2023" and profile.reference == "src-a"
        assert dict(profile.shares) == {"src-a": "200 of 400 (50%)", "src-b": "402 of 803 (50%)"}
        assert "organs" not in str(profile.to_dict())


def test_a_stricter_threshold_hides_more(db: Database) -> None:
    who = _world(db)
    with db.session(write=False) as s:
        loose = {o.exploitation for o in find_observations(s, who["A-viewer"], threshold=3) if o.suppressed
                 and o.source_key == "src-a"}
        strict = {(o.sex, o.exploitation) for o in find_observations(s, who["A-viewer"], threshold=250) if o.suppressed
                  and o.source_key == "src-a"}
    assert loose == {"organs", "labour"}  # organs primary, labour complementary
    assert {("female", "total"), ("male", "total"), ("total", "organs")} <= strict


SMALL_NEED = re.compile(r"\((\d+(?:\.\d+)?) in \d{4}")


def test_small_counts_do_not_reach_a_viewer(demo_db: Database, tmp_path: Path) -> None:
    """Regression (issue 14): the NL rapporteur's viewer saw "organs: 1 vs 3" on the country profile and in
    the explain API, and "2 in 2025" in the coordination gaps, while /statistics/data suppressed them."""
    c = client_for(make_settings(tmp_path, demo_db), demo_db)
    login(c, "viewer", DEMO_PASSWORD)
    observations = c.get("/api/v1/statistics/observations", params={"country": "NLD"}).json()
    hidden = {(f"{r['source']}@{r['vintage']}", r["period"], r["exploitation"]) for r in observations
              if r["value"] is None and "suppressed" in r["flags"] and r["sex"] == "total"}
    assert {h[2] for h in hidden} >= {"organs"}  # the data table protects them (the starting point of the defect)
    for year in ("2022", "2023", "2024"):
        page = c.get(f"/statistics/country/NLD?year={year}").text
        assert not re.search(r"<li>organs: \d", page)
        explained = c.get("/api/v1/statistics/explain", params={"country": "NLD", "year": year}).json()
        assert explained
        for p in explained:
            for e in p["evidence"]:
                cell = e.split(":")[0]
                assert (p["source_a"], year, cell) not in hidden and (p["source_b"], year, cell) not in hidden, e
    needs = [n for g in c.get("/api/v1/coordination/gaps").json() for n in g["needs"]]
    small = [n for n in needs if (m := SMALL_NEED.search(n)) and float(m.group(1)) < THRESHOLD]
    assert not small, small
    assert any("count withheld" in n for n in needs)  # the need is still shown, without its count

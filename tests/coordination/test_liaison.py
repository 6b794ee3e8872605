"""Liaison officers: local networks, sharing levels and duplicate reporting."""

from __future__ import annotations

from datetime import date

import pytest

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.coordination.actors import resolve_actor
from palermo.coordination.liaison import PostingSpec, add_posting, add_report, duplicate_reports, local_networks, visible_reports
from palermo.db import Database
from palermo.errors import NotFound, ValidationError

SYSTEM = Principal.system()


def _world(db: Database) -> dict[str, Principal]:
    with db.session() as s:
        for short, cc in (("IT-POL", "ITA"), ("IT-GDF", "ITA"), ("NL-POL", "NLD")):
            accounts.create_organisation(s, SYSTEM, name=f"{short} org", short_name=short, org_type="police", country=cc)
        users = {}
        for short in ("IT-POL", "IT-GDF", "NL-POL"):
            u = accounts.create_user(s, SYSTEM, username=short.lower(), password="x" * 12, organisation=short, roles="officer")
            users[short] = accounts.principal_for(u)
        resolve_actor(s, SYSTEM, "IT-POL org").organisation_id = accounts.get_organisation(s, "IT-POL").id
        add_posting(s, SYSTEM, PostingSpec("IT-1", "ITA", "IT-POL org", "LBY", date(2024, 1, 1)))
        add_posting(s, SYSTEM, PostingSpec("NL-1", "NLD", "NL-POL org", "LBY", date(2024, 3, 1)))
        add_posting(s, SYSTEM, PostingSpec("NL-2", "NLD", "NL-POL org", "NGA", date(2020, 1, 1), date(2021, 1, 1)))
        add_report(s, SYSTEM, "IT-1", event_date=date(2025, 5, 2), event_place="Zuwara port",
                   title="Two boats intercepted leaving Zuwara", sharing_level="network")
        add_report(s, SYSTEM, "NL-1", event_date=date(2025, 5, 3), event_place="Zuwara",
                   title="Boats intercepted leaving Zuwara port", sharing_level="network")
        add_report(s, SYSTEM, "IT-1", event_date=date(2025, 5, 20), event_place="Sabratha",
                   title="Smuggling network active in Sabratha", sharing_level="sending_state")
        add_report(s, SYSTEM, "IT-1", event_date=date(2025, 6, 1), event_place="Tripoli",
                   title="Informant report", sharing_level="restricted")
    return users


def test_local_networks_only_hold_current_postings(db: Database) -> None:
    _world(db)
    with db.session(write=False) as s:
        nets = local_networks(s, date(2025, 1, 1))
        assert {cc: sorted(p.officer_ref for p in ps) for cc, ps in nets.items()} == {"LBY": ["IT-1", "NL-1"]}


def test_sharing_levels_decide_who_reads(db: Database) -> None:
    users = _world(db)
    with db.session(write=False) as s:
        seen = {k: sorted(r.title for r in visible_reports(s, p)) for k, p in users.items()}
    network = ["Boats intercepted leaving Zuwara port", "Two boats intercepted leaving Zuwara"]
    assert seen["NL-POL"] == network
    assert seen["IT-GDF"] == sorted(network + ["Smuggling network active in Sabratha"])
    assert seen["IT-POL"] == sorted(network + ["Smuggling network active in Sabratha", "Informant report"])


def test_duplicate_reporting_is_detected(db: Database) -> None:
    _world(db)
    with db.session(write=False) as s:
        dups = duplicate_reports(visible_reports(s, SYSTEM))
    assert len(dups) == 1 and sorted(dups[0]["officers"]) == ["IT-1", "NL-1"] and dups[0]["host_country"] == "LBY"


def test_bad_postings_and_reports_are_refused(db: Database) -> None:
    with db.session() as s, pytest.raises(ValidationError) as info:
        add_posting(s, SYSTEM, PostingSpec("X", "Atlantis", "Agency", "LBY", date(2024, 1, 1), date(2023, 1, 1)))
    assert {p.field for p in info.value.problems} == {"sending_state", "end"}
    with db.session() as s, pytest.raises(NotFound):
        add_report(s, SYSTEM, "NOPE", event_date=date(2025, 1, 1), event_place="x", title="y")

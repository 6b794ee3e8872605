"""Saved capture-history tables: stored on both backends, audited, visible only to their organisation unless shared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import NotFound, PermissionDenied, ValidationError
from palermo.estimation import CaptureHistories, estimate_population
from palermo.estimation.tables import (
    get_table,
    histories_from_json,
    histories_of,
    save_table,
    visible_tables,
)

TABLE = CaptureHistories.from_overlap({("NGO",): 60, ("POLICE",): 80, ("NGO", "POLICE"): 20, ("LABOUR",): 30,
                                       ("LABOUR", "POLICE"): 6, ("LABOUR", "NGO"): 5})


def _principals(s, system: Principal) -> tuple[Principal, Principal]:  # type: ignore[no-untyped-def]
    a = accounts.create_organisation(s, system, name="Police A", short_name="POL-A", org_type="police", country="NLD")
    b = accounts.create_organisation(s, system, name="NGO B", short_name="NGO-B", org_type="ngo", country="NLD")
    return (Principal(None, "ana", a.id, frozenset({"analyst"})), Principal(None, "bo", b.id, frozenset({"analyst"})))


def test_save_open_and_estimate(db: Database, system: Principal) -> None:
    with db.session() as s:
        ana, _ = _principals(s, system)
        t = save_table(s, ana, TABLE, name="NLD 2024", country="Netherlands", period="2024")
        tid = t.reference
        assert re.fullmatch(r"tbl-[0-9a-f]{12}", tid)
    with db.session() as s:
        ana = Principal(None, "ana", t.organisation_id, frozenset({"analyst"}))
        table = get_table(s, ana, tid)
        assert table.country == "NLD"
        h = histories_of(table)
        assert h == TABLE
        assert estimate_population(h).observed == 201
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "estimation.table.save")).scalar_one()
        assert entry.object_id == tid  # the reference: the row id would count every organisation's tables


def test_other_organisations_do_not_see_unshared_tables(db: Database, system: Principal) -> None:
    with db.session() as s:
        ana, bo = _principals(s, system)
        private = save_table(s, ana, TABLE, name="private")
        shared = save_table(s, ana, TABLE, name="hub overlap", origin="hub", shared=True)
        assert {t.name for t in visible_tables(s, bo)} == {"hub overlap"}
        assert {t.name for t in visible_tables(s, ana)} == {"private", "hub overlap"}
        with pytest.raises(NotFound) as theirs:
            get_table(s, bo, private.reference)
        with pytest.raises(NotFound) as unknown:
            get_table(s, bo, "tbl-000000000000")
        # another organisation's table and one that does not exist are refused in the same words
        assert theirs.value.message.replace(private.reference, "tbl-000000000000") == unknown.value.message
        assert get_table(s, bo, shared.reference).name == "hub overlap"


def test_viewers_cannot_save_and_names_are_required(db: Database, system: Principal) -> None:
    with db.session() as s:
        ana, _ = _principals(s, system)
        viewer = Principal(None, "vi", ana.organisation_id, frozenset({"viewer"}))
        with pytest.raises(PermissionDenied):
            save_table(s, viewer, TABLE, name="x")
        with pytest.raises(ValidationError):
            save_table(s, ana, TABLE, name="  ")


def test_json_rows_and_overlap_shapes() -> None:
    rows = histories_from_json(["A", "B"], rows=[{"A": 1, "B": 0, "count": 3}, {"A": 1, "B": 1, "count": 2}])
    assert dict(rows.counts) == {(1, 0): 3, (1, 1): 2}
    overlap = histories_from_json(["A", "B"], overlap={"A": 3, "A+B": 2})
    assert overlap == rows
    with pytest.raises(ValidationError):
        histories_from_json(["A", "B"])


def test_hub_overlap_of_submitted_encodings_equals_the_plaintext_counts(db: Database, system: Principal,
                                                                         tmp_path: Path) -> None:
    # three agencies submit encoded victim lists to the hub; the operator computes the overlap from encodings
    import io
    from datetime import date

    from palermo.estimation.overlap import overlap_from_identities
    from palermo.estimation.tables import save_hub_overlap
    from palermo.exchange.agreements import AgreementSpec, save_agreements
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.hub import submit
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from tests.conftest import make_settings
    from tests.estimation.test_overlap import _linkage_lists

    settings = make_settings(tmp_path, db)
    rows, truth = _linkage_lists(noise=0.0, seed=3)
    encoder = Encoder(DEFAULT_SCHEMA, b"agencies-shared-secret-32-bytes!")
    with db.session() as s:
        hub = accounts.create_organisation(s, system, name="Hub", short_name="HUB", org_type="international_organisation",
                                           is_operator=True)
        orgs = {name: accounts.create_organisation(s, system, name=f"Agency {name}", short_name=name, org_type="ngo",
                                                   country="NLD") for name in rows}
        # the hub compares (and counts together) only lists an agreement allows it to compare
        save_agreements(s, system, [AgreementSpec("NRM", "referral mechanism", "data_sharing_protocol", "in_force",
                                                  list(rows), ["hit_no_hit"], ["victim_protection"], date(2020, 1, 1),
                                                  None, ["H0"], {}, 365, "")])
        upload_ids = []
        for name, recs in rows.items():
            officer = Principal(None, f"{name.lower()}.officer", orgs[name].id, frozenset({"officer"}))
            ds = encoder.encode(recs, label=name)
            ds.meta["hub"] = settings.hub_name
            buf = io.BytesIO()
            ds.write(buf)  # type: ignore[arg-type]
            upload_ids.append(submit(s, officer, buf.getvalue(), label=name, purpose="victim_protection",
                                     list_kind="victims", settings=settings).upload.id)
        operator = Principal(None, "hub.admin", hub.id, frozenset({"admin"}), True)
        agency = Principal(None, "ngo.analyst", hub.id + 1, frozenset({"analyst"}))
        with pytest.raises(PermissionDenied):
            save_hub_overlap(s, agency, upload_ids, name="not allowed")
        table = save_hub_overlap(s, operator, upload_ids, name="NLD victims overlap", country="NLD", period="2025")
        assert table.shared and table.origin == "hub"
        # a shared table is read by every agency: its notes must not list the uploads' row ids (they count
        # every agency's uploads)
        assert table.notes == f"overlap of {len(upload_ids)} hub uploads computed from encodings"
        # no typos: every true link is found and no other (namesakes with other dates of birth are not linked)
        assert dict(histories_of(table).counts) == dict(CaptureHistories.from_overlap(
            overlap_from_identities(truth), lists=histories_of(table).lists).counts)

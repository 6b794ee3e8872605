"""The hub workflow: policy-checked comparisons, hits for both sides, refusals, quotas, wrong hub, wrong key."""

from __future__ import annotations

import io
import json
import random

import pytest
from sqlalchemy import select

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.db import Database
from palermo.demo import estimation as demo_estimation
from palermo.demo.linkage import DEMO_SECRET
from palermo.errors import RateLimited, ValidationError
from palermo.linkage.encoding import Encoder
from palermo.linkage.hits import hits_for
from palermo.linkage.hub import list_overlap, submit
from palermo.linkage.models import LinkUpload
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings

LISTS, TRUTH = agency_lists({"A": 120, "B": 120}, overlap=0.3, noise=0.05, seed=4)


def _bytes(agency: str, secret: bytes = DEMO_SECRET, hub: str = "palermo-hub") -> bytes:
    ds = Encoder(DEFAULT_SCHEMA, secret).encode(LISTS[agency], label=agency)
    ds.meta["hub"] = hub
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return buf.getvalue()


def _who(s, user):  # type: ignore[no-untyped-def]
    return accounts.principal_for(accounts.get_user(s, user))


def test_hits_for_both_sides_and_refusals(demo_db: Database) -> None:
    settings = Settings()
    with demo_db.session() as s:
        a = submit(s, _who(s, "es.officer"), _bytes("A"), label="A", purpose="investigation", list_kind="suspects", settings=settings)
        b = submit(s, _who(s, "europol.analyst"), _bytes("B"), label="B", purpose="investigation", list_kind="suspects",
                   settings=settings)
        c = submit(s, _who(s, "it.owner"), _bytes("A"), label="A again", purpose="investigation", list_kind="suspects",
                   settings=settings)
        assert a.hits == [] and b.run.compared and len(b.hits) >= 30  # ~36 true overlaps with light noise
        assert c.run.compared  # Italy-Europol is allowed; Italy-Spain has no agreement, Italy-Netherlands an expired one
        assert any("no agreement between" in r for r in c.run.refused["ES-POL"])
        assert any("NL-IT-MOU has expired" in r for r in c.run.refused["NL-POL"])
        es_hits = hits_for(s, _who(s, "es.officer"))
        europol_hits = hits_for(s, _who(s, "europol.analyst"))
        assert es_hits and {h.other_agency for h in es_hits} >= {"EUROPOL"}
        assert all(h.my_record.startswith("B-") for h in europol_hits if h.my_list == "B")
        overlap = list_overlap(s, _who(s, "hub.admin"), [a.upload.id, b.upload.id])
        assert sum(overlap.values()) == len(set(TRUTH.values()))  # every person once, whatever their lists
    with demo_db.session(write=False) as s:
        actions = {e.action for e in s.execute(select(AuditEntry).where(AuditEntry.action.like("link.%"))).scalars()}
    assert {"link.upload", "link.match_run", "link.notify", "link.overlap"} <= actions


def test_wrong_hub_wrong_key_and_quota(demo_db: Database) -> None:
    with demo_db.session() as s:
        before = len(s.execute(select(LinkUpload)).scalars().all())
        with pytest.raises(ValidationError, match="made for hub 'other-hub'"):
            submit(s, _who(s, "es.officer"), _bytes("A", hub="other-hub"), label="x", purpose="investigation",
                   list_kind="suspects", settings=Settings())
        with pytest.raises(ValidationError, match="different shared secret or schema"):
            submit(s, _who(s, "es.officer"), _bytes("A", secret=b"w" * 40), label="x", purpose="investigation",
                   list_kind="suspects", settings=Settings())
        with pytest.raises(ValidationError, match="purpose"):
            submit(s, _who(s, "es.officer"), _bytes("A"), label="x", purpose="curiosity", list_kind="suspects", settings=Settings())
        with pytest.raises(RateLimited):
            submit(s, _who(s, "es.officer"), _bytes("A"), label="x", purpose="investigation", list_kind="suspects",
                   settings=Settings(link_records_per_day=50))
    with demo_db.session(write=False) as s:
        assert len(s.execute(select(LinkUpload)).scalars().all()) == before



def test_a_hit_offers_to_request_the_kind_of_record_compared(demo_db: Database) -> None:
    """Lists are compared with lists of their kind; a hit between victims' lists leads to a request for a
    victim's data, not a suspect's (the demo's hits are between suspects' lists)."""
    settings = Settings()
    victims_secret = random.Random(demo_estimation.SEED).getrandbits(256).to_bytes(32, "big")  # the demo's victims network
    with demo_db.session() as s:
        assert {h.category for h in hits_for(s, _who(s, "europol.analyst"))} == {"personal_data_suspects"}
        submit(s, _who(s, "es.officer"), _bytes("A", secret=victims_secret), label="victims A", purpose="victim_protection",
               list_kind="victims",
               settings=settings)
        run = submit(s, _who(s, "europol.analyst"), _bytes("B", secret=victims_secret), label="victims B", purpose="victim_protection",
                     list_kind="victims", settings=settings)
        assert run.hits
        es_hits = [h for h in hits_for(s, _who(s, "es.officer")) if h.my_list == "victims A"]
        europol_hits = [h for h in hits_for(s, _who(s, "europol.analyst")) if h.my_list == "victims B"]
    assert es_hits and {h.category for h in es_hits} == {"personal_data_victims"}
    assert europol_hits and {h.category for h in europol_hits} == {"personal_data_victims"}


def test_each_notification_names_the_agreement_of_its_pair(demo_db: Database) -> None:
    """The reported defect: link.notify entries to NL-POL, IT-POL and Europol all named EU-OPS-ES (the first
    hit's agreement). Each entry now names the agreement that binds its recipient and its counterpart."""
    from palermo.auth.models import Organisation
    from palermo.exchange.agreements import get_agreement
    from palermo.exchange.policy import binds

    with demo_db.session(write=False) as s:
        orgs = {o.short_name: o for o in s.execute(select(Organisation)).scalars()}
        by_id = {o.id: o for o in orgs.values()}
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.action == "link.notify")).scalars())
        seen = set()
        for e in entries:
            recipient, counterpart = by_id[int(e.object_id)], orgs[json.loads(e.details)["counterpart"]]
            assert e.legal_basis, e.object_id
            ag = get_agreement(s, e.legal_basis)
            assert binds(ag, recipient, counterpart), (recipient.short_name, counterpart.short_name, e.legal_basis)
            seen.add((recipient.short_name, counterpart.short_name, e.legal_basis))
    assert {("NL-POL", "EUROPOL", "EU-OPS-NL"), ("IT-POL", "EUROPOL", "EU-OPS-IT"), ("EUROPOL", "ES-POL", "EU-OPS-ES"),
            ("NL-LA", "NL-POL", "NL-WPG-LA")} <= seen

"""One person across many agencies: entities from the open hits of all live uploads, references that
stay when new uploads arrive, and agencies named only where the caller has a hit/no-hit agreement."""

from __future__ import annotations

import io

from sqlalchemy import select

from palermo.auth import accounts
from palermo.db import Database
from palermo.demo.linkage import DEMO_SECRET
from palermo.linkage.encoding import Encoder
from palermo.linkage.entities import components, entities_for
from palermo.linkage.hub import submit
from palermo.linkage.models import LinkHit, LinkUpload
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings

LISTS, TRUTH = agency_lists({"ES": 120, "EU": 120, "IT": 120, "NL": 120}, overlap=0.5, noise=0.03, seed=31)
USERS = {"ES": "es.officer", "EU": "europol.analyst", "IT": "it.owner", "NL": "nl.officer"}


def _submit(s, agency: str):  # type: ignore[no-untyped-def]
    ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(LISTS[agency], label=agency)
    ds.meta["hub"] = "palermo-hub"
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return submit(s, accounts.principal_for(accounts.get_user(s, USERS[agency])), buf.getvalue(), label=f"list {agency}",
                  purpose="investigation", list_kind="suspects", settings=Settings())


def _who(s, agency: str):  # type: ignore[no-untyped-def]
    return accounts.principal_for(accounts.get_user(s, USERS[agency]))


def test_entities_are_bound_by_the_legal_basis_and_stable_across_uploads(demo_db: Database) -> None:
    with demo_db.session() as s:
        for agency in ("ES", "EU", "IT"):
            _submit(s, agency)
    with demo_db.session(write=False) as s:
        europol = {e.my_record: e for e in entities_for(s, _who(s, "EU")) if e.my_list == "list EU"}
        spain = {e.my_record: e for e in entities_for(s, _who(s, "ES")) if e.my_list == "list ES"}
        hits = list(s.execute(select(LinkHit).where(LinkHit.status == "open")).scalars())
        labels = dict(s.execute(select(LinkUpload.id, LinkUpload.label)).all())
    root = components(hits)
    groups: dict[object, set[str]] = {}
    for (upload, record), r in root.items():
        groups.setdefault(r, set()).add(f"{labels[upload]}:{record}")
    # Europol has agreements with Spain and Italy: a person on all three lists is known to 3 agencies.
    triple = [e for e in europol.values() if set(e.agencies) == {"ES-POL", "IT-POL"}]
    assert len(triple) >= 10 and all(e.known_to == 3 for e in triple)
    for e in triple:  # and it is the same person on each list (the synthetic truth says so)
        pid = TRUTH[("EU", e.my_record)]
        group = groups[root[next(n for n in root if labels[n[0]] == "list EU" and n[1] == e.my_record)]]
        assert {TRUTH[(m.split(":")[0].split()[-1], m.split(":")[1])] for m in group if m.startswith("list ")} == {pid}
    # Spain has no agreement with Italy: Italy's record of the same person is neither named nor counted.
    spain_node = {rec: next(n for n in root if labels[n[0]] == "list ES" and n[1] == rec) for rec in spain}
    via_europol = [rec for rec in spain if any(m.startswith("list IT:") for m in groups[root[spain_node[rec]]])]
    assert via_europol and all("IT-POL" not in spain[r].agencies and spain[r].known_to == 2 for r in via_europol)
    # A new upload (the Dutch police's) adds records to existing entities; their references stay.
    with demo_db.session() as s:
        _submit(s, "NL")
    with demo_db.session(write=False) as s:
        after = {e.my_record: e for e in entities_for(s, _who(s, "EU")) if e.my_list == "list EU"}
    grown = [r for r in europol if r in after and after[r].known_to > europol[r].known_to]
    assert grown and all("NL-POL" in after[r].agencies for r in grown)
    assert all(after[r].reference == e.reference for r, e in europol.items() if r in after)

"""Demo hit/no-hit: suspect lists of four agencies (Dutch, Italian and Spanish police, Europol) made from
one synthetic population with overlaps, encoded with a demo secret and submitted to the hub in turn.
The expired Netherlands-Italy agreement shows up as a refused comparison."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from palermo.auth import accounts
from palermo.exchange.requests import file_request
from palermo.linkage.encoding import Encoder
from palermo.linkage.hits import hits_for
from palermo.linkage.hub import submit
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists

DEMO_SECRET = b"palermo-demo-shared-secret-not-for-real-use-0001"

SUBMITTERS = [("NL-POL", "nl.officer", "suspects NL 2026-Q3", "investigation"),
              ("IT-POL", "it.owner", "sospettati 2026", "investigation"),
              ("ES-POL", "es.officer", "sospechosos UCRIF 2026", "investigation"),
              ("EUROPOL", "europol.analyst", "EMPACT THB persons of interest", "investigation")]


def build(session: Session, ctx: Any) -> None:
    settings = ctx.extra.get("settings")
    if settings is None:
        from palermo.settings import Settings

        settings = Settings()
    lists, _truth = agency_lists({org: 300 for org, *_ in SUBMITTERS}, overlap=0.15, noise=0.15, seed=2026)
    encoder = Encoder(DEFAULT_SCHEMA, DEMO_SECRET)
    total = 0
    for org, user, label, purpose in SUBMITTERS:
        ds = encoder.encode(lists[org], label=label)
        ds.meta["hub"] = settings.hub_name
        import io

        buf = io.BytesIO()
        ds.write(buf)  # type: ignore[arg-type]
        result = submit(session, accounts.principal_for(ctx.users[user]), buf.getvalue(), label=label, purpose=purpose,
                        list_kind="suspects", settings=settings)
        total += len(result.hits)
    # a follow-up: the Dutch police ask Europol for the record behind their best hit (left for Europol to answer)
    officer = accounts.principal_for(ctx.users["nl.officer"])
    best = next(h for h in hits_for(session, officer) if h.other_agency == "EUROPOL")
    follow_up = file_request(session, officer, owner_org_id=ctx.orgs["EUROPOL"].id, category=best.category,
                             purpose="investigation", justification="Hit on a suspect of our THB investigation into a "
                             "Nigerian network in Amsterdam; the record would confirm the identity",
                             case_reference="NL-2026-0502", data_wanted="Identity and known aliases",
                             match_reference=best.reference)
    ctx.notes.append(f"linkage: 4 agencies' suspect lists encoded and matched at the hub, {total} hits "
                     "(the expired NL-IT agreement refuses that comparison); hit "
                     f"{best.reference} followed up by request {follow_up.reference}, pending at Europol")

"""International instruments (the two Palermo Protocols, the Global Compact for Migration) and each
state's participation; national action plans and their commitments, with overdue ones flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.accounts import normalise_country
from palermo.auth.roles import Principal
from palermo.coordination.actors import resolve_actor
from palermo.coordination.evidence import STATS, assess, split_indicator
from palermo.coordination.initiatives import list_initiatives
from palermo.coordination.models import ActionPlan, Commitment, Initiative, Instrument, InstrumentParty
from palermo.db.base import utcnow
from palermo.errors import NotFound, Problem, ValidationError
from palermo.messages import N_

DATA = Path(__file__).parent / "data" / "instruments.yaml"
COMMITMENT_STATUSES = ("open", "in_progress", "done", "dropped")


def load_instruments(session: Session) -> int:
    """Load the shipped instruments and participation dates (idempotent); returns the parties loaded."""
    data = yaml.safe_load(DATA.read_text())
    n = 0
    for item in data["instruments"]:
        inst = session.execute(select(Instrument).where(Instrument.key == item["key"])).scalar_one_or_none()
        if inst is None:
            inst = Instrument(key=item["key"], name=item["name"], adopted=item.get("adopted"),
                              binding=item.get("binding", True))
            session.add(inst)
            session.flush()
        for party in item.get("parties", []):
            cc = normalise_country(party["country"])
            row = session.execute(select(InstrumentParty).where(InstrumentParty.instrument_id == inst.id,
                                                                InstrumentParty.country == cc)).scalar_one_or_none()
            if row is None:
                session.add(InstrumentParty(instrument_id=inst.id, country=cc, signature=party.get("signature"),
                                            consent=party.get("consent"), consent_kind=party.get("kind"),
                                            source=data.get("source", "")))
                n += 1
    session.flush()
    return n


def instrument_table(session: Session) -> list[dict[str, Any]]:
    out = []
    for inst in session.execute(select(Instrument).order_by(Instrument.adopted)).scalars():
        parties = session.execute(select(InstrumentParty).where(InstrumentParty.instrument_id == inst.id)
                                  .order_by(InstrumentParty.country)).scalars()
        out.append({"key": inst.key, "name": inst.name, "adopted": inst.adopted, "binding": inst.binding,
                    "parties": [{"country": p.country, "signature": p.signature, "consent": p.consent,
                                 "kind": p.consent_kind} for p in parties]})
    return out


@dataclass
class CommitmentSpec:
    text: str
    responsible: str
    deadline: date
    status: str = "open"
    evidence: str = ""
    initiatives: list[str] = field(default_factory=list)  # references of the initiatives that deliver it
    indicators: list[str] = field(default_factory=list)  # "stats:<source key>" or "<initiative ref>:<indicator>"


def _link_problems(session: Session, n: int | None, initiatives: list[str], indicators: list[str]) -> list[Problem]:
    known = set(session.execute(select(Initiative.ref)).scalars())
    out = [Problem(N_("initiative {ref!r} is not in the registry; register or import it first", ref=ref), line=n,
                   field="initiatives", value=ref) for ref in initiatives if ref not in known]
    for ind in indicators:
        kind, name = split_indicator(ind)
        if not name or (kind != "stats" and kind not in known):
            out.append(Problem(N_("indicator must be stats:<source key> or <initiative ref>:<indicator title> of a "
                                  "registered initiative"), line=n, field="indicators", value=ind))
    return out


def add_action_plan(session: Session, principal: Principal, title: str, country: str | None,
                    commitments: list[CommitmentSpec], period: tuple[date | None, date | None] = (None, None)) -> ActionPlan:
    principal.require("analyst", "admin", action=N_("record action plans"))
    problems = [Problem(N_("unknown status; use one of {commitment_statuses}",
                           commitment_statuses=', '.join(COMMITMENT_STATUSES)), line=n, field="status", value=c.status)
                for n, c in enumerate(commitments, 1) if c.status not in COMMITMENT_STATUSES]
    problems += [Problem(N_("commitment text is empty"), line=n, field="text") for n, c in enumerate(commitments, 1)
                 if not c.text.strip()]
    problems += [p for n, c in enumerate(commitments, 1) for p in _link_problems(session, n, c.initiatives, c.indicators)]
    if problems:
        raise ValidationError(N_("action plan {title!r} not saved", title=title), problems)
    plan = ActionPlan(title=title, country=normalise_country(country) if country else None, period_start=period[0],
                      period_end=period[1], updated_by=principal.username)
    session.add(plan)
    session.flush()
    for c in commitments:
        actor = resolve_actor(session, principal, c.responsible)
        plan.commitments.append(Commitment(text=c.text, responsible_actor_id=actor.id, deadline=c.deadline,
                                           status=c.status, evidence=c.evidence, initiatives=list(c.initiatives),
                                           indicators=list(c.indicators), updated_by=principal.username))
    session.flush()
    audit.record(session, principal, "coord.action_plan.create", "coord_action_plan", plan.id)
    return plan


def link_commitment(session: Session, principal: Principal, commitment_id: int, *, initiatives: list[str],
                    indicators: list[str]) -> Commitment:
    """Tie a commitment to the initiatives and indicators that deliver it (replacing earlier links)."""
    principal.require("analyst", "admin", action=N_("record action plans"))
    c = session.get(Commitment, commitment_id)
    if c is None:
        raise NotFound(N_("no commitment {commitment_id}", commitment_id=commitment_id))
    problems = _link_problems(session, None, initiatives, indicators)
    if problems:
        raise ValidationError(N_("commitment not linked"), problems)
    c.initiatives, c.indicators = list(dict.fromkeys(initiatives)), list(dict.fromkeys(indicators))
    c.updated_at, c.updated_by = utcnow(), principal.username
    audit.record(session, principal, "coord.commitment.link", "coord_commitment", c.id,
                 details={"initiatives": c.initiatives, "indicators": c.indicators})
    return c


def _published(session: Session, principal: Principal | None, keys: set[str]) -> dict[str, str]:
    """Latest period with data of each statistics source named by a commitment, among those the reader sees."""
    if principal is None or not keys:
        return {}
    from palermo.statistics.query import find_observations

    out: dict[str, str] = {}
    for key in keys:
        periods = [o.period for o in find_observations(session, principal, source_key=key)]
        if periods:
            out[key] = max(periods)
    return out


def commitments(session: Session, principal: Principal | None = None, today: date | None = None) -> list[dict[str, Any]]:
    """Every commitment with its plan, responsible actor, whether it is overdue, and the status its
    evidence shows (initiatives and indicators; statistics evidence only from sources ``principal`` sees)."""
    today = today or date.today()
    rows = session.execute(select(Commitment, ActionPlan).join(ActionPlan).order_by(Commitment.deadline)).all()
    by_ref = {i.ref: i for i in list_initiatives(session)}
    keys = {split_indicator(x)[1] for c, _ in rows for x in c.indicators or [] if x.startswith(STATS)}
    published = _published(session, principal, keys)
    return [{"id": c.id, "plan": p.title, "country": p.country, "text": c.text, "responsible": c.responsible.name,
             "deadline": c.deadline, "status": c.status, "evidence": c.evidence,
             "overdue": c.deadline < today and c.status in ("open", "in_progress"),
             "initiatives": c.initiatives or [], "indicators": c.indicators or [],
             **assess(c, p, by_ref, published, today).to_dict(),
             "updated_at": c.updated_at, "updated_by": c.updated_by} for c, p in rows]

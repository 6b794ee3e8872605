"""The agreements registry: validated on entry (reversed dates, unknown parties, overlapping or
contradictory agreements), imported from YAML or CSV all-or-nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.accounts import get_organisation
from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.countries import iso3
from palermo.db.base import utcnow
from palermo.errors import ImportRejected, NextStep, NotFound, Problem
from palermo.exchange.codelists import AGREEMENT_TYPES, CATEGORIES, HANDLING_CODES, PURPOSES, STATE_AUTHORITY_TYPES, STATUSES
from palermo.exchange.models import Agreement, AgreementParty
from palermo.messages import N_, verbatim


@dataclass
class AgreementSpec:
    reference: str
    title: str
    agreement_type: str
    status: str
    parties: list[str]  # organisation short names, or "state:ISO3"
    categories: list[str]
    purposes: list[str]
    valid_from: date | None = None
    valid_to: date | None = None
    handling_codes: list[str] = field(default_factory=list)
    clauses: dict[str, str] = field(default_factory=dict)
    retention_days: int | None = None
    document_ref: str = ""
    line: int | None = None


def _party(session: Session, ref: str) -> tuple[int | None, str | None]:
    if ref.lower().startswith("state:"):
        code = iso3(ref.split(":", 1)[1])
        if code is None:
            raise ValueError(f"state {ref!r} is not an ISO 3166 country")
        return None, code
    return get_organisation(session, ref).id, None


def validate(session: Session, spec: AgreementSpec) -> list[Problem]:
    p, line = [], spec.line
    if not spec.reference.strip():
        p.append(Problem(N_("missing reference"), line=line, field="reference"))
    if spec.agreement_type not in AGREEMENT_TYPES:
        p.append(Problem(N_("unknown type; use one of {agreement_types}", agreement_types=', '.join(AGREEMENT_TYPES)), line=line,
                         field="type", value=spec.agreement_type))
    if spec.status not in STATUSES:
        p.append(Problem(N_("unknown status; use one of {statuses}", statuses=', '.join(STATUSES)), line=line, field="status",
                         value=spec.status))
    for c in spec.categories:
        if c not in CATEGORIES:
            p.append(Problem(N_("unknown data category; use one of {categories}", categories=', '.join(CATEGORIES)), line=line,
                             field="categories", value=c))
    for x in spec.purposes:
        if x not in PURPOSES:
            p.append(Problem(N_("unknown purpose; use one of {purposes}", purposes=', '.join(PURPOSES)), line=line, field="purposes",
                             value=x))
    for h in spec.handling_codes:
        if h not in HANDLING_CODES:
            p.append(Problem(N_("unknown handling code; use one of {handling_codes}",
                                handling_codes=', '.join(HANDLING_CODES)), line=line, field="handling_codes", value=h))
    if not spec.categories:
        p.append(Problem(N_("an agreement must cover at least one data category"), line=line, field="categories"))
    if not spec.purposes:
        p.append(Problem(N_("an agreement must state at least one purpose"), line=line, field="purposes"))
    distinct = list(dict.fromkeys(r.strip().upper() for r in spec.parties))
    if len(distinct) < 2:
        p.append(Problem(N_("an agreement needs at least two different parties (each party is one side of an "
                            "exchange; two authorities of one state are two parties, not the state)"),
                         line=line, field="parties", value=";".join(spec.parties)))
    states: set[str] = set()
    members: list[tuple[str, Organisation]] = []
    for ref in spec.parties:
        try:
            org_id, country = _party(session, ref)
        except (NotFound, ValueError) as exc:
            p.append(Problem(N_("unknown party: {getattr}", getattr=getattr(exc, 'message', exc)), line=line, field="parties", value=ref))
            continue
        if country:
            states.add(country)
        elif org_id is not None and (org := session.get(Organisation, org_id)) is not None:
            members.append((ref, org))
    for ref, org in members:
        if org.country in states and org.org_type in STATE_AUTHORITY_TYPES:
            p.append(Problem(N_("{short_name} is an authority of {country}, which is also a party: name the state or "
                                "its authorities, not both, so that each organisation falls under one party",
                                short_name=org.short_name, country=org.country),
                             line=line, field="parties", value=ref))
    if spec.agreement_type == "national_law" and states:
        p.append(Problem(N_("a national legal basis binds named authorities; list them as parties instead of {states}",
                            states=', '.join('state:' + c for c in sorted(states))), line=line, field="parties"))
    if spec.valid_from and spec.valid_to and spec.valid_to < spec.valid_from:
        p.append(Problem(N_("valid_to {valid_to} is before valid_from {valid_from}; swap the dates",
                            valid_to=spec.valid_to, valid_from=spec.valid_from), line=line, field="valid_to"))
    if spec.retention_days is not None and spec.retention_days <= 0:
        p.append(Problem(N_("retention must be a positive number of days"), line=line, field="retention_days", value=spec.retention_days))
    return p


def _overlaps(a_from: date | None, a_to: date | None, b_from: date | None, b_to: date | None) -> bool:
    return (a_from or date.min) <= (b_to or date.max) and (b_from or date.min) <= (a_to or date.max)


def _conflicts(session: Session, spec: AgreementSpec, parties: set[tuple[int | None, str | None]],
               pending: list[tuple[AgreementSpec, set[tuple[int | None, str | None]]]]) -> list[str]:
    """Two agreements in force between the same parties, for overlapping periods, with the same category
    but contradictory handling codes, are contradictory: which restriction applies would be unclear."""
    out = []
    existing = [(ag.reference, ag.status, ag.valid_from, ag.valid_to, set(ag.categories), set(ag.handling_codes),
                 {(p.organisation_id, p.country) for p in ag.parties})
                for ag in session.execute(select(Agreement)).scalars() if ag.reference != spec.reference]
    existing += [(s.reference, s.status, s.valid_from, s.valid_to, set(s.categories), set(s.handling_codes), ps)
                 for s, ps in pending]
    for ref, status, vf, vt, cats, codes, ps in existing:
        if status != "in_force" or spec.status != "in_force" or ps != parties:
            continue
        shared = cats & set(spec.categories)
        if shared and _overlaps(vf, vt, spec.valid_from, spec.valid_to) and codes != set(spec.handling_codes):
            out.append(f"contradicts {ref}: both in force for {', '.join(sorted(shared))} between the same parties "
                       f"with different handling codes ({', '.join(sorted(codes)) or 'none'} vs "
                       f"{', '.join(sorted(spec.handling_codes)) or 'none'}); amend or end one of them")
    return out


def save_agreements(session: Session, principal: Principal, specs: list[AgreementSpec], origin: str = "input") -> list[Agreement]:
    """Create or replace agreements by reference, all or none."""
    principal.require("admin", "data_owner", action=N_("register agreements"))
    problems = [p for s in specs for p in validate(session, s)]
    if problems:
        raise ImportRejected(N_("{n_problems} problem(s) in {origin}; nothing was saved",
                                n_problems=len(problems), origin=origin), problems)
    pending: list[tuple[AgreementSpec, set[tuple[int | None, str | None]]]] = []
    for s in specs:
        parties = {_party(session, r) for r in s.parties}
        for why in _conflicts(session, s, parties, pending):
            problems.append(Problem(why, line=s.line, field="reference", value=s.reference))
        pending.append((s, parties))
    if problems:
        raise ImportRejected(N_("{n_problems} conflicting agreement(s) in {origin}; nothing was saved",
                                n_problems=len(problems), origin=origin), problems)
    saved = []
    for s, parties in pending:
        ag = session.execute(select(Agreement).where(Agreement.reference == s.reference)).scalar_one_or_none()
        if ag is None:
            ag = Agreement(reference=s.reference)
            session.add(ag)
        ag.title, ag.agreement_type, ag.status = s.title, s.agreement_type, s.status
        ag.valid_from, ag.valid_to = s.valid_from, s.valid_to
        ag.categories, ag.purposes = sorted(set(s.categories)), sorted(set(s.purposes))
        ag.handling_codes, ag.clauses = sorted(set(s.handling_codes)), dict(s.clauses)
        ag.retention_days, ag.document_ref = s.retention_days, s.document_ref
        ag.updated_at, ag.updated_by = utcnow(), principal.username
        ag.parties.clear()
        session.flush()
        for org_id, country in sorted(parties, key=str):
            ag.parties.append(AgreementParty(organisation_id=org_id, country=country))
        saved.append(ag)
    session.flush()
    audit.record(session, principal, "exchange.agreements.save", "xchg_agreement",
                 ",".join(s.reference for s in specs)[:120], details={"count": len(specs), "origin": origin})
    return saved


def get_agreement(session: Session, reference: str | int) -> Agreement:
    q = select(Agreement).where(Agreement.id == int(reference)) if str(reference).isdigit() else \
        select(Agreement).where(Agreement.reference == str(reference))
    ag = session.execute(q).scalar_one_or_none()
    if ag is None:
        raise NotFound(N_("no agreement {reference!r}", reference=reference), next_step=NextStep("list_agreements"))
    return ag


def list_agreements(session: Session) -> list[Agreement]:
    return list(session.execute(select(Agreement).order_by(Agreement.reference)).scalars())


def party_names(session: Session, ag: Agreement) -> list[str]:
    out = []
    for p in ag.parties:
        if p.organisation_id:
            org = session.get(Organisation, p.organisation_id)
            out.append(org.short_name if org else str(p.organisation_id))
        else:
            out.append(f"state:{p.country}")
    return out


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).replace("|", ";").split(";") if v.strip()]


def _date(value: Any, line: int, field: str, problems: list[Problem]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(Problem(N_("not a date (YYYY-MM-DD)"), line=line, field=field, value=value))
        return None


def read_agreements_file(path: Path) -> list[AgreementSpec]:
    """YAML (a list of mappings) or CSV (one row per agreement, lists separated by ';')."""
    text = path.read_text(encoding="utf-8-sig")
    problems: list[Problem] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text) or []
        except yaml.YAMLError as exc:
            raise ImportRejected(N_("{path} is not valid YAML: {exc}", path=path, exc=exc), [Problem(verbatim(str(exc)))]) from None
        items = data.get("agreements", data) if isinstance(data, dict) else data
        rows = [(n, item) for n, item in enumerate(items if isinstance(items, list) else [], start=1)]
    else:
        rows = [(n, row) for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2)]
    if not rows:
        raise ImportRejected(N_("{path} holds no agreements", path=path), [Problem(N_("empty file"))])
    specs = []
    for n, r in rows:
        if not isinstance(r, dict):
            problems.append(Problem(N_("each agreement must be a mapping of fields"), line=n))
            continue
        retention = r.get("retention_days")
        try:
            retention_days = int(retention) if retention not in (None, "") else None
        except ValueError:
            problems.append(Problem(N_("retention_days is not a number"), line=n, field="retention_days", value=retention))
            retention_days = None
        clauses = r.get("clauses") or {}
        if isinstance(clauses, str):
            clauses = dict(part.split("=", 1) for part in clauses.split(";") if "=" in part)
        specs.append(AgreementSpec(
            reference=str(r.get("reference") or "").strip(), title=str(r.get("title") or "").strip(),
            agreement_type=str(r.get("type") or r.get("agreement_type") or "").strip(),
            status=str(r.get("status") or "").strip(), parties=_list(r.get("parties")),
            categories=_list(r.get("categories")), purposes=_list(r.get("purposes")),
            valid_from=_date(r.get("valid_from"), n, "valid_from", problems),
            valid_to=_date(r.get("valid_to"), n, "valid_to", problems),
            handling_codes=_list(r.get("handling_codes")), clauses=clauses, retention_days=retention_days,
            document_ref=str(r.get("document_ref") or ""), line=n))
    if problems:
        raise ImportRejected(N_("{n_problems} problem(s) in {path}; nothing was saved",
                                n_problems=len(problems), path=path), problems)
    return specs



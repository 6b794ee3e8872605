"""Initiatives (projects, programmes, activities): validation, saving, listing, freshness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from palermo.auth import audit
from palermo.auth.accounts import normalise_country
from palermo.auth.roles import Principal
from palermo.coordination import sectors
from palermo.coordination.actors import resolve_actor
from palermo.coordination.codelists import ROLE_CODES, STATUSES, SUBTHEME_PARENT, TARGET_GROUPS, THEMES, theme_key, themes_hint
from palermo.coordination.models import Initiative, Participation
from palermo.coordination.money import BudgetSpec, TransactionSpec, budget_row, transaction_row, validate_budget, validate_transaction
from palermo.coordination.results import ResultSpec, to_row, validate_result
from palermo.coordination.sectors import DAC3, DAC5
from palermo.db.base import utcnow
from palermo.errors import ImportRejected, NotFound, Problem, ValidationError
from palermo.listing import ListQuery, ListSpec, Page, contains_any, fetch_page
from palermo.messages import N_


@dataclass
class InitiativeSpec:
    """An initiative as a user or a file describes it (names, not ids); ``line`` locates it in its file."""

    ref: str
    title: str
    participants: list[tuple[str, str]]  # (actor name, role: funding / accountable / extending / implementing)
    themes: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    description: str = ""
    start: date | None = None
    end: date | None = None
    budget: float | None = None
    currency: str | None = None
    status: str = "active"
    identifiers: dict[str, str] = field(default_factory=dict)  # actor name -> organisation identifier
    line: int | None = None
    sectors: list[str] = field(default_factory=list)  # DAC codes (5-digit sectors, 3-digit categories) or "V:code"
    reporting_org: str | None = None
    reporting_org_ref: str | None = None
    # None: not given by this source, keep what is stored; a list (even empty) replaces it
    results: list[ResultSpec] | None = None
    budgets: list[BudgetSpec] | None = None
    transactions: list[TransactionSpec] | None = None


def validate(spec: InitiativeSpec) -> list[Problem]:
    """Every problem of one initiative, each saying what is wrong and how to fix it."""
    p: list[Problem] = []
    line = spec.line
    if not spec.ref.strip():
        p.append(Problem(N_("missing reference (an IATI identifier or a local code)"), line=line, field="ref"))
    if not spec.title.strip():
        p.append(Problem(N_("missing title"), line=line, field="title"))
    if not spec.participants:
        p.append(Problem(N_("no organisation given; name at least the implementing one"), line=line, field="participants"))
    for name, role in spec.participants:
        if role not in ROLE_CODES:
            p.append(Problem(N_("unknown role; use one of {role_codes}", role_codes=', '.join(ROLE_CODES)), line=line, field="role",
                             value=role))
        if not name.strip():
            p.append(Problem(N_("empty organisation name"), line=line, field="org"))
    for t in spec.themes:
        if theme_key(t) is None:
            p.append(Problem(N_("unknown theme; {themes_hint}", themes_hint=themes_hint()), line=line, field="themes", value=t))
    for g in spec.target_groups:
        if g not in TARGET_GROUPS:
            p.append(Problem(N_("unknown target group; use one of {target_groups}",
                                target_groups=', '.join(TARGET_GROUPS)), line=line,
                             field="target_groups", value=g))
    for c in spec.countries:
        try:
            normalise_country(c)
        except ValidationError:
            p.append(Problem(N_("not an ISO 3166 country code or name; use e.g. LBY, NER, ITA"), line=line,
                             field="country", value=c))
    if spec.start and spec.end and spec.end < spec.start:
        p.append(Problem(N_("end {end} is before start {start}; swap them or fix the dates",
                            end=spec.end, start=spec.start), line=line,
                         field="date"))
    if spec.budget is not None and spec.budget < 0:
        p.append(Problem(N_("budget is negative; give the amount as a positive number"), line=line, field="budget",
                         value=spec.budget))
    if spec.budget is not None and not spec.currency:
        p.append(Problem(N_("budget without currency; add an ISO 4217 code such as EUR"), line=line, field="currency"))
    for code in spec.sectors:
        if ":" in code:  # another vocabulary than DAC's, kept as given
            continue
        vocab = DAC5 if len(code) == 5 else DAC3
        if not code.isdigit() or sectors.lookup(code, vocab) is None:
            p.append(Problem(N_("unknown DAC sector code; use a 5-digit code of the IATI Sector codelist (e.g. "
                                "15190) or a 3-digit category (e.g. 151)"), line=line, field="sector", value=code))
    p += [x for r in spec.results or [] for x in validate_result(r)]
    p += [x for b in spec.budgets or [] for x in validate_budget(b)]
    p += [x for t in spec.transactions or [] for x in validate_transaction(t)]
    if spec.status not in STATUSES:
        p.append(Problem(N_("unknown status; use one of {statuses}", statuses=', '.join(STATUSES)), line=line, field="status",
                         value=spec.status))
    return p


def implied_ps_dropped(themes: set[str]) -> list[str]:
    """A P given together with one of its sub-themes is implied by it (a 3W row names both the sector and
    the subsector): keep the sub-theme, so the initiative does not seem to cover the whole P."""
    return sorted(t for t in themes if not (t in THEMES and any(SUBTHEME_PARENT.get(x) == t for x in themes)))


def save_initiatives(session: Session, principal: Principal, specs: list[InitiativeSpec], *,
                     origin: str = "manual") -> list[Initiative]:
    """Create or update initiatives by reference, all or none: every problem of every row is reported."""
    principal.require("analyst", "admin", action=N_("edit the coordination registry"))
    problems = [p for s in specs for p in validate(s)]
    seen: dict[str, int | None] = {}
    for s in specs:
        if s.ref in seen:
            problems.append(Problem(N_("reference {ref!r} appears twice (first at line {ref2})",
                                       ref=s.ref, ref2=seen[s.ref]), line=s.line,
                                    field="ref", value=s.ref))
        seen[s.ref] = s.line
    if problems:
        raise ImportRejected(N_("{n_problems} problem(s) in {origin}; nothing was saved",
                                n_problems=len(problems), origin=origin), problems)
    saved = []
    for s in specs:
        row = session.execute(select(Initiative).where(Initiative.ref == s.ref)).scalar_one_or_none()
        if row is None:
            row = Initiative(ref=s.ref)
            session.add(row)
        row.title, row.description = s.title.strip(), s.description
        given = {theme_key(t) for t in s.themes if theme_key(t)} | {sectors.theme_for(c) for c in s.sectors if sectors.theme_for(c)}
        row.themes = implied_ps_dropped(given)  # type: ignore[arg-type]
        row.target_groups = sorted(set(s.target_groups))
        row.countries = sorted({normalise_country(c) for c in s.countries})  # type: ignore[misc]
        row.areas = list(dict.fromkeys(s.areas))
        row.start, row.end, row.budget, row.currency, row.status = s.start, s.end, s.budget, s.currency, s.status
        row.sectors = list(dict.fromkeys(s.sectors))
        row.reporting_org, row.reporting_org_ref = s.reporting_org or row.reporting_org, s.reporting_org_ref or row.reporting_org_ref
        if s.results is not None:
            row.results = [to_row(r) for r in s.results]
        if s.budgets is not None:
            row.budgets = [budget_row(b) for b in s.budgets]
        if s.transactions is not None:
            row.transactions = [transaction_row(t) for t in s.transactions]
        row.updated_at, row.updated_by = utcnow(), principal.username
        row.participants.clear()
        session.flush()
        for name, role in dict.fromkeys(s.participants):
            actor = resolve_actor(session, principal, name, identifier=s.identifiers.get(name))
            if not any(p.actor_id == actor.id and p.role == role for p in row.participants):
                row.participants.append(Participation(actor_id=actor.id, role=role))
        saved.append(row)
    session.flush()
    audit.record(session, principal, "coord.initiatives.save", "coord_initiative", ",".join(s.ref for s in specs)[:120],
                 details={"count": len(specs), "origin": origin})
    return saved


def list_initiatives(session: Session, *, country: str | None = None, active_on: date | None = None) -> list[Initiative]:
    rows = session.execute(select(Initiative).options(selectinload(Initiative.participants)
                                                      .selectinload(Participation.actor),
                                                      selectinload(Initiative.results), selectinload(Initiative.budgets),
                                                      selectinload(Initiative.transactions))
                           .order_by(Initiative.ref)).scalars().all()
    out = []
    for r in rows:
        if country and country not in r.countries:
            continue
        if active_on and not is_active(r, active_on):
            continue
        out.append(r)
    return out


INITIATIVE_LIST = ListSpec("the list of initiatives", sorts=("ref", "title", "start", "end", "status", "updated"),
                           default_sort="ref", descending_first=("updated",), filters={"status": STATUSES},
                           keep=("on",))


def initiatives_page(session: Session, query: ListQuery) -> Page[Initiative]:
    """One page of the registry (open to every reader of the coordination pages), searched by reference,
    title or publisher, filtered by status, sorted and counted in the database."""
    stmt = select(Initiative).options(selectinload(Initiative.participants).selectinload(Participation.actor),
                                      selectinload(Initiative.results))
    if (found := contains_any(query.search, [Initiative.ref, Initiative.title, Initiative.reporting_org])) is not None:
        stmt = stmt.where(found)
    if "status" in query.filters:
        stmt = stmt.where(Initiative.status == query.filters["status"])
    order = {"ref": Initiative.ref, "title": Initiative.title, "start": Initiative.start, "end": Initiative.end,
             "status": Initiative.status, "updated": Initiative.updated_at}
    return fetch_page(session, stmt, query, order, [Initiative.ref])


def get_initiative(session: Session, ref: str) -> Initiative:
    """One initiative by reference, with its participants, results and money."""
    found = [i for i in list_initiatives(session) if i.ref == ref]
    if not found:
        raise NotFound(N_("no initiative {ref!r}; see the list of initiatives", ref=ref))
    return found[0]


def is_active(i: Initiative, on: date) -> bool:
    """Under way on ``on``: its status says so (not planned, completed, cancelled or suspended) and its
    dates agree (started, not ended). A planned initiative whose start date has passed is still planned
    until someone says it has started."""
    if i.status != "active":
        return False
    return (i.start is None or i.start <= on) and (i.end is None or i.end >= on)


def is_overdue(i: Initiative, today: date | None = None) -> bool:
    """The record was not updated within its update interval: its information may be stale."""
    today = today or date.today()
    return i.updated_at.date() + timedelta(days=i.update_every_days) < today


def actors_in(i: Initiative, role: str | None = None) -> list[str]:
    return sorted({p.actor.name for p in i.participants if role is None or p.role == role})

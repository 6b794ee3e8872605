"""Money: budgets (planned, by period) and transactions (what moved), and the flows from funders to
implementers to countries and themes, with the same money counted once when both sides report it.

IATI's double-reporting problem: a funder publishes a disbursement to an implementer's activity
(``receiver-activity-id``) and the implementer publishes the same money as incoming funds from the
funder's activity (``provider-activity-id``). Adding both doubles the money; ``flows`` keeps the
funder's record and drops the implementer's matching one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from palermo.coordination.codelists import top_theme
from palermo.coordination.models import Budget, Initiative, Transaction
from palermo.errors import Problem
from palermo.messages import N_

TRANSACTION_TYPES = {1: "incoming_funds", 2: "outgoing_commitment", 3: "disbursement", 4: "expenditure",
                     5: "interest_payment", 6: "loan_repayment", 7: "reimbursement", 8: "purchase_of_equity",
                     9: "sale_of_equity", 10: "credit_guarantee", 11: "incoming_commitment", 12: "outgoing_pledge",
                     13: "incoming_pledge"}
TRANSACTION_CODES = {v: k for k, v in TRANSACTION_TYPES.items()}
INCOMING = {"incoming_funds": "disbursement", "incoming_commitment": "outgoing_commitment"}  # the other side's record


@dataclass
class BudgetSpec:
    period_start: date | None
    period_end: date | None
    value: float | None
    currency: str | None
    revised: bool = False
    where: str = ""
    line: int | None = None


@dataclass
class TransactionSpec:
    kind: str
    date: date | None
    value: float | None
    currency: str | None
    provider: str = ""
    provider_ref: str = ""
    provider_activity: str = ""
    receiver: str = ""
    receiver_ref: str = ""
    receiver_activity: str = ""
    where: str = ""
    line: int | None = None


def validate_budget(b: BudgetSpec) -> list[Problem]:
    w = f"{b.where}: " if b.where else ""
    out = []
    if b.period_start is None or b.period_end is None:
        out.append(Problem(N_("{w}budget without its period (period-start and period-end)", w=w), line=b.line, field="budget/period"))
    elif b.period_end < b.period_start:
        out.append(Problem(N_("{w}budget period ends before it starts", w=w), line=b.line, field="budget/period"))
    if b.value is None:
        out.append(Problem(N_("{w}budget without a value", w=w), line=b.line, field="budget/value"))
    elif b.value < 0:
        out.append(Problem(N_("{w}budget value is negative", w=w), line=b.line, field="budget/value", value=b.value))
    if not b.currency:
        out.append(Problem(N_("{w}budget without a currency; add @currency or the activity's default-currency", w=w),
                           line=b.line, field="budget/value/@currency"))
    return out


def validate_transaction(t: TransactionSpec) -> list[Problem]:
    w = f"{t.where}: " if t.where else ""
    out = []
    if t.kind not in TRANSACTION_CODES:
        out.append(Problem(N_("{w}unknown transaction type; use an IATI TransactionType code 1-13", w=w), line=t.line,
                           field="transaction-type/@code", value=t.kind))
    if t.date is None:
        out.append(Problem(N_("{w}transaction without a date (transaction-date/@iso-date)", w=w), line=t.line,
                           field="transaction-date"))
    if t.value is None:
        out.append(Problem(N_("{w}transaction without a value", w=w), line=t.line, field="transaction/value"))
    if not t.currency:
        out.append(Problem(N_("{w}transaction without a currency; add @currency or the activity's default-currency",
                              w=w),
                           line=t.line, field="transaction/value/@currency"))
    return out


def budget_row(b: BudgetSpec) -> Budget:
    return Budget(period_start=b.period_start, period_end=b.period_end, value=b.value, currency=(b.currency or "").upper(),
                  revised=b.revised)


def transaction_row(t: TransactionSpec) -> Transaction:
    return Transaction(kind=t.kind, transaction_date=t.date, value=t.value, currency=(t.currency or "").upper(),
                       provider=t.provider, provider_ref=t.provider_ref, provider_activity=t.provider_activity,
                       receiver=t.receiver, receiver_ref=t.receiver_ref, receiver_activity=t.receiver_activity)


def totals(i: Initiative) -> dict[str, dict[str, float]]:
    """Budget and money moved by kind, per currency: {"budget": {"EUR": …}, "disbursement": {…}, …}."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    budgets = [b for b in i.budgets if b.revised] or [b for b in i.budgets]  # revised budgets replace originals
    for b in budgets:
        out["budget"][b.currency] += b.value
    if not i.budgets and i.budget is not None and i.currency:
        out["budget"][i.currency] += i.budget
    for t in i.transactions:
        out[t.kind][t.currency] += t.value
    return {k: dict(v) for k, v in out.items()}


@dataclass
class Flow:
    """Money from one node to the next: funder → implementer, or implementer → country · P."""

    source: str
    target: str
    value: float
    currency: str
    basis: str  # disbursement, incoming_funds, budget
    stage: str = "funding"  # funding: funder → implementer; implementation: implementer → country · P
    initiatives: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_reported_by_the_other_side(t: Transaction, i: Initiative, by_ref: dict[str, Initiative]) -> bool:
    """An incoming transaction that the providing activity, also in the registry, reports as outgoing."""
    other = by_ref.get(t.provider_activity) if t.kind in INCOMING else None
    if other is None or other.ref == i.ref:
        return False
    return any(o.kind == INCOMING[t.kind] and o.receiver_activity == i.ref and o.currency == t.currency
               and abs(o.value - t.value) <= 0.005 * max(o.value, t.value) for o in other.transactions)


def flows(initiatives: list[Initiative]) -> list[Flow]:
    """Funder → implementer → country · P, per currency, each amount counted once.

    What moved: disbursements (the funder's record) and incoming funds not also reported by the funder's
    activity; an initiative without either contributes its budget, shared equally among its funders. Money
    reaching an initiative is shared equally among its implementers, then among its countries and Ps."""
    by_ref = {i.ref: i for i in initiatives}
    edges: dict[tuple[str, str, str, str, str], Flow] = {}

    def add(src: str, dst: str, value: float, currency: str, basis: str, ref: str, stage: str) -> None:
        f = edges.setdefault((src, dst, currency, basis, stage), Flow(src, dst, 0.0, currency, basis, stage))
        f.value += value
        if ref not in f.initiatives:
            f.initiatives.append(ref)

    def names(i: Initiative, role: str) -> list[str]:
        return sorted({p.actor.name for p in i.participants if p.role == role})

    arriving: dict[str, list[tuple[Transaction, Initiative]]] = defaultdict(list)
    for other in initiatives:
        for t in other.transactions:
            if t.kind == "disbursement" and t.receiver_activity in by_ref and t.receiver_activity != other.ref:
                arriving[t.receiver_activity].append((t, other))  # counted where it arrives, once
    for i in initiatives:
        implementers = names(i, "implementing") or names(i, "accountable") or [i.reporting_org or i.ref]
        funders = names(i, "funding") or ["(funder not given)"]
        moved: list[tuple[str, list[str], float, str, str]] = []  # provider, receivers, value, currency, basis
        for t, other in arriving.get(i.ref, []):
            src = t.provider or (names(other, "funding") or [other.ref])[0]
            moved.append((src, [t.receiver] if t.receiver else implementers, t.value, t.currency, "disbursement"))
        for t in i.transactions:
            if t.kind == "disbursement" and t.receiver_activity not in by_ref:
                moved.append((t.provider or funders[0], [t.receiver] if t.receiver else implementers, t.value,
                              t.currency, t.kind))
            elif t.kind == "incoming_funds" and not _is_reported_by_the_other_side(t, i, by_ref):
                moved.append((t.provider or funders[0], [t.receiver] if t.receiver else implementers, t.value,
                              t.currency, t.kind))
        spent = any(t.kind in ("disbursement", "incoming_funds", "expenditure") for t in i.transactions)
        if not moved and not spent:
            for currency, value in totals(i).get("budget", {}).items():
                moved += [(funder, implementers, value / len(funders), currency, "budget") for funder in funders]
        ps = sorted({top_theme(t) for t in i.themes})
        cells = [f"{c} · {p}" for c in i.countries for p in ps] or list(i.countries) or ["(place not given)"]
        for src, receivers, value, currency, basis in moved:
            for r in receivers:
                add(src, r, value / len(receivers), currency, basis, i.ref, "funding")
                for cell in cells:
                    add(r, cell, value / len(receivers) / len(cells), currency, basis, i.ref, "implementation")
    return sorted(edges.values(), key=lambda f: (f.currency, f.stage, -f.value, f.source, f.target))

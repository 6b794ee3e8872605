"""Action plans tied to the work: a commitment links to the initiatives and indicators that deliver it,
and its status is derived from that evidence rather than only recorded by hand.

Indicators are either a statistics source (``stats:<source key>``: the commitment is about data being
collected and published) or an initiative's result (``<initiative ref>:<indicator>``, e.g.
``DEMO-NGA-01:Border officers trained``). An overdue commitment with no initiative behind it is a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from palermo.coordination.initiatives import is_active
from palermo.coordination.models import ActionPlan, Commitment, Initiative
from palermo.coordination.results import progress

STATS = "stats:"
OPEN = ("open", "in_progress")


@dataclass
class Evidence:
    status: str  # delivered / under way / no evidence / not linked
    items: list[str] = field(default_factory=list)
    gap: bool = False  # overdue with no initiative behind it
    disagrees: bool = False  # recorded as done, the evidence does not show it delivered

    def to_dict(self) -> dict[str, Any]:
        return {"evidence_status": self.status, "evidence_items": self.items, "gap": self.gap,
                "disagrees": self.disagrees}


def split_indicator(ref: str) -> tuple[str, str]:
    """("stats", source key) or (initiative ref, indicator title)."""
    if ref.startswith(STATS):
        return "stats", ref[len(STATS):]
    head, sep, tail = ref.partition(":")
    return (head, tail) if sep else (head, "")


def assess(c: Commitment, plan: ActionPlan, initiatives: dict[str, Initiative],
           published: dict[str, str], today: date) -> Evidence:
    """The evidence behind one commitment. ``published`` is the latest period with data of each statistics
    source the reader may see."""
    items: list[str] = []
    under_way = False
    met: list[bool] = []
    for ref in c.initiatives or []:
        i = initiatives.get(ref)
        if i is None:
            items.append(f"initiative {ref} is not in the registry")
        elif is_active(i, today):
            under_way = True
            items.append(f"{ref} under way")
        else:
            items.append(f"{ref} {i.status}" + (f", ended {i.end}" if i.end and i.end < today else ""))
    for ind in c.indicators or []:
        kind, name = split_indicator(ind)
        if kind == "stats":
            period = published.get(name)
            since = str(plan.period_start.year) if plan.period_start else ""
            if period and period >= since:
                items.append(f"statistics {name}: data published up to {period}")
                met.append(True)
            else:
                items.append(f"statistics {name}: no data " + (f"since {since}" if since else "published"))
                met.append(False)
            continue
        i = initiatives.get(kind)
        found = next((p for p in progress(i) if p.indicator == name), None) if i else None
        if found is None:
            items.append(f"{ind}: no result reported")
            met.append(False)
        elif found.target and found.actual is not None and found.actual >= found.target:
            items.append(f"{ind}: {found.actual:,.0f} of {found.target:,.0f}, target met")
            met.append(True)
        else:
            items.append(f"{ind}: {found.actual or 0:,.0f}" + (f" of {found.target:,.0f}" if found.target else ""))
            under_way = under_way or bool(found.actual)
            met.append(False)
    if met and all(met):
        status = "delivered"
    elif under_way or any(met):
        status = "under way"
    elif items:
        status = "no evidence"
    else:
        status = "not linked"
    overdue = c.deadline < today and c.status in OPEN
    return Evidence(status, items, gap=overdue and not c.initiatives and status != "delivered",
                    disagrees=c.status == "done" and status != "delivered")

"""Comparability by rule: may two sets of observations be compared, summed or divided, and if not, why.

Every aggregation and chart asks :func:`check`. Counts of different stages (detected victims vs
convicted persons), units (persons vs cases), legal definitions, coverage or periods are never added or
set side by side as if they were one thing. A share is always shown with its counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from palermo.messages import N_

Operation = Literal["compare", "sum", "divide"]
SMALL_DENOMINATOR = 20  # a share over fewer than this many is flagged as unreliable ("1 of 1 = 100%")


class HasConcept(Protocol):
    # Read-only members: frozen views (ObservationView) and ORM rows both qualify.
    @property
    def indicator(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def counting_unit(self) -> str: ...
    @property
    def legal_definition(self) -> str: ...
    @property
    def coverage(self) -> str: ...
    @property
    def period(self) -> str: ...


@dataclass(frozen=True)
class Concept:
    """What a number counts. For victims the stage matters (detected, identified …); otherwise the indicator is the stage."""

    indicator: str
    stage: str
    unit: str
    definition: str
    coverage: str
    period: str

    @classmethod
    def of(cls, o: HasConcept) -> Concept:
        stage = o.stage if o.indicator == "victims" else o.indicator
        return cls(o.indicator, stage, o.counting_unit, o.legal_definition, o.coverage, str(o.period))


@dataclass
class Verdict:
    allowed: bool
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (aspect, explanation)

    def explain(self) -> str:
        return "; ".join(f"{a} differs: {e}" for a, e in self.reasons) or "same concept"


ASPECTS_BY_OPERATION = {"compare": ("stage", "unit", "definition", "coverage", "period"),
                        "sum": ("stage", "unit", "definition", "coverage", "period"),
                        "divide": ("unit", "definition", "coverage", "period")}


def differences(a: Concept, b: Concept, aspects: Iterable[str] = ("stage", "unit", "definition", "coverage", "period"),
                ) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for aspect in aspects:
        x, y = getattr(a, aspect), getattr(b, aspect)
        if x != y:
            out.append((aspect, N_("{a!r} vs {b!r}", a=x, b=y)))
    return out


def check(a: Iterable[HasConcept], b: Iterable[HasConcept], operation: Operation = "compare") -> Verdict:
    """Whether the two sets may be combined by ``operation``, with every reason they may not."""
    ca, cb = {Concept.of(o) for o in a}, {Concept.of(o) for o in b}
    reasons: list[tuple[str, str]] = []
    aspects = ASPECTS_BY_OPERATION[operation]
    for group, name in ((ca, "first"), (cb, "second")):
        if len({(c.stage, c.unit, c.definition, c.coverage) for c in group}) > 1:
            reasons.append(("mixture", f"the {name} set mixes concepts itself"))
    for x in ca:
        for y in cb:
            for r in differences(x, y, aspects):
                if r not in reasons:
                    reasons.append(r)
    return Verdict(not reasons, reasons)


@dataclass(frozen=True)
class Share:
    numerator: float
    denominator: float

    @property
    def small(self) -> bool:
        return self.denominator < SMALL_DENOMINATOR

    def __str__(self) -> str:
        if self.denominator <= 0:
            return f"{self.numerator:,.0f} of {self.denominator:,.0f} (share undefined)"
        pct = 100 * self.numerator / self.denominator
        note = f" — based on fewer than {SMALL_DENOMINATOR}, unreliable" if self.small else ""
        return f"{self.numerator:,.0f} of {self.denominator:,.0f} ({pct:.0f}%){note}"


def share(numerator: float, denominator: float) -> Share:
    """A share is never a bare percentage: 'n of N (x%)', flagged when N is small."""
    return Share(numerator, denominator)

"""The ILO/EC combination rule: when is a dimension positive, and what do the dimensions add up to.

Source: ILO and European Commission, *Operational indicators of trafficking in human beings*
(Delphi survey, first published March 2009, revised September 2009), section on how the
indicators are combined, as the rule is commonly stated (not yet checked against the brochure's own
wording, which could not be read where Palermo is built):

* a **dimension** is positive with at least two strong indicators, or one strong indicator and one
  medium or weak indicator, or three medium indicators, or two medium and one weak indicator;
* an **adult** is assessed as a victim of trafficking for the list's form of exploitation when a
  recruitment dimension (1 deceptive, 2 coercive or 3 abuse of vulnerability) is positive AND the
  exploitation dimension (4) is positive AND a destination dimension (5 coercion or 6 abuse of
  vulnerability) is positive;
* for a **child** the means (deception, coercion, abuse of vulnerability) are not needed (Trafficking
  Protocol art. 3(c)). Palermo's reading: a child is assessed as a victim when the exploitation
  dimension (4) is positive; the act (recruitment, transport, harbouring or receipt) is taken as
  given whenever another person holds the child in exploitation. The other dimensions are still
  reported, because they matter for protection and investigation.

Everything here is a pure function of counts, so it is deterministic and monotone: observing one
more indicator can only keep or raise a dimension, a list assessment and the overall level.
"""

from __future__ import annotations

from dataclasses import dataclass

# Assessment levels, ordered: a higher index is a stronger indication.
NOT_INDICATED = "not_indicated"
POSSIBLE = "possible"
INDICATED = "indicated"
LEVELS = (NOT_INDICATED, POSSIBLE, INDICATED)

RECRUITMENT_DIMENSIONS = ("deceptive_recruitment", "coercive_recruitment", "vulnerability_recruitment")
EXPLOITATION_DIMENSION = "exploitation"
DESTINATION_DIMENSIONS = ("coercion_destination", "vulnerability_destination")


@dataclass(frozen=True)
class Counts:
    strong: int = 0
    medium: int = 0
    weak: int = 0

    @property
    def total(self) -> int:
        return self.strong + self.medium + self.weak


# The rule as data, so that the browser's evaluator (web/static/identification/evaluate.js) applies the
# very same rule offline: a dimension is positive when any alternative is met; "medium_or_weak" counts both.
DIMENSION_RULE: tuple[dict[str, int], ...] = (
    {"strong": 2}, {"strong": 1, "medium_or_weak": 1}, {"medium": 3}, {"medium": 2, "weak": 1})
# Which groups of dimensions must be positive, by age group (children: no means, art. 3(c)).
REQUIRED_GROUPS: dict[str, tuple[str, ...]] = {"adult": ("recruitment", "exploitation", "destination"),
                                               "child": ("exploitation",)}


def dimension_positive(c: Counts) -> bool:
    """The ILO/EC rule for one dimension (see module docstring), read from :data:`DIMENSION_RULE`."""
    have = {"strong": c.strong, "medium": c.medium, "weak": c.weak, "medium_or_weak": c.medium + c.weak}
    return any(all(have[k] >= n for k, n in alt.items()) for alt in DIMENSION_RULE)


def list_level(age: str, positive: dict[str, bool], any_strong: bool) -> str:
    """Assessment for one list from its positive dimensions.

    ``indicated`` when the combination rule is met; ``possible`` when at least one dimension is
    positive or a strong indicator was observed (something points to trafficking but the rule is
    not met yet); ``not_indicated`` otherwise.
    """
    if rule_met(age, positive):
        return INDICATED
    if any(positive.values()) or any_strong:
        return POSSIBLE
    return NOT_INDICATED


GROUPS: dict[str, tuple[str, ...]] = {"recruitment": RECRUITMENT_DIMENSIONS, "exploitation": (EXPLOITATION_DIMENSION,),
                                      "destination": DESTINATION_DIMENSIONS}


def rule_met(age: str, positive: dict[str, bool]) -> bool:
    return not missing_elements(age, positive)


def missing_elements(age: str, positive: dict[str, bool]) -> list[str]:
    """Which groups of dimensions the rule still needs: 'recruitment', 'exploitation', 'destination'."""
    return [g for g in REQUIRED_GROUPS[age] if not any(positive.get(d, False) for d in GROUPS[g])]


def max_level(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index) if levels else NOT_INDICATED

"""Recommended next steps and the questions still worth asking, derived from a screening.

Protection is offered whatever the label: the first step is always the same. The rest depends on
the conclusion and on the person's age (child protection comes first for minors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palermo.identification import rules
from palermo.identification.case import Case
from palermo.identification.catalogue import Catalogue
from palermo.identification.i18n import N_, Translate
from palermo.identification.smuggling import SmugglingAssessment

if TYPE_CHECKING:
    from palermo.identification.screening import ListResult

MAX_INDICATOR_QUESTIONS = 8


def next_steps(conclusion: str, level: str, smuggling: SmugglingAssessment, case: Case, _: Translate) -> list[str]:
    steps = [_(N_("Offer protection whatever the label: safety, medical care, shelter, an interpreter and "
                  "information on rights in a language the person understands."))]
    if case.age_group == "child":
        steps.append(_(N_("Contact child protection services now and ask for a guardian; treat the person as a child "
                          "while the age is uncertain (presumption of minority); no return before a best-interests assessment.")))
    if level in (rules.INDICATED, rules.POSSIBLE):
        steps.append(_(N_("Refer the person to the national referral mechanism as a presumed victim of trafficking.")))
        steps.append(_(N_("Contact a specialised anti-trafficking NGO for assistance and a safe interview.")))
        steps.append(_(N_("Offer a recovery and reflection period; assistance must not depend on cooperation with "
                          "the authorities (Council of Europe Convention, art. 12-13).")))
    if smuggling.assessment in ("indicated", "possible"):
        steps.append(_(N_("Inform the person that migrants are not to be prosecuted for having been smuggled "
                          "(Smuggling Protocol, art. 5) and of the right to seek asylum.")))
    if conclusion == "insufficient_information":
        steps.append(_(N_("Continue the interview in a safe place, with an interpreter and without the companion present; "
                          "use the questions below.")))
    return steps


def questions(cat: Catalogue, case: Case, lists: tuple[ListResult, ...], _: Translate) -> list[str]:
    """Unknown journey facts first, then strong indicators of the dimensions the rule still needs."""
    out: list[str] = []
    j = case.journey
    facts = [
        (j.crossed_border, N_("Did the person cross an international border to get here?")),
        (j.irregular_crossing, N_("Was the border crossed without the required documents or outside official crossing points?")),
        (j.paid_for_crossing, N_("Did the person (or family) pay anyone for the journey or the crossing?")),
        (j.consented_to_journey, N_("Did the person agree to the journey, knowing where it led?")),
        (j.facilitator_after_arrival, N_("Is the person still in contact with, or controlled by, whoever organised the journey?")),
        (j.debt, N_("Does the person owe money to anyone for the journey, housing or work?")),
        (j.national_of_destination, N_("Is the person a national or permanent resident of this country?")),
    ]
    out.extend(_(text) for value, text in facts if value is None)
    if case.age is None and case.age_group == "child":
        out.append(_(N_("Are there documents showing the child's age? (Keep treating the person as a child meanwhile.)")))
    asked: set[str] = set()
    if any(r.level == rules.INDICATED for r in lists):
        return out  # the rule is already met: further indicator questions are for the specialists
    for result in lists:
        wanted = {d.key for d in result.dimensions if not d.positive and _needed(d.key, result.missing)}
        observed = {(o.indicator, o.phase) for o in case.observed}
        for ind in cat.in_list(result.key):
            for p in ind.in_list(result.key):
                phase = cat.dimensions[p.dimension].phase
                if (p.dimension in wanted and p.strength == "strong" and (ind.id, phase) not in observed
                        and ind.id not in asked and len(asked) < MAX_INDICATOR_QUESTIONS):
                    asked.add(ind.id)
                    out.append(_(N_("Ask whether: {indicator}")).format(indicator=_(ind.text)) + f" [{ind.id}]")
    return out


def _needed(dimension: str, missing: tuple[str, ...]) -> bool:
    if dimension in rules.RECRUITMENT_DIMENSIONS:
        return "recruitment" in missing
    if dimension == rules.EXPLOITATION_DIMENSION:
        return "exploitation" in missing
    return "destination" in missing

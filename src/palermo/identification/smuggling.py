"""The legal elements of migrant smuggling (Smuggling Protocol, 2000, art. 3(a)), assessed from journey facts.

Smuggling is procuring, for a financial or other material benefit, the irregular entry of a person
into a state of which the person is not a national or permanent resident. Three elements, each
met, not met or unknown:

1. irregular entry (an international border was crossed irregularly);
2. a financial or other material benefit for whoever procured it (paid for the crossing, or owes
   the facilitator for it);
3. the destination is not the person's own state.

All met → ``indicated``; any not met → ``not_indicated``; otherwise ``possible`` if at least one is
met, ``unknown`` if none is known. Consent and the end of the relationship on arrival are not legal
elements, but they are reported because they tell smuggling from trafficking in practice.
"""

from __future__ import annotations

from dataclasses import dataclass

from palermo.identification.case import Journey
from palermo.identification.i18n import N_, Translate

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"


@dataclass(frozen=True)
class Element:
    key: str
    status: str
    reason: str


@dataclass(frozen=True)
class SmugglingAssessment:
    assessment: str  # indicated | possible | not_indicated | unknown
    elements: tuple[Element, ...]
    notes: tuple[str, ...]
    explanation: str


def assess_smuggling(j: Journey, _: Translate) -> SmugglingAssessment:
    """Deterministic assessment of the three legal elements from the journey facts."""
    # 1 irregular entry
    if j.crossed_border is False:
        e1 = Element("irregular_entry", NOT_MET, _(N_("No international border was crossed, so there was no irregular entry.")))
    elif j.irregular_crossing is True:
        e1 = Element("irregular_entry", MET, _(N_("The border was crossed irregularly.")))
    elif j.irregular_crossing is False:
        e1 = Element("irregular_entry", NOT_MET, _(N_("The border was crossed regularly (with the required documents).")))
    else:
        e1 = Element("irregular_entry", UNKNOWN, _(N_("It is not known whether the border was crossed irregularly.")))
    # 2 material benefit
    owes_facilitator = j.debt is True and j.debt_to == "facilitator"
    if j.paid_for_crossing is True or owes_facilitator:
        why = (_(N_("The person paid someone for the crossing.")) if j.paid_for_crossing
               else _(N_("The person owes the facilitator for the crossing, which is a material benefit.")))
        e2 = Element("material_benefit", MET, why)
    elif j.paid_for_crossing is False and j.debt is not True:
        e2 = Element("material_benefit", NOT_MET, _(N_("Nobody was paid or is owed for the crossing.")))
    else:
        e2 = Element("material_benefit", UNKNOWN, _(N_("It is not known whether anyone was paid or is owed for the crossing.")))
    # 3 not a national of the destination state
    if j.national_of_destination is True:
        e3 = Element("foreign_destination", NOT_MET, _(N_("The person is a national or permanent resident of the destination state.")))
    elif j.national_of_destination is False:
        e3 = Element("foreign_destination", MET, _(N_("The person is not a national or permanent resident of the destination state.")))
    else:
        e3 = Element("foreign_destination", UNKNOWN, _(N_("It is not known whether the person is a national of the destination state.")))
    elements = (e1, e2, e3)
    statuses = [e.status for e in elements]
    if all(s == MET for s in statuses):
        assessment, text = "indicated", _(N_("All three legal elements of smuggling are present."))
    elif NOT_MET in statuses:
        assessment, text = "not_indicated", _(N_("At least one legal element of smuggling is absent."))
    elif MET in statuses:
        assessment, text = "possible", _(N_("Some legal elements of smuggling are present; the others are not known yet."))
    else:
        assessment, text = "unknown", _(N_("The journey facts needed to assess smuggling are not known."))
    notes = []
    if j.consented_to_journey is True:
        notes.append(_(N_("The person agreed to the journey: this fits smuggling, but consent does not matter for "
                          "trafficking once deception, coercion or abuse of vulnerability was used.")))
    if j.consented_to_journey is False:
        notes.append(_(N_("The person did not agree to the journey: this points away from smuggling and towards trafficking.")))
    if j.facilitator_after_arrival == "controls":
        notes.append(_(N_("The facilitator still controls the person after arrival: in smuggling the relationship ends on "
                          "arrival, so this points to trafficking.")))
    if j.facilitator_after_arrival == "ended":
        notes.append(_(N_("The relationship with the facilitator ended on arrival, as is typical of smuggling.")))
    if j.debt is True and j.debt_to in ("facilitator", "employer"):
        notes.append(_(N_("A debt to the facilitator or employer can be used to control the person (debt bondage).")))
    return SmugglingAssessment(assessment, elements, tuple(notes), text)

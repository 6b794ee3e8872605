"""The words a worker reads for the codes the identification pages show (marked for translation).

Codes stay in the data (HTCDS values, journey facts, statuses); these are only their labels, so that
every page can say them in the worker's language.
"""

from __future__ import annotations

from typing import Any

from palermo.identification.case import FACILITATOR_RELATIONS
from palermo.identification.i18n import N_
from palermo.identification.referrals import BASES
from palermo.identification.screening import CONCLUSIONS

JOURNEY_LABELS = {
    "crossed_border": N_("Crossed an international border"),
    "irregular_crossing": N_("Crossed irregularly (without documents or outside official crossing points)"),
    "paid_for_crossing": N_("Paid someone (or the family paid) for the journey or the crossing"),
    "consented_to_journey": N_("Agreed to the journey, knowing where it led"),
    "facilitator_after_arrival": N_("Contact with whoever organised the journey, after arrival"),
    "debt": N_("Owes money for the journey, housing or work"),
    "debt_to": N_("Owes it to"),
    "national_of_destination": N_("National or permanent resident of this country"),
}
DEBT_LABELS = {"facilitator": N_("whoever organised the journey"), "employer": N_("the employer"),
               "family": N_("the family"), "other": N_("someone else")}
SEX_LABELS = {"Feminine": N_("female"), "Masculine": N_("male"), "TransgenderFeminine": N_("transgender woman"),
              "TransgenderMasculine": N_("transgender man"), "NonConforming": N_("non-binary"),
              "NonSpecifiedUnknown": N_("not specified")}
EXPLOITATION_LABELS = {
    "SexualExploitation": N_("sexual exploitation"), "ForcedLabour": N_("forced labour"), "ChildLabour": N_("child labour"),
    "Servitude": N_("servitude"), "ForcedMarriage": N_("forced marriage"), "OrganRemoval": N_("removal of organs"),
    "ForcedBegging": N_("forced begging"), "ForcedCriminality": N_("forced criminality"),
    "ForcedMilitaryByNonStateActors": N_("forced recruitment by armed groups"), "ForcedAdoption": N_("forced adoption"),
    "Surrogacy": N_("forced surrogacy"), "Other": N_("other form of exploitation")}
STATUS_LABELS = {"received": N_("received"), "accepted": N_("accepted"), "declined": N_("declined")}
STRENGTH_LABELS = {"strong": N_("strong"), "medium": N_("medium"), "weak": N_("weak")}
# The page frame's words (palermo.web.templating.SECTIONS), said in the page's language on identification pages.
FRAME = (N_("Statistics"), N_("Linkage & exchange"), N_("Coordination"), N_("Identification"))
AGE_GROUP_LABELS = {"adult": N_("adult"), "child": N_("child"), "unknown": N_("age not known")}


def label_maps() -> dict[str, Any]:
    """The label tables a page template looks codes up in (then passes through ``_``)."""
    return {"journey_labels": JOURNEY_LABELS, "debt_labels": DEBT_LABELS, "sex_labels": SEX_LABELS,
            "exploitation_labels": EXPLOITATION_LABELS, "statuses": STATUS_LABELS, "strengths": STRENGTH_LABELS,
            "age_groups": AGE_GROUP_LABELS, "conclusions": CONCLUSIONS, "bases": BASES, "relations": FACILITATOR_RELATIONS}

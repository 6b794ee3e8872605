"""The screening input: observed indicators with evidence, age, journey facts; parsed and validated.

A case is plain data (a dict read from JSON or a form). :func:`parse_case` checks all of it and
raises one :class:`~palermo.errors.ValidationError` listing every problem (unknown indicator ids,
contradictory journey facts, missing age, unknown fields …), so the person filling the form can fix
everything at once. No name or other direct identifier is asked for.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from typing import Any

from palermo.errors import Problem, ValidationError
from palermo.identification.catalogue import Catalogue
from palermo.identification.i18n import N_, Translate

FACILITATOR_RELATIONS = {
    "none": N_("there was no facilitator"),
    "ended": N_("the relationship ended on arrival"),
    "continues": N_("still in contact, without control"),
    "controls": N_("the facilitator or associates still control the person"),
}
DEBT_HOLDERS = ("facilitator", "employer", "family", "other")
SEXES = ("Feminine", "Masculine", "TransgenderFeminine", "TransgenderMasculine", "NonConforming", "NonSpecifiedUnknown")
JOURNEY_FIELDS = ("crossed_border", "irregular_crossing", "paid_for_crossing", "consented_to_journey",
                  "facilitator_after_arrival", "debt", "debt_to", "national_of_destination")
CASE_FIELDS = ("age", "child", "sex", "citizenship", "observed", "journey", "notes")
MAX_EVIDENCE = 1000


@dataclass(frozen=True)
class Observation:
    """One indicator observed in one phase (recruitment and journey, exploitation, or at destination).

    The same indicator may be observed in two phases (documents taken on the journey and still held
    at destination): two observations, each counted in its own dimension."""

    indicator: str
    phase: str
    evidence: str = ""


@dataclass(frozen=True)
class Journey:
    """Facts about the journey; ``None`` means not known (yet)."""

    crossed_border: bool | None = None
    irregular_crossing: bool | None = None
    paid_for_crossing: bool | None = None
    consented_to_journey: bool | None = None
    facilitator_after_arrival: str | None = None
    debt: bool | None = None
    debt_to: str | None = None
    national_of_destination: bool | None = None


@dataclass(frozen=True)
class Case:
    age_group: str  # "adult" | "child"
    age: int | None
    observed: tuple[Observation, ...]
    journey: Journey = field(default_factory=Journey)
    sex: str | None = None
    citizenship: str | None = None

    @property
    def indicator_ids(self) -> frozenset[str]:
        return frozenset(o.indicator for o in self.observed)

    def to_dict(self) -> dict[str, Any]:
        return {"age": self.age if self.age is not None else self.age_group, "child": self.age_group == "child",
                "sex": self.sex, "citizenship": self.citizenship,
                "observed": [{"indicator": o.indicator, "phase": o.phase, "evidence": o.evidence} for o in self.observed],
                "journey": {k: getattr(self.journey, k) for k in JOURNEY_FIELDS}}


def _bool(value: Any, name: str, problems: list[Problem], _: Translate) -> bool | None:
    if value is None or value == "" or value == "unknown":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "true", "no", "false"):
        return value.lower() in ("yes", "true")
    problems.append(Problem(_("must be true, false or null (unknown)"), field=name, value=value))
    return None


def parse_case(data: Any, catalogue: Catalogue, words: gettext.NullTranslations | None = None) -> Case:
    """Validate a case given as plain data; raise ValidationError listing every problem, each said in the
    worker's language (``words``, the screening language's catalogue; field names stay as sent)."""
    words = words or gettext.NullTranslations()
    _, ngettext = words.gettext, words.ngettext
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise ValidationError(_("a case must be a JSON object with age, observed and journey"),
                              [Problem(_("not an object"), value=type(data).__name__)])
    for key in data:
        if key not in CASE_FIELDS:
            problems.append(Problem(_("unknown field; allowed: {fields} (no names or identifiers are needed)").format(
                fields=", ".join(CASE_FIELDS)), field=key))
    age_group, age = _parse_age(data.get("age"), data.get("child"), problems, _)
    observed = _parse_observed(data.get("observed"), catalogue, problems, _)
    journey = _parse_journey(data.get("journey"), problems, _)
    sex = data.get("sex") or None
    if sex is not None and sex not in SEXES:
        problems.append(Problem(_("sex uses the HTCDS prs_Gender values: {values}").format(values=", ".join(SEXES)),
                                field="sex", value=sex))
    citizenship = data.get("citizenship") or None
    if citizenship is not None:
        from palermo.auth.accounts import normalise_country
        try:
            citizenship = normalise_country(str(citizenship), field="citizenship")
        except ValidationError:
            problems.append(Problem(_("not an ISO 3166 country; give the country code, e.g. DOM, NGA or ROU"),
                                    field="citizenship", value=citizenship))
    if problems or age_group is None:
        raise ValidationError(ngettext("the case has {n} problem; nothing was assessed",
                                       "the case has {n} problems; nothing was assessed", len(problems)).format(n=len(problems)),
                              problems)
    return Case(age_group, age, tuple(observed), journey, sex, citizenship)


def _parse_age(value: Any, child: Any, problems: list[Problem], _: Translate) -> tuple[str | None, int | None]:
    child_flag = _bool(child, "child", problems, _)
    if value is None or value == "":
        if child_flag is None:
            problems.append(Problem(_('age is missing: give the age in years, or "child" / "adult"; '
                                      'if the person may be under 18, give "child" (presumption of minority)'), field="age"))
            return None, None
        return ("child" if child_flag else "adult"), None
    if isinstance(value, str) and value.strip().lower() in ("child", "adult"):
        group = value.strip().lower()
        if child_flag is not None and child_flag != (group == "child"):
            problems.append(Problem(_("age says {group} but child is {child}").format(group=repr(group), child=child_flag), field="child",
                                    value=child))
        return group, None
    try:
        years = int(value)
        if isinstance(value, float) and value != years:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(Problem(_('age must be whole years (0-120), "child" or "adult"'), field="age", value=value))
        return None, None
    if not 0 <= years <= 120:
        problems.append(Problem(_("age must be between 0 and 120"), field="age", value=value))
        return None, None
    group = "child" if years < 18 else "adult"
    if child_flag is not None and child_flag != (group == "child"):
        problems.append(Problem(_("age {years} contradicts child={child}").format(years=years, child=child_flag), field="child",
                                value=child))
    return group, years


def _parse_observed(value: Any, catalogue: Catalogue, problems: list[Problem], _: Translate) -> list[Observation]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(_('observed must be a list of {"indicator": id, "phase": when, "evidence": note}'), field="observed"))
        return []
    out: list[Observation] = []
    seen: set[tuple[str, str]] = set()
    for n, item in enumerate(value, 1):
        where = f"observed[{n}]"
        if isinstance(item, str):
            item = {"indicator": item}
        if not isinstance(item, dict):
            problems.append(Problem(_('expected {"indicator": id, "phase": when, "evidence": note}'), field=where, value=item))
            continue
        iid = str(item.get("indicator") or "").strip().upper()
        evidence = str(item.get("evidence") or "").strip()
        if iid not in catalogue.indicators:
            problems.append(Problem(_("unknown indicator id; use an id from the indicator catalogue"), field=f"{where}.indicator",
                                    value=item.get("indicator")))
            continue
        phases = catalogue.phases(iid)
        phase = str(item.get("phase") or "").strip().lower()
        if not phase and len(phases) == 1:
            phase = phases[0]
        if phase not in phases:
            reason = (_("say when it happened: phase must be one of {phases}") if not phase
                      else _("{indicator} is not an indicator of the {phase} phase; use one of {phases}")).format(
                phases=", ".join(phases), indicator=iid, phase=phase)
            problems.append(Problem(reason, field=f"{where}.phase", value=item.get("phase")))
            continue
        if (iid, phase) in seen:
            problems.append(Problem(_("indicator observed twice in the same phase; give it once with all the evidence"),
                                    field=f"{where}.indicator", value=iid))
            continue
        if len(evidence) > MAX_EVIDENCE:
            problems.append(Problem(_("evidence note longer than {n} characters").format(n=MAX_EVIDENCE),
                                    field=f"{where}.evidence"))
        seen.add((iid, phase))
        out.append(Observation(iid, phase, evidence))
    return sorted(out, key=lambda o: (o.indicator, o.phase))


def _parse_journey(value: Any, problems: list[Problem], _: Translate) -> Journey:
    if value is None:
        return Journey()
    if not isinstance(value, dict):
        problems.append(Problem(_("journey must be an object of facts"), field="journey", value=value))
        return Journey()
    for key in value:
        if key not in JOURNEY_FIELDS:
            problems.append(Problem(_("unknown journey fact; allowed: {fields}").format(fields=", ".join(JOURNEY_FIELDS)),
                                    field=f"journey.{key}"))
    b = {k: _bool(value.get(k), f"journey.{k}", problems, _) for k in
         ("crossed_border", "irregular_crossing", "paid_for_crossing", "consented_to_journey", "debt", "national_of_destination")}
    relation = value.get("facilitator_after_arrival") or None
    if relation is not None and relation not in FACILITATOR_RELATIONS:
        problems.append(Problem(_("use one of {values} or null").format(values=", ".join(FACILITATOR_RELATIONS)),
                                field="journey.facilitator_after_arrival",
                                value=relation))
        relation = None
    debt_to = value.get("debt_to") or None
    if debt_to is not None and debt_to not in DEBT_HOLDERS:
        problems.append(Problem(_("use one of {values} or null").format(values=", ".join(DEBT_HOLDERS)), field="journey.debt_to",
                                value=debt_to))
        debt_to = None
    # Contradictions: facts that cannot all be true.
    if b["crossed_border"] is False and b["irregular_crossing"] is True:
        problems.append(Problem(_("contradiction: irregular_crossing is true but crossed_border is false"),
                                field="journey.irregular_crossing"))
    if b["crossed_border"] is False and b["paid_for_crossing"] is True:
        problems.append(Problem(_("contradiction: paid_for_crossing is true but crossed_border is false"),
                                field="journey.paid_for_crossing"))
    if b["debt"] is False and debt_to is not None:
        problems.append(Problem(_("contradiction: debt is false but debt_to is {value}").format(value=repr(debt_to)),
                                field="journey.debt_to"))
    if relation == "none" and b["paid_for_crossing"] is True:
        problems.append(Problem(_("contradiction: paid someone for the crossing but facilitator_after_arrival says there was no "
                                  "facilitator"),
                                field="journey.facilitator_after_arrival"))
    return Journey(facilitator_after_arrival=relation, debt_to=debt_to, **b)

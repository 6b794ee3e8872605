"""The screening engine: observed indicators and journey facts in, an explained assessment out.

Pure Python and deterministic: the same case (and language) always gives the same result. Steps:

1. per list that applies to the person's age (adult or child lists, labour and sexual), count the
   observed indicators by dimension and strength and apply the ILO/EC combination rule
   (:mod:`palermo.identification.rules`);
2. assess the legal elements of smuggling from the journey facts (:mod:`.smuggling`);
3. combine both into one conclusion, with next steps and the questions still worth asking
   (:mod:`.referral`).

>>> from palermo.identification.screening import screen
>>> screen({"age": 30, "observed": [], "journey": {}}).conclusion
'insufficient_information'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from palermo.identification import rules
from palermo.identification.case import Case, parse_case
from palermo.identification.catalogue import Catalogue, load_catalogue
from palermo.identification.i18n import N_, Translate, check_language, translations, translator
from palermo.identification.smuggling import SmugglingAssessment, assess_smuggling

Plural = Callable[[str, str, int], str]

CONCLUSIONS = {
    "trafficking_indicated": N_("trafficking indicated"),
    "possible_trafficking": N_("possible trafficking"),
    "smuggling_indicated": N_("smuggling indicated"),
    "both": N_("both trafficking and smuggling indicated"),
    "insufficient_information": N_("insufficient information"),
}
LEVEL_LABELS = {rules.INDICATED: N_("trafficking indicated"), rules.POSSIBLE: N_("possible trafficking"),
                rules.NOT_INDICATED: N_("not indicated")}
RULE_TEXT = N_("A dimension is positive with at least 2 strong indicators, or 1 strong and 1 medium or weak, "
               "or 3 medium, or 2 medium and 1 weak (ILO/EC operational indicators, 2009).")


@dataclass(frozen=True)
class ObservedIndicator:
    id: str
    text: str
    strength: str
    evidence: str
    phase: str


@dataclass(frozen=True)
class DimensionResult:
    key: str
    number: int
    label: str
    positive: bool
    strong: int
    medium: int
    weak: int
    indicators: tuple[ObservedIndicator, ...]
    reason: str


@dataclass(frozen=True)
class ListResult:
    key: str
    label: str
    level: str
    level_label: str
    dimensions: tuple[DimensionResult, ...]
    missing: tuple[str, ...]
    reason: str
    not_in_list: tuple[str, ...]  # observed indicators this list does not contain


@dataclass(frozen=True)
class ScreeningResult:
    catalogue_version: str
    lang: str
    age_group: str
    trafficking_level: str
    lists: tuple[ListResult, ...]
    smuggling: SmugglingAssessment
    conclusion: str
    conclusion_label: str
    explanation: str
    next_steps: tuple[str, ...]
    questions: tuple[str, ...]
    rule: str
    case: Case

    def list_result(self, key: str) -> ListResult:
        return next(r for r in self.lists if r.key == key)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["case"] = self.case.to_dict()
        return data


def screen(data: dict[str, Any] | Case, *, lang: str = "en", catalogue: Catalogue | None = None) -> ScreeningResult:
    """Assess one case. ``data`` is plain data (validated here, ValidationError on bad input) or a Case.

    ``catalogue`` defaults to the current one; a saved screening is re-read with the version it was
    assessed with (:func:`~palermo.identification.catalogue.catalogue_version`)."""
    cat = catalogue or load_catalogue()
    code = check_language(lang)
    _ = translator(code)
    ngettext = translations(code).ngettext
    case = data if isinstance(data, Case) else parse_case(data, cat, translations(code))
    lists = tuple(_assess_list(cat, key, case, _, ngettext) for key, spec in cat.lists.items() if spec.age == case.age_group)
    level = rules.max_level([r.level for r in lists])
    smuggling = assess_smuggling(case.journey, _)
    conclusion = _conclude(level, smuggling.assessment)
    from palermo.identification.next_steps import next_steps, questions

    return ScreeningResult(
        catalogue_version=cat.version, lang=code, age_group=case.age_group, trafficking_level=level, lists=lists,
        smuggling=smuggling, conclusion=conclusion, conclusion_label=_(CONCLUSIONS[conclusion]),
        explanation=_explain(conclusion, level, lists, smuggling, case, _),
        next_steps=tuple(next_steps(conclusion, level, smuggling, case, _)),
        questions=tuple(questions(cat, case, lists, _)), rule=_(RULE_TEXT), case=case)


def _conclude(level: str, smuggling: str) -> str:
    """Trafficking comes first: a possible trafficking victim is treated as one, even if smuggled."""
    if level == rules.INDICATED:
        return "both" if smuggling == "indicated" else "trafficking_indicated"
    if level == rules.POSSIBLE:
        return "possible_trafficking"
    if smuggling == "indicated":
        return "smuggling_indicated"
    return "insufficient_information"


def _assess_list(cat: Catalogue, key: str, case: Case, _: Translate, ngettext: Plural) -> ListResult:
    spec = cat.lists[key]
    dims: list[DimensionResult] = []
    positive: dict[str, bool] = {}
    not_in_list = []
    by_dim: dict[str, list[ObservedIndicator]] = {d: [] for d in cat.dimensions}
    for obs in case.observed:
        placement = cat.placement(obs.indicator, key, obs.phase)
        if placement is None:
            if obs.indicator not in not_in_list:
                not_in_list.append(obs.indicator)
            continue
        by_dim[placement.dimension].append(
            ObservedIndicator(obs.indicator, _(cat.indicators[obs.indicator].text), placement.strength, obs.evidence, obs.phase))
    for dkey, dim in cat.dimensions.items():
        found = tuple(by_dim[dkey])
        counts = rules.Counts(*(sum(1 for f in found if f.strength == s) for s in ("strong", "medium", "weak")))
        pos = rules.dimension_positive(counts)
        positive[dkey] = pos
        dims.append(DimensionResult(dkey, dim.number, _(dim.label), pos, counts.strong, counts.medium, counts.weak,
                                    found, _dimension_reason(pos, counts, found, _, ngettext)))
    any_strong = any(d.strong for d in dims)
    level = rules.list_level(spec.age, positive, any_strong)
    missing = tuple(rules.missing_elements(spec.age, positive))
    return ListResult(key, _(spec.label), level, _(LEVEL_LABELS[level]), tuple(dims), missing,
                      _list_reason(spec.age, level, positive, missing, dims, _), tuple(not_in_list))


def _dimension_reason(pos: bool, c: rules.Counts, found: tuple[ObservedIndicator, ...], _: Translate,
                      ngettext: Plural) -> str:
    if not found:
        return _(N_("No indicator of this dimension was observed."))
    # Each count through the language's plural forms: "1 fuerte", "2 fuertes"; Arabic has six forms.
    counts = ", ".join([ngettext("%(num)d strong", "%(num)d strong", c.strong) % {"num": c.strong},
                        ngettext("%(num)d medium", "%(num)d medium", c.medium) % {"num": c.medium},
                        ngettext("%(num)d weak", "%(num)d weak", c.weak) % {"num": c.weak}])
    seen = _(N_("Observed: {counts} ({ids}).")).format(counts=counts, ids=", ".join(f.id for f in found))
    verdict = _(N_("Positive.")) if pos else _(N_("Not positive yet."))
    return f"{verdict} {seen}"


ELEMENT_LABELS = {
    "recruitment": N_("a positive recruitment dimension (1 deceptive, 2 coercive or 3 abuse of vulnerability)"),
    "exploitation": N_("a positive exploitation dimension (4)"),
    "destination": N_("a positive destination dimension (5 coercion or 6 abuse of vulnerability)"),
}


def _list_reason(age: str, level: str, positive: dict[str, bool], missing: tuple[str, ...],
                 dims: list[DimensionResult], _: Translate) -> str:
    pos = [str(d.number) for d in dims if d.positive]
    pos_text = (_(N_("Positive dimensions: {numbers}.")).format(numbers=", ".join(pos)) if pos
                else _(N_("No dimension is positive.")))
    if age == "child":
        rule = _(N_("For children the means (deception, coercion, abuse of vulnerability) are not required: "
                    "a positive exploitation dimension is enough."))
    else:
        rule = _(N_("For adults the rule needs a positive recruitment dimension (1, 2 or 3), the exploitation "
                    "dimension (4) and a destination dimension (5 or 6)."))
    if level == rules.INDICATED:
        verdict = _(N_("The rule is met."))
    else:
        verdict = _(N_("Still missing: {elements}.")).format(elements="; ".join(_(ELEMENT_LABELS[m]) for m in missing))
    return f"{pos_text} {rule} {verdict}"


def _explain(conclusion: str, level: str, lists: tuple[ListResult, ...], smuggling: SmugglingAssessment,
             case: Case, _: Translate) -> str:
    parts = []
    met = [r.label for r in lists if r.level == rules.INDICATED]
    possible = [r.label for r in lists if r.level == rules.POSSIBLE]
    if met:
        parts.append(_(N_("The ILO/EC combination rule is met for: {lists}.")).format(lists="; ".join(met)))
    elif possible:
        parts.append(_(N_("Some indicators of trafficking were observed ({lists}), but the combination rule is not met yet: "
                          "this is possible trafficking, to be clarified by specialists.")).format(lists="; ".join(possible)))
    elif case.observed:
        parts.append(_(N_("The observed indicators do not make any dimension positive.")))
    else:
        parts.append(_(N_("No indicator of trafficking was recorded.")))
    parts.append(_(N_("Smuggling: {text}")).format(text=smuggling.explanation))
    if conclusion == "both":
        parts.append(_(N_("The journey may have begun as smuggling and turned into trafficking: both apply, and the person "
                          "is to be treated as a presumed victim of trafficking.")))
    if conclusion == "insufficient_information":
        parts.append(_(N_("This is not a finding that the person is not a victim: ask the questions below.")))
    return " ".join(parts)

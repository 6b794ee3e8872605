"""IATI activity XML (standard version 2.03) in and out.

Read: iati-identifier; reporting-org; title/description narratives; participating-org @role 1-4 →
funding / accountable / extending / implementing (@ref as the organisation identifier); activity-status
@code 1-6; activity-date @type 1/2 start, 3/4 end (actual dates win); recipient-country @code (ISO 3166
alpha-2); location/name → areas; sector: DAC 5-digit codes (vocabulary 1, the default) and 3-digit
categories (vocabulary 2) kept as they are and mapped to themes where meaningful, vocabulary 99 →
Palermo themes; tag vocabulary 99 → target groups; budgets by period; transactions (type, date, value,
provider and receiver with their activity ids); results: indicators with baseline, and per period the
target and actual, by sex and age dimensions.

Write: the same, in the order and types the IATI activity schema requires (it validates against the
2.03 XSD): reporting-org with its @ref, decimal values, Palermo's own vocabularies marked with a URI.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import pycountry
from lxml import etree

from palermo.coordination import sectors
from palermo.coordination.codelists import IATI_ROLES, IATI_STATUS, ROLE_CODES, STATUS_IATI, TARGET_GROUPS, theme_key, themes_hint
from palermo.coordination.hxl import plain
from palermo.coordination.initiatives import InitiativeSpec, implied_ps_dropped
from palermo.coordination.models import Initiative
from palermo.coordination.money import TRANSACTION_CODES, TRANSACTION_TYPES, BudgetSpec, TransactionSpec
from palermo.coordination.results import AGES, PEOPLE, ResultSpec
from palermo.errors import ImportRejected, Problem
from palermo.messages import N_, verbatim

MAX_BYTES = 50 * 1024 * 1024
VOCAB = sectors.OWN  # "reporting organisation's own vocabulary"
THEMES_URI = "urn:palermo:coordination:themes"
GROUPS_URI = "urn:palermo:coordination:target-groups"
INDICATORS_URI = "urn:palermo:coordination:indicators"
AGE_WORDS = {"adult": "adults", "child": "children", "infant": "infants", "adolescent": "adolescents",
             "elderly": "elderly", **{a: a for a in AGES}}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def _narrative(el: etree._Element | None) -> str:
    """The English (or first) narrative of an element."""
    if el is None:
        return ""
    found = el.findall("narrative")
    pick = next((n for n in found if n.get("{http://www.w3.org/XML/1998/namespace}lang") in (None, "en")), None)
    pick = pick if pick is not None else (found[0] if found else None)
    return ((pick.text if pick is not None else el.text) or "").strip()


def _alpha3(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    return c.alpha_3 if c else code


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def _decimal(value: str | None) -> float | None:
    try:
        return float((value or "").strip()) if (value or "").strip() else None
    except ValueError:
        return None


class _Reader:
    """Problems of one file, each located by line and element."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, el: etree._Element, where: str, text: str, value: object = None) -> None:
        self.problems.append(Problem(N_("{where}: {text}", where=where, text=text), line=el.sourceline, field=el.tag, value=value))

    def date(self, el: etree._Element | None, where: str, what: str) -> date | None:
        if el is None:
            return None
        d = _iso(el.get("iso-date"))
        if d is None:
            self.problem(el, where, f"{what} iso-date is not YYYY-MM-DD", el.get("iso-date"))
        return d


def read_iati(data: bytes, origin: str = "IATI file") -> list[InitiativeSpec]:
    """Parse an IATI activity file into initiative specs; every problem of every activity is reported."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(N_("{origin} is larger than {max_bytes} MiB; split it",
                                origin=origin, max_bytes=MAX_BYTES // 2**20), [Problem(N_("file too large"))])
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ImportRejected(N_("{origin} is not well-formed XML: {exc}", origin=origin, exc=exc),
                             [Problem(verbatim(str(exc)), line=line)]) from None
    if root.tag != "iati-activities":
        raise ImportRejected(N_("{origin}: root element is <{tag}>, expected <iati-activities>",
                                origin=origin, tag=root.tag),
                             [Problem(N_("not an IATI activity file"), field=str(root.tag))])
    rd = _Reader()
    specs = [_activity(rd, act, n) for n, act in enumerate(root.findall("iati-activity"), start=1)]
    if rd.problems:
        raise ImportRejected(N_("{n_problems} problem(s) in {origin}; nothing was saved",
                                n_problems=len(rd.problems), origin=origin), rd.problems)
    if not specs:
        raise ImportRejected(N_("{origin} holds no <iati-activity>", origin=origin), [Problem(N_("no activities"))])
    return specs


def _activity(rd: _Reader, act: etree._Element, n: int) -> InitiativeSpec:
    ref = (act.findtext("iati-identifier") or "").strip()
    where = f"activity {n}" + (f" ({ref})" if ref else "")
    descriptions = {d.get("type", "1"): _narrative(d) for d in act.findall("description")}
    rep = act.find("reporting-org")
    spec = InitiativeSpec(ref=ref, title=_narrative(act.find("title")), participants=[], line=act.sourceline,
                          description=descriptions.get("1") or next(iter(descriptions.values()), ""),
                          reporting_org=(_narrative(rep) or rep.get("ref")) if rep is not None else None,
                          reporting_org_ref=rep.get("ref") if rep is not None else None)
    currency = act.get("default-currency")
    for po in act.findall("participating-org"):
        code = po.get("role") or ""
        role = IATI_ROLES.get(int(code)) if code.isdigit() else None
        name = _narrative(po) or po.get("ref", "")
        if role is None:
            rd.problem(po, where, f"participating-org role {code!r} is not 1-4", code)
        elif not name:
            rd.problem(po, where, "participating-org has neither a name (narrative) nor a ref")
        else:
            spec.participants.append((name, role))
            if po.get("ref"):
                spec.identifiers[name] = po.get("ref", "")
    st = act.find("activity-status")
    if st is not None:
        code = st.get("code", "")
        if not code.isdigit() or int(code) not in IATI_STATUS:
            rd.problem(st, where, f"activity-status code {code!r} is not 1-6", code)
        else:
            spec.status = IATI_STATUS[int(code)]
    dates = {d.get("type"): rd.date(d, where, "activity-date") for d in act.findall("activity-date")}
    spec.start = dates.get("2") or dates.get("1")
    spec.end = dates.get("4") or dates.get("3")
    spec.countries = [_alpha3(c.get("code", "")) for c in act.findall("recipient-country")]
    spec.areas = [_narrative(loc.find("name")) for loc in act.findall("location") if _narrative(loc.find("name"))]
    _sectors(rd, act, where, spec)
    spec.themes = [t for t in spec.themes if t in implied_ps_dropped(set(spec.themes))]
    for t in act.findall("tag"):
        if t.get("vocabulary") != VOCAB:
            continue
        if t.get("code", "") in TARGET_GROUPS:
            spec.target_groups.append(t.get("code", ""))
        elif t.get("vocabulary-uri") in (None, GROUPS_URI):
            rd.problem(t, where, f"tag code {t.get('code')!r} is not a target group; use one of {', '.join(TARGET_GROUPS)}",
                       t.get("code"))
    spec.budgets = [_budget(rd, b, f"{where}, budget {k}", currency) for k, b in enumerate(act.findall("budget"), 1)]
    if spec.budgets:
        kept = [b for b in spec.budgets if b.revised] or spec.budgets
        spec.budget = sum(b.value or 0 for b in kept)
        spec.currency = kept[0].currency
    spec.transactions = [_transaction(rd, t, f"{where}, transaction {k}", currency)
                         for k, t in enumerate(act.findall("transaction"), 1)]
    spec.results = [r for k, res in enumerate(act.findall("result"), 1) for r in _result(rd, res, f"{where}, result {k}")]
    return spec


def _sectors(rd: _Reader, act: etree._Element, where: str, spec: InitiativeSpec) -> None:
    for s in act.findall("sector"):
        vocab, code = s.get("vocabulary", sectors.DAC5), (s.get("code") or "").strip()
        if vocab in (sectors.DAC5, sectors.DAC3):
            if sectors.lookup(code, vocab) is None:
                rd.problem(s, where, f"sector code {code!r} is not in the IATI {'Sector' if vocab == sectors.DAC5 else 'SectorCategory'} "
                           "codelist (DAC 5-digit codes for vocabulary 1, 3-digit for 2)", code)
                continue
            spec.sectors.append(code)
            theme = sectors.theme_for(code) if vocab == sectors.DAC5 else None
            if theme and theme not in spec.themes:
                spec.themes.append(theme)
        elif vocab == VOCAB and theme_key(code):
            if code not in spec.themes:
                spec.themes.append(code)
        elif vocab == VOCAB and s.get("vocabulary-uri") in (None, THEMES_URI):
            rd.problem(s, where, f"sector code {code!r} of vocabulary 99 is not a theme: {themes_hint()}; or "
                       "give the vocabulary-uri of the publisher's own vocabulary", code)
        else:
            spec.sectors.append(f"{vocab}:{code}")  # another vocabulary, kept as given


def _value(rd: _Reader, el: etree._Element | None, where: str, default_currency: str | None) -> tuple[float | None, str | None]:
    if el is None:
        return None, default_currency
    v = _decimal(el.text)
    if v is None:
        rd.problem(el, where, "value is not a decimal number", el.text)
    return v, el.get("currency") or default_currency


def _budget(rd: _Reader, b: etree._Element, where: str, currency: str | None) -> BudgetSpec:
    v = b.find("value")
    value, cur = _value(rd, v, where, currency)
    spec = BudgetSpec(rd.date(b.find("period-start"), where, "period-start"), rd.date(b.find("period-end"), where, "period-end"),
                      value, cur, b.get("type") == "2", where=where, line=b.sourceline)
    if v is None:
        rd.problem(b, where, "budget without a value")
    return spec


def _transaction(rd: _Reader, t: etree._Element, where: str, currency: str | None) -> TransactionSpec:
    tt = t.find("transaction-type")
    code = tt.get("code", "") if tt is not None else ""
    kind = TRANSACTION_TYPES.get(int(code)) if code.isdigit() and int(code) in TRANSACTION_TYPES else None
    if kind is None:
        rd.problem(tt if tt is not None else t, where, f"transaction-type {code!r} is not an IATI TransactionType (1-13)", code)
    v = t.find("value")
    value, cur = _value(rd, v, where, currency)
    if v is None:
        rd.problem(t, where, "transaction without a value")
    d = t.find("transaction-date")
    day = rd.date(d, where, "transaction-date")
    if d is None:
        rd.problem(t, where, "transaction without a date (transaction-date/@iso-date)")
    prov, recv = t.find("provider-org"), t.find("receiver-org")
    return TransactionSpec(
        kind or code, day, value, cur, where=where, line=t.sourceline,
        provider=_narrative(prov) or (prov.get("ref", "") if prov is not None else ""),
        provider_ref=prov.get("ref", "") if prov is not None else "",
        provider_activity=prov.get("provider-activity-id", "") if prov is not None else "",
        receiver=_narrative(recv) or (recv.get("ref", "") if recv is not None else ""),
        receiver_ref=recv.get("ref", "") if recv is not None else "",
        receiver_activity=recv.get("receiver-activity-id", "") if recv is not None else "")


def _dims(el: etree._Element) -> tuple[str, str]:
    d = {x.get("name", "").lower(): (x.get("value") or "").lower() for x in el.findall("dimension")}
    return d.get("sex", ""), AGE_WORDS.get(d.get("age", ""), d.get("age", ""))


def _result(rd: _Reader, res: etree._Element, where: str) -> list[ResultSpec]:
    out = []
    for k, ind in enumerate(res.findall("indicator"), 1):
        w = f"{where}, indicator {k}"
        if ind.get("measure") == "5":  # qualitative: no numbers to follow
            continue
        title = _narrative(ind.find("title")) or _narrative(res.find("title"))
        people = any(r.get("vocabulary") == VOCAB and r.get("code") == PEOPLE for r in ind.findall("reference"))
        baselines = {_dims(b): _decimal(b.get("value")) for b in ind.findall("baseline")}
        for m, period in enumerate(ind.findall("period"), 1):
            pw = f"{w}, period {m}"
            start, end = period.find("period-start"), period.find("period-end")
            if start is None or end is None:
                rd.problem(period, pw, "result period without period-start and period-end")
                continue
            rows: dict[tuple[str, str], ResultSpec] = {}
            for kind in ("target", "actual"):
                for el in period.findall(kind):
                    value = _decimal(el.get("value"))
                    if el.get("value") is not None and value is None:
                        rd.problem(el, pw, f"{kind} value is not a decimal number", el.get("value"))
                    dims = _dims(el)
                    r = rows.setdefault(dims, ResultSpec(title or PEOPLE if people else title, rd.date(start, pw, "period-start"),
                                                         rd.date(end, pw, "period-end"), baseline=baselines.get(dims),
                                                         sex=dims[0], age=dims[1], people=people, where=pw,
                                                         line=period.sourceline, origin="iati"))
                    setattr(r, kind, value)
            out += [r for r in rows.values() if r.target is not None or r.actual is not None]
    return out


# ----------------------------------------------------------------------------- writing
def _narr(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    etree.SubElement(el, "narrative").text = text
    return el


def _reporting_org(i: Initiative, fallback: tuple[str, str]) -> tuple[str, str]:
    """Who publishes the record: as imported, else the accountable or funding organisation that has an
    identifier, else the hub exporting it."""
    if i.reporting_org and i.reporting_org_ref:
        return i.reporting_org, i.reporting_org_ref
    for role in ("accountable", "funding", "extending", "implementing"):
        for p in sorted(i.participants, key=lambda p: p.actor.name):
            if p.role == role and p.actor.identifiers:
                return p.actor.name, p.actor.identifiers[0]
    return fallback


def write_iati(initiatives: Iterable[Initiative], out: Path,
               reporting_org: tuple[str, str] = ("Palermo hub", "XI-PALERMO-HUB")) -> int:
    """Write initiatives as IATI 2.03 activities (schema-valid); returns how many were written.

    The IATI schema requires at least one activity date: an initiative without start or end is skipped
    (and counted out of the returned number)."""
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    root = etree.Element("iati-activities", {"version": "2.03", "generated-datetime": now})
    n = 0
    for i in initiatives:
        if not (i.start or i.end) or not i.participants:
            continue
        currency = i.currency or "EUR"
        act = etree.SubElement(root, "iati-activity", {
            "default-currency": currency, "last-updated-datetime": i.updated_at.replace(microsecond=0).isoformat()})
        etree.SubElement(act, "iati-identifier").text = i.ref
        name, ref = _reporting_org(i, reporting_org)
        _narr(act, "reporting-org", name, ref=ref, type="40" if ref == reporting_org[1] else "10")
        _narr(act, "title", i.title)
        if i.description:
            _narr(act, "description", i.description, type="1")
        for p in sorted(i.participants, key=lambda p: (ROLE_CODES[p.role], p.actor.name)):
            attrs = {"role": str(ROLE_CODES[p.role])}
            if p.actor.identifiers:
                attrs["ref"] = p.actor.identifiers[0]
            _narr(act, "participating-org", p.actor.name, **attrs)
        etree.SubElement(act, "activity-status", {"code": str(STATUS_IATI.get(i.status, 2))})
        today = date.today()
        for d, planned, actual in ((i.start, "1", "2"), (i.end, "3", "4")):
            if d:  # actual dates only once they are past
                etree.SubElement(act, "activity-date", {"type": actual if d <= today and i.status != "planned" else planned,
                                                        "iso-date": d.isoformat()})
        for c in i.countries:
            country = pycountry.countries.get(alpha_3=c)
            etree.SubElement(act, "recipient-country", {"code": country.alpha_2 if country else c})
        for a in i.areas:
            _narr(etree.SubElement(act, "location"), "name", a)
        for code in i.sectors:
            vocab, _, value = code.rpartition(":") if ":" in code else (sectors.DAC5 if len(code) == 5 else sectors.DAC3, "", code)
            etree.SubElement(act, "sector", {"vocabulary": vocab, "code": value})
        for t in i.themes:
            etree.SubElement(act, "sector", {"vocabulary": VOCAB, "vocabulary-uri": THEMES_URI, "code": t})
        for g in i.target_groups:
            etree.SubElement(act, "tag", {"vocabulary": VOCAB, "vocabulary-uri": GROUPS_URI, "code": g})
        _money(act, i, currency)
        _results(act, i)
        n += 1
    etree.ElementTree(root).write(str(out), encoding="utf-8", xml_declaration=True, pretty_print=True)
    return n


def _money(act: etree._Element, i: Initiative, currency: str) -> None:
    budgets = [(b.period_start, b.period_end, b.value, b.currency, b.revised) for b in i.budgets]
    start_or_end = i.start or i.end
    if not budgets and i.budget is not None and start_or_end is not None:
        budgets = [(start_or_end, i.end or start_or_end, i.budget, currency, False)]
    for start, end, value, cur, revised in budgets:
        b = etree.SubElement(act, "budget", {"type": "2" if revised else "1", "status": "2"})
        etree.SubElement(b, "period-start", {"iso-date": start.isoformat()})
        etree.SubElement(b, "period-end", {"iso-date": end.isoformat()})
        etree.SubElement(b, "value", {"currency": cur, "value-date": start.isoformat()}).text = plain(value)
    for t in i.transactions:
        tr = etree.SubElement(act, "transaction")
        etree.SubElement(tr, "transaction-type", {"code": str(TRANSACTION_CODES[t.kind])})
        etree.SubElement(tr, "transaction-date", {"iso-date": t.transaction_date.isoformat()})
        etree.SubElement(tr, "value", {"currency": t.currency, "value-date": t.transaction_date.isoformat()}).text = plain(t.value)
        for side in ("provider", "receiver"):
            org_name, org_ref, activity = (getattr(t, side), getattr(t, f"{side}_ref"), getattr(t, f"{side}_activity"))
            if org_name or org_ref or activity:
                attrs = {k: v for k, v in (("ref", org_ref), (f"{side}-activity-id", activity)) if v}
                el = etree.SubElement(tr, f"{side}-org", attrs)
                if org_name:
                    etree.SubElement(el, "narrative").text = org_name


def _results(act: etree._Element, i: Initiative) -> None:
    by_indicator: dict[str, list] = {}
    for r in i.results:
        by_indicator.setdefault(r.indicator, []).append(r)
    for title, rows in by_indicator.items():
        res = etree.SubElement(act, "result", {"type": "1", "aggregation-status": "1" if rows[0].people else "0"})
        _narr(res, "title", title)
        ind = etree.SubElement(res, "indicator", {"measure": "1", "ascending": "1"})
        _narr(ind, "title", title)
        if rows[0].people:
            etree.SubElement(ind, "reference", {"vocabulary": VOCAB, "code": PEOPLE, "indicator-uri": INDICATORS_URI})
        for r in rows:
            if r.baseline is not None:
                b = etree.SubElement(ind, "baseline", {"year": str(r.period_start.year), "value": plain(r.baseline)})
                _dimensions(b, r.sex, r.age)
                break
        for (start, end) in sorted({(r.period_start, r.period_end) for r in rows}):
            period = etree.SubElement(ind, "period")
            etree.SubElement(period, "period-start", {"iso-date": start.isoformat()})
            etree.SubElement(period, "period-end", {"iso-date": end.isoformat()})
            these = [r for r in rows if (r.period_start, r.period_end) == (start, end)]
            for kind in ("target", "actual"):
                for r in these:
                    if getattr(r, kind) is not None:
                        el = etree.SubElement(period, kind, {"value": plain(getattr(r, kind))})
                        _dimensions(el, r.sex, r.age)


def _dimensions(el: etree._Element, sex: str, age: str) -> None:
    for name, value in (("sex", sex), ("age", age)):
        if value:
            etree.SubElement(el, "dimension", {"name": name, "value": value})

"""IATI activity XML (standard version 2.03) in and out.

Mapping: iati-identifier → reference; title/description narratives; participating-org @role 1-4 →
funding / accountable / extending / implementing (with @ref as the organisation identifier);
activity-status @code 1-6; activity-date @type 1/2 start, 3/4 end; recipient-country @code (ISO
3166 alpha-2); location/name → areas; sector @vocabulary="99" → Palermo themes; tag @vocabulary="99"
→ target groups; budget/value with @currency.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pycountry

from palermo.coordination.codelists import IATI_ROLES, IATI_STATUS, ROLE_CODES, STATUS_IATI
from palermo.coordination.initiatives import InitiativeSpec
from palermo.coordination.models import Initiative
from palermo.errors import ImportRejected, Problem

MAX_BYTES = 50 * 1024 * 1024
VOCAB = "99"  # IATI code for "reporting organisation's own vocabulary"


def _narrative(el: ET.Element | None) -> str:
    if el is None:
        return ""
    n = el.find("narrative")
    return ((n.text if n is not None else el.text) or "").strip()


def _alpha3(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    return c.alpha_3 if c else code


def read_iati(data: bytes, origin: str = "IATI file") -> list[InitiativeSpec]:
    if len(data) > MAX_BYTES:
        raise ImportRejected(f"{origin} is larger than {MAX_BYTES // 2**20} MiB; split it", [Problem("file too large")])
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise ImportRejected(f"{origin} is not well-formed XML: {exc}", [Problem(str(exc), line=line)]) from None
    if root.tag != "iati-activities":
        raise ImportRejected(f"{origin}: root element is <{root.tag}>, expected <iati-activities>",
                             [Problem("not an IATI activity file", field=root.tag)])
    problems: list[Problem] = []
    specs = []
    for n, act in enumerate(root.findall("iati-activity"), start=1):
        where = f"activity {n}"
        ref = (act.findtext("iati-identifier") or "").strip()
        spec = InitiativeSpec(ref=ref, title=_narrative(act.find("title")), participants=[], line=n,
                              description=_narrative(act.find("description")))
        for po in act.findall("participating-org"):
            role = IATI_ROLES.get(int(po.get("role", "0"))) if (po.get("role") or "").isdigit() else None
            name = _narrative(po) or po.get("ref", "")
            if role is None:
                problems.append(Problem(f"{where}: participating-org role {po.get('role')!r} is not 1-4", line=n,
                                        field="participating-org/@role", value=po.get("role")))
                continue
            spec.participants.append((name, role))
            if po.get("ref"):
                spec.identifiers[name] = po.get("ref", "")
        st = act.find("activity-status")
        if st is not None:
            code = st.get("code", "")
            if not code.isdigit() or int(code) not in IATI_STATUS:
                problems.append(Problem(f"{where}: activity-status code {code!r} is not 1-6", line=n,
                                        field="activity-status/@code", value=code))
            else:
                spec.status = IATI_STATUS[int(code)]
        for d in act.findall("activity-date"):
            try:
                value = date.fromisoformat((d.get("iso-date") or "")[:10])
            except ValueError:
                problems.append(Problem(f"{where}: activity-date iso-date is not YYYY-MM-DD", line=n,
                                        field="activity-date/@iso-date", value=d.get("iso-date")))
                continue
            if d.get("type") in ("1", "2"):
                spec.start = value if d.get("type") == "2" or spec.start is None else spec.start
            elif d.get("type") in ("3", "4"):
                spec.end = value if d.get("type") == "4" or spec.end is None else spec.end
        spec.countries = [_alpha3(c.get("code", "")) for c in act.findall("recipient-country")]
        spec.areas = [_narrative(loc.find("name")) for loc in act.findall("location") if _narrative(loc.find("name"))]
        spec.themes = [s.get("code", "") for s in act.findall("sector") if s.get("vocabulary") == VOCAB]
        spec.target_groups = [t.get("code", "") for t in act.findall("tag") if t.get("vocabulary") == VOCAB]
        budgets = act.findall("budget/value")
        if budgets:
            try:
                spec.budget = sum(float((b.text or "").replace(",", "")) for b in budgets)
                spec.currency = budgets[0].get("currency") or act.get("default-currency")
            except ValueError:
                problems.append(Problem(f"{where}: budget value is not a number", line=n, field="budget/value"))
        specs.append(spec)
    if problems:
        raise ImportRejected(f"{len(problems)} problem(s) in {origin}; nothing was saved", problems)
    if not specs:
        raise ImportRejected(f"{origin} holds no <iati-activity>", [Problem("no activities")])
    return specs


def write_iati(initiatives: Iterable[Initiative], out: Path, reporting_org: str = "Palermo hub") -> int:
    root = ET.Element("iati-activities", {"version": "2.03", "generated-datetime": date.today().isoformat() + "T00:00:00"})
    n = 0
    for i in initiatives:
        act = ET.SubElement(root, "iati-activity", {"default-currency": i.currency or "EUR"})
        ET.SubElement(act, "iati-identifier").text = i.ref
        rep = ET.SubElement(act, "reporting-org", {"type": "40"})
        ET.SubElement(rep, "narrative").text = reporting_org
        ET.SubElement(ET.SubElement(act, "title"), "narrative").text = i.title
        if i.description:
            ET.SubElement(ET.SubElement(act, "description"), "narrative").text = i.description
        for p in sorted(i.participants, key=lambda p: (ROLE_CODES[p.role], p.actor.name)):
            attrs = {"role": str(ROLE_CODES[p.role])}
            if p.actor.identifiers:
                attrs["ref"] = p.actor.identifiers[0]
            ET.SubElement(ET.SubElement(act, "participating-org", attrs), "narrative").text = p.actor.name
        ET.SubElement(act, "activity-status", {"code": str(STATUS_IATI.get(i.status, 2))})
        if i.start:
            ET.SubElement(act, "activity-date", {"type": "2", "iso-date": i.start.isoformat()})
        if i.end:
            ET.SubElement(act, "activity-date", {"type": "3", "iso-date": i.end.isoformat()})
        for c in i.countries:
            country = pycountry.countries.get(alpha_3=c)
            ET.SubElement(act, "recipient-country", {"code": country.alpha_2 if country else c})
        for a in i.areas:
            ET.SubElement(ET.SubElement(ET.SubElement(act, "location"), "name"), "narrative").text = a
        for t in i.themes:
            ET.SubElement(act, "sector", {"vocabulary": VOCAB, "code": t})
        for g in i.target_groups:
            ET.SubElement(act, "tag", {"vocabulary": VOCAB, "code": g})
        if i.budget is not None:
            b = ET.SubElement(act, "budget", {"type": "1", "status": "2"})
            ET.SubElement(b, "period-start", {"iso-date": (i.start or date.today()).isoformat()})
            ET.SubElement(b, "period-end", {"iso-date": (i.end or i.start or date.today()).isoformat()})
            ET.SubElement(b, "value", {"currency": i.currency or "EUR",
                                       "value-date": (i.start or date.today()).isoformat()}).text = f"{i.budget:g}"
        n += 1
    ET.indent(root)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return n

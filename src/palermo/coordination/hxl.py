"""HXL-tagged 3W/4W files (who does what where, for how many) in and out.

A 3W file is an ordinary CSV whose header is followed (or replaced) by a row of HXL hashtags. Rows are
grouped into initiatives by ``#activity+code``; several rows of one initiative (one per organisation,
place or reporting period, as 3W/4W sheets have) are merged. Lists inside a cell are separated by ``;``.
Tags are HXL's own (hxlstandard.org): ``#targeted`` and ``#reached`` are numbers of people, target
groups are ``#beneficiary``, and codes and names come as ``+code`` / ``+name`` pairs.

| tag | meaning |
| --- | --- |
| #activity+code | initiative reference (required) |
| #activity+name, #activity+description | title, description |
| #org+impl / +funder / +accountable / +extending (+name, +code) | participating organisations by role, identifiers |
| #sector (+code / +name) | the P (prevention, protection, prosecution, partnership) |
| #subsector (+code / +name) | the sub-theme (see `palermo coord themes`) |
| #sector+dac+code | DAC 5-digit sector codes (IATI Sector codelist) |
| #beneficiary (+code / +name) | target groups (`#targeted+group` of older files is read too) |
| #country+code (#country+name) | ISO 3166 countries |
| #adm1+name | sub-national areas |
| #date+start, #date+end | the initiative's period (ISO dates) |
| #status | planned / active / completed / cancelled / suspended (HXL's ongoing, complete, pipeline too) |
| #value+budget, #currency | budget and its ISO 4217 currency |
| #date+reported+start, #date+reported | the reporting period of the row's #targeted / #reached |
| #targeted, #reached (+f / +m, +infants / +children / +adolescents / +adults / +elderly) | people targeted and reached, by sex and age |
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

from palermo.coordination.codelists import TARGET_GROUPS, THEMES, target_group_key, theme_label, top_theme
from palermo.coordination.initiatives import InitiativeSpec, actors_in
from palermo.coordination.models import Initiative
from palermo.coordination.results import AGES, PEOPLE, ResultSpec
from palermo.errors import ImportRejected, Problem
from palermo.messages import N_

Tag = tuple[str, frozenset[str]]
ROLE_TAGS = {"impl": "implementing", "funder": "funding", "accountable": "accountable", "extending": "extending"}
ROLE_ATTR = {v: k for k, v in ROLE_TAGS.items()}
STATUS_WORDS = {"ongoing": "active", "complete": "completed", "closed": "completed", "pipeline": "planned",
                "planned": "planned", "active": "active", "completed": "completed", "cancelled": "cancelled",
                "canceled": "cancelled", "suspended": "suspended"}
SEX_ATTRS = {"f": "female", "m": "male"}
COUNT_TAGS = ("targeted", "reached")


def _tag(cell: str) -> Tag | None:
    cell = cell.strip().lower().replace(" ", "")
    if not cell.startswith("#") or len(cell) < 2:
        return None
    name, *attrs = cell[1:].split("+")
    return name, frozenset(attrs)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace("|", ";").split(";") if v.strip()]


def _date(value: str, line: int, field: str, problems: list[Problem]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        problems.append(Problem(N_("not an ISO date (YYYY-MM-DD)"), line=line, field=field, value=value))
        return None


def _number(value: str, line: int, field: str, problems: list[Problem]) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value.replace(",", "").replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        problems.append(Problem(N_("not a number"), line=line, field=field, value=value))
        return None


def plain(value: float) -> str:
    """A number as HXL and spreadsheets read it: 1200000, 0.5, never 1.2e+06."""
    d = Decimal(repr(value))
    return str(int(d)) if d == d.to_integral_value() else format(d.normalize(), "f")


class _Row:
    """The cells of one data row, looked up by tag: exact attributes first, then any column that has them."""

    def __init__(self, tags: list[Tag | None], row: list[str]) -> None:
        self.cells = [(t, v.strip()) for t, v in zip(tags, row) if t]

    def get(self, name: str, *attrs: str, without: tuple[str, ...] = ()) -> str:
        want = frozenset(attrs)
        for exact in (True, False):
            for (tname, tattrs), v in self.cells:
                if tname == name and (tattrs == want if exact else want <= tattrs) and not tattrs & set(without) and v:
                    return v
        return ""


def read_hxl(text: str, origin: str = "HXL file") -> list[InitiativeSpec]:
    """Parse a 3W/4W CSV into initiative specs; every malformed row is reported, nothing is half-read."""
    rows = list(csv.reader(io.StringIO(text)))
    tag_row = next((i for i, r in enumerate(rows[:5]) if sum(1 for c in r if _tag(c)) >= max(1, len([c for c in r if c.strip()]) // 2)
                    and any(_tag(c) for c in r)), None)
    if tag_row is None:
        raise ImportRejected(N_("{origin} has no row of HXL hashtags (#org, #activity+code, #country …) in its first "
                                "5 lines; add the hashtag row under the header",
                                origin=origin), [Problem(N_("no HXL hashtag row"), line=1)])
    tags = [_tag(c) for c in rows[tag_row]]
    if not any(t and t[0] == "activity" and "code" in t[1] for t in tags):
        raise ImportRejected(N_("{origin} has no #activity+code column; each initiative needs a reference",
                                origin=origin),
                             [Problem(N_("missing #activity+code column"), line=tag_row + 1)])
    problems: list[Problem] = []
    specs: dict[str, InitiativeSpec] = {}
    counted: list[tuple[InitiativeSpec, _Row, int]] = []
    for n, raw in enumerate(rows[tag_row + 1:], start=tag_row + 2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) > len(tags):
            problems.append(Problem(N_("{n_raw} cells but {n_tags} columns", n_raw=len(raw), n_tags=len(tags)), line=n))
            continue
        row = _Row(tags, raw)
        ref = row.get("activity", "code")
        if not ref:
            problems.append(Problem(N_("empty #activity+code"), line=n, field="#activity+code"))
            continue
        spec = specs.get(ref) or InitiativeSpec(ref=ref, title="", participants=[], line=n)
        specs[ref] = spec
        _merge(spec, row, n, problems)
        if any(v and t[0] in COUNT_TAGS and "group" not in t[1] for t, v in row.cells):
            counted.append((spec, row, n))
    for spec, row, n in counted:  # after merging, so a count row may rely on the initiative's own dates
        _counts(spec, row, n, problems)
    if problems:
        raise ImportRejected(N_("{n_problems} problem(s) in {origin}; nothing was saved",
                                n_problems=len(problems), origin=origin), problems)
    if not specs:
        raise ImportRejected(N_("{origin} has no data rows under its hashtag row", origin=origin), [Problem(N_("no data rows"))])
    return list(specs.values())


def _merge(spec: InitiativeSpec, row: _Row, n: int, problems: list[Problem]) -> None:
    spec.title = spec.title or row.get("activity", "name") or row.get("activity", without=("code", "description"))
    spec.description = spec.description or row.get("activity", "description")
    for (tname, tattrs), v in row.cells:
        if tname != "org" or "code" in tattrs or not v:
            continue
        role = next((ROLE_TAGS[a] for a in tattrs if a in ROLE_TAGS), "implementing")
        names = _split(v)
        codes = _split(row.get("org", *(tattrs - {"name"}), "code"))
        for k, name in enumerate(names):
            if (name, role) not in spec.participants:
                spec.participants.append((name, role))
            if len(codes) == len(names) and codes[k] != "-":
                spec.identifiers[name] = codes[k]
    for value in (row.get("sector", "code", without=("dac",)) or row.get("sector", without=("dac",)),
                  row.get("subsector", "code") or row.get("subsector")):
        spec.themes.extend(t for t in _split(value) if t not in spec.themes)
    spec.sectors.extend(c for c in _split(row.get("sector", "dac", "code")) if c not in spec.sectors)
    groups = row.get("beneficiary", "code") or row.get("beneficiary") or row.get("targeted", "group")
    spec.target_groups.extend(g for g in (target_group_key(x) or x for x in _split(groups)) if g not in spec.target_groups)
    spec.countries.extend(c for c in _split(row.get("country", "code") or row.get("country")) if c not in spec.countries)
    spec.areas.extend(a for a in _split(row.get("adm1", "name") or row.get("adm1")) if a not in spec.areas)
    spec.start = spec.start or _date(row.get("date", "start", without=("reported",)), n, "#date+start", problems)
    spec.end = spec.end or _date(row.get("date", "end", without=("reported",)), n, "#date+end", problems)
    status = row.get("status").lower()
    if status:
        spec.status = STATUS_WORDS.get(status, status)
    budget = row.get("value", "budget") or row.get("value")
    if budget:
        spec.budget = _number(budget, n, "#value+budget", problems)
    spec.currency = spec.currency or (row.get("currency") or None)


def _counts(spec: InitiativeSpec, row: _Row, n: int, problems: list[Problem]) -> None:
    """#targeted / #reached of one row: people for the row's reporting period (or the initiative's)."""
    end = _date(row.get("date", "reported"), n, "#date+reported", problems)
    start = _date(row.get("date", "reported", "start"), n, "#date+reported+start", problems)
    if end is None and start is None:
        start, end = spec.start, spec.end
    start = start or end
    if start is None or end is None:
        problems.append(Problem(N_("#targeted / #reached without a period; add #date+reported (the end of the "
                                   "reporting period) or the initiative's #date+start and #date+end"), line=n, field="#date+reported"))
        return
    found: dict[tuple[str, str], ResultSpec] = {}
    for (tname, tattrs), v in row.cells:
        if tname not in COUNT_TAGS or "group" in tattrs or not v:
            continue
        if tattrs & {"hh", "households"}:
            problems.append(Problem(N_("#{tname} counts households; Palermo counts people", tname=tname), line=n, field=f"#{tname}"))
            continue
        sex = next((SEX_ATTRS[a] for a in tattrs if a in SEX_ATTRS), "")
        age = next((a for a in AGES if a in tattrs), "")
        value = _number(v, n, "#" + "+".join([tname, *sorted(tattrs)]), problems)
        r = found.setdefault((sex, age), ResultSpec(PEOPLE, start, end, sex=sex, age=age, people=True,
                                                    where=f"line {n}", line=n, origin="hxl"))
        if tname == "targeted":
            r.target = value
        else:
            r.actual = value
    spec.results = (spec.results or []) + [r for r in found.values() if r.target is not None or r.actual is not None]


def _both(values: list[str], label: dict[str, str] | None = None) -> tuple[str, str]:
    return ";".join(values), ";".join((label or {}).get(v, v) for v in values)


def write_hxl(initiatives: Iterable[Initiative], out: Path) -> int:
    """Write initiatives as an HXL 4W CSV: one row per initiative, then one per reporting period of people
    targeted and reached (by sex and age where given); returns the number of initiatives."""
    items = list(initiatives)
    groups = sorted({(r.sex, r.age) for i in items for r in i.results if r.people},
                    key=lambda g: (g != ("", ""), g))
    columns: list[tuple[str, str]] = [
        ("Reference", "#activity+code"), ("Title", "#activity+name"), ("Description", "#activity+description")]
    for role, attr in ROLE_ATTR.items():
        columns += [(role.capitalize(), f"#org+{attr}+name"), (f"{role.capitalize()} identifier", f"#org+{attr}+code")]
    columns += [("P", "#sector+code"), ("P name", "#sector+name"), ("Sub-theme", "#subsector+code"),
                ("Sub-theme name", "#subsector+name"), ("DAC sectors", "#sector+dac+code"),
                ("Target groups", "#beneficiary+code"), ("Target group names", "#beneficiary+name"),
                ("Countries", "#country+code"), ("Areas", "#adm1+name"), ("Start", "#date+start"), ("End", "#date+end"),
                ("Status", "#status"), ("Budget", "#value+budget"), ("Currency", "#currency"),
                ("Reporting period start", "#date+reported+start"), ("Reporting period end", "#date+reported")]
    count_cols = [(kind, sex, age) for kind in COUNT_TAGS for sex, age in groups]
    columns += [(f"People {kind}" + "".join(f" {x}" for x in (sex, age) if x),
                 f"#{kind}" + "".join(f"+{a}" for a in ({"female": "f", "male": "m"}.get(sex, ""), age) if a))
                for kind, sex, age in count_cols]
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([h for h, _ in columns])
        w.writerow([t for _, t in columns])
        for i in items:
            cells: list[str] = [i.ref, i.title, i.description]
            for role in ROLE_ATTR:
                names = actors_in(i, role)
                ids = [next((p.actor.identifiers[0] for p in i.participants if p.actor.name == name and p.actor.identifiers), "-")
                       for name in names]
                cells += [";".join(names), ";".join(ids) if any(x != "-" for x in ids) else ""]
            ps = sorted({top_theme(t) for t in i.themes})
            subs = [t for t in i.themes if t not in THEMES]
            cells += [*_both(ps, {p: p.capitalize() for p in THEMES}), *_both(subs, {t: theme_label(t) for t in subs}),
                      ";".join(i.sectors), *_both(i.target_groups, TARGET_GROUPS), ";".join(i.countries),
                      ";".join(i.areas), i.start.isoformat() if i.start else "", i.end.isoformat() if i.end else "",
                      i.status, "" if i.budget is None else plain(i.budget), i.currency or "", "", ""]
            w.writerow(cells + [""] * len(count_cols))
            periods = sorted({(r.period_start, r.period_end) for r in i.results if r.people})
            for start, end in periods:
                by = {(r.sex, r.age): r for r in i.results if r.people and (r.period_start, r.period_end) == (start, end)}
                counts = []
                for kind, sex, age in count_cols:
                    r = by.get((sex, age))
                    v = None if r is None else (r.target if kind == "targeted" else r.actual)
                    counts.append("" if v is None else plain(v))
                w.writerow([i.ref] + [""] * (len(columns) - len(count_cols) - 3) + [start.isoformat(), end.isoformat()]
                           + counts)
    return len(items)


def read_hxl_file(path: Path) -> list[InitiativeSpec]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(N_("{path} is not UTF-8 text ({exc}); save the 3W sheet as CSV UTF-8",
                                path=path, exc=exc),
                             [Problem(N_("not UTF-8"))]) from None
    return read_hxl(text, str(path))

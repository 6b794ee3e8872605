"""HXL-tagged 3W files (who does what where) in and out.

A 3W file is an ordinary CSV whose header is followed (or replaced) by a row of HXL hashtags. Rows are
grouped into initiatives by ``#activity+code``; several rows of one initiative (one per organisation
or place, as 3W sheets often have) are merged. Lists inside a cell are separated by ``;``.

| tag | meaning |
| --- | --- |
| #activity+code | initiative reference (required) |
| #activity+name | title |
| #activity+description | description |
| #org+impl / #org+funder / #org+accountable / #org+extending | participating organisations by role |
| #org+impl+code (etc.) | their identifiers (e.g. IATI organisation refs) |
| #sector, #subsector | theme: a P and a sub-theme (see `palermo coord themes`) |
| #targeted+group | target groups |
| #country+code | ISO 3166 country codes |
| #adm1+name | sub-national areas |
| #date+start, #date+end | period (ISO dates) |
| #status | planned / active / completed / cancelled / suspended |
| #value+budget, #currency | budget and its ISO 4217 currency |
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from palermo.coordination.codelists import THEMES
from palermo.coordination.initiatives import InitiativeSpec, actors_in
from palermo.coordination.models import Initiative
from palermo.errors import ImportRejected, Problem

ROLE_TAGS = {"impl": "implementing", "funder": "funding", "accountable": "accountable", "extending": "extending"}
STATUS_WORDS = {"ongoing": "active", "complete": "completed", "closed": "completed", "pipeline": "planned",
                "planned": "planned", "active": "active", "completed": "completed", "cancelled": "cancelled",
                "canceled": "cancelled", "suspended": "suspended"}


def _tag(cell: str) -> tuple[str, frozenset[str]] | None:
    cell = cell.strip().lower().replace(" ", "")
    if not cell.startswith("#"):
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
        problems.append(Problem("not an ISO date (YYYY-MM-DD)", line=line, field=field, value=value))
        return None


def read_hxl(text: str, origin: str = "HXL file") -> list[InitiativeSpec]:
    """Parse a 3W CSV into initiative specs; every malformed row is reported, nothing is half-read."""
    rows = list(csv.reader(io.StringIO(text)))
    tag_row = next((i for i, r in enumerate(rows[:5]) if sum(1 for c in r if _tag(c)) >= max(1, len([c for c in r if c.strip()]) // 2)
                    and any(_tag(c) for c in r)), None)
    if tag_row is None:
        raise ImportRejected(f"{origin} has no row of HXL hashtags (#org, #activity+code, #country …) in its first 5 lines; "
                             "add the hashtag row under the header", [Problem("no HXL hashtag row", line=1)])
    tags = [_tag(c) for c in rows[tag_row]]
    if not any(t and t[0] == "activity" and "code" in t[1] for t in tags):
        raise ImportRejected(f"{origin} has no #activity+code column; each initiative needs a reference",
                             [Problem("missing #activity+code column", line=tag_row + 1)])
    problems: list[Problem] = []
    specs: dict[str, InitiativeSpec] = {}
    for n, row in enumerate(rows[tag_row + 1:], start=tag_row + 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(tags):
            problems.append(Problem(f"{len(row)} cells but {len(tags)} columns", line=n))
            continue
        cells: dict[tuple[str, frozenset[str]], str] = {t: v for t, v in zip(tags, row) if t}

        def get(name: str, *attrs: str) -> str:
            for (tname, tattrs), v in cells.items():
                if tname == name and set(attrs) <= tattrs:
                    return v.strip()
            return ""

        ref = get("activity", "code")
        if not ref:
            problems.append(Problem("empty #activity+code", line=n, field="#activity+code"))
            continue
        spec = specs.get(ref) or InitiativeSpec(ref=ref, title="", participants=[], line=n)
        specs[ref] = spec
        spec.title = spec.title or get("activity", "name") or get("activity")
        spec.description = spec.description or get("activity", "description")
        for (tname, tattrs), v in cells.items():
            if tname != "org" or "code" in tattrs or not v.strip():
                continue
            role = next((ROLE_TAGS[a] for a in tattrs if a in ROLE_TAGS), "implementing")
            for name in _split(v):
                if (name, role) not in spec.participants:
                    spec.participants.append((name, role))
                ident = get("org", *(a for a in tattrs), "code")
                if ident:
                    spec.identifiers[name] = ident
        for value in (get("sector"), get("subsector")):
            spec.themes.extend(t for t in _split(value) if t not in spec.themes)
        spec.target_groups.extend(g for g in _split(get("targeted", "group")) if g not in spec.target_groups)
        spec.countries.extend(c for c in _split(get("country", "code") or get("country")) if c not in spec.countries)
        spec.areas.extend(a for a in _split(get("adm1", "name") or get("adm1")) if a not in spec.areas)
        spec.start = spec.start or _date(get("date", "start"), n, "#date+start", problems)
        spec.end = spec.end or _date(get("date", "end"), n, "#date+end", problems)
        status = get("status").lower()
        if status:
            spec.status = STATUS_WORDS.get(status, status)
        budget = get("value", "budget") or get("value")
        if budget:
            try:
                spec.budget = float(budget.replace(",", "").replace(" ", ""))
            except ValueError:
                problems.append(Problem("budget is not a number", line=n, field="#value+budget", value=budget))
        spec.currency = spec.currency or (get("currency") or None)
    if problems:
        raise ImportRejected(f"{len(problems)} problem(s) in {origin}; nothing was saved", problems)
    if not specs:
        raise ImportRejected(f"{origin} has no data rows under its hashtag row", [Problem("no data rows")])
    return list(specs.values())


HEADERS = [("Reference", "#activity+code"), ("Title", "#activity+name"), ("Description", "#activity+description"),
           ("Implementing", "#org+impl"), ("Funding", "#org+funder"), ("Accountable", "#org+accountable"),
           ("Extending", "#org+extending"), ("P", "#sector"), ("Sub-theme", "#subsector"),
           ("Target groups", "#targeted+group"), ("Countries", "#country+code"), ("Areas", "#adm1+name"),
           ("Start", "#date+start"), ("End", "#date+end"), ("Status", "#status"), ("Budget", "#value+budget"),
           ("Currency", "#currency")]


def write_hxl(initiatives: Iterable[Initiative], out: Path) -> int:
    """Write initiatives as an HXL 3W CSV (one row per initiative); returns the row count."""
    n = 0
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([h for h, _ in HEADERS])
        w.writerow([t for _, t in HEADERS])
        for i in initiatives:
            ps = [t for t in i.themes if t in THEMES]
            subs = [t for t in i.themes if t not in THEMES]
            w.writerow([i.ref, i.title, i.description, ";".join(actors_in(i, "implementing")),
                        ";".join(actors_in(i, "funding")), ";".join(actors_in(i, "accountable")),
                        ";".join(actors_in(i, "extending")), ";".join(ps), ";".join(subs), ";".join(i.target_groups),
                        ";".join(i.countries), ";".join(i.areas), i.start.isoformat() if i.start else "",
                        i.end.isoformat() if i.end else "", i.status, "" if i.budget is None else f"{i.budget:g}",
                        i.currency or ""])
            n += 1
    return n


def read_hxl_file(path: Path) -> list[InitiativeSpec]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(f"{path} is not UTF-8 text ({exc}); save the 3W sheet as CSV UTF-8",
                             [Problem("not UTF-8")]) from None
    return read_hxl(text, str(path))

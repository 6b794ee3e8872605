"""Parsing published numbers: thousands separators, censored cells (``<5``), Eurostat flags, known zero
versus unknown."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from palermo.statistics.codelists import EUROSTAT_FLAG

_CENSORED = re.compile(r"^\s*<\s*(\d+(?:[.,]\d+)?)\s*$")
MISSING = {"", ":", "..", "-", "n/a", "na", "nan", "null", "none", "x"}


@dataclass
class Parsed:
    value: float | None
    lower: float | None = None
    upper: float | None = None
    flags: set[str] = field(default_factory=set)


def parse_count(text: str | float | int | None, *, censored_floor: float = 0.0) -> Parsed:
    """'1,192' -> 1192; '<5' -> unknown value in [0, 4] flagged censored; ':' or '' -> unknown; '0' -> known zero.

    A censored cell is never turned into 0 or 5: it stays an interval with its flag. ``nan`` is unknown,
    like an empty cell. Raises ValueError for text that is not a number and for numbers that are not
    finite (``inf``, ``1e400``, a 400-digit value): a count is never infinite.
    """
    if text is None:
        return Parsed(None)
    if isinstance(text, (int, float)):
        if isinstance(text, float) and math.isnan(text):
            return Parsed(None)
        return Parsed(_finite(float(text), text))
    raw = str(text).strip()
    flags: set[str] = set()
    parts = raw.split()
    if len(parts) == 2 and all(ch in EUROSTAT_FLAG for ch in parts[1]):  # Eurostat "123 p", ": c"
        raw = parts[0]
        flags = {EUROSTAT_FLAG[ch] for ch in parts[1]}
    elif len(parts) == 1 and raw and raw[-1] in EUROSTAT_FLAG and raw[:-1].replace(",", "").replace(".", "").isdigit():
        flags = {EUROSTAT_FLAG[raw[-1]]}
        raw = raw[:-1]
    if raw.lower() in MISSING:
        return Parsed(None, flags=flags)
    m = _CENSORED.match(raw)
    if m:
        bound = _finite(float(m.group(1).replace(",", ".")), text)
        return Parsed(None, censored_floor, bound - 1, flags | {"censored"})
    cleaned = raw.replace(",", "").replace("\u00a0", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if math.isnan(number):
        return Parsed(None, flags=flags)
    return Parsed(_finite(number, text), flags=flags)


def _finite(number: float, text: object) -> float:
    if not math.isfinite(number):
        shown = text if len(str(text)) <= 40 else f"{str(text)[:20]}… ({len(str(text))} characters)"
        raise ValueError(f"{shown!r} is not a finite number; a count must be an ordinary number")
    return number

"""What a value becomes before it is hashed: the normalised (canonical) value of each kind of field,
its tokens (name n-grams and consonant skeletons, date parts, codes), and the parts blocking keys are
made of. Pure functions, cached per distinct value: a batch repeats names and dates a lot."""

from __future__ import annotations

import operator
import re
from collections.abc import Hashable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import jellyfish
from anyascii import anyascii

from palermo.linkage import normalise as nz


def tokens(kind: str, values: list[str | None], q: int) -> list[str] | None:
    """The token set of one field value (None when missing); raises ValueError on unreadable input."""
    return cached_tokens(kind, tuple(values), q)


@lru_cache(maxsize=500_000)
def cached_tokens(kind: str, values: tuple[str | None, ...], q: int) -> list[str] | None:
    c = canonical(kind, values)
    return None if c is None else canonical_tokens(kind, c, q)


def grams(text: str, q: int) -> list[str]:
    padded = f"_{text}_" if q > 1 else text
    if q == 2:  # the common case, pairs of neighbours joined by a C-level loop (the padded text has two or more)
        return list(map(operator.add, padded, padded[1:]))
    return [padded[i:i + q] for i in range(max(1, len(padded) - q + 1))]


@lru_cache(maxsize=500_000)
def canonical(kind: str, values: tuple[Any, ...], fmt: str | None = None) -> Hashable:
    """The normalised value that a field's tokens are made of (None when missing): a tuple of name words,
    a date, a code or a text. ``fmt`` is a date field's strftime format. Raises ValueError on unreadable input."""
    if kind == "name":
        return tuple(t for v in values for t in name_words(v)) or None
    if kind == "date":
        return read_date(values[0]) if fmt is None else read_date_as(values[0], fmt)
    if kind == "sex":
        return nz.normalise_sex(values[0])
    if kind == "country":
        return nz.normalise_country(values[0])
    if kind == "document":
        return nz.normalise_document(values[0])
    return " ".join(v for v in values if v).strip().lower() or None


def canonical_tokens(kind: str, c: Any, q: int) -> list[str]:
    if kind == "name":
        return [g for w in c for g in grams(w, q)] + ["S" + g for w in c for g in grams(skeleton(w), q)]
    if kind == "date":
        lo, hi = sorted((c.day, c.month))
        return [f"y{c.year}", f"m{c.month}", f"d{c.day}", f"dm{lo}-{hi}", f"ym{c.year}-{c.month}", f"all{c.isoformat()}"]
    if kind == "sex":
        return [f"s{c}"]
    if kind == "country":
        return [f"c{c}"]
    if kind == "document":
        return grams(c, q) + [f"all{c}"]
    return grams(c, q)


_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY = re.compile(r"([0-9]{2})([/.])([0-9]{2})\2([0-9]{4})")


@lru_cache(maxsize=200_000)
def read_date(value: str | date | None) -> date | None:
    """``normalise.parse_date``, with the usual forms read by a regular expression: strptime costs
    microseconds for every format it tries, and a batch has tens of thousands of distinct dates."""
    if isinstance(value, str):
        m = _ISO.fullmatch(value)
        parts = m.group(1, 2, 3) if m else (m2.group(4, 3, 1) if (m2 := _DMY.fullmatch(value)) else None)
        if parts:
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass  # not a real date: parse_date says why
    return nz.parse_date(value)


@lru_cache(maxsize=200_000)
def read_date_as(value: str | date | None, fmt: str) -> date | None:
    """A date written in the schema's strftime format (clkhash's ``format``), e.g. ``%Y%m%d``; a value
    not in that format is read in the usual forms (lists are rarely uniform), else it is unreadable."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        pass
    try:
        return read_date(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not a date in the schema's format {fmt} nor in a usual form") from None


_DATE_SHAPES = {  # how the parts of an unreadable date are found: (pattern, order of year, month, day)
    None: [(re.compile(r"([0-9]{4})\D?([0-9]{1,2})\D?([0-9]{1,2})"), (0, 1, 2)),
           (re.compile(r"([0-9]{1,2})\D([0-9]{1,2})\D([0-9]{4})"), (2, 1, 0))],
}


def _shape_of(fmt: str) -> tuple[re.Pattern[str], tuple[int, int, int]] | None:
    """A regular expression reading the year, month and day positions of a strftime format."""
    pattern, order = "", []
    tight = not re.sub(r"%.", "", fmt)  # no separators (%Y%m%d): every part has its full width
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            d = fmt[i + 1]
            if d in "Ymd":
                pattern += "([0-9]{4})" if d == "Y" else "([0-9]{2})" if tight else "([0-9]{1,2})"
                order.append("Ymd".index(d))
            else:
                pattern += ".+?"
            i += 2
        else:
            pattern += re.escape(fmt[i])
            i += 1
    if sorted(order) != [0, 1, 2]:
        return None
    return re.compile(pattern), (order.index(0), order.index(1), order.index(2))


def dirty_date_tokens(text: str, fmt: str | None) -> tuple[list[str], str | None, str | None]:
    """Tokens of a date that does not parse (``1945-04-93``): the parts that are plausible (year, month,
    day, and their combinations) and the text as written, so a near-identical entry still shares most
    of them. Also the year and year-month parts for blocking (None where not recovered)."""
    shapes = _DATE_SHAPES[None] if fmt is None else [s for s in [_shape_of(fmt)] if s]
    compact = text.strip()
    toks = [f"raw{compact}"]
    for pattern, (iy, im, iday) in shapes:
        m = pattern.fullmatch(compact)
        if not m:
            continue
        parts = m.groups()
        y, mo, d = int(parts[iy]), int(parts[im]), int(parts[iday])
        ok_y, ok_m, ok_d = 1000 <= y <= 2999, 1 <= mo <= 12, 1 <= d <= 31
        toks += [f"y{y}"] * ok_y + [f"m{mo}"] * ok_m + [f"d{d}"] * ok_d
        if ok_m and ok_d:
            lo, hi = sorted((d, mo))
            toks.append(f"dm{lo}-{hi}")
        if ok_y and ok_m:
            toks.append(f"ym{y}-{mo}")
        return toks, (str(y) if ok_y else None), (f"{y}-{mo:02d}" if ok_y and ok_m else None)
    return toks, None, None


def dirty_tokens(kind: str, values: tuple[Any, ...], fmt: str | None) -> list[str]:
    """Tokens of a value that could not be read: encoded from what was written (its text), so that the
    same or a near-identical entry in another list still agrees on this field."""
    text = " ".join(str(v).strip() for v in values if v is not None and str(v).strip())
    if kind == "date":
        return dirty_date_tokens(text, fmt)[0]
    prefix = {"sex": "s", "country": "c"}.get(kind, "")
    return [f"{prefix}?{re.sub(r'[^A-Z0-9]', '', anyascii(text).upper()) or text}"]


@lru_cache(maxsize=200_000)
def name_words(value: str | None) -> tuple[str, ...]:
    return tuple(nz.name_tokens(value))


@lru_cache(maxsize=200_000)
def word_tokens(word: str, q: int) -> tuple[str, ...]:
    """One name word's n-grams and those of its consonant skeleton (prefixed ``S``)."""
    return (*grams(word, q), *("S" + g for g in grams(skeleton(word), q)))


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    return nz.skeleton(word)


@lru_cache(maxsize=200_000)
def metaphone(word: str) -> str:
    return jellyfish.metaphone(word) or word


# ------------------------------------------------------------------ blocking transforms
NAME_TRANSFORMS = ("phonetic_min", "phonetic_max", "phonetic_all", "initials")


def block_part(kind: str, values: list[str | None], transform: str) -> str | None:
    """One part of a blocking key before hashing (None when missing); raises ValueError on unreadable input."""
    if transform in NAME_TRANSFORMS:
        return words_part(tuple(t for v in values for t in name_words(v)), transform)
    if transform in ("year", "year_month"):
        return date_part(read_date(values[0]), transform)
    c = canonical(kind, tuple(values))
    if c is None:
        return None
    return affix_part(c, transform) if transform in AFFIX_TRANSFORMS else value_part(kind, c)


AFFIX_TRANSFORMS = ("head4", "tail4")


def affix_part(c: Any, transform: str) -> str | None:
    """First or last four characters of a value (a document number): one typo elsewhere still shares a
    key. None for values too short to split, which the full-value key covers."""
    text = str(c)
    if len(text) < 6:
        return None
    return text[:4] if transform == "head4" else text[-4:]


def words_part(words: tuple[str, ...], transform: str) -> str | None:
    if not words:
        return None
    if transform == "initials":
        return "".join(sorted(w[0] for w in words))
    codes = phonetic_codes(words)
    # min and max: the sound of one word alone, whichever order the names were written in; a key on
    # each (as Splink blocks on first name and on surname alone) finds a pair whose other name has a typo
    return codes[0] if transform == "phonetic_min" else codes[-1] if transform == "phonetic_max" else " ".join(codes)


@lru_cache(maxsize=200_000)
def phonetic_codes(words: tuple[str, ...]) -> tuple[str, ...]:
    """The sorted metaphone codes of a name's words: computed once for every phonetic key of a name."""
    return tuple(sorted(metaphone(w) for w in words))


def date_part(d: date | None, transform: str) -> str | None:
    return None if d is None else (str(d.year) if transform == "year" else f"{d.year}-{d.month:02d}")


def value_part(kind: str, c: Any) -> str:
    return tokens_part(canonical_tokens(kind, c, 2))


def tokens_part(toks: list[str]) -> str:
    """The exact-value part of a blocking key: the value's distinct tokens, sorted and joined."""
    return "|".join(sorted(set(toks)))

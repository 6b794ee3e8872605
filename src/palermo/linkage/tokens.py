"""What a value becomes before it is hashed: the normalised (canonical) value of each kind of field,
its tokens (name n-grams and consonant skeletons, date parts, codes), and the parts blocking keys are
made of. Pure functions, cached per distinct value: a batch repeats names and dates a lot."""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import date
from functools import lru_cache
from typing import Any

import jellyfish

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
    return [padded[i:i + q] for i in range(max(1, len(padded) - q + 1))]


@lru_cache(maxsize=500_000)
def canonical(kind: str, values: tuple[Any, ...]) -> Hashable:
    """The normalised value that a field's tokens are made of (None when missing): a tuple of name words,
    a date, a code or a text. Raises ValueError on unreadable input."""
    if kind == "name":
        return tuple(t for v in values for t in name_words(v)) or None
    if kind == "date":
        return read_date(values[0])
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
NAME_TRANSFORMS = ("phonetic_min", "phonetic_all", "initials")


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
    codes = sorted(metaphone(w) for w in words)
    return codes[0] if transform == "phonetic_min" else " ".join(codes)


def date_part(d: date | None, transform: str) -> str | None:
    return None if d is None else (str(d.year) if transform == "year" else f"{d.year}-{d.month:02d}")


def value_part(kind: str, c: Any) -> str:
    return "|".join(sorted(set(canonical_tokens(kind, c, 2))))

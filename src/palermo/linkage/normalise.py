"""Normalisation of person attributes before encoding, so that spellings of one person agree.

Names: any script is transliterated to ASCII (anyascii), diacritics and punctuation dropped, Arabic
articles and the ``abd al``/``abdel``/``abdul`` family joined, tokens sorted (given and family names
swap across naming traditions: Vietnamese, Eritrean, Arabic). Each token also yields a consonant
*skeleton* (``Mohammed``, ``Muhammad``, ``Mohamed`` and Arabic ``محمد`` all give ``MHMD``;
``Tesfaye``/``Tesfay``/``Tesfai`` give ``TSF``) so transliteration variants still share n-grams.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from anyascii import anyascii

from palermo.countries import iso3

_ARTICLES = {"al", "el", "ul", "bin", "ben", "ibn", "bint", "ould", "wad"}
_ABD = {"abd", "abdel", "abdal", "abdul", "abdoul"}
SKELETON_SUBS = [("ph", "f"), ("kh", "k"), ("gh", "g"), ("ch", "k"), ("sh", "s"), ("th", "t"), ("dh", "d"),
                  ("ck", "k"), ("q", "k"), ("c", "k"), ("z", "s"), ("v", "f"), ("w", "f"), ("j", "g"), ("x", "ks")]
_ARABIC = re.compile("[\u0600-\u06ff]")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y%m%d", "%Y/%m/%d")


def name_tokens(value: str | None) -> list[str]:
    """Lower-case ASCII tokens of a name, articles dropped, ``abd al X`` joined, sorted."""
    if not value:
        return []
    words = []
    for word in re.split(r"[\s\-]+", str(value)):
        if _ARABIC.search(word):  # Arabic script: the article is attached, 'abd' has no vowel
            word = word[2:] if word.startswith("ال") and len(word) > 3 else word
            word = "abd" if word == "عبد" else word
        words.append(anyascii(word))
    text = " ".join(words).lower().replace("'", "").replace("`", "")
    raw = [t for t in re.split(r"[^a-z]+", text) if t]
    out: list[str] = []
    i = 0
    while i < len(raw):
        t = raw[i]
        if t in _ABD or (t == "abd"):
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if nxt in ("al", "el", "ul", "ol"):
                i += 1
                nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if nxt:
                out.append("abdul" + nxt)
                i += 2
                continue
            out.append("abdul")
        elif t not in _ARTICLES:
            out.append(t)
        i += 1
    return sorted(out)


def skeleton(token: str) -> str:
    """Consonant skeleton of a token: transliteration-robust (vowels and doubled letters dropped)."""
    s = token.lower()
    for a, b in SKELETON_SUBS:
        s = s.replace(a, b)
    s = s[0] + re.sub(r"[aeiouy]", "", s[1:]) if s else s
    s = re.sub(r"(.)\1+", r"\1", s)
    if s and s[0] in "aeiouy":  # an initial vowel varies a lot between transliterations (Osman/Usman)
        s = "a" + s[1:]
    return s.upper()


def parse_date(value: str | date | None, formats: tuple[str, ...] = DATE_FORMATS) -> date | None:
    """A date from the common written forms; ``None`` for empty, a ValueError for the unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date {text!r} is not in a known format (YYYY-MM-DD, DD/MM/YYYY, DD.MM.YYYY)")


_SEX = {"m": "m", "male": "m", "man": "m", "1": "m", "masculine": "m", "h": "m", "homme": "m", "hombre": "m",
        "f": "f", "female": "f", "woman": "f", "2": "f", "feminine": "f", "femme": "f", "mujer": "f"}


def normalise_sex(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    key = str(value).strip().lower()
    if key not in _SEX:
        raise ValueError(f"sex {value!r} not understood; use M or F (or leave empty when unknown)")
    return _SEX[key]


def normalise_country(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    code = iso3(str(value))
    if code is None:
        raise ValueError(f"country {value!r} is not an ISO 3166 code or name")
    return code


def normalise_document(value: str | None) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[^A-Z0-9]", "", anyascii(str(value)).upper())
    return text or None

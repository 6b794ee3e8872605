"""Name filters built per distinct *word* rather than per value or row (a batch of 20,000 rows has ~13,000
distinct pairs of names but only ~3,000 distinct words per column), and the phonetic and initials parts
of blocking keys with each distinct word's metaphone code computed once.

A name's tokens are the union of its words' tokens (n-grams and those of the consonant skeleton), so its
filter is the OR of its words' filters, each made once. The skeletons of all words are made at once on
their text joined by newlines (``normalise.skeleton``'s replacements cannot cross a line), which gives
exactly ``skeleton`` of each word (``tests/linkage/test_encoding_columnar.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter

import numpy as np

from palermo.linkage import normalise as nz
from palermo.linkage.encoding.columnar import Family, ngram_family
from palermo.linkage.tokens import metaphone

_VOWEL_AFTER_FIRST = re.compile(r"(?<=[^\n])[aeiouy]")
_REPEAT = re.compile(r"(.)\1+")
_FIRST_VOWEL = re.compile(r"^[aeiouy]", re.MULTILINE)
_LETTERS = re.compile(r"[a-z]+")


def skeletons(words: Sequence[str]) -> list[str]:
    """``normalise.skeleton`` of every word; lower-case ASCII words all at once, any other one by one."""
    plain = [w for w in words if _LETTERS.fullmatch(w)]
    if len(plain) < len(words):
        done = dict(zip(plain, skeletons(plain)))
        return [done[w] if w in done else nz.skeleton(w) for w in words]
    text = "\n".join(words)
    for a, b in nz.SKELETON_SUBS:
        text = text.replace(a, b)
    text = _FIRST_VOWEL.sub("a", _REPEAT.sub(r"\1", _VOWEL_AFTER_FIRST.sub("", text)))
    return text.upper().split("\n") if words else []


def word_families(words: Sequence[str], q: int) -> list[Family]:
    """``tokens.word_tokens`` of lower-case ASCII words, by family: their n-grams, those of their skeleton."""
    skeleton = ngram_family(skeletons(words), q)
    return [ngram_family(words, q), skeleton._replace(texts=["S" + t for t in skeleton.texts])]


def value_bits(word_bits: np.ndarray, words_of: Sequence[Sequence[int]]) -> np.ndarray:
    """Filters of values from those of their words (indices into ``word_bits``): the OR over each value's
    words, one word position at a time."""
    out = np.zeros((len(words_of), word_bits.shape[1]), dtype=np.uint8)
    lengths = np.fromiter(map(len, words_of), dtype=np.int64, count=len(words_of))
    flat = np.fromiter(chain.from_iterable(words_of), dtype=np.int64, count=int(lengths.sum()))
    owner = np.repeat(np.arange(len(words_of)), lengths)
    place = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    for k in range(int(lengths.max(initial=0))):
        sel = place == k  # one word of each value at most: plain fancy assignment
        out[owner[sel]] |= word_bits[flat[sel]]
    return out


def sorted_codes(canon: Sequence[tuple[str, ...] | None]) -> list[list[str] | None]:
    """The sorted metaphone codes of distinct canonical names (None stays None), each distinct word's code
    looked up once: made once per batch for all the phonetic keys of a name."""
    words = list(dict.fromkeys(chain.from_iterable(filter(None, canon))))
    code = dict(zip(words, map(metaphone, words)))
    return [None if ws is None else sorted(map(code.__getitem__, ws)) for ws in canon]


def words_parts(canon: Sequence[tuple[str, ...] | None], codes: Sequence[list[str] | None], transform: str) -> list[str | None]:
    """``tokens.words_part`` of distinct canonical names: initials from the words, the phonetic parts
    (smallest, largest or all codes) from ``sorted_codes``."""
    if transform == "initials":
        return [None if ws is None else "".join(sorted(map(itemgetter(0), ws))) for ws in canon]
    if transform == "phonetic_all":
        return [None if cs is None else " ".join(cs) for cs in codes]
    return [None if cs is None else cs[0] if transform == "phonetic_min" else cs[-1] for cs in codes]

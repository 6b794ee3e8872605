"""One batch of rows encoded column by column: each field's distinct values normalised, tokenised and hashed
once, unreadable values kept (encoded as written) and reported, keyed blocking keys built from parts."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import add, itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from palermo.errors import Problem
from palermo.linkage.encoding import columnar, names
from palermo.linkage.schema import FieldSpec
from palermo.linkage.tokens import (
    AFFIX_TRANSFORMS,
    NAME_TRANSFORMS,
    affix_part,
    block_part,
    canonical,
    canonical_tokens,
    date_part,
    dirty_date_tokens,
    dirty_tokens,
    name_words,
    tokens_part,
    value_part,
    word_tokens,
    words_part,
)

if TYPE_CHECKING:
    from palermo.linkage.encoding.encoder import Encoder


def _factorize(values: Sequence[Hashable]) -> tuple[list[Any], np.ndarray]:
    """Distinct values in order of first appearance, and every value's index among them.

    Built with C-level loops (``dict.fromkeys``, ``map``) rather than a Python loop over the rows."""
    distinct = list(dict.fromkeys(values))
    index = dict(zip(distinct, range(len(distinct))))
    return distinct, np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))


def _column_of(rows: Sequence[Mapping[str, Any]], column: str) -> list[Any]:
    """One column of the rows (None where a row lacks it), read by a C-level loop when every row has it."""
    try:
        return list(map(itemgetter(column), rows))
    except KeyError:
        return [r.get(column) for r in rows]


def _combine(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows with equal codes in every array share an id: (first row of each id, id of every row)."""
    combo, span = codes[0], int(codes[0].max(initial=0)) + 1
    for c in codes[1:]:
        size = int(c.max(initial=0)) + 1
        if span * size >= 1 << 62:  # re-numbered first, so the product never overflows
            distinct, renumbered = np.unique(combo, return_inverse=True)
            combo, span = renumbered.reshape(-1), len(distinct)
        combo, span = combo * size + c, span * size
    first, inverse = np.unique(combo, return_index=True, return_inverse=True)[1:]
    return first, inverse.reshape(-1)


def _pick(distinct: list[Any], inverse: np.ndarray, rows: np.ndarray | None = None) -> list[Any]:
    """The values of the given rows (all rows by default), from distinct values and every row's index among them."""
    return list(map(distinct.__getitem__, (inverse if rows is None else inverse[rows]).tolist()))


@dataclass(frozen=True)
class _Unreadable:
    """Stands for a value that could not be read: the reason, and the value as written (encoded as such)."""

    reason: str
    raw: tuple[Any, ...] = ()


@dataclass
class Slice:
    """Encodings of consecutive rows, before their problems are judged: one part of ``Encoder.encode``."""

    ids: list[str]
    filters: dict[str, np.ndarray]
    present: dict[str, np.ndarray]
    blocks: dict[str, list[str | None]]
    problems: list[tuple[int, int, Problem]]  # (row, place within the row, problem)
    warnings: list[tuple[int, int, Problem]]  # values encoded as written


@dataclass
class Part:
    """Some fields and blocking keys of a batch of rows, with the values encoded as written among them."""

    filters: dict[str, np.ndarray]
    present: dict[str, np.ndarray]
    blocks: dict[str, list[str | None]]
    warnings: list[tuple[int, int, Problem]]


class Batch:
    """Rows encoded together: their columns, each field's distinct values, the problems found."""

    def __init__(self, enc: Encoder, rows: Sequence[Mapping[str, str | None]], progress: Callable[[int], None] | None = None,
                 offset: int = 0, columns: Mapping[str, list[Any]] | None = None) -> None:
        """The rows, or (``columns``) their columns already read: what a worker process is sent."""
        self.enc, self.schema, self.progress, self.offset = enc, enc.schema, progress, offset
        self.fields = {f.name: f for f in self.schema.fields}
        self._rows = rows
        self.cols: dict[str, list[Any]] = dict(columns or {})  # read from the rows when first needed
        self.n = len(rows) if columns is None else len(next(iter(self.cols.values())))
        self.problems: list[tuple[int, int, Problem]] = []
        self.warnings: list[tuple[int, int, Problem]] = []
        self._canon: dict[str, tuple[list[Any], np.ndarray]] = {}
        self._parts: dict[str, tuple[list[str | None], np.ndarray]] = {}
        self._codes: dict[str, tuple[list[Any], np.ndarray]] = {}
        self._kinds: dict[str, tuple[list[int], list[int], int]] = {}
        self._name_words: dict[str, list[tuple[str, ...]]] = {}  # per column
        self._codes_of_names: dict[str, list[list[str] | None]] = {}  # sorted metaphone codes of distinct names
        self._tokens: dict[str, list[list[str] | None]] = {}  # tokens of each distinct canonical value, per field
        self._done = 0

    def run(self) -> Slice:
        """Every field and blocking key of the rows, and their problems."""
        ids = self._ids()
        part = self.part([f.name for f in self.schema.fields], [b.name for b in self.schema.blocking])
        return Slice(ids, part.filters, part.present, part.blocks, self.problems, part.warnings)

    def part(self, fields: Collection[str], blocks: Collection[str]) -> Part:
        """Some fields and blocking keys of all the rows (a share of the work, see ``parallel``): the result
        does not depend on which others are done in the same batch."""
        s = self.schema
        filters, present, before = {}, {}, len(self.warnings)
        for place, f in enumerate(s.fields, start=1):
            if f.name in fields:
                filters[f.name], present[f.name] = self._field(f, place)
                self._advance(1 / (len(s.fields) + 1))
        keys = {b.name: self._block_keys(b.name, b.parts) for b in s.blocking if b.name in blocks}
        self._advance(1.0)
        return Part(filters, present, keys, self.warnings[before:])

    def _problem(self, row: int, place: int, reason: str, column: str, value: Any = None) -> tuple[int, int, Problem]:
        return self.offset + row, place, Problem(reason, line=self.offset + row + 2, field=column, value=value)

    def _advance(self, share: float) -> None:
        if self.progress:
            step = min(self.n, round(self._done + share * self.n)) - self._done
            self._done += step
            self.progress(step)

    def _ids(self) -> list[str]:
        col = self.schema.id_column
        values = self.column(col)
        if set(map(type, values)) == {str}:  # the usual case, by C-level loops
            raw: list[Any] = list(map(str.strip, values))
            if "" not in raw:
                return raw
        else:
            raw = [v.strip() if isinstance(v, str) else v for v in values]
        self.problems += [self._problem(i, 0, f"empty {col}", col) for i, v in enumerate(raw) if not v]
        return [str(v) for v in raw]

    def column(self, c: str) -> list[Any]:
        """One column's values, read from the rows once."""
        if c not in self.cols:
            self.cols[c] = _column_of(self._rows, c)
        return self.cols[c]

    def _column(self, c: str) -> tuple[list[Any], np.ndarray]:
        """Distinct values of one column and every row's index among them, factorised once per batch
        (a column feeds its field, the name filter and blocking-key parts)."""
        if c not in self._codes:
            self._codes[c] = _factorize(self.column(c))
        return self._codes[c]

    def _values(self, f: FieldSpec | list[str]) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        """Distinct tuples of a field's column values, and every row's index among them."""
        per_column = [self._column(c) for c in (f.columns if isinstance(f, FieldSpec) else f)]
        if len(per_column) == 1:
            return list(zip(per_column[0][0])), per_column[0][1]
        first, inverse = _combine([inv for _, inv in per_column])
        return list(zip(*(_pick(d, inv, first) for d, inv in per_column))), inverse

    def _canonical(self, f: FieldSpec) -> tuple[list[Any], np.ndarray]:
        """Distinct normalised values of a field (``_Unreadable`` for bad input), and each row's index."""
        if f.name not in self._canon:
            found = self._name_canonical(f) if f.kind == "name" else None
            if found is None:
                # Every kind but names and free text reads its first column only: fewer distinct values.
                distinct, inverse = self._values(f if f.kind in ("name", "text") else f.columns[:1])
                todo: Iterable[int] = range(len(distinct))
                canon: list[Any] = [None] * len(distinct)
                if f.kind in columnar.KINDS and (f.kind != "date" or f.format is None):
                    idx, read = (columnar.read_dates if f.kind == "date" else columnar.normalise_documents)(
                        [v for v, in distinct])
                    done = np.empty(len(distinct), dtype=object)
                    done[idx] = read
                    canon = done.tolist()
                    left = np.ones(len(distinct), dtype=bool)
                    left[idx] = False
                    todo = np.flatnonzero(left).tolist()
                for i in todo:  # every value the column-wise reading left
                    v = distinct[i]
                    try:
                        canon[i] = canonical(f.kind, v, f.format)
                    except ValueError as exc:
                        canon[i] = _Unreadable(str(exc), v)
            else:
                canon, inverse = found
            values, of_distinct = _factorize(canon)
            self._canon[f.name] = values, of_distinct[inverse]
        return self._canon[f.name]

    def _name_canonical(self, f: FieldSpec) -> tuple[list[Any], np.ndarray] | None:
        """``canonical`` of a name field (the words of every column, in column order) built from the words of
        each column's distinct values: a batch has far fewer distinct first names and surnames than pairs
        of them. None when a value is unreadable, left to the general path which reports it."""
        per_column = [self._column(c) for c in f.columns]
        try:
            words = [self._words(c) for c in f.columns]
        except ValueError:
            return None
        if len(per_column) == 1:
            return [w or None for w in words[0]], per_column[0][1]
        first, inverse = _combine([inv for _, inv in per_column])
        picked = [_pick(w, inv, first) for w, (_, inv) in zip(words, per_column)]
        joined: list[Any] = picked[0]
        for more in picked[1:]:  # tuples concatenated by a C-level loop
            joined = list(map(add, joined, more))
        if () in joined:  # no word in any column: a missing name
            joined = [ws or None for ws in joined]
        return joined, inverse

    def _field(self, f: FieldSpec, place: int) -> tuple[np.ndarray, np.ndarray]:
        values, inverse = self._canonical(f)
        plain, dirty, missing = self._kinds_of(f)
        bad = {k: values[k] for k in dirty}
        if bad:
            rows = np.flatnonzero(np.isin(inverse, list(bad)))
            self.warnings += [self._problem(r, place, bad[k].reason, ",".join(f.columns), " ".join(map(str, bad[k].raw)))
                              for r, k in zip(rows.tolist(), inverse[rows].tolist())]
        present = inverse != missing if missing >= 0 else np.ones(self.n, dtype=bool)  # an unreadable value is data
        if f.kind == "name":
            packed = self._name_bits(f)
        elif f.kind in columnar.KINDS:
            packed = self.enc._family_bits(f, len(values), self._families(f, values))[inverse]
        else:
            items = [None if v is None else dirty_tokens(f.kind, v.raw, f.format) if isinstance(v, _Unreadable)
                     else canonical_tokens(f.kind, v, f.q) for v in values]
            self._tokens[f.name] = items
            packed = self.enc._bits(f, items)[inverse]
        return self.enc._harden(f, packed, present), present

    def _kinds_of(self, f: FieldSpec) -> tuple[list[int], list[int], int]:
        """Which of a field's distinct canonical values are read (their indices), unreadable (encoded as
        written), and the index of the missing value (-1 if none is missing)."""
        if f.name not in self._kinds:
            values = self._canonical(f)[0]
            dirty = [i for i, v in enumerate(values) if type(v) is _Unreadable]
            missing = values.index(None) if None in values else -1  # distinct values: one None at most
            keep = np.ones(len(values), dtype=bool)
            keep[dirty] = False
            if missing >= 0:
                keep[missing] = False
            self._kinds[f.name] = np.flatnonzero(keep).tolist(), dirty, missing
        return self._kinds[f.name]

    def _families(self, f: FieldSpec, values: list[Any]) -> list[columnar.Family]:
        """Tokens of a date or document field's distinct canonical values, made column-wise; those of the
        values encoded as written (few) made one by one."""
        plain, bad, _ = self._kinds_of(f)
        own = np.array(plain, dtype=np.int64)
        made = (columnar.date_families if f.kind == "date" else
                lambda vs: columnar.document_families(vs, f.q))(list(map(values.__getitem__, plain))) if plain else []
        families = [columnar.Family(own[fam.owners], fam.codes, fam.texts) for fam in made]
        dirty = [(i, t) for i in bad for t in dirty_tokens(f.kind, values[i].raw, f.format)]
        if dirty:
            families.append(columnar.Family(np.array([i for i, _ in dirty], dtype=np.int64),
                                            np.arange(len(dirty), dtype=np.int64), [t for _, t in dirty]))
        return families

    def _name_bits(self, f: FieldSpec) -> np.ndarray:
        """A name filter is the union over the columns (and words) of their n-grams: built per column,
        which has far fewer distinct values than the combinations of columns."""
        salts, salt_of = self._salts()
        if len(salts) == 1 and not salts[0]:
            return self._name_bits_by_word(f)
        packed = np.zeros((self.n, f.bits // 8), dtype=np.uint8)
        for c in f.columns:
            distinct, inverse = self._column(c)
            if len(salts) > 1:  # attribute salt: the same name under another salt sets other bits
                first, combo = _combine([inverse, salt_of])
                pairs = list(zip(_pick(distinct, inverse, first), _pick(salts, salt_of, first)))
                inverse = combo
            else:
                pairs = [(v, salts[0]) for v in distinct]
            items = []
            for v, salt in pairs:
                try:
                    toks = [t for w in name_words(v) for t in word_tokens(w, f.q)]
                except ValueError:  # already reported by _canonical
                    toks = []
                items.append([f"{salt}#{t}" for t in toks] if salt else toks)
            packed |= self.enc._bits(f, items)[inverse]
        return packed

    def _words(self, c: str) -> list[tuple[str, ...]]:
        """The name words of each distinct value of a column."""
        if c not in self._name_words:
            self._name_words[c] = list(map(name_words, self._column(c)[0]))
        return self._name_words[c]

    def _name_bits_by_word(self, f: FieldSpec) -> np.ndarray:
        """Name filters (without attribute salt) as the OR of their words' filters, each word's made once."""
        per_column = [self._words(c) for c in f.columns]
        words = list(dict.fromkeys(chain.from_iterable(chain.from_iterable(per_column))))
        index = dict(zip(words, range(len(words))))
        word_bits = self.enc._family_bits(f, len(words), names.word_families(words, f.q))
        packed = np.zeros((self.n, f.bits // 8), dtype=np.uint8)
        for c, words_of in zip(f.columns, per_column):
            of_value = names.value_bits(word_bits, [list(map(index.__getitem__, ws)) for ws in words_of])
            packed |= of_value[self._column(c)[1]]
        return packed

    def _salts(self) -> tuple[list[str], np.ndarray]:
        """Attribute salt of every row (``hardening.attribute_salt``): distinct salts and each row's index."""
        salt_field, _, how = (self.schema.hardening.attribute_salt or "").partition(":")
        if not salt_field:
            return [""], np.zeros(self.n, dtype=np.int64)
        values, inverse = self._part(salt_field, how)
        return [v or "" for v in values], inverse

    def _part(self, field_name: str, transform: str) -> tuple[list[str | None], np.ndarray]:
        """A blocking-key part (``field:transform``) of every row: distinct parts and each row's index."""
        key = f"{field_name}:{transform}"
        if key not in self._parts:
            f = self.fields[field_name]
            if transform in NAME_TRANSFORMS and f.kind != "name" or transform in ("year", "year_month") and f.kind != "date":
                distinct, inverse = self._values(f)  # an unusual pairing: the part comes from the raw values
                parts = []
                for v in distinct:
                    try:
                        parts.append(block_part(f.kind, list(v), transform))
                    except ValueError:
                        parts.append(None)
            elif f.kind == "name" and transform in NAME_TRANSFORMS and not self._kinds_of(f)[1]:
                canon, inverse = self._canonical(f)
                parts = self._name_parts(f, canon, transform)
            elif f.kind in columnar.TRANSFORMS and transform in columnar.TRANSFORMS[f.kind]:
                canon, inverse = self._canonical(f)
                parts = self._columnar_parts(f, canon, transform)
            elif transform == "value" and f.name in self._tokens and (f.kind in ("date", "sex", "country") or f.q == 2):
                # the field's own tokens, already made (for these kinds they do not depend on q)
                inverse = self._canonical(f)[1]
                parts = [None if t is None else tokens_part(t) for t in self._tokens[f.name]]
            else:
                canon, inverse = self._canonical(f)
                parts = [None if c is None else _dirty_part(f, c, transform) if isinstance(c, _Unreadable) else
                         words_part(c, transform) if transform in NAME_TRANSFORMS else
                         date_part(c, transform) if transform in ("year", "year_month") else
                         affix_part(c, transform) if transform in AFFIX_TRANSFORMS else
                         value_part(f.kind, c) for c in canon]
            values, of_distinct = _factorize(parts)
            self._parts[key] = values, of_distinct[inverse]
        return self._parts[key]

    def _name_parts(self, f: FieldSpec, canon: list[Any], transform: str) -> list[str | None]:
        """``tokens.words_part`` of a name field's distinct canonical names (``names.words_parts``)."""
        if transform != "initials" and f.name not in self._codes_of_names:
            self._codes_of_names[f.name] = names.sorted_codes(canon)
        return names.words_parts(canon, self._codes_of_names.get(f.name, []), transform)

    def _columnar_parts(self, f: FieldSpec, canon: list[Any], transform: str) -> list[str | None]:
        """A date or document part of distinct canonical values, made column-wise; None for missing values,
        those encoded as written one by one (``_dirty_part``)."""
        parts: list[str | None] = [None] * len(canon)
        plain, dirty, _ = self._kinds_of(f)
        made = (columnar.date_parts if f.kind == "date" else columnar.document_parts)(list(map(canon.__getitem__, plain)),
                                                                                        transform)
        for i, p in zip(plain, made):
            parts[i] = p
        for i in dirty:
            parts[i] = _dirty_part(f, canon[i], transform)
        return parts

    def _block_keys(self, name: str, spec: list[str]) -> list[str | None]:
        """Keyed blocking key of every row (HMAC of the parts), None where a part is missing: one HMAC per
        distinct combination of parts, remembered by the encoder across batches."""
        parts = [self._part(*p.partition(":")[::2]) for p in spec]
        whole = np.ones(self.n, dtype=bool)  # rows with every part
        for distinct, inv in parts:
            if None in distinct:
                whole &= inv != distinct.index(None)  # a part's distinct values are distinct: one None at most
        rows = None if whole.all() else np.flatnonzero(whole)
        codes = [inv if rows is None else inv[rows] for _, inv in parts]
        if len(parts) == 1:
            first, inverse = None, codes[0]
            picked = [parts[0][0]]
        else:
            first, inverse = _combine(codes)
            picked = [_pick(distinct, c, first) for (distinct, _), c in zip(parts, codes)]
        # "name|part|part" of every distinct combination (a None part, if any, is never picked for a row)
        messages: list[str | None] = list(map((name + "|{}" * len(parts)).format, *picked))
        if first is None and None in picked[0]:  # a single part's distinct values: no key for the missing one
            messages[picked[0].index(None)] = None
        keys = self.enc._block_keys_of(messages)
        if rows is None:
            return _pick(keys, inverse)
        keys.append(None)
        of_row = np.full(self.n, len(keys) - 1, dtype=np.int64)
        of_row[rows] = inverse
        return _pick(keys, of_row)


def _dirty_part(f: FieldSpec, c: _Unreadable, transform: str) -> str | None:
    """A blocking-key part of a value encoded as written: the year (and month) of a date whose day does
    not parse; the written text for exact keys; nothing for the other transforms."""
    if f.kind == "date":
        _, year, year_month = dirty_date_tokens(" ".join(map(str, c.raw)), f.format)
        if transform in ("year", "year_month"):
            return year if transform == "year" else year_month
    if transform == "value":
        return "|".join(sorted(set(dirty_tokens(f.kind, c.raw, f.format))))
    return None

"""The column-wise encoding (``encoding.columnar``, ``encoding.names``) gives exactly what the per-value
functions of ``palermo.linkage.tokens`` give: every date read, token, skeleton and blocking-key part, and
whole filters and keys checked against a row-by-row reference built from those functions and the
documented hashing, on dirty values, other scripts, empty and missing values and long names."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date
from typing import Any

import numpy as np
import pytest

from palermo.linkage import normalise as nz
from palermo.linkage import tokens as tk
from palermo.linkage.encoding import Encoder, columnar, names
from palermo.linkage.encoding.batch import _combine
from palermo.linkage.keys import derive
from palermo.linkage.schema import DEFAULT_SCHEMA, FieldSpec
from palermo.linkage.synthetic import agency_lists

KEY = b"c" * 40
RNG = random.Random(20261201)


def _date_texts() -> list[Any]:
    """Dates in every form a list has: valid and impossible, ISO and day-first, one-digit parts, spaces,
    other digits (Arabic-Indic), other separators, not text at all."""
    out: list[Any] = []
    for _ in range(3000):
        y, m, d = RNG.randint(0, 2999), RNG.randint(0, 13), RNG.randint(0, 32)
        form = RNG.choice(["{y:04d}-{m:02d}-{d:02d}", "{d:02d}/{m:02d}/{y:04d}", "{d:02d}.{m:02d}.{y:04d}",
                           "{d:02d}/{m:02d}.{y:04d}", "{y}-{m}-{d}", " {y:04d}-{m:02d}-{d:02d}", "{y:04d}{m:02d}{d:02d}",
                           "{d:02d}-{m:02d}-{y:04d}", "{y:04d}/{m:02d}/{d:02d}", "{d:02d}.{m:02d}/{y:04d}"])
        out.append(form.format(y=y, m=m, d=d))
    return out + ["", "  ", None, "1945-04-93", "٢٠٢٠-٠١-٠١", "1945-04-03\n", "2000-02-29", "1900-02-29", "2024-02-29",
                  "0000-01-01", "0001-01-01", "9999-12-31", "29/02/2023", "1945–04–03", date(1970, 1, 2), 19450403, "abcdefghij"]


def test_dates_read_column_wise_are_those_read_date_reads() -> None:
    values = _date_texts()
    idx, dates = columnar.read_dates(values)
    read = dict(zip(idx.tolist(), dates))
    assert len(read) > 500, "the sample has many dates of the fast forms"
    for i, v in enumerate(values):
        try:
            expected: Any = tk.read_date(v)
        except ValueError:
            expected = "unreadable"
        if i in read:
            assert read[i] == expected, v
        elif isinstance(v, str) and (m := tk._ISO.fullmatch(v) or tk._DMY.fullmatch(v)):
            # left to read_date only when its regular expression finds no real date
            y, mo, d = m.group(1, 2, 3) if m.re is tk._ISO else m.group(4, 3, 1)
            with pytest.raises(ValueError):
                date(int(y), int(mo), int(d))


def test_date_tokens_and_parts_are_the_per_value_ones() -> None:
    dates = sorted({date(RNG.randint(1, 2999), RNG.randint(1, 12), RNG.randint(1, 28)) for _ in range(2000)}
                   | {date(1, 1, 1), date(999, 12, 31), date(2000, 2, 29), date(1970, 10, 1)})
    families = columnar.date_families(dates)
    for j, d in enumerate(dates):
        made = [fam.texts[fam.codes[k]] for fam in families for k in np.flatnonzero(fam.owners == j)]
        assert made == tk.canonical_tokens("date", d, 2), d
    assert columnar.date_parts(dates, "value") == [tk.value_part("date", d) for d in dates]
    for transform in ("year", "year_month"):
        assert columnar.date_parts(dates, transform) == [tk.date_part(d, transform) for d in dates]


DOCUMENTS = ["AB 12-34", "ΑΒ123456", "x", "123456789012", "  a1b2c3 ", "P1234567", "", "--", "a\nb", "ab", "abcdef", "ünï",
             "№ 45", "p-1234-5678", "0", "__x__", "A" * 40]


def test_document_numbers_read_and_tokenised_column_wise_are_the_per_value_ones() -> None:
    values: list[Any] = DOCUMENTS + [f"{RNG.choice(['xp', 'AB ', 'c-'])}{RNG.randint(0, 10 ** RNG.randint(0, 9))}"
                                     for _ in range(2000)] + [None, 12345]
    idx, read = columnar.normalise_documents(values)
    assert {values[i] for i in range(len(values)) if i not in set(idx.tolist())} >= {"ΑΒ123456", None, 12345}
    assert all(r == nz.normalise_document(values[i]) for i, r in zip(idx.tolist(), read))
    docs = sorted({d for d in map(nz.normalise_document, values) if d})
    for q in (1, 2, 3, 4):
        families = columnar.document_families(docs, q)
        for j, d in enumerate(docs):
            made = sorted(fam.texts[fam.codes[k]] for fam in families for k in np.flatnonzero(fam.owners == j))
            assert made == sorted(tk.canonical_tokens("document", d, q)), (d, q)
    assert columnar.document_parts(docs, "value") == [tk.value_part("document", d) for d in docs]
    for transform in ("head4", "tail4"):
        assert columnar.document_parts(docs, transform) == [tk.affix_part(d, transform) for d in docs]


def test_ngrams_of_short_and_long_texts_are_grams() -> None:
    texts = ["a", "ab", "abc", "z" * 60, "a\0", "\0\0\0\0", "\x7f~ "]
    texts += ["".join(RNG.choices("abcxyz_09AZ", k=RNG.randint(1, 12))) for _ in range(500)]
    for q in (1, 2, 3, 4):
        fam = columnar.ngram_family(texts, q)
        for j, t in enumerate(texts):
            assert sorted(fam.texts[c] for c in fam.codes[fam.owners == j].tolist()) == sorted(tk.grams(t, q)), (t, q)


def test_skeletons_of_all_words_at_once_are_each_words_skeleton() -> None:
    words = sorted({w for v in ["Mohammed Muhammad Mohamed", "Tesfaye Tesfay Tesfai", "Osman Usman", "Phuc Nguyen Thi",
                                "Xochitl Quetzalcoatl", "aaaa", "y", "eeee iiii", "schmidt chkhartishvili", "abd al rahman"]
                    for w in tk.name_words(v)} | {"".join(RNG.choices("aeiouybcdghjkpqstvwxz", k=RNG.randint(1, 14)))
                                                   for _ in range(3000)})
    assert names.skeletons(words) == [nz.skeleton(w) for w in words]
    odd = ["Ab", "ä", "a-b", "abc"]  # not lower-case ASCII letters: made one by one, same result
    assert names.skeletons(odd) == [nz.skeleton(w) for w in odd]
    for q in (1, 2, 3):
        families = names.word_families(words, q)
        for j in range(0, len(words), 97):
            made = sorted(fam.texts[c] for fam in families for c in fam.codes[fam.owners == j].tolist())
            assert made == sorted(tk.word_tokens(words[j], q)), (words[j], q)


def test_combinations_of_large_codes_group_equal_rows() -> None:
    """Rows are grouped by their codes in every column, also where the codes' product would overflow."""
    rng = np.random.default_rng(5)
    codes = [rng.integers(0, 1 << 31, 4000) for _ in range(3)]
    codes = [np.concatenate([c, c[:500]]) for c in codes]  # 500 rows repeated
    first, inverse = _combine(codes)
    keys = list(zip(*(c.tolist() for c in codes)))
    assert len(first) == len(set(keys)) == 4000
    assert all(keys[first[inverse[i]]] == keys[i] for i in range(len(keys)))


# --------------------------------------------------------------------- whole filters against a reference


def _reference_filter(f: FieldSpec, row: dict[str, Any]) -> tuple[bytes, bool]:
    """A field's filter made row by row from the per-value functions and the documented hashing: each token's
    positions are the little-endian 16-bit words of keyed BLAKE2b-512("{counter}:{token}") modulo the size."""
    if f.kind == "name":
        toks = [t for c in f.columns for w in tk.name_words(row.get(c)) for t in tk.word_tokens(w, f.q)]
        present = bool(tk.canonical("name", tuple(row.get(c) for c in f.columns)))
    else:
        raw = tuple(row.get(c) for c in f.columns[:1])
        try:
            c = tk.canonical(f.kind, raw, f.format)
            toks = [] if c is None else tk.canonical_tokens(f.kind, c, f.q)
            present = c is not None
        except ValueError:
            toks, present = tk.dirty_tokens(f.kind, raw, f.format), True
    key = derive(KEY, f"field/{f.name}")
    bits = np.zeros(f.bits, dtype=bool)
    for t in toks:
        words = b"".join(hashlib.blake2b(f"{r}:{t}".encode(), key=key, digest_size=64).digest()
                         for r in range(-(-f.hashes // 32)))
        bits[np.frombuffer(words, dtype="<u2")[:f.hashes] % f.bits] = True
    return np.packbits(bits).tobytes(), present


def _rows() -> list[dict[str, Any]]:
    rows = [dict(r) for r in agency_lists({"A": 400}, noise=0.5, seed=21)[0]["A"]]
    long_name = " ".join(["Abd al-Rahman", "bin", "Muhammad-Ali", "O'Connor", "van der Berg"] * 6)
    for i, r in enumerate(rows):
        if i % 5 == 0:
            r["date_of_birth"] = _date_texts()[i]
        if i % 7 == 0:
            r["first_name"] = RNG.choice(["", None, "  ", "محمد", "عبد الرحمن", "Мария", "王 小明", "Nguyễn Văn", long_name,
                                          "!!!", "Ἀλέξανδρος", "ÆØÅ æøå", "x"])
        if i % 11 == 0:
            r["last_name"] = RNG.choice(["", None, long_name, "Smith-Jones", "ß", "Łukasz"])
        if i % 3 == 0:
            r["document_number"] = RNG.choice(DOCUMENTS + [None])
        if i % 13 == 0:
            r["country_of_birth"] = RNG.choice(["", None, "Atlantis", "eritrea"])
    del rows[3]["document_number"]
    return rows


def test_filters_and_keys_equal_the_row_by_row_reference() -> None:
    rows = _rows()
    ds = Encoder(DEFAULT_SCHEMA, KEY).encode(rows, workers=1)
    assert ds.warnings, "dirty values are among the rows"
    block_key = derive(KEY, "blocking")

    def mac(message: str) -> str:
        return hmac.new(block_key, message.encode(), hashlib.sha256).hexdigest()[:24]

    for i, row in enumerate(rows):
        for f in DEFAULT_SCHEMA.fields:
            expected, present = _reference_filter(f, row)
            assert ds.filters[f.name][i].tobytes() == expected, (i, f.name, [row.get(c) for c in f.columns])
            assert bool(ds.present[f.name][i]) == present, (i, f.name)
        doc = nz.normalise_document(row.get("document_number"))
        nationality = tk.canonical("country", (row.get("nationality"),))
        assert ds.blocks["document"][i] == (None if doc is None else mac("document|" + tk.value_part("document", doc)))
        for key, transform in (("document_head", "head4"), ("document_tail", "tail4")):
            part = None if doc is None else tk.affix_part(doc, transform)
            expected_key = None if part is None or nationality is None else \
                mac(f"{key}|{part}|{tk.value_part('country', nationality)}")
            assert ds.blocks[key][i] == expected_key, (i, key)
        try:
            born = tk.canonical("date", (row.get("date_of_birth"),))
        except ValueError:
            continue  # encoded as written: test_encoding_batch compares those with a row alone
        words = tk.canonical("name", (row.get("first_name"), row.get("last_name")))
        year = None if born is None else tk.date_part(born, "year")
        assert ds.blocks["name_year"][i] == (None if words is None or year is None else
                                             mac(f"name_year|{tk.words_part(words, 'phonetic_min')}|{year}"))

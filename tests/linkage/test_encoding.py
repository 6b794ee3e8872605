"""Encodings: keyed, per field, missing values explicit, refusing other keys and schemas, bad input reported."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from palermo.errors import ValidationError
from palermo.linkage.encoding import EncodedDataset, Encoder, read_encodings
from palermo.linkage.engine import check_compatible, match
from palermo.linkage.keys import read_secret
from palermo.linkage.normalise import parse_date
from palermo.linkage.schema import DEFAULT_SCHEMA, FieldSpec, LinkageSchema, load_schema
from palermo.linkage.similarity import dice
from palermo.linkage.synthetic import agency_lists
from palermo.linkage.tokens import tokens

KEY = b"k" * 40
ROW = {"record_id": "1", "first_name": "Mohammed", "last_name": "Abdel Rahman", "date_of_birth": "1990-03-04",
       "sex": "M", "country_of_birth": "SDN", "nationality": "SDN", "document_number": "P1234567"}


def test_same_person_same_bits_and_other_key_other_bits() -> None:
    a = Encoder(DEFAULT_SCHEMA, KEY).encode([ROW])
    b = Encoder(DEFAULT_SCHEMA, KEY).encode([{**ROW, "first_name": "Muhammad"}])
    c = Encoder(DEFAULT_SCHEMA, b"z" * 40).encode([ROW])
    assert a.filters["dob"].tobytes() == b.filters["dob"].tobytes()
    assert dice(a.filters["name"], b.filters["name"])[0] > 0.8
    assert dice(a.filters["name"], c.filters["name"])[0] < 0.6  # another key sets other bits
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_missing_values_are_explicit() -> None:
    ds = Encoder(DEFAULT_SCHEMA, KEY).encode([{**ROW, "document_number": "", "sex": None}])
    assert not ds.present["document"][0] and not ds.present["sex"][0] and ds.present["name"][0]
    assert not ds.filters["document"].any()


def test_round_trip_and_no_plaintext_in_the_file(tmp_path: Path) -> None:
    ds = Encoder(DEFAULT_SCHEMA, KEY).encode([ROW, {**ROW, "record_id": "2", "first_name": "Aster"}])
    ds.meta["hub"] = "h"
    out = tmp_path / "e.parquet"
    ds.write(out)
    back = read_encodings(out)
    assert back.ids == ["1", "2"] and back.fingerprint == ds.fingerprint and back.meta["hub"] == "h"
    assert all(np.array_equal(back.filters[f], ds.filters[f]) for f in ds.filters)
    raw = out.read_bytes().lower()
    for secret in (b"mohammed", b"rahman", b"1990-03-04", b"p1234567", b"aster", KEY):
        assert secret not in raw


def test_strict_reports_every_bad_value_and_encodes_nothing() -> None:
    rows = [ROW, {**ROW, "record_id": "2", "date_of_birth": "31/31/1990", "country_of_birth": "Atlantis"},
            {**ROW, "record_id": "1", "sex": "?"}]
    with pytest.raises(ValidationError) as info:
        Encoder(DEFAULT_SCHEMA, KEY).encode(rows, strict=True)
    where = sorted((p.line, p.field) for p in info.value.problems)
    assert where == [(3, "country_of_birth"), (3, "date_of_birth"), (4, "record_id"), (4, "sex")]
    with pytest.raises(ValidationError) as info:  # a repeated id is refused without --strict too
        Encoder(DEFAULT_SCHEMA, KEY).encode(rows)
    assert [(p.line, p.field) for p in info.value.problems] == [(4, "record_id")]


def test_unreadable_values_are_encoded_as_written_with_a_warning() -> None:
    """A typo'd date is data: it is encoded from what was written, matches the same entry in another list
    exactly and shares its readable parts (year, month) with the true date."""
    dirty = {**ROW, "record_id": "2", "date_of_birth": "1990-03-94", "country_of_birth": "Atlantis"}
    ds = Encoder(DEFAULT_SCHEMA, KEY).encode([ROW, dirty, {**dirty, "record_id": "3"}])
    assert [(p.line, p.field) for p in ds.warnings] == [(3, "date_of_birth"), (3, "country_of_birth"),
                                                        (4, "date_of_birth"), (4, "country_of_birth")]
    assert "1990-03-94" in ds.warnings[0].reason
    assert ds.present["dob"].all() and ds.present["birth_country"].all()
    dob = ds.filters["dob"]
    assert dice(dob[1:2], dob[2:3])[0] == 1.0  # the same typo in two lists: identical
    assert 0.3 < dice(dob[0:1], dob[1:2])[0] < 0.9  # shares year and month with 1990-03-04, not the day
    assert ds.blocks["name_year"][1] == ds.blocks["name_year"][0]  # the year still blocks


def test_a_date_format_reads_dates_as_written() -> None:
    schema = DEFAULT_SCHEMA.model_copy(update={"fields": [
        f.model_copy(update={"format": "%Y%m%d"}) if f.kind == "date" else f for f in DEFAULT_SCHEMA.fields]})
    a = Encoder(schema, KEY).encode([{**ROW, "date_of_birth": "19900304"}])
    b = Encoder(DEFAULT_SCHEMA, KEY).encode([ROW])
    assert not a.warnings and np.array_equal(a.filters["dob"], b.filters["dob"])
    c = Encoder(schema, KEY).encode([{**ROW, "date_of_birth": "1990-03-04"}, {**ROW, "record_id": "2", "date_of_birth": "19900394"}])
    assert np.array_equal(c.filters["dob"][0], b.filters["dob"][0])  # another usual form is still read
    assert [(p.line, p.field) for p in c.warnings] == [(3, "date_of_birth")] and "%Y%m%d" in c.warnings[0].reason
    assert schema.digest() != DEFAULT_SCHEMA.digest()
    with pytest.raises(ValueError, match="only for date fields"):
        FieldSpec(name="x", columns=["x"], kind="text", format="%Y%m%d")


def test_short_secret_and_other_schema_are_refused(tmp_path: Path) -> None:
    short = tmp_path / "short.key"
    short.write_text("too short")
    with pytest.raises(ValidationError, match="at least 32"):
        read_secret(short)
    a = Encoder(DEFAULT_SCHEMA, KEY).encode([ROW], label="a")
    other_schema = DEFAULT_SCHEMA.model_copy(update={"hardening": DEFAULT_SCHEMA.hardening.model_copy(update={"balance": True})})
    b = Encoder(other_schema, KEY).encode([ROW], label="b")
    with pytest.raises(ValidationError, match="different secret or schema"):
        check_compatible([a, b])
    c = Encoder(DEFAULT_SCHEMA, b"y" * 40).encode([ROW], label="c")
    with pytest.raises(ValidationError, match="different secret or schema"):
        match([a, c])


@pytest.mark.parametrize("hardening", [{"balance": True}, {"xor_fold": True}, {"salt": False}])
def test_hardening_options_still_match(hardening: dict[str, bool]) -> None:
    schema = DEFAULT_SCHEMA.model_copy(update={"hardening": DEFAULT_SCHEMA.hardening.model_copy(update=hardening)})
    a = Encoder(schema, KEY).encode([ROW], label="a")
    b = Encoder(schema, KEY).encode([{**ROW, "record_id": "x", "first_name": "Mohamed"}], label="b")
    if hardening.get("balance"):
        half = a.filters["name"].shape[1] * 8 // 2
        assert int(np.bitwise_count(a.filters["name"]).sum()) == half  # balanced: exactly half the bits set
    assert dice(a.filters["name"], b.filters["name"])[0] > 0.7


def test_schema_validation_and_clkhash_v3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"fields": [{"name": "n", "columns": ["x"], "kind": "colour", "bits": 100}],
                               "blocking": [{"name": "b", "parts": ["zz:year"]}]}))
    with pytest.raises(ValidationError) as info:
        load_schema(bad)
    assert info.value.problems
    clk = tmp_path / "clk.json"
    clk.write_text(json.dumps({"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}}, "features": [
        {"identifier": "record_id", "ignored": True},
        {"identifier": "given_name", "format": {"type": "string"}, "hashing": {"comparison": {"type": "ngram", "n": 2},
                                                                             "strategy": {"bitsPerToken": 15}}},
        {"identifier": "dob", "format": {"type": "date"}, "hashing": {"comparison": {"type": "ngram", "n": 2},
                                                                      "strategy": {"bitsPerToken": 10}}}]}))
    schema = load_schema(clk)
    assert isinstance(schema, LinkageSchema)
    assert [(f.name, f.kind, f.hashes) for f in schema.fields] == [("given_name", "name", 15), ("dob", "date", 10)]


def _digest(ds: EncodedDataset, blocking: list[str] | None = None) -> str:
    h = hashlib.sha256()
    for f in ds.schema.fields:
        h.update(ds.filters[f.name].tobytes() + ds.present[f.name].tobytes())
    for b in ds.schema.blocking:
        if blocking is None or b.name in blocking:
            h.update(repr(ds.blocks[b.name]).encode())
    return h.hexdigest()


def test_encodings_stay_the_same_across_releases() -> None:
    """Agencies match files encoded months apart: the same secret and schema must give the same bits."""
    rows = [ROW, {**ROW, "record_id": "2", "first_name": "Aster", "last_name": "Haile", "date_of_birth": "12.11.1985",
                  "sex": "F", "document_number": ""}]
    ds = Encoder(DEFAULT_SCHEMA, KEY).encode(rows)
    # The filters and the first five blocking keys as pinned before the two document keys were added:
    # adding keys to the schema leaves what was there bit for bit the same.
    first_keys = ["name_year", "names", "dob", "document", "initials_month"]
    assert _digest(ds, first_keys) == "027d9e2d743daa0735f6aa517ae34a94700aa51e28c2bc7356d27e59cc4b90d7"
    assert _digest(ds) == "2f59a28839283910bee6f855ced1910a84aed06962951ef00229b60d97806708"


@pytest.mark.parametrize("hardening", [{}, {"balance": True, "xor_fold": True}, {"attribute_salt": "dob:year"}])
def test_several_processes_give_the_same_encodings_and_problems(hardening: dict[str, object]) -> None:
    schema = DEFAULT_SCHEMA.model_copy(update={"hardening": DEFAULT_SCHEMA.hardening.model_copy(update=hardening)})
    rows = agency_lists({"A": 900}, noise=0.4, seed=4)[0]["A"]
    one, three = Encoder(schema, KEY).encode(rows, workers=1), Encoder(schema, KEY).encode(rows, workers=3)
    assert one.ids == three.ids and one.blocks == three.blocks and _digest(one) == _digest(three)
    bad = [dict(r) for r in rows]
    bad[850]["date_of_birth"], bad[20]["sex"], bad[700]["record_id"] = "31/31/1990", "?", bad[10]["record_id"]
    reported = []
    for workers in (1, 3):
        with pytest.raises(ValidationError) as info:
            Encoder(schema, KEY).encode(bad, workers=workers, strict=True)
        reported.append([(p.line, p.field, p.reason) for p in info.value.problems])
    assert reported[0] == reported[1]
    assert [line for line, _, _ in reported[0]] == [22, 852, 702]  # line 1 is the header


@pytest.mark.parametrize("text", ["1990-03-04", "04/03/1990", "04.03.1990", "1990-3-4", "4/3/1990", " 04/03/1990 ",
                                  "04-03-1990", "19900304", "1990/03/04", "29.02.2000", "٠٤/٠٣/١٩٩٠",
                                  "04/03.1990", "29.02.2001", "31/31/1990", "1990-13-01", "yesterday"])
def test_dates_are_read_as_parse_date_reads_them(text: str) -> None:
    """The encoder reads the usual forms without strptime; it must agree with parse_date on every input."""
    try:
        expected: date | str = parse_date(text) or ""
    except ValueError as exc:
        expected = str(exc)
    if isinstance(expected, date):
        assert f"all{expected.isoformat()}" in (tokens("date", [text], 2) or [])
    else:
        with pytest.raises(ValueError) as info:
            tokens("date", [text], 2)
        assert str(info.value) == expected


def test_a_document_number_with_a_typo_still_shares_a_blocking_key() -> None:
    rows = [{**ROW, "record_id": "a", "document_number": "AB1234567"},
            {**ROW, "record_id": "b", "document_number": "AB1284567"},  # one digit wrong in the middle
            {**ROW, "record_id": "c", "document_number": "XY9234567"},  # another document, same tail
            {**ROW, "record_id": "d", "document_number": "A12"}]  # too short to split
    ds = Encoder(DEFAULT_SCHEMA, KEY).encode(rows)
    head, tail, full = ds.blocks["document_head"], ds.blocks["document_tail"], ds.blocks["document"]
    assert full[0] != full[1] and head[0] == head[1] and tail[0] == tail[1]
    assert head[2] != head[0] and tail[2] == tail[0]
    assert head[3] is None and tail[3] is None and full[3] is not None


def test_each_name_alone_shares_a_blocking_key_when_the_other_has_a_typo() -> None:
    """``phonetic_min`` / ``phonetic_max``: the sound of the alphabetically first or last name word, in
    whichever order the names were written; a typo in one name leaves the other's key."""
    spec = json.loads(DEFAULT_SCHEMA.model_dump_json())
    spec["blocking"] += [{"name": "first", "parts": ["name:phonetic_min"]}, {"name": "last", "parts": ["name:phonetic_max"]}]
    schema = LinkageSchema.model_validate(spec)
    rows = [{**ROW, "record_id": "a", "first_name": "Elvira", "last_name": "Parmitano"},
            {**ROW, "record_id": "b", "first_name": "Elvira", "last_name": "Patmitano"},  # typo in the surname
            {**ROW, "record_id": "c", "first_name": "Zichichi", "last_name": "Paolo"},  # written the other way round
            {**ROW, "record_id": "d", "first_name": "Paplo", "last_name": "Zichichi"}]  # typo in the given name
    ds = Encoder(schema, KEY).encode(rows)
    first, last, both = ds.blocks["first"], ds.blocks["last"], ds.blocks["names"]
    assert both[0] != both[1] and first[0] == first[1] and last[0] != last[1]
    assert both[2] != both[3] and last[2] == last[3] and first[2] != first[3]
    assert first[0] != first[2]

"""Encodings: keyed, per field, missing values explicit, refusing other keys and schemas, bad input reported."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from palermo.errors import ValidationError
from palermo.linkage.encoding import Encoder, read_encodings
from palermo.linkage.engine import check_compatible, match
from palermo.linkage.keys import read_secret
from palermo.linkage.schema import DEFAULT_SCHEMA, LinkageSchema, load_schema
from palermo.linkage.similarity import dice

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


def test_every_bad_value_is_reported_and_nothing_encoded() -> None:
    rows = [ROW, {**ROW, "record_id": "2", "date_of_birth": "31/31/1990", "country_of_birth": "Atlantis"},
            {**ROW, "record_id": "1", "sex": "?"}]
    with pytest.raises(ValidationError) as info:
        Encoder(DEFAULT_SCHEMA, KEY).encode(rows)
    where = sorted((p.line, p.field) for p in info.value.problems)
    assert where == [(3, "country_of_birth"), (3, "date_of_birth"), (4, "record_id"), (4, "sex")]


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

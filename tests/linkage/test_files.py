"""Encodings files carry a checksum of their content, checked on reading; every bad file gets a clear
error (issue 22, probe 10: a flipped byte changed a filter silently; a missing column was a KeyError;
bytes received over HTTP were named "<_io.BytesIO object at 0x…>")."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from palermo.errors import ValidationError
from palermo.linkage.encoding import Encoder, read_encodings
from palermo.linkage.files import CHECKSUM
from palermo.linkage.schema import DEFAULT_SCHEMA

KEY = b"k" * 40
ROWS = [{"record_id": str(i), "first_name": name, "last_name": "Abdel Rahman", "date_of_birth": f"1990-03-{i + 1:02d}",
         "sex": "M", "country_of_birth": "SDN", "nationality": "SDN", "document_number": f"P12345{i:02d}"}
        for i, name in enumerate(["Mohammed", "Aster", "Yonas", "Selam"])]


@pytest.fixture
def encoded(tmp_path: Path) -> Path:
    path = tmp_path / "a.parquet"
    Encoder(DEFAULT_SCHEMA, KEY).encode(ROWS, label="a").write(path)
    return path


def test_round_trip_verifies_the_checksum(encoded: Path) -> None:
    assert CHECKSUM.encode() in (pq.read_schema(encoded).metadata or {})
    assert read_encodings(encoded).ids == [r["record_id"] for r in ROWS]


def test_every_flipped_byte_is_refused_or_harmless(encoded: Path, tmp_path: Path) -> None:
    original = read_encodings(encoded)
    data = encoded.read_bytes()
    caught_by_checksum = 0
    for at in range(4, len(data) - 8):  # past the magic number, before the footer length
        damaged = tmp_path / "damaged.parquet"
        damaged.write_bytes(data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1:])
        try:
            ds = read_encodings(damaged)
        except ValidationError as exc:
            caught_by_checksum += "does not match its checksum" in exc.message
            continue
        # Read without complaint: then nothing that matters changed (e.g. a byte of unused statistics).
        assert ds.ids == original.ids
        assert all(np.array_equal(ds.filters[f], original.filters[f]) for f in original.filters)
        assert all(np.array_equal(ds.present[f], original.present[f]) for f in original.present)
    assert caught_by_checksum > 0  # Parquet alone let some flips through: the checksum is what caught them


def test_a_missing_column_is_named(encoded: Path, tmp_path: Path) -> None:
    table = pq.read_table(encoded)
    cut = tmp_path / "cut.parquet"
    from palermo.linkage.files import write_checked

    write_checked(table.drop_columns(["f_name", "b_dob"]), cut)  # a correct checksum, a column short
    with pytest.raises(ValidationError, match="lacks the column\\(s\\) f_name, b_dob"):
        read_encodings(cut)


def test_uploaded_bytes_are_named_in_words_and_files_without_checksum_refused(encoded: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as exc:
        read_encodings(io.BytesIO(b"not parquet at all"))  # type: ignore[arg-type]
    assert "the uploaded file is not a Parquet file" in exc.value.message and "BytesIO" not in exc.value.message
    plain = tmp_path / "plain.parquet"
    pq.write_table(pq.read_table(encoded).replace_schema_metadata(None), plain)
    with pytest.raises(ValidationError, match="carries no checksum"):
        read_encodings(plain)

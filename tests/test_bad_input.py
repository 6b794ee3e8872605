"""Bad input everywhere (property-based): every importer and parser either accepts the input or refuses it
with a PalermoError that says what is wrong; never another exception, never a partial write."""

from __future__ import annotations

import io
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from palermo.auth.roles import Principal
from palermo.coordination.hxl import read_hxl
from palermo.coordination.iati import read_iati
from palermo.db import Database
from palermo.errors import PalermoError
from palermo.exchange.agreements import read_agreements_file
from palermo.identification.screening import screen
from palermo.linkage.encoding import read_encodings
from palermo.statistics.importers import import_eurostat_tsv, import_mapped
from palermo.statistics.models import Observation
from palermo.statistics.values import parse_count

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
cell = st.text(alphabet=string.ascii_letters + string.digits + " ,.:<-;#+\\\"'é", max_size=12)
line = st.lists(cell, min_size=1, max_size=6).map(lambda cs: "\t".join(cs))
tsv = st.builds(lambda head, rows: "\n".join([head, *rows]),
                st.sampled_from(["freq,leg_stat,sex,geo\\TIME_PERIOD\t2020\t2021", "geo\\TIME_PERIOD\t2020", "a,b,c"]),
                st.lists(st.builds(lambda k, v: k + "\t" + v, st.sampled_from(["A,VICT,T,NL", "A,CONV,F,IT", "A,XX,T,ZZ",
                                                                                 "A,VICT,T,EU27_2020"]), line), max_size=5))
csvish = st.lists(st.lists(cell, min_size=1, max_size=4).map(",".join), min_size=1, max_size=6).map("\n".join)


def _is_clean(exc: BaseException) -> bool:
    return isinstance(exc, PalermoError) and bool(str(exc).strip())


@SETTINGS
@given(st.one_of(cell, st.integers(-10, 10), st.none()))
def test_parse_count(text: object) -> None:
    try:
        parse_count(text)  # type: ignore[arg-type]
    except ValueError as exc:
        assert "not a number" in str(exc)


def _observations(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(Observation)).scalar() or 0)


@SETTINGS
@given(tsv)
def test_eurostat_importer(sqlite_db: Database, tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path_factory.mktemp("tsv") / "x.tsv"
    f.write_text(text)
    before = _observations(sqlite_db)
    try:
        with sqlite_db.session() as s:
            import_eurostat_tsv(s, Principal.system(), f, key="fuzz")
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions escape
        assert _is_clean(exc), repr(exc)
        assert _observations(sqlite_db) == before  # nothing half-written


MAPPING = {"source": {"key": "fz", "name": "fz", "source_type": "police", "stage": "detected", "counting_unit": "persons",
                      "legal_definition": "x"}, "columns": {"period": "a", "country": "b", "value": "c"},
           "constants": {"indicator": "victims"}}


@SETTINGS
@given(csvish)
def test_mapped_csv_importer(sqlite_db: Database, tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path_factory.mktemp("csv") / "x.csv"
    f.write_text("a,b,c\n" + text)
    before = _observations(sqlite_db)
    try:
        with sqlite_db.session() as s:
            import_mapped(s, Principal.system(), f, MAPPING)
    except Exception as exc:  # noqa: BLE001
        assert _is_clean(exc), repr(exc)
        assert _observations(sqlite_db) == before


@SETTINGS
@given(st.one_of(csvish, st.builds(lambda rows: "#activity+code,#country+code,#date+start,#value+budget\n" + rows, csvish)))
def test_hxl_reader(text: str) -> None:
    try:
        read_hxl(text)
    except Exception as exc:  # noqa: BLE001
        assert _is_clean(exc), repr(exc)


xmlish = st.one_of(st.binary(max_size=200), st.builds(
    lambda body: f"<iati-activities><iati-activity>{body}</iati-activity></iati-activities>".encode(),
    st.sampled_from(['<participating-org role="x"/>', '<activity-date type="2" iso-date="20x"/>', "<budget><value>abc</value></budget>",
                     '<activity-status code="9"/>', "<title>t</title>", "<broken>"])))


@SETTINGS
@given(xmlish)
def test_iati_reader(data: bytes) -> None:
    try:
        read_iati(data)
    except Exception as exc:  # noqa: BLE001
        assert _is_clean(exc), repr(exc)


@SETTINGS
@given(st.binary(max_size=300))
def test_encodings_reader(data: bytes) -> None:
    try:
        read_encodings(io.BytesIO(data))  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001
        assert _is_clean(exc), repr(exc)


@SETTINGS
@given(st.one_of(csvish, st.text(max_size=200)), st.sampled_from([".yaml", ".csv"]))
def test_agreements_reader(tmp_path_factory, text: str, suffix: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path_factory.mktemp("ag") / f"a{suffix}"
    f.write_text(text)
    try:
        read_agreements_file(Path(f))
    except Exception as exc:  # noqa: BLE001
        assert _is_clean(exc), repr(exc)


json_values = st.recursive(st.none() | st.booleans() | st.integers(-5, 200) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=8)


@SETTINGS
@given(st.one_of(json_values, st.fixed_dictionaries({"age": json_values, "observed": json_values, "journey": json_values})))
def test_screening_input(data: object) -> None:
    try:
        screen(data)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001
        assert _is_clean(exc), repr(exc)

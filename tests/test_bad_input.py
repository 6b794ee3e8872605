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
from palermo.statistics.ingest import SourceSpec
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


def _import_cleanly(db: Database, run) -> None:  # type: ignore[no-untyped-def]
    """The property shared by every importer: success, or a clear Palermo error and nothing stored."""
    before = _observations(db)
    try:
        with db.session() as s:
            run(s)
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions escape
        assert _is_clean(exc), repr(exc)
        assert _observations(db) == before


SOURCE = SourceSpec("fuzz-sdmx", "fuzz", "police", "detected", "persons", "national")
# A message as Palermo's SDMX-ML export writes it (header and structure reference), observations fuzzed.
SDMX_ML = """<?xml version='1.0' encoding='utf-8'?>
<mes:StructureSpecificData xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
 xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
  <mes:Header><mes:ID>FUZZ</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00</mes:Prepared>
    <mes:Sender id="PALERMO"/>
    <mes:Structure structureID="PALERMO_THB"><com:Structure>
      <Ref id="PALERMO_THB" version="1.0" agencyID="PALERMO" package="datastructure" class="DataStructure"/>
    </com:Structure></mes:Structure></mes:Header>
  <mes:DataSet structureRef="PALERMO_THB">
{obs}
  </mes:DataSet>
</mes:StructureSpecificData>"""
xml_cell = cell.map(lambda t: t.replace("&", "").replace("<", "").replace('"', ""))
sdmx_obs = st.builds(lambda ind, area, period, sex, value: (
    f'<Obs SOURCE="s" INDICATOR="{ind}" STAGE="DETECTED" REF_AREA="{area}" SEX="{sex}" AGE="TOTAL" CITIZENSHIP="TOTAL" '
    f'EXPLOITATION="TOTAL" TIME_PERIOD="{period}" OBS_VALUE="{value}" OBS_STATUS="A" CONF_STATUS="F"/>'),
    st.sampled_from(["VICTIMS", "CONVICTED", "XX"]) | xml_cell, st.sampled_from(["NLD", "ITA", "ZZ"]) | xml_cell,
    st.sampled_from(["2020", "2021"]) | xml_cell, st.sampled_from(["TOTAL", "FEMALE", "ODD"]), st.integers(-3, 50) | xml_cell)


@SETTINGS
@given(st.one_of(st.binary(max_size=200), st.lists(sdmx_obs, max_size=4).map(lambda obs: SDMX_ML.format(obs="\n".join(obs)).encode())))
def test_sdmx_ml_importer(sqlite_db: Database, tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    from palermo.statistics.importers import import_sdmx_ml

    f = tmp_path_factory.mktemp("sdmx") / "x.xml"
    f.write_bytes(data)
    _import_cleanly(sqlite_db, lambda s: import_sdmx_ml(s, Principal.system(), f, source=SOURCE))


@SETTINGS
@given(csvish)
def test_sdmx_csv_importer(sqlite_db: Database, tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    from palermo.statistics.importers import import_sdmx_csv

    f = tmp_path_factory.mktemp("sdmxcsv") / "x.csv"
    f.write_text("REF_AREA,TIME_PERIOD,OBS_VALUE,INDICATOR\n" + text)
    _import_cleanly(sqlite_db, lambda s: import_sdmx_csv(s, Principal.system(), f, source=SOURCE))


@SETTINGS
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=5))
def test_mapped_xlsx_importer(sqlite_db: Database, tmp_path_factory, rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    f = tmp_path_factory.mktemp("xlsx") / "x.xlsx"
    pd.DataFrame(rows, columns=["a", "b", "c"]).to_excel(f, index=False)
    _import_cleanly(sqlite_db, lambda s: import_mapped(s, Principal.system(), f, MAPPING))


@SETTINGS
@given(csvish)
def test_glotip_and_ctdc_importers(sqlite_db: Database, tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    from palermo.statistics.importers import import_ctdc, import_glotip

    folder = tmp_path_factory.mktemp("shapes")
    glotip, ctdc = folder / "glotip.csv", folder / "ctdc.csv"
    glotip.write_text("Iso3_code,Indicator,Dimension,Category,Sex,Age,Year,txtVALUE\n" + text)
    ctdc.write_text("yearOfRegistration,gender,majorityStatus,isSexualExploit,isForcedLabour,CountryOfExploitation\n" + text)
    _import_cleanly(sqlite_db, lambda s: import_glotip(s, Principal.system(), glotip, key="fuzz-glotip"))
    _import_cleanly(sqlite_db, lambda s: import_ctdc(s, Principal.system(), ctdc, key="fuzz-ctdc"))

"""Imports never store a wrong number (issue 22, probes 6-9), on the real UNODC GLOTIP file.

Each test reproduces a probe: infinity stored, a row cut short storing its first digit, a repeated line
doubling a count, junk succeeding and squatting a source key."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ImportRejected, PalermoError, PermissionDenied
from palermo.statistics.importers import import_file, import_glotip, import_mapped, parse_mapping
from palermo.statistics.models import Observation, Source
from palermo.statistics.values import parse_count
from tests.conftest import EXTERNAL
from tests.web.conftest import two_org_world

SYSTEM = Principal.system()
GLOTIP = EXTERNAL / "unodc-glotip" / "data_glotip_release_2025-04-14.csv"
LINES = GLOTIP.read_text(encoding="utf-8").splitlines()
HEADER = LINES[0]
ALB_2019 = LINES[447]  # file line 448: ALB, Detected trafficking victims, Total, 2019: 103


def _glotip(tmp_path: Path, rows: list[str], name: str = "data_glotip_release_2025-04-14.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _stored(db: Database) -> tuple[int, int]:
    with db.session(write=False) as s:
        return (int(s.execute(select(func.count()).select_from(Observation)).scalar() or 0),
                int(s.execute(select(func.count()).select_from(Source)).scalar() or 0))


def _alb_total(db: Database) -> float | None:
    with db.session(write=False) as s:
        return s.execute(select(Observation.value).where(
            Observation.country == "ALB", Observation.period == "2019", Observation.indicator == "victims",
            Observation.sex == "total", Observation.age_group == "total", Observation.citizenship == "total",
            Observation.exploitation == "total")).scalar_one_or_none()


def test_alb_2019_line_is_what_the_probes_use() -> None:
    assert ALB_2019.startswith("ALB,Albania") and ",Detected trafficking victims,Total,Total,Total,Total,2019," in ALB_2019
    assert ALB_2019.endswith(",Counts,103,GLOTIP")


@pytest.mark.parametrize("text", ["inf", "Infinity", "-inf", "1e400", "9" * 400, "<" + "9" * 400, "1e309"])
def test_numbers_that_are_not_finite_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        parse_count(text)


@pytest.mark.parametrize("text", ["nan", "NaN", "", ":", float("nan")])
def test_nan_and_empty_are_unknown(text: object) -> None:
    assert parse_count(text).value is None  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["inf", "1e400", "9" * 400])
def test_glotip_with_an_infinite_value_is_refused_with_line_and_value(db: Database, tmp_path: Path, value: str) -> None:
    # Probe 6: txtVALUE inf / 1e400 / 400 digits was stored, then exported as Infinity (invalid JSON).
    rows = [ALB_2019, LINES[448].replace(",Counts,", ",Counts,").rsplit(",", 2)[0] + f",{value},GLOTIP"]
    with db.session() as s, pytest.raises(ImportRejected) as exc:
        import_glotip(s, SYSTEM, _glotip(tmp_path, rows))
    problem = exc.value.problems[0]
    assert problem.line == 3 and problem.field == "txtVALUE" and problem.value == value
    assert "not a finite number" in str(exc.value)
    assert _stored(db) == (0, 0)


def test_nan_and_empty_values_are_unknown_and_the_report_says_so(db: Database, tmp_path: Path) -> None:
    base = LINES[448].rsplit(",", 2)[0]
    with db.session() as s:
        report = import_glotip(s, SYSTEM, _glotip(tmp_path, [ALB_2019, f"{base},nan,GLOTIP"]))
    assert report.unknown == 1 and "1 value(s) unknown" in report.summary()
    assert _alb_total(db) == 103


def test_a_row_cut_short_is_refused(db: Database, tmp_path: Path) -> None:
    # Probe 7: the last line cut after the value's first digit imported with exit 0 and stored 1.
    cut = ALB_2019[: ALB_2019.index(",Counts,103") + len(",Counts,1")]
    with db.session() as s, pytest.raises(ImportRejected, match="fewer fields than its header") as exc:
        import_glotip(s, SYSTEM, _glotip(tmp_path, [LINES[5], cut]))
    assert exc.value.problems[0].line == 3 and "12 field(s) where the header has 13" in str(exc.value)
    assert _stored(db) == (0, 0)


def test_a_repeated_line_is_refused_and_a_conflicting_one_too(db: Database, tmp_path: Path) -> None:
    # Probe 8: one line repeated stored 206 instead of 103; a conflicting duplicate 153.
    with db.session() as s, pytest.raises(ImportRejected, match="duplicate of line 2") as exc:
        import_glotip(s, SYSTEM, _glotip(tmp_path, [ALB_2019, LINES[5], ALB_2019]))
    assert exc.value.problems[0].line == 4
    conflicting = ALB_2019.replace(",Counts,103,", ",Counts,50,")
    with db.session() as s, pytest.raises(ImportRejected, match="conflicting duplicate of line 2 \\('103' there\\)"):
        import_glotip(s, SYSTEM, _glotip(tmp_path, [ALB_2019, conflicting]))
    assert _stored(db) == (0, 0)
    with db.session() as s:
        import_glotip(s, SYSTEM, _glotip(tmp_path, [ALB_2019]))
    assert _alb_total(db) == 103


def test_the_real_file_still_imports_and_its_folded_rows_are_named(db: Database) -> None:
    # UNODC repeats keys only where it folds categories ("Other forms of exploitation", sex rows of the total).
    with db.session() as s:
        report = import_glotip(s, SYSTEM, GLOTIP)
    summed = [w for w in report.warnings if "sum of several rows" in w]
    assert len(summed) == 1 and "lines " in summed[0] and report.observations > 40_000
    assert _alb_total(db) == 103


def test_junk_under_a_glotip_header_is_refused_and_takes_no_key(db: Database, tmp_path: Path) -> None:
    # Probe 9: random letters imported with exit 0, created an empty source `unodc-glotip`; through the
    # API NL-POL squatted the key and UNODC's own import was then refused.
    with db.session() as s:
        accounts.create_organisation(s, SYSTEM, name="Dutch police", short_name="NL-POL", org_type="police", country="NLD")
        accounts.create_organisation(s, SYSTEM, name="UNODC", short_name="UNODC", org_type="un_agency")
        for org in ("NL-POL", "UNODC"):
            accounts.create_user(s, SYSTEM, username=f"{org.lower()}-analyst", password="long-password-1",
                                 organisation=org, roles="analyst")
        nl = accounts.principal_for(accounts.get_user(s, "nl-pol-analyst"))
        unodc = accounts.principal_for(accounts.get_user(s, "unodc-analyst"))
    rng = random.Random(22)
    letters = ["".join(rng.choices(string.ascii_letters, k=120)) for _ in range(20_000)]
    with db.session() as s, pytest.raises(ImportRejected, match="fewer fields than its header"):
        import_glotip(s, nl, _glotip(tmp_path, letters, "junk.csv"))
    fields = [",".join("".join(rng.choices(string.ascii_uppercase, k=4)) for _ in range(13)) for _ in range(5_000)]
    with db.session() as s, pytest.raises(ImportRejected, match="yields no observation") as exc:
        import_glotip(s, nl, _glotip(tmp_path, fields, "junk.csv"))
    assert "no source was created" in str(exc.value) and "not a country" in str(exc.value)
    assert _stored(db) == (0, 0)
    with db.session() as s:
        report = import_glotip(s, unodc, _glotip(tmp_path, [ALB_2019, LINES[5]]))
    assert report.source_key == "unodc-glotip" and _alb_total(db) == 103
    with db.session() as s, pytest.raises(PermissionDenied, match="belongs to another organisation"):
        import_glotip(s, nl, _glotip(tmp_path, [ALB_2019]))


MAPPING = parse_mapping("""
source: {key: test-police, name: Test police, source_type: police, stage: detected, counting_unit: persons,
         legal_definition: national law}
columns: {period: year, value: count, country: country}
constants: {indicator: victims}
""")


def _mapped(db: Database, tmp_path: Path, body: str) -> object:
    path = tmp_path / "counts.csv"
    path.write_text("agency,country,year,count\n" + body)
    with db.session() as s:
        return import_mapped(s, SYSTEM, path, MAPPING)


@pytest.mark.parametrize("value", ["inf", "1e400", "9" * 400])
def test_a_mapped_csv_with_an_infinite_value_is_refused(db: Database, tmp_path: Path, value: str) -> None:
    with pytest.raises(ImportRejected, match="not a finite number") as exc:
        _mapped(db, tmp_path, f"a,NLD,2022,5\nb,NLD,2021,{value}\n")
    assert exc.value.problems[0].line == 3 and exc.value.problems[0].value == value
    assert _stored(db) == (0, 0)


def test_mapped_rows_are_summed_with_a_warning_that_names_them(db: Database, tmp_path: Path) -> None:
    # The mapped format documents that rows mapping to one cell are summed (agencies to a national
    # total; the FBI file repeats whole rows): summed, and the report names the lines of each cell.
    report = _mapped(db, tmp_path, "a,NLD,2022,5\nb,NLD,2022,7\nb,NLD,2022,7\nc,NLD,2021,4\nd,NLD,2021,\n")
    warnings = " | ".join(report.warnings)  # type: ignore[attr-defined]
    assert "2 cell(s) are the sum of several rows" in warnings and "lines 2, 3, 4 -> victims NLD 2022" in warnings
    assert "1 summed cell(s) are unknown because a part of them is unknown" in warnings
    assert "lines 5, 6 -> victims NLD 2021" in warnings.split("unknown because")[1]
    with db.session(write=False) as s:
        values = dict(s.execute(select(Observation.period, Observation.value)).all())
    assert values == {"2022": 19, "2021": None}


def test_a_csv_named_xlsx_gets_a_clear_message(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "data_glotip.xlsx"
    path.write_text(HEADER + "\n" + ALB_2019 + "\n")
    with db.session() as s, pytest.raises(ImportRejected) as exc:
        import_file(s, SYSTEM, path, "unodc")
    assert "is not an Excel workbook" in str(exc.value) and "name it .csv" in str(exc.value)
    assert "engine" not in str(exc.value)


def test_the_api_refuses_infinity_and_exports_stay_valid_json(db: Database, tmp_path: Path) -> None:
    from tests.conftest import make_settings
    from tests.web_helpers import client_for

    two_org_world(db)
    world = db
    with world.session() as s:
        token = accounts.issue_token(s, SYSTEM, accounts.get_user(s, "a-analyst"), "t").token
    c = client_for(make_settings(tmp_path, world), world)
    body = ('{"source": {"key": "api-inf", "name": "x", "source_type": "police", "stage": "detected", '
            '"counting_unit": "persons", "legal_definition": "x"}, "observations": [{"indicator": "victims", '
            '"country": "NLD", "period": "2022", "value": %s}]}')
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    for value in ("Infinity", "-Infinity", "NaN", "1e400"):
        r = c.post("/api/v1/statistics/observations", content=body % value, headers=headers)
        assert r.status_code == 422, (value, r.text)
    assert _stored(world)[0] == 0
    assert c.post("/api/v1/statistics/observations", content=body % "12", headers=headers).status_code == 201
    export = c.get("/api/v1/statistics/export?format=json", headers=headers)

    def refuse(constant: str) -> None:
        raise AssertionError(f"invalid JSON constant {constant}")

    assert json.loads(export.text, parse_constant=refuse)


def test_a_broken_category_map_is_named_by_line_and_column(db: Database, tmp_path: Path) -> None:
    # Probe 10: a broken edited category map gave a garbled multi-line YAML error.
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "unodc-glotip.yaml").write_text("maps:\n  sex: {Female: female\n  age_group: [1,\n")
    with db.session() as s, pytest.raises(PalermoError) as exc:
        import_glotip(s, SYSTEM, _glotip(tmp_path, [ALB_2019]), mappings_dir=maps)
    message = exc.value.message
    assert "unodc-glotip.yaml cannot be read: line 3, column 12: expected ',' or '}'" in message, message
    assert "<unicode string>" not in message and "\n" not in message
    assert _stored(db) == (0, 0)

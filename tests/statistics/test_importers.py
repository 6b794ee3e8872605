"""Importers on the real public files and on bad input: atomic, every problem reported, vintages side by side."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ImportRejected
from palermo.settings import Settings
from palermo.statistics.divergence import explain
from palermo.statistics.importers import import_ctdc, import_eurostat_tsv, import_glotip, import_mapped, load_mapping
from palermo.statistics.models import Observation, Source
from palermo.statistics.query import find_observations
from tests.conftest import EXTERNAL

DATA = Path(__file__).parents[1] / "data" / "statistics"
SYSTEM = Principal.system()


def _count(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(Observation)).scalar() or 0)


def test_glotip_two_releases_side_by_side_with_a_revision(db: Database) -> None:
    with db.session() as s:
        new = import_glotip(s, SYSTEM, EXTERNAL / "unodc-glotip" / "data_glotip_release_2025-04-14.csv")
    with db.session() as s:
        old = import_glotip(s, SYSTEM, EXTERNAL / "unodc-glotip" / "data_glotip_release_2023-05-30.xlsx")
    assert (new.vintage, old.vintage) == ("2025-04-14", "2023-05-30")
    assert new.observations > 40_000 and old.observations > 30_000
    assert any("country of repatriation" in k for k in new.skipped) and any("regional" in k for k in old.skipped)
    with db.session(write=False) as s:
        vintages = s.execute(select(Source.vintage).where(Source.key == "unodc-glotip")).scalars().all()
        assert sorted(vintages) == ["2023-05-30", "2025-04-14"]
        nld = find_observations(s, SYSTEM, country="NLD", indicator="victims", period="2019")
        censored = [o for o in find_observations(s, SYSTEM, country="ALB", indicator="victims") if "censored" in o.flags]
        pairs = explain(s, SYSTEM, country="NLD", year="2019")
    assert {o.source_vintage for o in nld} == {"2025-04-14"}  # latest vintage by default
    single = [o for o in censored if not o.mapping.startswith("sum of")]
    summed = [o for o in censored if o.mapping.startswith("sum of")]
    assert single and all(o.value is None and o.lower == 0 and o.upper == 4 for o in single)  # never 0 or 5
    assert summed and all(o.value is None and o.lower is not None and o.lower < o.upper for o in summed)  # intervals add up
    [pair] = pairs
    assert pair.revision and pair.verdict == "different data"
    assert "revision" in pair.evidence[0]


def test_generic_csv_with_mapping_on_fbi_police_counts(db: Database) -> None:
    strict = load_mapping(DATA / "fbi_mapping.yaml")
    del strict["negative_values"]
    with db.session() as s, pytest.raises(ImportRejected) as info:  # the real file has a negative correction row
        import_mapped(s, SYSTEM, EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv", strict)
    assert [(p.line, p.reason) for p in info.value.problems] == [(1952, "negative count")]
    with db.session() as s:
        r = import_mapped(s, SYSTEM, EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv",
                          load_mapping(DATA / "fbi_mapping.yaml"))
    with db.session(write=False) as s:
        obs = find_observations(s, SYSTEM, country="USA", indicator="offences")
    assert r.rows_read == 4417
    assert sum(o.value or 0 for o in obs) == 9599  # every actual offence, agencies summed to national cells
    assert {o.exploitation for o in obs} == {"sexual", "labour"} and {o.period for o in obs} == {str(y) for y in range(2013, 2021)}
    assert all("sum of" in o.mapping for o in obs if o.period == "2019")


def test_ctdc_victim_records_are_counted(db: Database) -> None:
    with db.session() as s:
        r = import_ctdc(s, SYSTEM, EXTERNAL / "ctdc" / "CTDC_global_dataset_2020-04-14_excerpt.csv")
    with db.session(write=False) as s:
        usa = find_observations(s, SYSTEM, country="USA", indicator="victims", period="2016")
    total = next(o for o in usa if (o.sex, o.age_group, o.exploitation) == ("total", "total", "total"))
    assert r.rows_read == 56 and total.value == 46 and total.stage == "identified"


def test_eurostat_tsv_keeps_flags_and_unknown(db: Database) -> None:
    with db.session() as s:
        import_eurostat_tsv(s, SYSTEM, DATA / "crim_thb_vict.tsv")
    with db.session(write=False) as s:
        nl = {(o.indicator, o.sex, o.period): o for o in find_observations(s, SYSTEM, country="NLD")}
        it = {(o.age_group, o.period): o for o in find_observations(s, SYSTEM, country="ITA")}
    assert nl[("victims", "total", "2021")].flags == {"provisional"} and nl[("victims", "total", "2021")].value == 1017
    assert nl[("victims", "total", "2022")].value is None  # ':' is unknown, not zero
    assert it[("total", "2022")].value == 0  # a published 0 is a known zero
    assert it[("child", "2020")].flags == {"estimated"}
    assert nl[("convicted", "total", "2022")].flags == {"confidential"} and nl[("convicted", "total", "2022")].value is None
    assert ("victims", "total", "2020") in nl and not any(o == "EU" for o in nl)  # EU aggregate not imported


@pytest.mark.parametrize("content, reasons", [
    ("freq,leg_stat,geo\\TIME_PERIOD\t2020 \nA,VICT,XX\t5 \nA,VICT,NL\tten \nA,VICT,NL\t-3 \n", {"geo", "2020", "value"}),
    ("not,a,eurostat,file\n1,2,3,4\n", {None}),
])
def test_bad_files_are_refused_whole_with_every_problem(db: Database, tmp_path: Path, content: str, reasons: set[str | None]) -> None:
    f = tmp_path / "bad.tsv"
    f.write_text(content)
    with db.session() as s, pytest.raises(ImportRejected) as info:
        import_eurostat_tsv(s, SYSTEM, f)
    assert {p.field for p in info.value.problems} >= reasons
    assert _count(db) == 0


def test_generic_import_reports_every_bad_row_and_stores_nothing(db: Database, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("year,cc,n,sex\n2020,NLD,12,F\n2020,Atlantis,5,F\n2021,NLD,-4,F\n2021,NLD,abc,F\n2020,NLD,7,X\n")
    m = {"source": {"key": "x", "name": "x", "source_type": "police", "stage": "detected", "counting_unit": "persons",
                    "legal_definition": "national"},
         "columns": {"period": "year", "country": "cc", "value": "n", "sex": "sex"}, "constants": {"indicator": "victims"},
         "values": {"sex": {"F": "female"}}}
    with db.session() as s, pytest.raises(ImportRejected) as info:
        import_mapped(s, SYSTEM, f, m)
    assert sorted((p.line, p.field) for p in info.value.problems) == [(3, "country"), (4, "value"), (5, "n"), (6, "sex")]
    assert _count(db) == 0
    wrong_shape = tmp_path / "shape.csv"
    wrong_shape.write_text("a,b\n1,2\n")
    with db.session() as s, pytest.raises(ImportRejected, match="column"):
        import_mapped(s, SYSTEM, wrong_shape, m)


def test_inconsistent_breakdowns_are_imported_flagged_and_reported(db: Database, tmp_path: Path) -> None:
    f = tmp_path / "gap.csv"
    f.write_text("year,sex,n\n2020,T,100\n2020,F,50\n2020,M,30\n")
    m = {"source": {"key": "gap", "name": "gap", "source_type": "police", "stage": "detected", "counting_unit": "persons",
                    "legal_definition": "national"},
         "columns": {"period": "year", "value": "n", "sex": "sex"}, "constants": {"indicator": "victims", "country": "NLD"},
         "values": {"sex": {"T": "total", "F": "female", "M": "male"}}}
    with db.session() as s:
        r = import_mapped(s, SYSTEM, f, m)
    assert r.observations == 3 and any("gap 20" in w for w in r.warnings)
    with db.session(write=False) as s:
        parts = [o for o in find_observations(s, SYSTEM, country="NLD") if o.sex != "total"]
    assert all("inconsistent" in o.flags for o in parts)


def test_generic_xlsx_with_mapping_gives_the_same_cells_as_the_csv(db: Database, tmp_path: Path) -> None:
    import pandas as pd

    csv_file = EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv"
    xlsx = tmp_path / "HT_2013-2020.xlsx"
    pd.read_csv(csv_file, dtype=str).to_excel(xlsx, index=False)
    mapping = load_mapping(DATA / "fbi_mapping.yaml")
    with db.session() as s:
        from_xlsx = import_mapped(s, SYSTEM, xlsx, {**mapping, "source": {**mapping["source"], "key": "fbi-xlsx"}})
        from_csv = import_mapped(s, SYSTEM, csv_file, mapping)
    assert from_xlsx.rows_read == from_csv.rows_read == 4417 and from_xlsx.observations == from_csv.observations
    with db.session(write=False) as s:
        obs = find_observations(s, SYSTEM, country="USA", indicator="offences")
    cells = {k: {(o.period, o.exploitation): o.value for o in obs if o.source_key == k} for k in ("fbi-xlsx", mapping["source"]["key"])}
    assert cells["fbi-xlsx"] == cells[mapping["source"]["key"]] and len(cells["fbi-xlsx"]) == 16
    strict = {**mapping, "source": {**mapping["source"], "key": "fbi-strict"}}
    del strict["negative_values"]
    with db.session() as s, pytest.raises(ImportRejected) as info:  # line numbers are the spreadsheet's rows
        import_mapped(s, SYSTEM, xlsx, strict)
    assert [(p.line, p.reason) for p in info.value.problems] == [(1952, "negative count")]


def test_category_maps_ship_as_valid_data_and_an_edited_copy_takes_over(db: Database, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from palermo.errors import ConfigurationError
    from palermo.statistics import category_maps

    assert category_maps.available() == ["eurostat-crim-thb", "iom-ctdc", "unodc-glotip"]
    for name in category_maps.available():
        assert category_maps.load(name).maps  # every shipped map validates against the code lists
    edited = tmp_path / "maps"
    edited.mkdir()
    text = (category_maps.SHIPPED / "eurostat-crim-thb.yaml").read_text()
    (edited / "eurostat-crim-thb.yaml").write_text(text.replace("{T: total, F: female, M: male", "{T: total, F: other, M: male"))
    monkeypatch.setenv("PALERMO_MAPPINGS_DIR", str(edited))
    edited_dir = Settings().mappings_dir  # read at start-up by the faces, passed down to the importers
    assert edited_dir == edited
    assert category_maps.path_of("eurostat-crim-thb") == category_maps.SHIPPED / "eurostat-crim-thb.yaml"
    assert category_maps.path_of("eurostat-crim-thb", edited_dir) == edited / "eurostat-crim-thb.yaml"
    with db.session() as s:
        import_eurostat_tsv(s, SYSTEM, DATA / "crim_thb_vict.tsv", mappings_dir=edited_dir)
    with db.session(write=False) as s:
        sexes = {o.sex for o in find_observations(s, SYSTEM, country="NLD", indicator="victims")}
    assert "other" in sexes and "female" not in sexes
    (edited / "eurostat-crim-thb.yaml").write_text(text.replace("{T: total, F: female", "{T: total, F: woman"))
    before = _count(db)
    with pytest.raises(ConfigurationError, match=r"sex: 'F' maps to 'woman'"), db.session() as s:
        import_eurostat_tsv(s, SYSTEM, DATA / "crim_thb_vict.tsv", key="other-key", mappings_dir=edited_dir)
    assert _count(db) == before

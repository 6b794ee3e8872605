"""Comparability by rule, divergence verdicts, disclosure control with complementary suppression, SDMX round trip."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.statistics.comparability import check, share
from palermo.statistics.disclosure import Cell, protect
from palermo.statistics.divergence import explain
from palermo.statistics.exports import export, rows_for_export, structure
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
from palermo.statistics.models import Source

SYSTEM = Principal.system()


def _o(**kw):  # type: ignore[no-untyped-def]
    base = dict(indicator="victims", stage="detected", counting_unit="persons", legal_definition="national",
                coverage="national", period="2022")
    return SimpleNamespace(**{**base, **kw})


@pytest.mark.parametrize("other, aspect", [
    (dict(stage="identified"), "stage"), (dict(counting_unit="cases"), "unit"), (dict(legal_definition="palermo"), "definition"),
    (dict(coverage="partial"), "coverage"), (dict(period="2021"), "period"), (dict(indicator="convicted"), "stage"),
])
def test_each_refusal_reason(other: dict[str, str], aspect: str) -> None:
    verdict = check([_o()], [_o(**other)], "sum")
    assert not verdict.allowed and [a for a, _ in verdict.reasons] == [aspect]


def test_division_may_cross_stages_but_not_units() -> None:
    assert check([_o(indicator="convicted")], [_o(indicator="prosecuted")], "divide").allowed
    assert not check([_o(indicator="convicted")], [_o(indicator="prosecuted", counting_unit="cases")], "divide").allowed
    assert check([_o()], [_o()], "compare").allowed


def test_shares_come_with_counts_and_small_ones_are_flagged() -> None:
    assert str(share(1, 1)) == "1 of 1 (100%) — based on fewer than 20, unreliable"
    assert str(share(250, 1000)) == "250 of 1,000 (25%)" and not share(250, 1000).small


def _source(db: Database, key: str, stage: str, definition: str, values: dict[tuple[str, str], float | None],
            vintage: str = "1", public: bool = True) -> None:
    obs = [ObservationSpec("victims", "NLD", "2022", sex=sex, exploitation=ex, value=v) for (sex, ex), v in values.items()]
    with db.session() as s:
        record_observations(s, SYSTEM, SourceSpec(key, key, "police", stage, "persons", definition, vintage=vintage,
                                                  public=public), obs)


def test_divergence_verdicts(db: Database) -> None:
    _source(db, "police", "detected", "national", {("total", "total"): 100, ("female", "total"): 70})
    _source(db, "police-copy", "detected", "national", {("total", "total"): 100, ("female", "total"): 70})
    _source(db, "ngo", "assisted", "palermo", {("total", "total"): 100})
    _source(db, "rapporteur", "registered", "national", {("total", "total"): 140, ("female", "total"): 90})
    _source(db, "police", "detected", "national", {("total", "total"): 112, ("female", "total"): 70}, vintage="2")
    with db.session(write=False) as s:
        verdicts = {(p.source_a, p.source_b): p for p in explain(s, SYSTEM, country="NLD", year="2022")}
    assert verdicts[("police-copy@1", "police@1")].verdict == "consistent"
    assert verdicts[("ngo@1", "police@1")].verdict == "different concepts"  # same total, other stage and definition
    assert verdicts[("police@1", "rapporteur@1")].verdict == "both"
    revision = verdicts[("police@1", "police@2")]
    assert revision.verdict == "different data" and revision.revision and "12" in revision.data_difference


def test_primary_and_complementary_suppression() -> None:
    def cell(sex: str, v: float) -> Cell:
        return Cell("victims", "NLD", "2022", sex, "total", "total", "total", v)

    out = {c.sex: c for c in protect([cell("total", 50), cell("female", 3), cell("male", 40), cell("unknown", 7)], 5)}
    assert out["female"].suppressed and out["female"].value is None and "suppressed" in out["female"].flags
    # female could be recomputed as 50 - 40 - 7: one more cell (the smallest remaining part) is hidden too
    assert out["unknown"].suppressed and not out["male"].suppressed and out["total"].value == 50
    none = protect([cell("total", 50), cell("female", 20), cell("male", 30)], 5)
    assert not any(c.suppressed for c in none)


def test_public_export_suppresses_internal_view_does_not(db: Database) -> None:
    _source(db, "police", "detected", "national", {("total", "total"): 50, ("female", "total"): 3, ("male", "total"): 47})
    _source(db, "secret", "detected", "national", {("total", "total"): 9}, public=False)
    with db.session(write=False) as s:
        public = rows_for_export(s, SYSTEM, public=True, threshold=5)
        internal = rows_for_export(s, SYSTEM, public=False, threshold=5)
    assert {r["source"] for r in public} == {"police"}
    pub = {r["sex"]: r for r in public}
    assert pub["female"]["value"] is None and pub["male"]["value"] is None and pub["total"]["value"] == 50
    assert {r["sex"]: r["value"] for r in internal if r["source"] == "police"} == {"total": 50, "female": 3, "male": 47}


def test_sdmx_round_trip_keeps_values_and_flags(db: Database, tmp_path: Path) -> None:
    import sdmx

    obs = [ObservationSpec("victims", "NLD", "2022", value=120.0, flags={"provisional"}),
           ObservationSpec("victims", "NLD", "2022", sex="female", value=None),
           ObservationSpec("victims", "NLD", "2022", sex="male", value=0.0),
           ObservationSpec("victims", "NLD", "2022", exploitation="organs", value=None, lower=0, upper=4, flags={"censored"})]
    with db.session() as s:
        record_observations(s, SYSTEM, SourceSpec("p", "p", "police", "detected", "persons", "national"), obs)
        rows = rows_for_export(s, SYSTEM, public=False, threshold=5)
    out = tmp_path / "x.xml"
    export(rows, "sdmx-ml", out)
    msg = sdmx.read_sdmx(out, structure=structure())
    back = {(o.dimension["SEX"].value, o.dimension["EXPLOITATION"].value):
            (None if o.value is None else float(o.value), {k: v.value for k, v in o.attached_attribute.items()})
            for o in msg.data[0].obs}
    assert back[("TOTAL", "TOTAL")][0] == 120 and back[("TOTAL", "TOTAL")][1]["OBS_STATUS"] == "P"
    assert back[("FEMALE", "TOTAL")][0] is None and back[("FEMALE", "TOTAL")][1]["OBS_STATUS"] == "L"  # unknown
    assert back[("MALE", "TOTAL")][0] == 0 and back[("MALE", "TOTAL")][1]["OBS_STATUS"] == "A"  # known zero
    organs = back[("TOTAL", "ORGANS")][1]
    assert float(organs["LOWER_BOUND"]) == 0 and float(organs["UPPER_BOUND"]) == 4 and organs["PALERMO_FLAGS"] == "censored"
    csv_out = tmp_path / "x.csv"
    export(rows, "sdmx-csv", csv_out)  # SDMX-CSV 2.0, read back by sdmx1 as well
    back_csv = {(o.dimension["SEX"].value, o.dimension["EXPLOITATION"].value):
                (None if o.value in (None, "") else float(o.value), {k: v.value for k, v in o.attached_attribute.items()})
                for o in sdmx.read_sdmx(csv_out, structure=structure()).data[0].obs}
    assert back_csv.keys() == back.keys()
    for key, (value, attrs) in back.items():
        assert back_csv[key][0] == value  # known zero stays 0, unknown stays empty
        assert back_csv[key][1]["OBS_STATUS"] == attrs["OBS_STATUS"]
        assert back_csv[key][1].get("PALERMO_FLAGS", "") == attrs.get("PALERMO_FLAGS", "")
    assert float(back_csv[("TOTAL", "ORGANS")][1]["LOWER_BOUND"]) == 0


def test_sdmx_ml_import_reads_back_what_was_exported(db: Database, tmp_path: Path) -> None:
    from palermo.statistics.importers import import_sdmx_ml
    from palermo.statistics.query import find_observations

    obs = [ObservationSpec("victims", "NLD", "2022", value=120.0, flags={"provisional"}),
           ObservationSpec("victims", "NLD", "2022", sex="female", value=None),
           ObservationSpec("victims", "NLD", "2022", sex="male", value=0.0),
           ObservationSpec("victims", "NLD", "2022", exploitation="organs", value=None, lower=0, upper=4, flags={"censored"}),
           ObservationSpec("convicted", "ITA", "2021", age_group="child", value=7.0, flags={"estimated"})]
    with db.session() as s:
        record_observations(s, SYSTEM, SourceSpec("p", "p", "police", "detected", "persons", "national"), obs)
        rows = rows_for_export(s, SYSTEM, public=False, threshold=5)
    out = tmp_path / "x.xml"
    export(rows, "sdmx-ml", out)
    with db.session() as s:
        report = import_sdmx_ml(s, SYSTEM, out, source=SourceSpec("back", "back", "police", "detected", "persons", "national"))
        assert report.observations == 5
        found = find_observations(s, SYSTEM)

    def cells(key: str) -> dict[tuple[str, ...], tuple[float | None, float | None, float | None, frozenset[str]]]:
        return {(o.indicator, o.country, o.period, o.sex, o.age_group, o.exploitation): (o.value, o.lower, o.upper, frozenset(o.flags))
                for o in found if o.source_key == key}

    assert cells("back") == cells("p")
    assert cells("back")[("victims", "NLD", "2022", "female", "total", "total")][0] is None  # unknown stays unknown
    assert cells("back")[("victims", "NLD", "2022", "male", "total", "total")][0] == 0  # known zero stays zero


def test_sdmx_ml_generic_message_with_eurostat_dimensions(db: Database, tmp_path: Path) -> None:
    import sdmx
    from sdmx import message
    from sdmx.model import common
    from sdmx.model import v21 as m

    from palermo.statistics.importers import import_sdmx_ml
    from palermo.statistics.query import find_observations

    dsd = m.DataStructureDefinition(id="CRIM_THB", maintainer=common.Agency(id="ESTAT"), version="1.0")
    for i, d in enumerate(["leg_stat", "sex", "geo", "TIME_PERIOD"]):
        dsd.dimensions.getdefault(d, order=i)
    dsd.measures.getdefault("OBS_VALUE")
    dsd.attributes.getdefault("OBS_STATUS", related_to=m.PrimaryMeasureRelationship())
    ds = m.GenericDataSet(structured_by=dsd)
    values = [("VICT", "F", "EL", "2021", 35, None), ("VICT", "T", "EL", "2021", 50, "P"), ("CONV", "T", "DE", "2021", 12, None)]
    ds.add_obs([m.Observation(dimension=dsd.make_key(common.Key, dict(zip(["leg_stat", "sex", "geo", "TIME_PERIOD"], v[:4]))),
                              value=v[4], value_for=dsd.measures[0],
                              attached_attribute={"OBS_STATUS": common.AttributeValue(
                                  value=v[5], value_for=dsd.attributes.get("OBS_STATUS"))}
                              if v[5] else {}) for v in values])
    out = tmp_path / "estat.xml"
    out.write_bytes(sdmx.to_xml(message.DataMessage(data=[ds], header=message.Header(id="T", sender=common.Agency(id="ESTAT")))))
    with db.session() as s:
        import_sdmx_ml(s, SYSTEM, out,
                       source=SourceSpec("estat", "Eurostat", "international_records", "registered", "persons", "eu_directive"))
        got = {(o.indicator, o.country, o.sex): (o.value, set(o.flags)) for o in find_observations(s, SYSTEM)}
    assert got == {("victims", "GRC", "female"): (35.0, set()), ("victims", "GRC", "total"): (50.0, {"provisional"}),
                   ("convicted", "DEU", "total"): (12.0, set())}


def test_sdmx_ml_import_refuses_a_file_that_is_not_sdmx(db: Database, tmp_path: Path) -> None:
    from palermo.errors import ImportRejected
    from palermo.statistics.importers import import_sdmx_ml

    bad = tmp_path / "bad.xml"
    bad.write_text("<html><body>not sdmx</body></html>")
    with pytest.raises(ImportRejected, match="not an SDMX-ML data message"), db.session() as s:
        import_sdmx_ml(s, SYSTEM, bad, source=SourceSpec("x", "x", "police", "detected", "persons", "national"))
    with db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Source)).scalar() == 0

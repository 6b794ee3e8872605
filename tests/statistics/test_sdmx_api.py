"""The SDMX REST API read by a real SDMX client: sdmx1's Client against a running Palermo server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sdmx
from lxml import etree

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
from palermo.statistics.models import Observation, Source
from tests.conftest import make_settings
from tests.web.conftest import LiveServer, serve
from tests.web_helpers import client_for

SYSTEM = Principal.system()
NS = {"mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
      "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"}


def publish(db: Database) -> None:
    """A public police source for DOM and NLD (small cells among them), and an internal one that must never show."""
    with db.session() as s:
        accounts.create_organisation(s, SYSTEM, name="Police DOM", short_name="DOM-POL", org_type="police", country="DOM")
        org = accounts.get_organisation(s, "DOM-POL").id
        police = SourceSpec("dom-police", "Policía Nacional, víctimas detectadas", "police", "detected", "persons",
                            "national", owner_org_id=org, public=True)
        obs = []
        for year, total, female, male in (("2019", 40, 31, 9), ("2020", 57, 54, 3), ("2021", 12, None, None)):
            obs.append(ObservationSpec("victims", "DOM", year, value=total, flags={"provisional"} if year == "2021" else set()))
            if female is not None:
                obs += [ObservationSpec("victims", "DOM", year, sex="female", value=female),
                        ObservationSpec("victims", "DOM", year, sex="male", value=male)]
        obs += [ObservationSpec("victims", "DOM", "2020", exploitation="sexual", value=50),
                ObservationSpec("victims", "DOM", "2020", exploitation="labour", value=7),
                ObservationSpec("victims", "DOM", "2020", exploitation="organs", value=None, lower=0, upper=4, flags={"censored"}),
                ObservationSpec("victims", "DOM", "2020", age_group="child", value=0),
                ObservationSpec("victims", "DOM", "2020", citizenship="foreign", value=None),
                ObservationSpec("convicted", "DOM", "2020", value=9),
                ObservationSpec("victims", "NLD", "2020", value=1000)]
        record_observations(s, SYSTEM, police, obs)
        internal = SourceSpec("dom-internal", "Internal case counts", "police", "identified", "persons", "national",
                              owner_org_id=org, public=False)
        record_observations(s, SYSTEM, internal, [ObservationSpec("victims", "DOM", "2020", value=4242)])


@pytest.fixture
def server(sqlite_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    publish(sqlite_db)
    yield from serve(make_settings(tmp_path, sqlite_db), sqlite_db)


@pytest.fixture
def client(server: LiveServer) -> sdmx.Client:
    sdmx.add_source({"id": "PALERMO", "url": f"{server.url}/sdmx/rest", "name": "Palermo"}, override=True)
    return sdmx.Client("PALERMO")


def stored(db: Database) -> dict[tuple[str, ...], Observation]:
    with db.session(write=False) as s:
        rows = s.query(Observation).join(Source).filter(Source.key == "dom-police").all()
        return {(o.indicator.upper(), o.country, o.period, o.sex.upper(), o.age_group.upper(), o.citizenship.upper(),
                 o.exploitation.upper()): o for o in rows}


def test_sdmx1_client_reads_dataflows_dsd_and_a_keyed_query(client: sdmx.Client, server: LiveServer) -> None:
    flows = client.dataflow()
    assert list(flows.dataflow) == ["THB"]
    dsd = client.datastructure("PALERMO_THB", params={"references": "children"}).structure["PALERMO_THB"]
    assert [d.id for d in dsd.dimensions] == ["SOURCE", "INDICATOR", "STAGE", "REF_AREA", "SEX", "AGE", "CITIZENSHIP",
                                              "EXPLOITATION", "TIME_PERIOD"]
    sources = dsd.dimensions.get("SOURCE").local_representation.enumerated
    assert {c.id for c in sources} == {"dom-police"}  # the internal source is not even named
    assert str(dsd.dimensions.get("REF_AREA").local_representation.enumerated["DOM"].name) == "Dominican Republic"

    # A dict key: sdmx1 fetches the flow with its DSD, validates the key against the code lists, then queries.
    msg = client.data("THB", key={"REF_AREA": "DOM"}, params={"startPeriod": "2020", "endPeriod": "2020"})
    got = {tuple(o.key.values[d].value for d in ("INDICATOR", "REF_AREA", "TIME_PERIOD", "SEX", "AGE", "CITIZENSHIP", "EXPLOITATION")):
           o for ds in msg.data for o in ds.obs}
    db = stored(server.db)
    expected = {k: o for k, o in db.items() if k[1] == "DOM" and k[2] == "2020"}
    assert set(got) == set(expected)
    for k, obs in got.items():
        o = expected[k]
        attrs = {a: str(v.value) for a, v in obs.attached_attribute.items()}
        status = attrs["OBS_STATUS"]
        if status == "Q":  # suppressed: no value and confidential, whatever was stored
            assert obs.value in (None, "") and attrs["CONF_STATUS"] == "C"
            continue
        assert attrs["CONF_STATUS"] == "F"
        if o.value is None and o.lower is None:
            assert status == "L" and obs.value in (None, "")  # unknown, not zero
        elif o.value is None:  # censored: the interval, never a number
            assert obs.value in (None, "") and (float(attrs["LOWER_BOUND"]), float(attrs["UPPER_BOUND"])) == (o.lower, o.upper)
            assert "censored" in attrs["PALERMO_FLAGS"]
        else:
            assert float(obs.value) == o.value and status == "A"
    # Small cells: male 3 (primary) and the censored organ cell are hidden; so are enough others that no total
    # and its breakdown leave a single suppressed cell (complementary suppression).
    assert got[("VICTIMS", "DOM", "2020", "MALE", "TOTAL", "TOTAL", "TOTAL")].attached_attribute["OBS_STATUS"].value == "Q"
    assert got[("VICTIMS", "DOM", "2020", "FEMALE", "TOTAL", "TOTAL", "TOTAL")].attached_attribute["OBS_STATUS"].value == "Q"
    assert got[("VICTIMS", "DOM", "2020", "TOTAL", "CHILD", "TOTAL", "TOTAL")].value == "0"  # a known zero stays 0


def test_flags_and_other_formats_from_the_same_query(client: sdmx.Client, server: LiveServer) -> None:
    base = f"{server.url}/sdmx/rest/data/THB/.VICTIMS..DOM...."
    provisional = client.data("THB", key=".VICTIMS..DOM.TOTAL.TOTAL.TOTAL.TOTAL", params={"startPeriod": "2021"})
    (obs,) = provisional.data[0].obs
    assert obs.attached_attribute["OBS_STATUS"].value == "P" and float(obs.value) == 12

    ss = requests.get(base, params={"startPeriod": "2019", "endPeriod": "2020"}, timeout=10)
    js = requests.get(base, params={"startPeriod": "2019", "endPeriod": "2020", "format": "jsondata"}, timeout=10)
    csv2 = requests.get(base, params={"startPeriod": "2019", "endPeriod": "2020"}, timeout=10,
                        headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"})
    assert ss.headers["content-type"].startswith("application/vnd.sdmx.structurespecificdata+xml")
    assert js.headers["content-type"].startswith("application/vnd.sdmx.data+json")
    dsd = client.datastructure("PALERMO_THB").structure["PALERMO_THB"]

    def table(msg: sdmx.message.DataMessage) -> dict[str, tuple[float | None, str]]:
        return {str(o.key): (None if o.value in (None, "") else float(o.value), str(o.attached_attribute["OBS_STATUS"].value))
                for o in msg.data[0].obs}

    import io

    xml_t = table(sdmx.read_sdmx(io.BytesIO(ss.content), structure=dsd))
    json_t = table(sdmx.read_sdmx(io.BytesIO(js.content), format="JSON"))
    csv_t = table(sdmx.read_sdmx(io.BytesIO(csv2.content), format="CSV", structure=dsd))
    assert len(xml_t) == 3 + 8 and xml_t == json_t == csv_t

    labelled = requests.get(base, params={"startPeriod": "2020", "endPeriod": "2020", "format": "csvdata", "labels": "both"},
                            timeout=10).text.splitlines()
    assert labelled[0].startswith("DATAFLOW,SOURCE: Source") and "REF_AREA: Reference area" in labelled[0]
    assert any("DOM: Dominican Republic" in line and "VICTIMS: Victims of trafficking in persons" in line for line in labelled[1:])
    assert any(",Q: Missing value; suppressed," in line for line in labelled[1:])


def test_the_api_never_serves_an_internal_source(client: sdmx.Client, server: LiveServer) -> None:
    body = requests.get(f"{server.url}/sdmx/rest/data/THB/all", params={"format": "csvdata"}, timeout=10).text
    assert "dom-internal" not in body and "4242" not in body
    r = requests.get(f"{server.url}/sdmx/rest/data/THB/dom-internal.......", timeout=10)
    assert r.status_code == 400 and "'dom-internal'" in r.text and "dom-police" in r.text  # unknown, like a code that never existed


@pytest.mark.parametrize(("path", "params", "accept", "status", "code", "says"), [
    ("data/NOPE/all", {}, None, 404, "100", "Palermo publishes PALERMO,THB,1.0"),
    ("data/OTHER,THB/all", {}, None, 404, "100", "no dataflow"),
    ("data/THB/...DOM...", {}, None, 400, "140", "has 7 part(s)"),
    ("data/THB/...XXX....", {}, None, 400, "150", "'XXX' not in code list CL_AREA"),
    ("data/THB/.VICTIMZ......", {}, None, 400, "150", "CL_INDICATOR"),
    ("data/THB/all", {"startPeriod": "2020-13"}, None, 400, "140", "startPeriod='2020-13' is not a period"),
    ("data/THB/all", {"endPeriod": "2020-02-30"}, None, 400, "140", "endPeriod"),
    ("data/THB/all", {"startPeriod": "2021", "endPeriod": "2019"}, None, 400, "150", "is after"),
    ("data/THB/all", {"dimensionAtObservation": "COLOUR"}, None, 400, "150", "not a dimension"),
    ("data/THB/all", {"startPeriod": "1990", "endPeriod": "1991"}, None, 404, "100", "no observations"),
    ("data/THB/all", {"format": "xlsx"}, None, 406, "1406", "format 'xlsx' is not offered"),
    ("data/THB/all", {}, "application/pdf", 406, "1406", "application/vnd.sdmx.structurespecificdata+xml"),
    ("data/THB/all", {"labels": "sideways"}, None, 400, "140", "labels=id or labels=both"),
    ("dataflow/ESTAT/all/latest", {}, None, 404, "100", "agency PALERMO"),
    ("codelist/PALERMO/CL_NOPE/latest", {}, None, 404, "100", "CL_SEX"),
    ("datastructure/PALERMO/PALERMO_THB/latest", {"references": "cousins"}, None, 400, "140", "references="),
    ("categoryscheme/all/all/latest", {}, None, 404, "100", "Palermo publishes dataflow"),
    ("codelist/all/all/latest", {}, "text/csv", 406, "1406", "application/vnd.sdmx.structure+xml"),
    ("registration/x", {}, None, 404, "100", "no registration here"),
    ("codelist/PALERMO/CL_SEX/1.0/TOTAL/more", {}, None, 404, "100", "no resource"),
])
def test_bad_queries_get_the_sdmx_error_message(sqlite_db: Database, tmp_path: Path, path: str, params: dict[str, str],
                                               accept: str | None, status: int, code: str, says: str) -> None:
    publish(sqlite_db)
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    r = c.get(f"/sdmx/rest/{path}", params=params, headers={"Accept": accept} if accept else {})
    assert r.status_code == status, r.text
    # SDMX-ML 2.1 (SDMXMessage.xsd): <message:Error><message:ErrorMessage code=…><common:Text>. sdmx1 2.28 reads
    # only its own footer form of errors, so the message is checked with XPath.
    root = etree.fromstring(r.content)
    (em,) = root.xpath("/mes:Error/mes:ErrorMessage", namespaces=NS)
    assert em.get("code") == code
    assert says in em.xpath("string(com:Text)", namespaces=NS)


def test_structure_references(sqlite_db: Database, tmp_path: Path) -> None:
    import io

    publish(sqlite_db)
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)

    def read(path: str, **params: str) -> sdmx.message.StructureMessage:
        r = c.get(f"/sdmx/rest/{path}", params=params)
        assert r.status_code == 200, r.text
        return sdmx.read_sdmx(io.BytesIO(r.content), format="XML")

    flow_only = read("dataflow/PALERMO/THB/latest", references="none")
    assert list(flow_only.dataflow) == ["THB"] and not flow_only.codelist
    assert flow_only.dataflow["THB"].structure.is_external_reference  # referenced, not included
    children = read("datastructure/PALERMO/PALERMO_THB/latest", references="children")
    assert set(children.codelist) >= {"CL_SOURCE", "CL_AREA", "CL_OBS_STATUS"} and list(children.concept_scheme) == ["CS_PALERMO"]
    assert not children.dataflow
    parents = read("codelist/PALERMO/CL_SEX/1.0", references="parents")
    assert [c for c, cl in parents.codelist.items() if not cl.is_external_reference] == ["CL_SEX"]
    assert list(parents.structure) == ["PALERMO_THB"]
    two = read("codelist/PALERMO/CL_SEX+CL_AGE")
    assert set(two.codelist) == {"CL_SEX", "CL_AGE"} and set(two.codelist["CL_AGE"].items) == {"TOTAL", "CHILD", "ADULT", "UNKNOWN"}
    concepts = read("conceptscheme")
    assert str(concepts.concept_scheme["CS_PALERMO"]["CONF_STATUS"].name) == "Confidentiality status"


def test_a_source_made_internal_leaves_the_api_at_once_and_etags_follow_the_data(sqlite_db: Database, tmp_path: Path) -> None:
    from palermo.statistics.publication import set_public

    publish(sqlite_db)
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    first = c.get("/sdmx/rest/data/THB/all", params={"format": "csvdata"})
    assert first.status_code == 200 and "dom-police" in first.text
    etag = first.headers["etag"]
    assert c.get("/sdmx/rest/data/THB/all", params={"format": "csvdata"}, headers={"If-None-Match": etag}).status_code == 304
    with sqlite_db.session() as s:
        set_public(s, SYSTEM, "dom-police", False)
    after = c.get("/sdmx/rest/data/THB/all", params={"format": "csvdata"}, headers={"If-None-Match": etag})
    assert after.status_code == 404 and "dom-police" not in after.text  # not served from the cached release
    flows = c.get("/sdmx/rest/codelist/PALERMO/CL_SOURCE")
    assert flows.status_code == 200 and b"dom-police" not in flows.content

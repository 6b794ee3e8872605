"""People's words on the web (issue 19, item 4): organisations by name with their code, themes by label,
counts as integers, "N more" between exact totals, and messages that link to the web page doing the job,
never a CLI command, a CLI flag, a docs/ path or the server's temporary path. The CLI keeps its wording."""

from __future__ import annotations

import ast
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.cli.common import CLI_STEPS, error_text
from palermo.coordination.codelists import theme_label
from palermo.coordination.models import Initiative
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.errors import Conflict, NextStep, NotFound, PalermoError, ValidationError
from palermo.estimation.estimate import bootstrap_method_for
from palermo.exchange.requests import file_request
from palermo.statistics.divergence import explain
from palermo.web.next_steps import WEB_STEPS, link_for
from palermo.web.templating import templates
from tests.conftest import make_settings
from tests.web_helpers import client_for, csrf, login

CLI_WORDS = re.compile(r"`palermo |palermo [a-z]+ [a-z]+ |--[a-z]|(?<!/api/)docs/[a-z]|/tmp/|palermo-upload")  # /api/docs: a page


def _client(db: Database, tmp_path: Path, user: str) -> TestClient:
    c = client_for(make_settings(tmp_path, db), db)
    login(c, user, DEMO_PASSWORD)
    return c


def _text(html: str) -> str:
    """What a reader sees: the page without tags (attributes and links hold codes legitimately)."""
    return unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)))


def test_the_route_finder_names_organisations_with_their_codes(sqlite_demo_db: Database, tmp_path: Path) -> None:
    with sqlite_demo_db.session(write=False) as s:
        names = {o.short_name: o.name for o in accounts.list_organisations(s)}
    page = _client(sqlite_demo_db, tmp_path, "nl.analyst").get(
        "/exchange/routes?from=NG-NAPTIP&to=EUROPOL&category=hit_no_hit&purpose=investigation").text
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    orgs = {v: unescape(t) for v, t in options if v in names}
    assert orgs["EUROPOL"] == f"{names['EUROPOL']} (EUROPOL)" and orgs["NG-NAPTIP"] == f"{names['NG-NAPTIP']} (NG-NAPTIP)"
    routes = unescape(page[page.index('id="routes"'):])
    assert f"{names['NG-NAPTIP']} (NG-NAPTIP) → {names['UK-NCA']} (UK-NCA)" in routes


def test_requests_name_both_organisations(sqlite_demo_db: Database, tmp_path: Path) -> None:
    with sqlite_demo_db.session(write=False) as s:
        europol = accounts.get_organisation(s, "EUROPOL").name
    inbox = unescape(_client(sqlite_demo_db, tmp_path, "nl.owner").get("/exchange/requests").text)
    assert f"<td>{europol} (EUROPOL)</td>" in inbox


def test_source_owners_are_named_with_their_code(sqlite_demo_db: Database, tmp_path: Path) -> None:
    with sqlite_demo_db.session(write=False) as s:
        police = accounts.get_organisation(s, "NL-POL").name
    page = unescape(_client(sqlite_demo_db, tmp_path, "nl.analyst").get("/statistics").text)
    assert f"<td>{police} (NL-POL)</td>" in page


def test_coordination_shows_theme_labels_not_their_keys(sqlite_demo_db: Database, tmp_path: Path) -> None:
    """The reported defect: themes as identifiers (`return_reintegration`) in the matrix, gaps and overlaps."""
    text = _text(_client(sqlite_demo_db, tmp_path, "nl.analyst").get("/coordination?on=2026-06-01").text)
    assert theme_label("return_reintegration") in text
    keys = re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert [k for k in keys if k in ("return_reintegration", "victim_identification", "referral_mechanisms")] == []


@pytest.mark.parametrize("value, shown", [(658.0, "658"), (1234.0, "1,234"), (1234, "1,234"), (12.5, "12.5"),
                                          (True, True), ("c", "c")])
def test_counts_are_shown_as_integers(value: object, shown: object) -> None:
    assert templates.env.filters["thousands"](value) == shown


def test_the_data_table_shows_no_count_with_a_decimal_point(sqlite_demo_db: Database, tmp_path: Path) -> None:
    page = _client(sqlite_demo_db, tmp_path, "nl.analyst").get("/statistics/data?per_page=200").text
    values = re.findall(r'<td class="num">([^<]*)</td>', page)
    assert values and not [v for v in values if re.fullmatch(r"[\d,]+\.0", v)]


def test_exact_totals_differ_by_n_more_and_censored_ones_by_at_least(demo_db: Database) -> None:
    with demo_db.session(write=False) as s:
        system = accounts.principal_for(accounts.get_user(s, "hub.admin"))
        pairs = [p for c in ("NLD", "ITA", "ESP", "GBR", "NGA") for y in ("2019", "2020", "2021", "2022", "2023")
                 for p in explain(s, system, country=c, year=y)]
    exact = [p for p in pairs if p.value_a and p.value_b and "–" not in p.value_a + p.value_b]
    differing = [p for p in exact if "consistent" not in p.data_difference and "no comparable" not in p.data_difference]
    assert differing, "the demo should hold two exact totals that differ"
    for p in differing:
        a, b = int(p.value_a.replace(",", "")), int(p.value_b.replace(",", ""))  # type: ignore[union-attr]
        assert p.data_difference.endswith(f"{abs(a - b):,} more in {p.source_a if a > b else p.source_b}")
        assert "at least" not in p.data_difference and ".0" not in p.data_difference
    for p in pairs:
        if "apart" in p.data_difference:
            assert "at least" in p.data_difference and "–" in (p.value_a or "") + (p.value_b or "")


def test_no_agreement_links_to_the_lawful_routes_page_and_the_cli_names_its_command(
        sqlite_demo_db: Database, tmp_path: Path) -> None:
    """The reported defect: the web said "Look for a lawful route with `palermo exchange routes`"."""
    c = _client(sqlite_demo_db, tmp_path, "nl.officer")
    r = c.post("/exchange/requests", data={"csrf_token": csrf(c), "owner": "MTX", "category": "personal_data_suspects",
                                           "purpose": "investigation", "justification": "needed for case NL-7",
                                           "case_reference": "NL-7", "data_wanted": "identity"})
    assert r.status_code == 403
    assert ('<a href="/exchange/routes?from=NL-POL&amp;to=MTX&amp;category=personal_data_suspects&amp;'
            'purpose=investigation">Look for a lawful route through intermediaries</a>') in r.text
    assert not CLI_WORDS.search(_text(r.text))
    # the page it links to answers the question asked
    assert c.get("/exchange/routes?from=NL-POL&to=MTX&category=personal_data_suspects&purpose=investigation").status_code == 200
    with sqlite_demo_db.session() as s, pytest.raises(PalermoError) as err:
        file_request(s, accounts.principal_for(accounts.get_user(s, "nl.officer")),
                     owner_org_id=accounts.get_organisation(s, "MTX").id, category="personal_data_suspects",
                     purpose="investigation", justification="j", case_reference="NL-8", data_wanted="identity")
    assert "`palermo exchange routes --from NL-POL --to MTX --category personal_data_suspects --purpose investigation`" \
        in error_text(err.value)
    assert err.value.to_dict()["details"]["next_step"] == {"action": "find_route", "from": "NL-POL", "to": "MTX",
                                                           "category": "personal_data_suspects", "purpose": "investigation"}


def test_unknown_objects_point_to_the_web_page_listing_them(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = _client(sqlite_demo_db, tmp_path, "nl.analyst")
    r = c.get("/exchange/agreements/NO-SUCH-AGREEMENT")
    assert r.status_code == 404 and '<a href="/exchange/agreements">See the agreements</a>' in r.text
    assert not CLI_WORDS.search(_text(r.text))
    routes = c.get("/exchange/routes?from=NOBODY&to=EUROPOL&category=hit_no_hit&purpose=investigation").text
    assert "no organisation &#39;NOBODY&#39;" in routes and not CLI_WORDS.search(_text(routes))
    # the CLI still says its own command
    assert error_text(NotFound("no organisation 'X'", next_step=NextStep("list_organisations"))) == \
        "no organisation 'X'; list them with `palermo orgs list` or add it with `palermo orgs add`"


def test_every_web_next_step_is_in_web_terms() -> None:
    for action in WEB_STEPS:
        step = link_for(NextStep(action, {"replicates": "200"}))
        assert step is not None and not CLI_WORDS.search(step[0]) and (step[1] is None or step[1].startswith("/"))


def test_estimation_advice_names_no_cli_flag() -> None:
    """The reported defect: "--bootstrap 1000" on the estimates page."""
    with pytest.raises(ValidationError) as err:
        bootstrap_method_for("bca", 0)
    assert not CLI_WORDS.search(err.value.message)
    web = link_for(err.value.next_step)
    assert web is not None and "200" in web[0] and "--" not in web[0]
    assert "--bootstrap 200" in error_text(err.value)  # the CLI's own wording
    source = (Path(__file__).parents[2] / "src/palermo/estimation/estimate.py").read_text()
    assert "--bootstrap 1000" not in source and "(--merge)" not in source


def test_the_mapping_hint_is_on_the_page_not_in_docs(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = _client(sqlite_demo_db, tmp_path, "nl.analyst")
    page = c.get("/statistics/data").text
    assert 'id="mapping-format"' in page and "docs/statistics.md" not in page
    r = c.post("/statistics/import", data={"fmt": "csv", "csrf_token": csrf(c)}, files={"file": ("x.csv", b"a,b\n1,2\n")})
    assert r.status_code == 422 and '<a href="/statistics/data#mapping-format">' in r.text
    assert not CLI_WORDS.search(_text(r.text))


def test_an_import_error_names_the_uploaded_file_not_the_servers_copy(sqlite_demo_db: Database, tmp_path: Path) -> None:
    """The reported defect: an import error showed `/tmp/palermo-upload-…/bad.csv`."""
    c = _client(sqlite_demo_db, tmp_path, "nl.analyst")
    r = c.post("/statistics/import", data={"fmt": "eurostat", "csrf_token": csrf(c)},
               files={"file": ("bad.tsv", b"not,a\teurostat file\n")})
    assert r.status_code == 422 and "bad.tsv is not a Eurostat TSV" in unescape(r.text)
    assert "/tmp" not in r.text and "palermo-upload" not in r.text
    api = c.post("/api/v1/statistics/import", headers={"X-CSRF-Token": csrf(c)}, data={"fmt": "eurostat"},
                 files={"file": ("bad.tsv", b"freq,leg_stat,geo\\TIME_PERIOD\t2020 \nA,VICT,XX\t5 \n")})
    assert api.status_code == 422 and "palermo-upload" not in api.text and "/tmp" not in api.text


def test_web_templates_and_routes_hold_no_cli_words() -> None:
    """Grep of the web face: no CLI command, flag, docs path or temporary path in what a page says, except the
    encoder that only runs at the agency (plaintext never reaches the hub, so there is no web page for it)."""
    web = Path(__file__).parents[2] / "src/palermo/web"
    found = []
    for f in [*web.glob("templates/**/*.html"), *web.glob("routes/*.py")]:
        for n, line in enumerate(f.read_text().splitlines(), 1):
            code = line.split("#")[0] if f.suffix == ".py" else re.sub(r"\{#.*?#\}", "", line)
            if f.suffix == ".py" and '"""' in line:
                continue
            if CLI_WORDS.search(code) and "palermo link encode" not in code:
                found.append(f"{f.name}:{n}")
    assert found == []


def test_an_unknown_theme_on_the_web_lists_the_themes_instead_of_a_cli_command(sqlite_demo_db: Database,
                                                                                tmp_path: Path) -> None:
    """A 3W sheet with a sub-theme nobody defined: the problem names every theme the sheet may use (the web
    has no page of themes to link to), not `palermo coord themes`; nothing is stored."""
    sheet = (Path(__file__).parents[1] / "data/coordination/3w.csv").read_text().splitlines()
    bad = "\n".join([*sheet[:2], sheet[2].replace("coastguard_training", "sea_patrols")]) + "\n"
    c = _client(sqlite_demo_db, tmp_path, "nl.analyst")
    with sqlite_demo_db.session() as s:
        before = s.scalar(select(func.count()).select_from(Initiative))
    r = c.post("/coordination/import", data={"fmt": "hxl", "csrf_token": csrf(c)},
               files={"file": ("3w.csv", bad.encode())})
    text = _text(r.text)
    assert r.status_code == 422 and "sea_patrols" in text and "unknown theme" in text
    assert "coastguard_training" in text and "return_reintegration" in text  # the sub-themes it may use
    assert not CLI_WORDS.search(text)
    with sqlite_demo_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Initiative)) == before


# Core messages that may name a command: the tools an agency runs on its own machine (no face of the hub
# can do it: the secret and the plaintext never reach it), and operations on the server itself.
CLI_ONLY = ("palermo link encode", "palermo link keygen", "palermo backup", "palermo db upgrade", "palermo serve")


def _message_strings(path: Path) -> list[tuple[int, str]]:
    """String literals of a module, without its docstrings (which speak to developers)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_core_messages_name_no_cli_command() -> None:
    """The reported defect: "merge with `palermo coord merge`", "list them with `palermo coord actors`", "see
    `palermo identify catalogue`" in core messages that the web and the API show too. The core says which step
    (``errors.NextStep``); each face words it."""
    src = Path(__file__).parents[2] / "src/palermo"
    found = [f"{f.relative_to(src)}:{n}: {text[:60]!r}" for f in sorted(src.rglob("*.py"))
             if f.relative_to(src).parts[0] not in ("cli", "web") and "migrations" not in f.parts
             for n, text in _message_strings(f)
             if re.search(r"`palermo [a-z]|palermo [a-z]+ [a-z]+ ", text) and not any(c in text for c in CLI_ONLY)]
    assert found == []


def test_every_next_step_is_worded_by_every_face() -> None:
    assert set(WEB_STEPS) == set(CLI_STEPS)


@pytest.mark.parametrize("error, cli, web", [
    (lambda: get_actor_in_empty_registry(), "list them with `palermo coord actors`", ("coordination map", "/coordination")),
    (lambda: bad_handbook(), "`palermo identify catalogue` lists the ids", ("indicators", "/identification")),
])
def test_registry_and_catalogue_errors_carry_a_next_step(error: Any, cli: str, web: tuple[str, str]) -> None:
    with pytest.raises(PalermoError) as err:
        error()
    assert not CLI_WORDS.search(err.value.message) and not any(CLI_WORDS.search(str(p)) for p in
                                                                getattr(err.value, "problems", ()))
    assert cli in error_text(err.value)  # the CLI names its command
    text, href = link_for(err.value.next_step) or ("", "")
    assert web[0] in text and href == web[1]  # the web links to its page
    assert err.value.to_dict()["details"]["next_step"]["action"] == err.value.next_step.action  # the API: the data


def get_actor_in_empty_registry() -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from palermo.coordination.actors import get_actor
    from palermo.coordination.models import Actor

    engine = create_engine("sqlite://")
    Actor.metadata.create_all(engine, tables=[Actor.__table__])  # type: ignore[list-item]
    with Session(engine) as s:
        get_actor(s, "Nobody at all")


def bad_handbook() -> None:
    from palermo.identification.catalogue import load_catalogue, parse_handbook

    cat = load_catalogue()
    parse_handbook({"handbook": {"key": "x", "title": "X", "publisher": "P", "year": 2020},
                    "mappings": [{"indicator": "NOPE", "wording": "w", "reference": "r"}]}, "x.yaml", cat.indicators)


def test_a_duplicate_actor_names_the_merge_per_face() -> None:
    err = Conflict("actor 'IOM' duplicates 'International Organization for Migration'",
                   next_step=NextStep("merge_actors", {"keep": "International Organization for Migration", "drop": "IOM"}))
    assert "`palermo coord merge 'International Organization for Migration' 'IOM'`" in error_text(err)
    text, href = link_for(err.next_step) or ("", "")
    assert href is None and "merge" in text and not CLI_WORDS.search(text)

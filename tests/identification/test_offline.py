"""The browser's evaluator gives the Python evaluator's results: on the scenario files (and their expected
results) and on random cases, run under node with the same bundle the offline form caches."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from palermo.identification.catalogue import load_catalogue
from palermo.identification.offline import offline_bundle
from palermo.identification.screening import screen

ROOT = Path(__file__).parents[2]
SCENARIOS = ROOT / "src" / "palermo" / "identification" / "data" / "scenarios"
EVALUATOR = ROOT / "src" / "palermo" / "web" / "static" / "identification" / "evaluate.js"
EXPECTED = {k: v for k, v in json.loads((SCENARIOS / "expected.json").read_text()).items() if not k.startswith("_")}
NODE = shutil.which("node") or shutil.which("nodejs")
RUNNER = """
const ev = require(process.argv[1]);
let input = ""; process.stdin.on("data", d => input += d);
process.stdin.on("end", () => { const {bundle, cases} = JSON.parse(input);
  process.stdout.write(JSON.stringify(cases.map(c => ev.evaluate(bundle, c)))); });
"""


def _in_node(cases: list[dict]) -> list[dict]:
    if NODE is None:
        pytest.fail("node is needed to test the browser evaluator (apt-get install nodejs)")
    payload = json.dumps({"bundle": offline_bundle(load_catalogue()), "cases": cases})
    out = subprocess.run([NODE, "-e", RUNNER, str(EVALUATOR)], input=payload, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _python(case: dict) -> dict:
    r = screen(case)
    return {"conclusion": r.conclusion, "trafficking_level": r.trafficking_level, "age_group": r.age_group,
            "smuggling": r.smuggling.assessment,
            "lists": {x.key: {"level": x.level, "positive": [d.number for d in x.dimensions if d.positive]} for x in r.lists}}


def test_scenarios_give_the_same_results_in_the_browser_evaluator() -> None:
    names = sorted(EXPECTED)
    results = _in_node([json.loads((SCENARIOS / f"{n}.json").read_text()) for n in names])
    for name, js in zip(names, results):
        assert js["ok"], (name, js)
        assert js["conclusion"] == EXPECTED[name]["conclusion"], name
        assert js["lists"] == EXPECTED[name]["lists"], name
        assert {k: js[k] for k in ("conclusion", "trafficking_level", "age_group", "smuggling", "lists")} == _python(
            json.loads((SCENARIOS / f"{name}.json").read_text())), name


def test_random_cases_give_identical_results() -> None:
    cat = load_catalogue()
    pairs = [(i, ph) for i in sorted(cat.indicators) for ph in cat.phases(i)]
    rng = random.Random(2026)
    tri = [True, False, None]
    cases = []
    for _ in range(400):
        chosen = rng.sample(pairs, rng.randint(0, 14))
        chosen = list({(i, ph): None for i, ph in chosen})
        journey = {k: rng.choice(tri) for k in ("irregular_crossing", "paid_for_crossing", "national_of_destination", "debt")}
        journey["crossed_border"] = True
        if journey["debt"] is not False:
            journey["debt_to"] = rng.choice(["facilitator", "employer", None])
        journey = {k: v for k, v in journey.items() if v is not None}
        cases.append({"age": rng.choice([rng.randint(0, 17), rng.randint(18, 80), "child", "adult"]),
                      "observed": [{"indicator": i, "phase": ph} for i, ph in chosen], "journey": journey})
    results = _in_node(cases)
    differ = []
    for case, js in zip(cases, results):
        py = _python(case)
        if {k: js.get(k) for k in py} != py:
            differ.append((case, js, py))
    assert not differ, f"{len(differ)} of {len(cases)} cases differ; first: {differ[0]}"
    assert {r["conclusion"] for r in results} >= {"trafficking_indicated", "possible_trafficking", "both"}  # varied cases


def test_bad_input_is_refused_on_the_device_too() -> None:
    bad = _in_node([{"observed": []}, {"age": 30, "observed": [{"indicator": "DOCS"}]}, {"age": 30, "observed": ["NOPE"]}])
    assert [r["ok"] for r in bad] == [False, False, False]
    assert bad[0]["problems"] == ["age"] and bad[1]["problems"] == ["observed[1].phase"]

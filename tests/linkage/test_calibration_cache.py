"""The synthetic calibration is computed once per schema and code version and read back from disk by the
next process: bit for bit the same, recomputed for another schema, and never trusted when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from palermo.linkage import calibration, calibration_cache
from palermo.linkage.calibration import Calibration
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.settings import Settings

N = 600  # small synthetic lists: the cache, not the calibration, is under test


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """A cache folder of its own, no calibration in memory, and a record of every real computation."""
    monkeypatch.setattr(calibration_cache, "_directory", tmp_path / "cache")
    calibration._calibrate.cache_clear()
    computed: list[str] = []
    real = calibration._compute

    def counting(schema_json: str, n: int, overlap: float, noise: float) -> Calibration:
        computed.append(schema_json)
        return real(schema_json, n, overlap, noise)

    monkeypatch.setattr(calibration, "_compute", counting)
    yield tmp_path / "cache", computed
    calibration._calibrate.cache_clear()


def _same(x: Calibration, y: Calibration) -> bool:
    return (set(x.model.m) == set(y.model.m)
            and all(np.array_equal(x.model.m[f], y.model.m[f]) and np.array_equal(x.model.u[f], y.model.u[f])
                    for f in x.model.m)
            and (x.model.prior, x.threshold, x.precision, x.recall, x.f1, x.pairs, x.matches)
            == (y.model.prior, y.threshold, y.precision, y.recall, y.f1, y.pairs, y.matches)
            and tuple(map(float, x.reliability)) == tuple(map(float, y.reliability)))


def test_a_second_process_reads_the_calibration_instead_of_computing_it(cache: tuple[Path, list[str]]) -> None:
    folder, computed = cache
    first = calibration.calibrate(DEFAULT_SCHEMA, n=N)
    assert len(computed) == 1 and len(list(folder.glob("calibration-*.json"))) == 1
    calibration._calibrate.cache_clear()  # a fresh process: nothing in memory
    again = calibration.calibrate(DEFAULT_SCHEMA, n=N)
    assert len(computed) == 1  # not recomputed
    assert again is not first and _same(again, first)  # read back bit for bit


def test_another_schema_or_setting_is_calibrated_anew(cache: tuple[Path, list[str]]) -> None:
    folder, computed = cache
    calibration.calibrate(DEFAULT_SCHEMA, n=N)
    other = DEFAULT_SCHEMA.model_copy(update={"fields": [f.model_copy(update={"hashes": 12}) if f.name == "sex" else f
                                                         for f in DEFAULT_SCHEMA.fields]})
    calibration._calibrate.cache_clear()
    calibration.calibrate(other, n=N)
    calibration.calibrate(DEFAULT_SCHEMA, n=N + 100)
    assert computed == [DEFAULT_SCHEMA.canonical(), other.canonical(), DEFAULT_SCHEMA.canonical()]
    assert len(list(folder.glob("calibration-*.json"))) == 3


def test_the_key_follows_the_code_version(cache: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    _, computed = cache
    calibration.calibrate(DEFAULT_SCHEMA, n=N)
    calibration._calibrate.cache_clear()
    monkeypatch.setattr(calibration_cache, "code_version", lambda: "0.0.0+edited")
    calibration.calibrate(DEFAULT_SCHEMA, n=N)
    assert len(computed) == 2  # an edited generator or weight never reads an older result


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],  # cut short (a crash while writing, a full disk)
    lambda text: "not json at all",
    lambda text: text.replace('"prior": ', '"prior": 1', 1),  # a number changed: the checksum no longer matches
    lambda text: json.dumps({**json.loads(text), "key": "0" * 64}),  # another key's content under this name
    lambda text: json.dumps({**json.loads(text), "calibration": {"m": {}, "u": {}}}),  # wrong shape
    lambda text: json.dumps([1, 2, 3]),
])
def test_a_damaged_cache_file_is_ignored_and_rewritten(cache: tuple[Path, list[str]], damage) -> None:  # type: ignore[no-untyped-def]
    folder, computed = cache
    first = calibration.calibrate(DEFAULT_SCHEMA, n=N)
    (path,) = folder.glob("calibration-*.json")
    path.write_text(damage(path.read_text()))
    calibration._calibrate.cache_clear()
    again = calibration.calibrate(DEFAULT_SCHEMA, n=N)
    assert len(computed) == 2 and _same(again, first)  # recomputed, the same result
    calibration._calibrate.cache_clear()
    assert _same(calibration.calibrate(DEFAULT_SCHEMA, n=N), first) and len(computed) == 2  # rewritten: read again


def test_the_file_holds_weights_and_counts_only(cache: tuple[Path, list[str]]) -> None:
    folder, _ = cache
    calibration.calibrate(DEFAULT_SCHEMA, n=N)
    (path,) = folder.glob("calibration-*.json")
    body = json.loads(path.read_text())["calibration"]
    assert set(body) == {"m", "u", "prior", "threshold", "precision", "recall", "f1", "pairs", "matches", "reliability"}
    assert set(body["m"]) == {f.name for f in DEFAULT_SCHEMA.fields}  # field names of the schema, no values


def test_an_unwritable_folder_only_costs_the_recomputation(cache: tuple[Path, list[str]], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _, computed = cache
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(calibration_cache, "_directory", blocker / "cache")  # a folder under a file: cannot exist
    first = calibration.calibrate(DEFAULT_SCHEMA, n=N)
    calibration._calibrate.cache_clear()
    assert _same(calibration.calibrate(DEFAULT_SCHEMA, n=N), first) and len(computed) == 2


def test_the_cache_folder_is_the_workspace_s_or_the_user_s(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).resolved_cache_dir == tmp_path / "cache"
    assert Settings(data_dir=tmp_path / "none", cache_dir=tmp_path / "c").resolved_cache_dir == tmp_path / "c"
    assert Settings(data_dir=tmp_path / "none").resolved_cache_dir.name == "palermo"  # platformdirs' user cache

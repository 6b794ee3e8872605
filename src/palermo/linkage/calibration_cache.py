"""The synthetic calibration of a schema kept on disk, so that it is computed once per schema and code
version instead of once per process (5-8 s of CPU at every `palermo link match` and hub start).

The calibration is a pure function of the schema (its digest), the calibration settings and the code
that generates, encodes and counts the synthetic lists; the key holds all three (the code as a digest
of the linkage package's files, so an edited generator or weight never reads an older result). The
file holds only Fellegi-Sunter weights and counts from synthetic people, never personal data. It is
JSON, not pickle (a cache folder must not be a way to run code), with a checksum; a file that cannot
be read, does not parse, fails its checksum or belongs to another key is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import palermo

if TYPE_CHECKING:
    from palermo.linkage.calibration import Calibration

log = logging.getLogger(__name__)
FORMAT = "palermo-calibration/1"
_directory: Path | None = None


def use_directory(path: Path | None) -> None:
    """Keep calibrations in ``path`` (``Settings.resolved_cache_dir``, set by the CLI and the hub at
    start-up); ``None``: in memory only, per process."""
    global _directory
    _directory = path


def directory() -> Path | None:
    return _directory


@lru_cache(maxsize=1)
def code_version() -> str:
    """Palermo's version and a digest of every file of the linkage package (sources and data): the
    calibration's result depends on all of them, and a development checkout keeps one version number."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(palermo.__version__.encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return f"{palermo.__version__}+{h.hexdigest()[:16]}"


def cache_key(schema_json: str, settings: tuple[Any, ...]) -> str:
    schema_digest = hashlib.sha256(schema_json.encode()).hexdigest()
    return hashlib.sha256(json.dumps([FORMAT, schema_digest, list(settings), code_version()]).encode()).hexdigest()


def path_for(key: str) -> Path | None:
    return None if _directory is None else _directory / f"calibration-{key[:40]}.json"


def cached(schema_json: str, settings: tuple[Any, ...], compute: Callable[[], Calibration]) -> Calibration:
    """The calibration stored under this schema, settings and code version, else ``compute()``'s result,
    stored for the next process (a folder that cannot be written only costs the recomputation)."""
    key = cache_key(schema_json, settings)
    path = path_for(key)
    if path is not None:
        found = _load(path, key)
        if found is not None:
            return found
    result = compute()
    if path is not None:
        _store(path, key, result)
    return result


def _checksum(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _to_json(c: Calibration) -> dict[str, Any]:
    # floats as JSON numbers (repr): they read back bit for bit, so a cached run matches a computed one
    return {"m": {f: [float(x) for x in v] for f, v in c.model.m.items()},
            "u": {f: [float(x) for x in v] for f, v in c.model.u.items()},
            "prior": float(c.model.prior), "threshold": float(c.threshold), "precision": float(c.precision),
            "recall": float(c.recall), "f1": float(c.f1), "pairs": int(c.pairs), "matches": int(c.matches),
            "reliability": [float(x) for x in c.reliability]}


def _from_json(body: dict[str, Any]) -> Calibration:
    from palermo.linkage import fellegi_sunter as fs
    from palermo.linkage.calibration import Calibration

    levels = len(fs.LEVELS) + 1

    def numbers(v: Any, n: int | None = None) -> list[float]:
        if not isinstance(v, list) or (n is not None and len(v) != n) or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v):
            raise ValueError("not a list of finite numbers of the expected length")
        return [float(x) for x in v]

    m, u = body["m"], body["u"]
    if not isinstance(m, dict) or not isinstance(u, dict) or set(m) != set(u) or not m:
        raise ValueError("m and u must name the same fields")
    model = fs.FSModel({f: np.array(numbers(v, levels)) for f, v in m.items()},
                       {f: np.array(numbers(v, levels)) for f, v in u.items()}, numbers([body["prior"]])[0])
    scalars = numbers([body["threshold"], body["precision"], body["recall"], body["f1"]])
    pairs, matches = body["pairs"], body["matches"]
    if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (pairs, matches)):
        raise ValueError("pairs and matches must be counts")
    return Calibration(model, scalars[0], scalars[1], scalars[2], scalars[3], pairs, matches,
                       tuple(numbers(body["reliability"])))


def _load(path: Path, key: str) -> Calibration | None:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("calibration cache %s cannot be read (%s); calibrating again", path, exc)
        return None
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT or data.get("key") != key:
            raise ValueError("written for another schema, setting or code version")
        if data.get("sha256") != _checksum(data["calibration"]):
            raise ValueError("checksum does not match")
        return _from_json(data["calibration"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("calibration cache %s ignored (%s); calibrating again and rewriting it", path, exc)
        return None


def _store(path: Path, key: str, c: Calibration) -> None:
    body = _to_json(c)
    data = {"format": FORMAT, "key": key, "palermo": code_version(), "calibration": body, "sha256": _checksum(body)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written beside the target and renamed over it: a reader sees the old file or the new, never half
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".calibration-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        log.warning("calibration cache %s cannot be written (%s); the next process calibrates again", path, exc)

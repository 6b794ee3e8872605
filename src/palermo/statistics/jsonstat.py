"""JSON-stat 2.0 datasets for web charts: the same rows, codes and labels as the SDMX outputs (one
dimension per DSD dimension, in DSD order, time last), so a chart library that reads JSON-stat
(JSON-stat Toolkit, pyjstat, Highcharts' and Eurostat's tools) gets what an SDMX client gets.

Rows come from the core read, already under disclosure control: a suppressed cell is a null value
with status ``Q`` and confidentiality ``C``, never a number. Values are sparse (an object keyed by the
cell's position in the cube), as JSON-stat 2.0 allows, because a cube of every source, country, year and
breakdown is mostly empty. OBS_STATUS is JSON-stat's ``status``; the other SDMX attributes (CONF_STATUS,
Palermo's flags, the bounds of censored values) travel in ``extension``, keyed the same way.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from palermo.statistics import sdmx_data
from palermo.statistics import sdmx_structure as st

Row = dict[str, Any]
MEDIA_TYPE = "application/json"
TITLE = "Harmonised statistics on trafficking in human beings and migrant smuggling"


def dataset(rows: list[Row], *, labels: dict[str, dict[str, str]], updated: datetime | None = None) -> dict[str, Any]:
    """One JSON-stat 2.0 dataset of ``rows`` (export rows); ``labels`` is dimension/attribute -> code -> name."""
    dims = list(sdmx_data.FIELD)
    keyed = sdmx_data.keyed_rows(rows)
    columns = list(zip(*[k for k, _ in keyed])) or [()] * len(dims)
    categories = [sorted(set(c)) for c in columns]
    position = [{code: i for i, code in enumerate(codes)} for codes in categories]
    size = [len(c) for c in categories]
    strides = [1] * len(dims)
    for i in range(len(dims) - 2, -1, -1):  # row-major: the last dimension (time) varies fastest
        strides[i] = strides[i + 1] * size[i + 1]
    head = _HeadOffsets(position, strides)
    t_pos, t_stride = position[-1], strides[-1]
    value: dict[str, float | None] = {}
    status: dict[str, str] = {}
    extra: dict[str, dict[str, str]] = {a: {} for a in st.ATTRIBUTES if a != "OBS_STATUS"}
    attrs = sdmx_data.attributes_memo()
    for key, r in keyed:
        at = str(head[key[:-1]] + t_pos[key[-1]] * t_stride)
        value[at] = r["value"]
        found = attrs[(r["flags"], r["value"] is not None, r["lower"], r["upper"])]
        if found["OBS_STATUS"] != "A":
            status[at] = found["OBS_STATUS"]
        for name, v in found.items():
            if name != "OBS_STATUS" and (name != "CONF_STATUS" or v != "F"):
                extra[name][at] = v
    concept = st.concepts()
    dimension = {d: {"label": concept[d], "category": {
        "index": codes, "label": {c: labels.get(d, {}).get(c, c) for c in codes}}} for d, codes in zip(dims, categories)}
    used = {code for code in status.values()} | {"A"}
    return {
        "version": "2.0", "class": "dataset", "label": TITLE, "source": "Palermo",
        "updated": (updated or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": ["Small counts are withheld under disclosure control: a null value with status Q "
                 "(confidentiality C). A null value with status L is unknown, never zero."],
        "id": dims, "size": size, "role": {"time": [st.TIME_DIMENSION], "geo": ["REF_AREA"]},
        "dimension": dimension, "value": value, "status": status,
        "extension": {"sdmx": {"dataflow": sdmx_data.FLOW_REF,
                               "status": {c: labels.get("OBS_STATUS", {}).get(c, c) for c in sorted(used)},
                               "attributes": {name: cells for name, cells in extra.items() if cells}}},
    }


def to_bytes(rows: list[Row], *, labels: dict[str, dict[str, str]], updated: datetime | None = None) -> bytes:
    """:func:`dataset` as UTF-8 JSON."""
    return json.dumps(dataset(rows, labels=labels, updated=updated), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


class _HeadOffsets(dict[tuple[str, ...], int]):
    """The cube offset of a key's dimensions before time, computed once per distinct combination."""

    def __init__(self, position: list[dict[str, int]], strides: list[int]) -> None:
        super().__init__()
        self.position, self.strides = position, strides

    def __missing__(self, head: tuple[str, ...]) -> int:
        value = self[head] = sum(p[c] * s for p, c, s in zip(self.position, head, self.strides))
        return value

"""The UpSet-style chart: one bar per combination (largest first), a dot matrix, suppressed cells labelled."""

from __future__ import annotations

from palermo.estimation.charts import upset_spec
from palermo.estimation.overlap import protect


def test_bars_dots_and_suppressed_labels() -> None:
    cells = protect({("NGO",): 40, ("POLICE",): 90, ("NGO", "POLICE"): 3}, 5)
    spec = upset_spec(["NGO", "POLICE"], cells, 5)
    bars = spec["vconcat"][0]["data"]["values"]
    assert [b["combination"] for b in bars] == ["POLICE", "NGO", "NGO & POLICE"]
    assert bars[2] == {"combination": "NGO & POLICE", "people": None, "label": "<5", "lists": 2}
    dots = spec["vconcat"][1]["data"]["values"]
    assert {(d["combination"], d["list"]): d["on"] for d in dots}[("NGO", "POLICE")] == "off"
    assert len(dots) == 6

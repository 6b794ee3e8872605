"""Live uploads' encodings are decoded once per hub process and dropped as soon as the upload ends."""

from __future__ import annotations

import pytest

from palermo.db import Database
from palermo.errors import Conflict
from palermo.linkage import live_cache
from palermo.linkage.encoding import Encoder
from palermo.linkage.hub import dataset_of
from palermo.linkage.lifecycle import withdraw
from palermo.linkage.models import LinkUpload
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from tests.linkage.test_entity_overlap import _hub, _submit

LISTS, _ = agency_lists({"A": 30, "B": 50, "C": 40}, overlap=0.0, noise=0.1, seed=2)


def test_kept_until_the_bound_least_recently_used_out(monkeypatch: pytest.MonkeyPatch) -> None:
    live_cache.clear()
    monkeypatch.setattr(live_cache, "MAX_RECORDS", 90)
    enc = Encoder(DEFAULT_SCHEMA, b"k" * 32)
    loads: list[str] = []

    def loader(name: str):  # type: ignore[no-untyped-def]
        def load():  # type: ignore[no-untyped-def]
            loads.append(name)
            return enc.encode(LISTS[name], label=name)
        return load

    a = live_cache.get(1, "f", loader("A"))
    assert live_cache.get(1, "f", loader("A")) is a and loads == ["A"]  # decoded once
    live_cache.get(2, "f", loader("B"))  # 30 + 50 records: both kept
    live_cache.get(1, "f", loader("A"))  # A used last
    live_cache.get(3, "f", loader("C"))  # 120 > 90: B, the least recently used, goes
    assert loads == ["A", "B", "C"]
    live_cache.get(1, "f", loader("A"))
    live_cache.get(2, "f", loader("B"))
    assert loads == ["A", "B", "C", "B"]
    live_cache.forget([1, 2, 3])
    live_cache.get(1, "f", loader("A"))
    assert loads[-1] == "A" and len(loads) == 5
    live_cache.clear()


def test_an_upload_that_ends_is_forgotten_and_refused(db: Database) -> None:
    live_cache.clear()
    who = _hub(db)
    with db.session() as s:
        f = _submit(s, who["F"], "F")
        first = dataset_of(s.get(LinkUpload, f))
        again = dataset_of(s.get(LinkUpload, f))
        # the same decoded arrays, each caller its own dataset object (labels are the caller's)
        assert again is not first and again.filters["name"] is first.filters["name"]
        withdraw(s, who["F"], s.get(LinkUpload, f).reference)
    assert not any(key[0] == f for key in live_cache._kept)
    with db.session() as s, pytest.raises(Conflict, match="withdrawn"):
        dataset_of(s.get(LinkUpload, f))

"""Encoding shared by worker processes (``encoding.parallel``, ``encoding.shares``): the same bytes as one
process whatever each process does, workers kept across an encoder's batches and ended with it, and a
worker that fails, dies or cannot be forked never costs a row."""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from palermo.linkage.encoding import EncodedDataset, Encoder, parallel
from palermo.linkage.encoding.batch import Batch
from palermo.linkage.encoding.shares import shares
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from tests.linkage.test_encoding_batch import SCHEMAS, _dirty_rows

KEY = b"k" * 40


def _same(a: EncodedDataset, b: EncodedDataset) -> None:
    assert a.ids == b.ids and a.blocks == b.blocks
    for f in a.filters:
        assert np.array_equal(a.filters[f], b.filters[f]), f
        assert np.array_equal(a.present[f], b.present[f]), f
    assert [(p.line, p.field, p.reason, p.value) for p in a.warnings] == \
           [(p.line, p.field, p.reason, p.value) for p in b.warnings]


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (an ended child its parent has not reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("name", list(SCHEMAS))
@pytest.mark.parametrize("workers", [2, 3])
def test_shared_work_gives_the_bytes_of_one_process(name: str, workers: int, tmp_path: Path) -> None:
    schema = SCHEMAS[name](tmp_path)
    rows = _dirty_rows()
    one = Encoder(schema, KEY).encode(rows, workers=1)
    with Encoder(schema, KEY) as enc:
        shared = enc.encode(rows, workers=workers)
        assert len(enc._workers.processes) == sum(1 for s in shares(schema, workers)[1:] if s)
    assert shared.warnings
    _same(one, shared)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_share_alone_gives_what_the_whole_batch_gives(name: str, tmp_path: Path) -> None:
    """Each field and each blocking key made in a fresh batch that did nothing else: the bytes do not depend
    on which process does what, so any placement of the work is safe."""
    schema = SCHEMAS[name](tmp_path)
    rows = _dirty_rows()
    whole = Batch(Encoder(schema, KEY), rows).run()
    for f in schema.fields:
        part = Batch(Encoder(schema, KEY), rows).part({f.name}, ())
        assert np.array_equal(part.filters[f.name], whole.filters[f.name]), f.name
        assert np.array_equal(part.present[f.name], whole.present[f.name]), f.name
    for b in schema.blocking:
        assert Batch(Encoder(schema, KEY), rows).part((), {b.name}).blocks[b.name] == whole.blocks[b.name], b.name


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_the_shares_cover_every_field_and_key_once(workers: int) -> None:
    plan = shares(DEFAULT_SCHEMA, workers)
    assert len(plan) == workers
    fields = [f for s in plan for f in s.fields]
    blocks = [b for s in plan for b in s.blocks]
    assert sorted(fields) == sorted(f.name for f in DEFAULT_SCHEMA.fields)
    assert sorted(blocks) == sorted(b.name for b in DEFAULT_SCHEMA.blocking)
    by_name = {f.name: f for f in DEFAULT_SCHEMA.fields}
    for s in plan:  # a share is sent the columns of its fields and of its keys' parts
        needed = {c for f in s.fields for c in by_name[f].columns}
        needed |= {c for b in DEFAULT_SCHEMA.blocking if b.name in s.blocks for p in b.parts
                   for c in by_name[p.partition(":")[0]].columns}
        assert set(s.columns) == needed


def test_two_processes_share_the_default_schema_by_field() -> None:
    """Neither process does everything: each field's distinct values are done once, for all rows."""
    parent, worker = shares(DEFAULT_SCHEMA, 2)
    assert parent and worker
    assert not parent.fields & worker.fields and not parent.blocks & worker.blocks


def test_workers_are_kept_across_batches_and_end_with_the_encoder() -> None:
    lists = agency_lists({"A": 600, "B": 600}, overlap=0.2, noise=0.3, seed=5)[0]
    alone = Encoder(DEFAULT_SCHEMA, KEY)
    expected = [alone.encode(lists[n], workers=1) for n in "AB"]
    enc = Encoder(DEFAULT_SCHEMA, KEY)
    got = [enc.encode(lists["A"], workers=2)]
    pids = [p.pid for p in enc._workers.processes]
    assert len(pids) == 1 and _alive(pids[0])
    got.append(enc.encode(lists["B"], workers=2))
    assert [p.pid for p in enc._workers.processes] == pids, "the same worker did list B, its tokens remembered"
    for e, g in zip(expected, got):
        _same(e, g)
    del enc, got
    gc.collect()
    assert not any(_alive(pid) for pid in pids), "the encoder's end ends its workers"
    assert not [p for p in mp.active_children() if p.pid in pids]


def test_close_ends_the_workers_and_a_later_batch_starts_them_again() -> None:
    rows = agency_lists({"A": 400}, noise=0.3, seed=6)[0]["A"]
    with Encoder(DEFAULT_SCHEMA, KEY) as enc:
        first = enc.encode(rows, workers=2)
        pids = [p.pid for p in enc._workers.processes]
    assert pids and not any(_alive(pid) for pid in pids) and not enc._workers.processes
    again = enc.encode(rows, workers=2)
    assert enc._workers.processes and enc._workers.processes[0].pid not in pids
    enc.close()
    _same(first, again)


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_worker_that_fails_leaves_a_complete_result(how: str, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    rows = _dirty_rows()
    expected = Encoder(DEFAULT_SCHEMA, KEY).encode(rows, workers=1)
    parent, real = os.getpid(), Batch.part

    def failing(self: Batch, fields: Any, blocks: Any) -> Any:
        if os.getpid() != parent:  # only in the forked worker, which inherits this patch
            if how == "dies":
                os._exit(3)
            raise RuntimeError("worker broke")
        return real(self, fields, blocks)

    monkeypatch.setattr(Batch, "part", failing)
    with caplog.at_level(logging.WARNING, logger="palermo.linkage.encoding.parallel"), Encoder(DEFAULT_SCHEMA, KEY) as enc:
        got = enc.encode(rows, workers=2)
        assert not enc._workers.processes, "a failed worker is not used again"
    _same(expected, got)
    assert any("in this process" in r.getMessage() for r in caplog.records)


def test_a_worker_killed_between_batches_is_replaced() -> None:
    rows = agency_lists({"A": 500}, noise=0.3, seed=7)[0]["A"]
    expected = Encoder(DEFAULT_SCHEMA, KEY).encode(rows, workers=1)
    with Encoder(DEFAULT_SCHEMA, KEY) as enc:
        enc.encode(rows, workers=2)
        victim = enc._workers.processes[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim.join()
        got = enc.encode(rows, workers=2)
        assert [p.pid for p in enc._workers.processes] != [victim.pid]
    _same(expected, got)


@pytest.mark.parametrize("refusal", ["no fork start method", "a daemonic process"])
def test_where_fork_is_not_allowed_one_process_does_it_all(refusal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _dirty_rows()
    expected = Encoder(DEFAULT_SCHEMA, KEY).encode(rows, workers=1)
    if refusal == "no fork start method":
        monkeypatch.setattr(parallel.mp, "get_all_start_methods", lambda: ["spawn"])
    else:
        monkeypatch.setattr(mp.current_process(), "_config", {**mp.current_process()._config, "daemon": True})
    assert not parallel._can_fork()
    with Encoder(DEFAULT_SCHEMA, KEY) as enc:
        got = enc.encode(rows, workers=2)
        assert not enc._workers.processes
    _same(expected, got)



def test_threads_sharing_an_encoder_each_get_their_own_rows() -> None:
    """The workers' pipes carry one batch at a time: two threads encoding with one encoder never swap parts."""
    import threading

    lists = agency_lists({"A": 400, "B": 300}, overlap=0.2, noise=0.3, seed=9)[0]
    expected = {n: Encoder(DEFAULT_SCHEMA, KEY).encode(lists[n], workers=1) for n in "AB"}
    got: dict[str, EncodedDataset] = {}
    with Encoder(DEFAULT_SCHEMA, KEY) as enc:
        enc.encode(lists["A"][:50], workers=2)  # the worker forked while this process has one thread
        threads = [threading.Thread(target=lambda n=n: got.__setitem__(n, enc.encode(lists[n], workers=2))) for n in "AB"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for n in "AB":
        _same(expected[n], got[n])

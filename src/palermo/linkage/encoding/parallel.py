"""Large batches encoded by several processes, each doing its share of the fields and blocking keys for all
rows (``shares``). The worker processes are forked once and kept for the encoder's batches (list A, then
B), so the tokens and keys they remember serve every batch; ``Encoder.close`` (or the encoder's end) stops
them. A worker that fails or cannot start leaves its share to the parent: the result is always complete
and the same as in one process.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from palermo.linkage.encoding.batch import Batch, Part, Slice
from palermo.linkage.encoding.shares import Share, shares

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from palermo.linkage.encoding.encoder import Encoder

logger = logging.getLogger(__name__)

PARALLEL_FROM = 10_000  # rows; below this a second process costs more than it saves
_STOP_WAIT = 5.0  # seconds a worker is given to end before it is terminated

# The parent's end of every worker's pipe: a newly forked worker closes those it inherits, so that a worker
# sees the end of its pipe (and ends) when its parent does, whoever forked later.
_PARENT_ENDS: weakref.WeakSet[Any] = weakref.WeakSet()


class Workers:
    """The worker processes of one encoder, started on first use and kept until ``close``."""

    def __init__(self) -> None:
        self._live: list[tuple[Any, Connection]] = []  # (process, the parent's end of its pipe)
        self._plans: dict[tuple[str, int], list[Share]] = {}
        self._lock = threading.Lock()  # one batch at a time on the workers' pipes, whatever the threads


    def encode(self, enc: Encoder, rows: list[Mapping[str, str | None]], progress: Callable[[int], None] | None,
               processes: int) -> Slice:
        """Encode a batch with up to ``processes`` processes (this one included)."""
        with self._lock:
            return self._encode(enc, rows, progress, processes)

    def _encode(self, enc: Encoder, rows: list[Mapping[str, str | None]], progress: Callable[[int], None] | None,
                processes: int) -> Slice:
        key = (enc.schema.canonical(), processes)
        if key not in self._plans:
            self._plans[key] = shares(enc.schema, processes)
        plan = self._plans[key]
        batch = Batch(enc, rows)
        sent: list[tuple[Share, tuple[Any, Connection] | None]] = []
        for share in plan[1:]:
            if share:
                sent.append((share, self._send(enc, len(sent), batch, share)))
        ids = batch._ids()
        own = plan[0]
        parts = [batch.part(own.fields, own.blocks)]
        total = sum(_weight(s) for s in plan) or 1
        done = 0
        if progress:
            done = round(batch.n * _weight(own) / total)
            progress(done)
        for share, worker in sent:
            parts.append(self._receive(batch, share, worker))
        if progress:
            progress(batch.n - done)
        filters = {f.name: p.filters[f.name] for f in enc.schema.fields for p in parts if f.name in p.filters}
        present = {f.name: p.present[f.name] for f in enc.schema.fields for p in parts if f.name in p.present}
        blocks = {b.name: p.blocks[b.name] for b in enc.schema.blocking for p in parts if b.name in p.blocks}
        return Slice(ids, filters, present, blocks, batch.problems, [w for p in parts for w in p.warnings])

    def _send(self, enc: Encoder, k: int, batch: Batch, share: Share) -> tuple[Any, Connection] | None:
        """Hand a share to worker ``k`` (forked now if it is not running); None where that cannot be done."""
        worker = self._worker(enc, k)
        if worker is None:
            return None
        try:
            worker[1].send((sorted(share.fields), sorted(share.blocks), {c: batch.column(c) for c in share.columns}))
        except (OSError, ValueError):
            logger.warning("encoding worker %d cannot be reached; its share is encoded here", k, exc_info=True)
            self._discard(worker)
            return None
        return worker

    def _receive(self, batch: Batch, share: Share, worker: tuple[Any, Connection] | None) -> Part:
        """A worker's part of the batch, or the same part made here when the worker could not make it."""
        result: Part | str = "not started"
        if worker is not None:
            try:
                result = worker[1].recv()
            except (EOFError, OSError):
                result = "the process ended without a result"
            if not isinstance(result, Part):
                logger.warning("encoding %s in this process: %s", ", ".join(sorted(share.fields | share.blocks)), result)
                self._discard(worker)
        if isinstance(result, Part):
            return result
        return batch.part(share.fields, share.blocks)

    def _worker(self, enc: Encoder, k: int) -> tuple[Any, Connection] | None:
        while len(self._live) > k and not self._live[k][0].is_alive():
            self._discard(self._live[k])
        if len(self._live) > k:
            return self._live[k]
        if not _can_fork():
            return None
        try:
            ctx = mp.get_context("fork")
            parent_end, child_end = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(enc, child_end, parent_end), daemon=True,
                                  name=f"palermo-encoding-{k + 1}")
            process.start()
        except OSError:
            logger.info("encoding in fewer processes: cannot start another", exc_info=True)
            return None
        child_end.close()
        _PARENT_ENDS.add(parent_end)
        self._live.append((process, parent_end))
        return self._live[-1]

    def _discard(self, worker: tuple[Any, Connection]) -> None:
        self._live.remove(worker)
        _stop(*worker)

    def close(self) -> None:
        """End every worker (each is told to stop, then terminated if it does not)."""
        with self._lock:
            live, self._live = self._live, []
        for process, conn in live:
            _stop(process, conn)

    @property
    def processes(self) -> list[Any]:
        """The live worker processes (for tests and diagnostics)."""
        return [p for p, _ in self._live]


def _weight(share: Share) -> int:
    return len(share.fields) + len(share.blocks)


def _stop(process: Any, conn: Connection) -> None:
    try:
        conn.send(None)
    except (OSError, ValueError):
        pass  # already gone
    conn.close()
    process.join(_STOP_WAIT)
    if process.is_alive():
        process.terminate()
        process.join()


def _can_fork() -> bool:
    """Fork only where it is safe: not from a daemonic process (it may have no children), and from
    Python 3.12 on (which deprecates forking a multi-threaded process) only while this one has one thread."""
    if "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:
        return False
    if sys.version_info < (3, 12):
        return True
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _serve(enc: Encoder, conn: Connection, own_parent_end: Connection) -> None:
    """A worker's loop: encode the shares it is sent (all rows, some fields) until told to stop or its
    parent is gone. Its encoder, forked from the parent's, remembers tokens and keys across batches."""
    for end in [own_parent_end, *_PARENT_ENDS]:
        try:
            end.close()
        except OSError:
            pass
    gc.freeze()  # the parent's objects, inherited: never collected here, so their pages are not copied
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        fields, blocks, columns = job
        gc.disable()  # as in the parent: a share allocates millions of short-lived objects, none in cycles
        try:
            result: Part | str = Batch(enc, [], columns=columns).part(set(fields), set(blocks))
        except Exception as exc:  # noqa: BLE001 (any failure is reported to the parent, which does the share)
            result = repr(exc)
        finally:
            gc.enable()
        try:
            conn.send(result)
        except (OSError, ValueError):
            break
    conn.close()

"""Large batches split over forked processes; a child that fails or cannot start leaves its slice to the
parent, so the result is always the same as in one process."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from palermo.linkage.encoding.batch import Batch, Slice

if TYPE_CHECKING:
    from palermo.linkage.encoding.encoder import Encoder

logger = logging.getLogger(__name__)

PARALLEL_FROM = 10_000  # rows; below this a second process costs more than it saves


def encode_slices(enc: Encoder, rows: list[Mapping[str, str | None]], progress: Callable[[int], None] | None,
                   workers: int) -> list[Slice]:
    """Encode consecutive slices of the rows, all but the first in forked child processes.

    A child that cannot be started or fails leaves its slice to this process: never a lost or partial
    result. Fork is used (not spawn) so that the rows need not be pickled to the children.
    """
    bounds = [len(rows) * k // workers for k in range(workers + 1)]
    children: dict[int, tuple[Any, Any]] = {}
    if workers > 1 and _can_fork():
        ctx = mp.get_context("fork")
        for k in range(1, workers):
            try:
                receive, send = ctx.Pipe(duplex=False)
                child = ctx.Process(target=_child, args=(enc, rows, bounds[k], bounds[k + 1], send), daemon=True)
                child.start()
            except OSError:
                logger.info("encoding in fewer processes: cannot start another", exc_info=True)
                break
            send.close()
            children[k] = child, receive
    slices = [Batch(enc, rows[:bounds[1]], progress).run()]
    for k in range(1, workers):
        result: Slice | str = "not started"
        if k in children:
            child, receive = children[k]
            try:
                result = receive.recv()
            except (EOFError, OSError):
                result = "the process ended without a result"
            child.join()
        if not isinstance(result, Slice):
            if k in children:
                logger.warning("encoding rows %d-%d in this process: %s", bounds[k], bounds[k + 1], result)
            result = Batch(enc, rows[bounds[k]:bounds[k + 1]], None, bounds[k]).run()
        if progress:
            progress(bounds[k + 1] - bounds[k])
        slices.append(result)
    return slices


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


def _child(enc: Encoder, rows: list[Mapping[str, str | None]], start: int, stop: int, send: Any) -> None:
    try:
        send.send(Batch(enc, rows[start:stop], None, start).run())
    except Exception as exc:  # noqa: BLE001 (any failure is reported to the parent, which encodes the slice itself)
        send.send(repr(exc))
    finally:
        send.close()

"""A small in-process cache for analyses that are pure functions of the stored data.

Keys include the data version (the audit chain's length: every committed write appends to it, see
:func:`palermo.auth.audit.head_seq`), so a write anywhere invalidates every entry at once; entries also
expire after ``ttl`` seconds to bound staleness after an out-of-band change such as a restore. Each
server process keeps its own cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class VersionedCache:
    def __init__(self, size: int = 64, ttl: float = 60.0) -> None:
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                self._entries.move_to_end(key)
                return hit[1]  # type: ignore[return-value]
        value = compute()  # outside the lock: a slow analysis must not block other keys
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

"""The versioned cache: reuse within the TTL, recompute after it, bounded size."""

from __future__ import annotations

import time

from palermo.cache import VersionedCache


def test_reuse_expiry_and_size() -> None:
    calls: list[str] = []
    cache = VersionedCache(size=2, ttl=0.2)

    def compute(k: str) -> str:
        calls.append(k)
        return k.upper()

    assert cache.get("a", lambda: compute("a")) == "A" and cache.get("a", lambda: compute("a")) == "A"
    assert calls == ["a"]
    cache.get("b", lambda: compute("b"))
    cache.get("c", lambda: compute("c"))  # evicts "a", the least recently used
    cache.get("a", lambda: compute("a"))
    assert calls == ["a", "b", "c", "a"]
    time.sleep(0.25)
    cache.get("a", lambda: compute("a"))  # expired
    assert calls[-1] == "a" and len(calls) == 5

"""Decoded encodings of live uploads, kept in the hub process between submissions.

Every new upload is matched against every live upload its agreements allow; reading a million live
records back from the database and decoding their Parquet takes longer than matching them (about 8 s
against 7 s on the 2-core machine, ``benchmarks/linkage_incremental.py``). An upload's encodings never
change while it is live, so the decoded arrays are kept, least recently used first out, up to
:data:`MAX_RECORDS` records (about 300 bytes each under the default schema). Only live uploads are
served from here (the caller checks the status in the same transaction), and an upload that ends is
dropped at once (``lifecycle.end_upload``, the purge), so the process holds no encodings the database
no longer has longer than the unit of work that deleted them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from palermo.linkage.encoding import EncodedDataset

MAX_RECORDS = 2_000_000

_lock = threading.Lock()
_kept: OrderedDict[tuple[int, str], EncodedDataset] = OrderedDict()


def get(upload_id: int, fingerprint: str, load: Callable[[], EncodedDataset]) -> EncodedDataset:
    """The decoded encodings of a live upload: kept ones, or ``load()`` them and keep them."""
    key = (upload_id, fingerprint)
    with _lock:
        ds = _kept.get(key)
        if ds is not None:
            _kept.move_to_end(key)
            return ds
    ds = load()
    with _lock:
        _kept[key] = ds
        total = sum(len(d) for d in _kept.values())
        while total > MAX_RECORDS and len(_kept) > 1:
            _, old = _kept.popitem(last=False)
            total -= len(old)
    return ds


def forget(upload_ids: Iterable[int]) -> None:
    """Drop the kept encodings of uploads that ended (withdrawn, superseded, expired, purged)."""
    ids = set(upload_ids)
    with _lock:
        for key in [k for k in _kept if k[0] in ids]:
            del _kept[key]


def clear() -> None:
    with _lock:
        _kept.clear()

"""The encoder: one schema and secret, keys derived per field (salting) and for blocking; the work done once
per distinct value and token, remembered across batches."""

from __future__ import annotations

import gc
import hashlib
import os
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, repeat
from operator import itemgetter
from types import TracebackType
from typing import Any

import numpy as np

from palermo.errors import Problem, ValidationError
from palermo.linkage.encoding.batch import Batch
from palermo.linkage.encoding.columnar import Family
from palermo.linkage.encoding.dataset import EncodedDataset
from palermo.linkage.encoding.parallel import PARALLEL_FROM, Workers
from palermo.linkage.keys import derive, fingerprint
from palermo.linkage.schema import FieldSpec, LinkageSchema
from palermo.messages import N_


class _Hmac:
    """HMAC-SHA256 (RFC 2104) with the keyed inner and outer states computed once: twice as fast as
    ``hmac.digest`` on the short messages of blocking keys, and the same result."""

    def __init__(self, key: bytes) -> None:
        key = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def states(self) -> tuple[Any, Any]:
        """The keyed inner and outer SHA-256 states, to be copied for each message."""
        return self._inner, self._outer

    def hexdigest(self, msg: bytes) -> str:
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(msg)
        outer.update(inner.digest())
        return outer.hexdigest()


class Encoder:
    """Encodes records under one schema and secret.

    The work is done once per distinct value, not per row: names, dates and codes repeat a lot, so
    each distinct value is normalised and tokenised once, each distinct token hashed once (and
    remembered across batches), and the filters of all rows are gathered with numpy.
    """

    def __init__(self, schema: LinkageSchema, secret: bytes) -> None:
        self.schema, self.fingerprint = schema, fingerprint(secret, schema.digest())
        h = schema.hardening
        self._keys = {f.name: derive(secret, f"field/{f.name if h.salt else '*'}") for f in schema.fields}
        self._block_hmac = _Hmac(derive(secret, "blocking"))
        self._block_keys: dict[str, str] = {}  # blocking-key message -> key, remembered across batches
        self._perm = {f.name: np.random.default_rng(int.from_bytes(derive(secret, f"perm/{f.name}", 8), "little"))
                      .permutation(2 * f.bits) for f in schema.fields} if h.balance else {}
        # Every token hashed so far, per field: its row in a table of bit positions (tokens, hashes).
        self._rows: dict[str, dict[str, int]] = {f.name: {} for f in schema.fields}
        self._table = {f.name: np.zeros((0, f.hashes), dtype=np.uint16) for f in schema.fields}
        self._workers = Workers()  # forked on first use; they end with the encoder (or ``close``)
        self._ended = weakref.finalize(self, self._workers.close)

    def close(self) -> None:
        """End the worker processes (a later large batch starts them again)."""
        self._workers.close()

    def __enter__(self) -> Encoder:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def encode(self, rows: Iterable[Mapping[str, str | None]], *, label: str = "",
               progress: Callable[[int], None] | None = None, workers: int | None = None,
               strict: bool = False) -> EncodedDataset:
        """Encode rows (dicts by column).

        A value that does not read as its kind (a date ``1945-04-93``, an unknown country) is data all the
        same: it is encoded from what was written and listed in ``warnings``; with ``strict`` every such
        value is reported and nothing encoded. An empty or repeated record id is always refused.

        Large batches are shared by ``workers`` processes (default: two from 10,000 rows, where the system
        can fork), each doing some fields and blocking keys for all rows; the workers stay for the next
        batch until ``close`` (or the encoder's end). The result is the same as in one process.
        """
        rows = rows if isinstance(rows, list) else list(rows)
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if len(rows) >= PARALLEL_FROM else 1
        collecting = gc.isenabled()
        gc.disable()  # a batch allocates millions of short-lived strings and lists, none in cycles
        try:
            slices = [self._workers.encode(self, rows, progress, workers) if workers > 1 else
                      Batch(self, rows, progress).run()]
        finally:
            if collecting:
                gc.enable()
        s = self.schema
        ids = [i for sl in slices for i in sl.ids]
        problems = [p for sl in slices for p in sl.problems]
        warnings = [p for sl in slices for p in sl.warnings]
        if strict:
            problems += warnings
        problems.sort(key=lambda t: t[:2])
        warnings.sort(key=lambda t: t[:2])
        reported = [p for _, _, p in problems]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            for n, rid in enumerate(ids, start=2):
                if rid in seen:
                    reported.append(Problem(N_("duplicate record id"), line=n, field=s.id_column, value=rid))
                seen.add(rid)
        if reported:
            raise ValidationError(N_("{n_reported} problem(s) in the person records; nothing was encoded",
                                     n_reported=len(reported)), reported)
        one = len(slices) == 1
        filters = {f.name: slices[0].filters[f.name] if one else np.concatenate([sl.filters[f.name] for sl in slices])
                   for f in s.fields}
        present = {f.name: slices[0].present[f.name] if one else np.concatenate([sl.present[f.name] for sl in slices])
                   for f in s.fields}
        blocks = {b.name: slices[0].blocks[b.name] if one else list(chain.from_iterable(sl.blocks[b.name] for sl in slices))
                  for b in s.blocking}
        return EncodedDataset(ids, filters, present, blocks, self.fingerprint, s, label,
                              warnings=[] if strict else [p for _, _, p in warnings])

    def _block_keys_of(self, messages: list[str | None]) -> list[str | None]:
        """Keyed blocking keys of messages (``name|part|part``; None stays None): the first 24 hex digits of
        their HMAC, each computed once and remembered across batches."""
        known = self._block_keys
        if len(known) > 1_000_000:  # bounded memory over many batches
            known.clear()
        missing: list[str] = list(set(messages).difference(known).difference([None]))  # type: ignore[arg-type]
        if missing:
            # HMAC (``_Hmac``) of every message, with C-level loops: copies of the keyed states, updated
            inner, outer = self._block_hmac.states()
            hashes = type(inner)
            n = len(missing)
            ins, outs = list(map(hashes.copy, repeat(inner, n))), list(map(hashes.copy, repeat(outer, n)))
            deque(map(hashes.update, ins, map(str.encode, missing)), maxlen=0)
            deque(map(hashes.update, outs, map(hashes.digest, ins)), maxlen=0)
            known.update(zip(missing, map(itemgetter(slice(24)), map(hashes.hexdigest, outs))))
        return list(map(known.get, messages))  # type: ignore[arg-type]

    def _token_rows(self, f: FieldSpec, toks: list[str]) -> np.ndarray:
        """Rows of tokens in the field's table of bit positions, hashing the tokens not seen before.

        A token's ``hashes`` positions are the little-endian 16-bit words of BLAKE2b-512(``"{counter}:{token}"``)
        under the field key, counter 0, 1, …, each modulo the filter size.
        """
        rows = self._rows[f.name]
        if len(rows) > 1_000_000:  # bounded memory over many batches
            rows.clear()
            self._table[f.name] = self._table[f.name][:0]
        missing = list(set(toks).difference(rows))  # (the order only numbers the table's rows)
        if missing:
            keyed = hashlib.blake2b(key=self._keys[f.name], digest_size=64)
            blake = type(keyed)
            per_round = []
            for counter in range(-(-f.hashes // 32)):  # one 64-byte digest gives 32 positions
                # copies of the keyed state, updated and read by C-level loops: no Python frame per token
                hs = list(map(blake.copy, repeat(keyed, len(missing))))
                deque(map(blake.update, hs, map(str.encode, map(f"{counter}:".__add__, missing))), maxlen=0)
                per_round.append(np.frombuffer(b"".join(map(blake.digest, hs)), dtype="<u2").reshape(len(missing), 32))
            words = (np.concatenate(per_round, axis=1) if len(per_round) > 1 else per_round[0])[:, :f.hashes]
            rows.update(zip(missing, range(len(rows), len(rows) + len(missing))))
            self._table[f.name] = np.concatenate([self._table[f.name], (words % f.bits).astype(np.uint16)])
        return np.fromiter(map(rows.__getitem__, toks), dtype=np.int64, count=len(toks))

    def _bits(self, f: FieldSpec, items: Sequence[Sequence[str] | None], chunk: int = 65_536) -> np.ndarray:
        """Bit-packed filters (len(items), bits // 8) of token lists; None or empty sets no bit."""
        out = np.zeros((len(items), f.bits // 8), dtype=np.uint8)
        for s in range(0, len(items), chunk):
            part = [t or () for t in items[s:s + chunk]]
            counts = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
            if not counts.any():
                continue
            rows = self._token_rows(f, list(chain.from_iterable(part)))  # may grow the table: first
            positions = self._table[f.name][rows]
            dense = np.zeros((len(part), f.bits), dtype=bool)
            dense[np.repeat(np.arange(len(part)), counts)[:, None], positions] = True
            out[s:s + len(part)] = np.packbits(dense, axis=1)
        return out

    def _family_bits(self, f: FieldSpec, n: int, families: Sequence[Family], chunk: int = 1 << 27) -> np.ndarray:
        """Bit-packed filters (n, bits // 8) of n values from their tokens by family (``columnar.Family``):
        each distinct token hashed once, its positions gathered for every value that has it."""
        owners, positions = [], []
        for fam in families:
            if len(fam.owners):
                rows = self._token_rows(f, fam.texts)  # grows the table (or clears it): positions now
                owners.append(fam.owners)
                positions.append(self._table[f.name][rows[fam.codes]])
        out = np.zeros((n, f.bits // 8), dtype=np.uint8)
        if not owners:
            return out
        own, pos = np.concatenate(owners), np.concatenate(positions)
        step = max(1, chunk // f.bits)  # values per dense block: bounded memory
        for lo in range(0, n, step):
            sel = slice(None) if step >= n else (own >= lo) & (own < lo + step)
            size = min(step, n - lo)
            dense = np.zeros(size * f.bits, dtype=bool)
            dense[((own[sel] - lo)[:, None] * f.bits + pos[sel]).reshape(-1)] = True
            out[lo:lo + size] = np.packbits(dense.reshape(size, f.bits), axis=1)
        return out

    def _harden(self, f: FieldSpec, packed: np.ndarray, present: np.ndarray) -> np.ndarray:
        h = self.schema.hardening
        if not (h.balance or h.xor_fold):
            return packed
        dense = np.unpackbits(packed, axis=1).astype(bool)
        if h.balance:  # complement appended, then a keyed permutation: half the bits set, always
            dense = np.concatenate([dense, ~dense], axis=1)[:, self._perm[f.name]]
            dense[~present] = False
        if h.xor_fold:
            half = dense.shape[1] // 2
            dense = dense[:, :half] ^ dense[:, half:]
        return np.packbits(dense, axis=1)

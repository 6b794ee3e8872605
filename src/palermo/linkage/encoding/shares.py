"""The work of one batch split into shares for several processes, by field and blocking key rather than by
rows: the work is per distinct value, so halves of the rows would each redo most of it (two processes gave
1.3x), while a field done by one process is done once for all rows.

A share is a set of fields and blocking keys, placed so that the most loaded process has the least work by
the cost model below: a blocking key placed with the fields it reads reuses their normalised values and
tokens; placed elsewhere it pays for normalising them again. Which process does what never changes the
bytes (``Batch.part``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product

from palermo.linkage.schema import BlockSpec, FieldSpec, LinkageSchema

# Estimated work per kind, relative (milliseconds of one core per 20,000 synthetic rows, default schema, cold
# caches, measured on a busy machine with the column-wise encoding): a field's filter (per column for names),
# normalising a field's values when only a blocking key needs them, a blocking key's own work (messages,
# HMACs, factorising) and that of each part by transform; an exact-value part costs by kind (few distinct
# countries, many distinct dates), more where the field's tokens are not at hand.
_FIELD = {"name": 37, "date": 57, "document": 78, "text": 80, "sex": 2, "country": 2}
_NORMALISE = {"name": 17, "date": 36, "document": 26, "text": 25, "sex": 1, "country": 1}
_KEY = 15
_TRANSFORM = {"phonetic_min": 22, "phonetic_max": 22, "phonetic_all": 28, "initials": 25, "year": 5, "year_month": 15,
              "head4": 5, "tail4": 6}
_VALUE = {"name": 30, "date": 18, "document": 26, "text": 30, "sex": 2, "country": 2}
# What a process spends besides its share: the parent reads every column, sends and merges; a worker is
# sent its columns and sends its part back.
_PARENT, _WORKER = 40, 15
_EXHAUSTIVE = 4096  # placements tried one by one up to this many; beyond it, largest unit first


@dataclass(frozen=True)
class Share:
    """The fields and blocking keys one process encodes, and the columns it reads for them."""

    fields: frozenset[str]
    blocks: frozenset[str]
    columns: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.fields or self.blocks)


def shares(schema: LinkageSchema, processes: int) -> list[Share]:
    """The work split into ``processes`` shares (the first for the parent process; a share may be empty),
    balanced by estimated cost: every placement of the fields is tried (up to a limit), and each placement's
    blocking keys go, largest first, where they add least to the most loaded process."""
    fields = {f.name: f for f in schema.fields}
    names = list(fields)
    if processes <= 1:
        placements: Iterable[tuple[int, ...]] = [(0,) * len(names)]
    elif processes ** len(names) <= _EXHAUSTIVE:
        placements = product(range(processes), repeat=len(names))
    else:  # largest field first, to the least loaded process
        loads, placed = [_PARENT] + [_WORKER] * (processes - 1), [0] * len(names)
        for i in sorted(range(len(names)), key=lambda i: -_field_cost(fields[names[i]])):
            placed[i] = min(range(processes), key=loads.__getitem__)
            loads[placed[i]] += _field_cost(fields[names[i]])
        placements = [tuple(placed)]
    keys = sorted(schema.blocking, key=lambda b: -_key_cost(b, fields, set(fields)))
    best: tuple[tuple[int, int], list[set[str]], list[set[str]]] | None = None
    for where in placements:
        mine = [{n for n, w in zip(names, where) if w == k} for k in range(processes)]
        loads = [sum(map(_field_cost, (fields[n] for n in m))) + (_PARENT if k == 0 else _WORKER)
                 for k, m in enumerate(mine)]
        normalised, blocks = [set(m) for m in mine], [set() for _ in mine]  # type: list[set[str]], list[set[str]]
        for b in keys:
            k = min(range(processes), key=lambda k: (loads[k] + _key_cost(b, fields, normalised[k]), k))
            loads[k] += _key_cost(b, fields, normalised[k])
            normalised[k] |= {p.partition(":")[0] for p in b.parts}
            blocks[k].add(b.name)
        score = (max(loads), sum(loads))
        if best is None or score < best[0]:
            best = score, mine, blocks
    assert best is not None  # at least one placement is tried
    _, mine, blocks = best
    return [Share(frozenset(m), frozenset(bl), _columns(schema, fields, m, bl)) for m, bl in zip(mine, blocks)]


def _field_cost(f: FieldSpec) -> int:
    return _FIELD[f.kind] * (len(f.columns) if f.kind == "name" else 1)


def _key_cost(b: BlockSpec, fields: dict[str, FieldSpec], normalised: set[str]) -> int:
    """Estimated work of a blocking key in a process that has normalised these fields already."""
    cost = _KEY
    for part in b.parts:
        field, _, transform = part.partition(":")
        f = fields[field]
        cost += _VALUE[f.kind] if transform == "value" else _TRANSFORM[transform]
        if field not in normalised:
            cost += _NORMALISE[f.kind] * (len(f.columns) if f.kind == "name" else 1)
            cost += _VALUE[f.kind] * 3 // 2 if transform == "value" else 0  # the field's tokens made again
    return cost


def _columns(schema: LinkageSchema, fields: dict[str, FieldSpec], mine: set[str], blocks: set[str]) -> tuple[str, ...]:
    """The columns a share reads: its fields', those its blocking keys' parts read, and the attribute salt's."""
    used = set(mine)
    used |= {p.partition(":")[0] for b in schema.blocking if b.name in blocks for p in b.parts}
    salt = (schema.hardening.attribute_salt or "").partition(":")[0]
    if salt and any(fields[n].kind == "name" for n in mine):
        used.add(salt)
    return tuple(dict.fromkeys(c for f in schema.fields if f.name in used for c in f.columns))

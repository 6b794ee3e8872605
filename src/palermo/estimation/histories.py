"""Capture histories: how many people appear on each combination of agencies' lists.

This is the input of multiple systems estimation (MSE). A table has one 0/1 column per list and a
count column (``count``, ``frequency``, ``n`` or ``freq``), exactly the shape of the SparseMSE data
sets (UKdat, Ned, NewOrl, Western). Combinations nobody appears on may be left out; the all-zero
combination (people on no list) is what MSE estimates, so it may not be given.

    >>> h = CaptureHistories.from_csv_text("A,B,count\\n1,0,30\\n0,1,20\\n1,1,10\\n")
    >>> h.lists, h.observed
    (('A', 'B'), 60)
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from palermo.errors import Problem, ValidationError
from palermo.messages import N_

COUNT_COLUMNS = ("count", "frequency", "freq", "n")
MAX_COUNT = 100_000_000  # more people than any victim list holds; keeps the arithmetic far from overflow
MAX_LISTS = 12  # 2^12 - 1 = 4,095 cells; beyond that log-linear MSE is not a sensible tool anyway


@dataclass(frozen=True)
class ListChange:
    """A list dropped or merged before modelling, with the reason (shown to the user)."""

    action: str  # "dropped" | "merged"
    lists: tuple[str, ...]
    into: str | None
    reason: str

    def __str__(self) -> str:
        if self.action == "merged":
            return f"merged {' + '.join(self.lists)} into {self.into}: {self.reason}"
        return f"dropped {', '.join(self.lists)}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"action": self.action, "lists": list(self.lists), "into": self.into, "reason": self.reason}


@dataclass(frozen=True)
class CaptureHistories:
    """Observed counts by combination of lists (a capture history is a 0/1 tuple, one entry per list)."""

    lists: tuple[str, ...]
    counts: Mapping[tuple[int, ...], int]
    changes: tuple[ListChange, ...] = field(default=())

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_rows(cls, lists: Sequence[str], rows: Iterable[tuple[Sequence[object], object]]) -> CaptureHistories:
        """Validate ``(pattern, count)`` rows against ``lists`` and report every problem at once.

        Rows with the same pattern are added together; zero counts are kept out.
        """
        lists = tuple(str(x).strip() for x in lists)
        problems: list[Problem] = []
        if len(lists) < 2:
            problems.append(Problem(
                N_("multiple systems estimation needs at least two lists, got {n_lists} list column(s) {lists}; add "
                   "the capture history of a second (preferably third) list",
                   n_lists=len(lists), lists=list(lists)), field="lists"))
        if len(lists) > MAX_LISTS:
            problems.append(Problem(N_("at most {max_lists} lists are supported, got {n_lists}; merge small lists "
                                       "first",
                                       max_lists=MAX_LISTS, n_lists=len(lists)),
                                    field="lists"))
        dupes = sorted({x for x in lists if lists.count(x) > 1})
        if dupes:
            problems.append(Problem(N_("list names must be unique"), field="lists", value=", ".join(dupes)))
        empty_names = [i + 1 for i, x in enumerate(lists) if not x]
        if empty_names:
            problems.append(Problem(N_("list column(s) {empty_names} have no name; give every list a header",
                                       empty_names=empty_names), field="lists"))
        counts: dict[tuple[int, ...], int] = {}
        for line, (pattern, raw_count) in enumerate(rows, start=2):  # line 1 is the header of a file
            row_ok = True
            values = list(pattern)
            if len(values) != len(lists):
                problems.append(Problem(N_("expected {n_lists} list values, got {n_values}",
                                           n_lists=len(lists), n_values=len(values)), line=line))
                continue
            bits: list[int] = []
            for name, value in zip(lists, values):
                bit = _as_bit(value)
                if bit is None:
                    problems.append(Problem(N_("a list column must be 0 (not on the list) or 1 (on the list)"),
                                            line=line, field=name, value=value))
                    row_ok = False
                else:
                    bits.append(bit)
            count = _as_count(raw_count)
            if count is None:
                problems.append(Problem(N_("the count must be a whole number of people"), line=line, field="count",
                                        value=raw_count))
                row_ok = False
            elif count < 0:
                problems.append(Problem(N_("the count cannot be negative"), line=line, field="count", value=raw_count))
                row_ok = False
            elif count > MAX_COUNT:
                problems.append(Problem(N_("the count is implausibly large (more than {max_count:,} people)",
                                           max_count=MAX_COUNT),
                                        line=line, field="count", value=raw_count))
                row_ok = False
            if row_ok and not any(bits):
                problems.append(Problem(
                    N_("all-zero row: people on no list are what the estimate is for and cannot be counted; remove "
                       "this row"), line=line, value=count))
                row_ok = False
            if row_ok and count:
                key = tuple(bits)
                counts[key] = counts.get(key, 0) + int(count)
        if not problems and not counts:
            problems.append(Problem(N_("the table has no people in it (all counts are zero or there are no rows)")))
        if problems:
            raise _rejected(problems)
        return cls(lists, dict(sorted(counts.items(), key=lambda kv: (sum(kv[0]), tuple(-b for b in kv[0])))))

    @classmethod
    def from_csv_text(cls, text: str) -> CaptureHistories:
        """Read a CSV with one 0/1 column per list and a count column (count/frequency/freq/n)."""
        from palermo.statistics.textfile import sniff_separator

        text = text.lstrip("\ufeff")
        reader = csv.reader(io.StringIO(text), delimiter=sniff_separator(text))
        rows = [r for r in reader if any(c.strip() for c in r)]
        if not rows:
            raise ValidationError(N_("the capture-history file is empty; expected a header like LA,NG,PF,count and "
                                     "rows of 0/1"))
        header = [c.strip() for c in rows[0]]
        lowered = [c.lower() for c in header]
        found = [i for i, c in enumerate(lowered) if c in COUNT_COLUMNS]
        if len(found) != 1:
            what = "no count column" if not found else f"{len(found)} count columns {[header[i] for i in found]}"
            raise ValidationError(
                N_("{what} in the header {header}; name exactly one column {count_columns} (how many people have "
                   "that combination of lists) and the others after the lists",
                   what=what, header=header, count_columns=', '.join(COUNT_COLUMNS)),
                [Problem(N_("need exactly one count column"), line=1, field="header", value=",".join(header))])
        ci = found[0]
        lists = [c for i, c in enumerate(header) if i != ci]
        data: list[tuple[list[object], object]] = []
        problems: list[Problem] = []
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                problems.append(Problem(N_("expected {n_header} columns, got {n_row}",
                                           n_header=len(header), n_row=len(row)), line=line,
                                        value=",".join(row)))
                data.append(([None] * len(lists), None))  # keeps the line numbers of later rows right
                continue
            data.append(([c.strip() for i, c in enumerate(row) if i != ci], row[ci].strip()))
        try:
            result = cls.from_rows(lists, data)
        except ValidationError as exc:
            # column-count problems replace the generic "expected N list values" for the same lines
            bad_lines = {p.line for p in problems}
            merged = problems + [p for p in exc.problems if p.line not in bad_lines]
            raise _rejected(sorted(merged, key=lambda p: (p.line or 0))) from None
        if problems:
            raise _rejected(problems)
        return result

    @classmethod
    def from_csv(cls, path: str | Path) -> CaptureHistories:
        p = Path(path)
        if not p.exists():
            raise ValidationError(N_("no such file: {p}; give the path of a CSV of capture histories", p=p))
        return cls.from_bytes(p.read_bytes(), p.name)

    @classmethod
    def from_bytes(cls, data: bytes, name: str) -> CaptureHistories:
        """A file as uploaded: CSV in any encoding and separator the statistics importers read, or the
        first sheet of a workbook (.xlsx, .xls, .ods), header in its first non-blank row."""
        import tempfile

        from palermo.statistics.rows import LINE, WORKBOOKS, read_table
        from palermo.statistics.textfile import decode

        suffix = Path(name).suffix.lower()
        if suffix not in WORKBOOKS:
            return cls.from_csv_text(decode(data, Path(name).name)[0])
        with tempfile.TemporaryDirectory(prefix="palermo-lists-") as tmp:
            path = Path(tmp) / Path(name).name
            path.write_bytes(data)
            sheet = read_table(path)
        return cls.from_csv_text(sheet.drop(LINE).write_csv())

    @classmethod
    def from_overlap(cls, overlap: Mapping[tuple[str, ...], int] | Mapping[str, int],
                     lists: Sequence[str] | None = None) -> CaptureHistories:
        """From counts keyed by the set of lists a person is on, e.g. ``{("NGO",): 40, ("NGO", "POLICE"): 5}``.

        This is the shape :func:`palermo.linkage.hub.list_overlap` returns. ``lists`` fixes the list
        order (and keeps lists on which nobody appears); by default the sorted names found.
        """
        keys = [(k,) if isinstance(k, str) else tuple(k) for k in overlap]
        names = tuple(lists) if lists else tuple(sorted({n for k in keys for n in k}))
        unknown = sorted({n for k in keys for n in k} - set(names))
        if unknown:
            raise ValidationError(N_("overlap counts name lists {unknown} that are not among {names}",
                                     unknown=unknown, names=list(names)))
        rows = [([1 if n in k else 0 for n in names], v) for k, v in zip(keys, overlap.values())]
        return cls.from_rows(names, rows)

    # ------------------------------------------------------------------ views
    @property
    def m(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        """People on at least one list."""
        return int(sum(self.counts.values()))

    def list_totals(self) -> dict[str, int]:
        return {name: int(sum(c for k, c in self.counts.items() if k[i])) for i, name in enumerate(self.lists)}

    def pair_overlaps(self) -> dict[tuple[int, int], int]:
        """People on both lists i and j (whatever other lists they are on)."""
        return {(i, j): int(sum(c for k, c in self.counts.items() if k[i] and k[j]))
                for i, j in itertools.combinations(range(self.m), 2)}

    def full_table(self) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
        """Every observable capture history (2^m - 1, zeros included) and its count."""
        patterns = np.array([p for p in itertools.product((0, 1), repeat=self.m) if any(p)], dtype=np.int8)
        order = np.lexsort(tuple(-patterns[:, j] for j in reversed(range(self.m))) + (patterns.sum(axis=1),))
        patterns = patterns[order]
        counts = np.array([self.counts.get(tuple(int(b) for b in p), 0) for p in patterns], dtype=float)
        return patterns, counts

    def rows(self) -> list[dict[str, int]]:
        """The observed combinations as plain rows (lists as keys, plus ``count``)."""
        return [{**{n: b for n, b in zip(self.lists, k)}, "count": c} for k, c in self.counts.items()]

    def to_csv_text(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow([*self.lists, "count"])
        for k, c in self.counts.items():
            w.writerow([*k, c])
        return out.getvalue()

    # ------------------------------------------------------------------ transformations
    def merge(self, members: Sequence[str], into: str | None = None, reason: str = "merged on request") -> CaptureHistories:
        """A person is on the merged list when on any of ``members`` (e.g. police forces and the NCA)."""
        missing = [x for x in members if x not in self.lists]
        if missing or len(members) < 2:
            raise ValidationError(
                N_("cannot merge {members}: unknown list(s) {missing}; lists are {lists}", members=list(members),
                   missing=missing, lists=list(self.lists)) if missing else
                N_("cannot merge {members}: name at least two lists, e.g. PF+NCA", members=list(members)))
        into = into or "".join(members)
        if into in self.lists and into not in members:
            raise ValidationError(N_("cannot call the merged list {into!r}: a list with that name exists already",
                                     into=into))
        idx = [self.lists.index(x) for x in members]
        keep = [i for i in range(self.m) if i not in idx]
        first = min(idx)
        names: list[str] = []
        for i in range(self.m):
            if i == first:
                names.append(into)
            elif i in keep:
                names.append(self.lists[i])
        counts: dict[tuple[int, ...], int] = {}
        for k, c in self.counts.items():
            merged_bit = int(any(k[i] for i in idx))
            new = tuple(merged_bit if i == first else k[i] for i in range(self.m) if i == first or i in keep)
            counts[new] = counts.get(new, 0) + c
        change = ListChange("merged", tuple(members), into, reason)
        return CaptureHistories(tuple(names), counts, self.changes + (change,))

    def drop(self, names: Sequence[str], reason: str) -> CaptureHistories:
        idx = [self.lists.index(x) for x in names]
        keep = [i for i in range(self.m) if i not in idx]
        counts: dict[tuple[int, ...], int] = {}
        for k, c in self.counts.items():
            new = tuple(k[i] for i in keep)
            if any(new):
                counts[new] = counts.get(new, 0) + c
        change = ListChange("dropped", tuple(names), None, reason)
        return CaptureHistories(tuple(self.lists[i] for i in keep), counts, self.changes + (change,))

    def without_uninformative_lists(self) -> CaptureHistories:
        """Merge identical lists and drop lists that are empty or hold everybody observed.

        As SparseMSE's ``removenoninformativelists``: such a list says nothing about who is missed (an
        empty list) or makes the estimate infinite (a list holding everyone leaves no one to compare).
        People found only on a dropped list-holding-everyone stay counted through the other lists.
        """
        h = self
        totals = h.list_totals()
        empty = [n for n in h.lists if totals[n] == 0]
        if empty:
            h = h.drop(empty, "nobody observed is on it, so it carries no information")
        changed = True
        while changed and h.m >= 2:
            changed = False
            cols = {n: tuple(k[i] for k in h.counts) for i, n in enumerate(h.lists)}
            for a, b in itertools.combinations(h.lists, 2):
                if cols[a] == cols[b]:
                    h = h.merge([a, b], f"{a}={b}", "the two lists hold exactly the same people")
                    changed = True
                    break
        if h.m >= 2:
            everyone = [n for n, t in h.list_totals().items() if t == h.observed]
            if everyone and h.m - len(everyone) >= 1:
                h = h.drop(everyone, "everybody observed is on it, so there is no one off it to compare with "
                                     "and the estimate would be infinite")
        return h


def _rejected(problems: list[Problem]) -> ValidationError:
    head = f": {problems[0]}" if len(problems) == 1 else f" ({len(problems)} problems)"
    return ValidationError(N_("the capture-history table is not usable{head}", head=head), problems)


def _as_bit(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return int(value)
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and value.strip() in ("0", "1", "0.0", "1.0"):
        return int(float(value.strip()))
    return None


def _as_count(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        s = value.strip().replace(",", "")
        try:
            f = float(s)
        except ValueError:
            return None
        return int(f) if f.is_integer() else None
    return None

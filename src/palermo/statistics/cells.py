"""Rows that make one harmonised cell: summed (censored intervals as intervals, an unknown part makes
the cell unknown), the sums named for the import report, and breakdowns checked against their totals."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl

from palermo.messages import N_
from palermo.statistics.ingest import ObservationSpec, frame_of

KEY = ["indicator", "country", "period", "sex", "age_group", "citizenship", "exploitation"]


def _aggregate(specs: list[ObservationSpec]) -> list[ObservationSpec]:
    """Rows that map to the same harmonised cell are summed; censored intervals add up as intervals."""
    cells: dict[tuple[Any, ...], list[ObservationSpec]] = defaultdict(list)
    for s in specs:
        cells[(s.indicator, s.country, s.period, s.sex, s.age_group, s.citizenship, s.exploitation)].append(s)
    out = []
    for group in cells.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        first = group[0]
        known = [g.value for g in group if g.value is not None]
        censored = [g for g in group if g.value is None and g.lower is not None]
        unknown = [g for g in group if g.value is None and g.lower is None]
        flags = set().union(*(g.flags for g in group))
        total = sum(known)
        if unknown:
            value, lower, upper = None, None, None
        elif censored:
            value, lower, upper = None, total + sum(g.lower or 0 for g in censored), total + sum(g.upper or 0 for g in censored)
        else:
            value, lower, upper = total, None, None
        mapping = f"sum of {len(group)} source rows: " + "; ".join(sorted({g.mapping for g in group}))[:250]
        out.append(ObservationSpec(first.indicator, first.country, first.period, first.sex, first.age_group,
                                   first.citizenship, first.exploitation, value, flags, lower, upper, None, 0, mapping,
                                   first.line))
    return out


# Category sets that cover a dimension: only then must the parts add up to the total (a lone "child"
# row is a partial breakdown, not an inconsistency). Parts can never exceed the total, complete or not.
COMPLETE: dict[str, list[tuple[str, ...]]] = {"sex": [("female", "male")], "age_group": [("child", "adult")],
            "citizenship": [("nationals", "foreign"), ("nationals", "eu", "non_eu")],
            "exploitation": [("sexual", "labour", "other")]}


DIMENSIONS = ("sex", "age_group", "citizenship", "exploitation")


def check_totals(df: pl.DataFrame, warnings: list[str]) -> pl.DataFrame:
    """Breakdowns that do not add up to their total are kept, flagged, and reported with the gap."""
    non_total = pl.sum_horizontal(*[(pl.col(d) != "total").cast(pl.Int32) for d in DIMENSIONS])
    place = ["indicator", "country", "period"]
    totals = df.filter((non_total == 0) & pl.col("value").is_not_null()).select(*place, total=pl.col("value"))
    parts = (df.with_row_index("_row").filter(non_total == 1)
             .with_columns(dim=pl.coalesce([pl.when(pl.col(d) != "total").then(pl.lit(d)) for d in DIMENSIONS]),
                           cat=pl.coalesce([pl.when(pl.col(d) != "total").then(pl.col(d)) for d in DIMENSIONS]))
             .filter(pl.col("cat") != "unknown"))
    groups = (parts.group_by(*place, "dim", maintain_order=True)
              .agg(unknown=(pl.col("value").is_null() & pl.col("lower").is_null()).any(),
                   lo=pl.coalesce("value", "lower", pl.lit(0.0)).sum(), hi=pl.coalesce("value", "upper", pl.lit(0.0)).sum(),
                   cats=pl.col("cat").unique(), rows=pl.col("_row"))
              .join(totals, on=place, how="inner", maintain_order="left").filter(~pl.col("unknown")))
    flagged: list[int] = []
    for ind, c, p, dim, _, lo, hi, cats, rows, total in groups.iter_rows():
        complete = any(set(combo) <= set(cats) for combo in COMPLETE.get(dim, []))
        if complete and total > hi:
            warnings.append(N_("{indicator} {country} {period}: the {dimension} breakdown adds up to at most {at_most:g}, "
                               "the total is {total:g} (gap {gap:g})", indicator=ind, country=c, period=p, dimension=dim,
                               at_most=hi, total=total, gap=total - hi))
        elif lo > total:
            warnings.append(N_("{indicator} {country} {period}: the {dimension} breakdown adds up to at least {at_least:g}, "
                               "more than the total {total:g} (gap {gap:g})", indicator=ind, country=c, period=p,
                               dimension=dim, at_least=lo, total=total, gap=lo - total))
        else:
            continue
        flagged += rows
    if not flagged:
        return df
    add = (pl.concat_list(pl.col("flags").str.split(","), pl.lit(["inconsistent"]))
           .list.eval(pl.element().filter(pl.element() != "")).list.unique().list.sort().list.join(","))
    return (df.with_row_index("_row").with_columns(flags=pl.when(pl.col("_row").is_in(flagged)).then(add)
                                                   .otherwise(pl.col("flags"))).drop("_row"))


def aggregate_frame(df: pl.DataFrame, warnings: list[str] | None = None) -> pl.DataFrame:
    """Sum the rows that map to one harmonised cell (only those go through :func:`_aggregate`); the
    report names the summed cells and those a part with an unknown value made unknown."""
    many = pl.len().over(KEY) > 1
    dup = df.filter(many)
    if dup.height == 0:
        return df
    if warnings is not None:
        _report_sums(dup, warnings)
    specs = [ObservationSpec(**{**r, "flags": set(filter(None, (r["flags"] or "").split(",")))})
             for r in dup.iter_rows(named=True)]
    return pl.concat([df.filter(~many), frame_of(_aggregate(specs))])


def _report_sums(dup: pl.DataFrame, warnings: list[str]) -> None:
    cells = (dup.group_by(KEY, maintain_order=True)
             .agg(lines=pl.col("line").sort(), unknown=(pl.col("value").is_null() & pl.col("lower").is_null()).any()))

    def named(rows: pl.DataFrame) -> str:
        shown = [f"lines {', '.join(str(n) for n in r['lines'][:6])}{'…' if len(r['lines']) > 6 else ''} -> "
                 f"{r['indicator']} {r['country']} {r['period']} "
                 + "/".join(r[d] for d in ("sex", "age_group", "citizenship", "exploitation"))
                 for r in rows.head(5).iter_rows(named=True)]
        return "; ".join(shown) + (f"; and {rows.height - 5} more" if rows.height > 5 else "")

    warnings.append(N_("{n_cells} cell(s) are the sum of several rows that map to them (as the format documents): "
                       "{cells}", n_cells=cells.height, cells=named(cells)))
    unknown = cells.filter(pl.col("unknown"))
    if unknown.height:
        warnings.append(N_("{n_cells} summed cell(s) are unknown because a part of them is unknown (empty or nan): "
                           "{cells}", n_cells=unknown.height, cells=named(unknown)))

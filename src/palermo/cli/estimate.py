"""`palermo stats estimate`: the CLI face of palermo.estimation (multiple systems estimation)."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from palermo.cli.common import cli_principal, console, database, handle_errors, print_json
from palermo.errors import ValidationError
from palermo.estimation import CRITERIA, DEFAULT_CRITERION, CaptureHistories, EstimateResult, estimate_population
from palermo.estimation.estimate import bootstrap_method_for


@handle_errors
def estimate(
    lists: Path | None = typer.Argument(None, help="CSV of capture histories: one 0/1 column per list and a count "
                                                  "column (count, frequency or n), e.g. LA,NG,PF,count."),
    table: str | None = typer.Option(None, "--table", help="Estimate a table saved in the database instead, by its "
                                                           "reference tbl-… (e.g. a hub overlap; see --tables)."),
    tables: bool = typer.Option(False, "--tables", help="List the capture-history tables saved in the database."),
    criterion: str = typer.Option(DEFAULT_CRITERION, "--criterion", "-c",
                                  help=f"Model choice: {', '.join(CRITERIA)} (pvalue = SparseMSE stepwise rule; "
                                       "average = BIC-weighted model averaging)."),
    bootstrap: int = typer.Option(0, "--bootstrap", "-b", min=0, max=10_000,
                                  help="Bootstrap replicates (0 = profile-likelihood interval); see --bootstrap-method."),
    bootstrap_method: str = typer.Option(
        "parametric", "--bootstrap-method",
        help="parametric = Poisson tables drawn from the fitted model, percentile interval; bca = the observed "
             "people resampled, bias-corrected and accelerated interval (Chan, Silverman & Vincent 2021). "
             "Both re-select the model in every replicate."),
    merge: list[str] = typer.Option([], "--merge", "-m", help="Merge lists first, e.g. --merge PF+NCA (repeatable)."),
    terms: list[str] = typer.Option([], "--term", "-t",
                                    help="Fit this interaction instead of choosing (repeatable), e.g. --term LA:NG."),
    confidence: float = typer.Option(0.95, help="Confidence level of the interval."),
    pthresh: float = typer.Option(0.02, help="p-value threshold for --criterion pvalue."),
    seed: int = typer.Option(2000, help="Random seed of the bootstrap (results are reproducible)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Estimate the total number of victims, seen and unseen, from the overlap of several lists."""
    if tables:
        _print_tables(as_json)
        return
    method = bootstrap_method_for(bootstrap_method, bootstrap)
    histories = _histories(lists, table)
    groups = [[x.strip() for x in m.split("+") if x.strip()] for m in merge]
    kwargs = dict(criterion=criterion.lower(), confidence=confidence, pthresh=pthresh, seed=seed,
                  terms=terms or None, merge=groups, bootstrap_method=method)
    if bootstrap and not as_json:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("bootstrap", total=bootstrap)
            result = estimate_population(histories, bootstrap=bootstrap,
                                         progress=lambda k: bar.update(task, completed=k), **kwargs)  # type: ignore[arg-type]
    else:
        result = estimate_population(histories, bootstrap=bootstrap, **kwargs)  # type: ignore[arg-type]
    if as_json:
        print_json(result.to_dict())
        return
    _print(result)


def _histories(lists: Path | None, table: str | None) -> CaptureHistories:
    if (lists is None) == (table is None):
        raise ValidationError("give either a CSV file of capture histories or --table REFERENCE (list them with --tables)")
    if lists is not None:
        return CaptureHistories.from_csv(lists)
    from palermo.estimation.tables import get_table, histories_of

    with database().session(write=False) as s:
        return histories_of(get_table(s, cli_principal(), str(table)))


def _print_tables(as_json: bool) -> None:
    from palermo.estimation.tables import histories_of, visible_tables

    with database().session(write=False) as s:
        rows = [{"reference": t.reference, "name": t.name, "country": t.country, "period": t.period, "origin": t.origin,
                 "shared": t.shared, "lists": list(histories_of(t).lists), "observed": histories_of(t).observed}
                for t in visible_tables(s, cli_principal())]
    if as_json:
        print_json(rows)
        return
    out = Table("reference", "name", "country", "period", "origin", "lists", "observed", show_edge=False)
    for r in rows:
        out.add_row(str(r["reference"]), str(r["name"]), str(r["country"] or "—"), str(r["period"] or "—"), str(r["origin"]),
                    ", ".join(r["lists"]), f"{r['observed']:,}")  # type: ignore[arg-type]
    console.print(out if rows else "No capture-history tables saved yet.")


def _print(r: EstimateResult) -> None:
    upper = "unbounded" if math.isinf(r.upper) else f"{r.upper:,.0f}"
    console.print(f"[bold]Estimated total:[/] {r.estimate:,.0f}  "
                  f"({r.confidence:.0%} interval {r.lower:,.0f} – {upper}, {r.interval_method})")
    console.print(f"Observed on at least one list: {r.observed:,}; estimated not on any list: {r.dark_figure:,.0f}")
    console.print(f"Method: {r.method}, Poisson log-linear model; criterion {r.criterion}"
                  + (f" (p < {r.pthresh})" if r.pthresh else ""))
    console.print(f"Lists ({len(r.lists)}): " + ", ".join(f"{n} ({t:,})" for n, t in r.list_totals.items()))
    avg = r.extra.get("model_average")
    if avg:
        console.print(f"Averaged over {avg['models']} models built from: " + (", ".join(avg["candidate_terms"]) or "none"))
        for m in avg["top"][:3]:
            console.print(f"  weight {m['weight']:.2f}: main effects" + "".join(f" + {t}" for t in m["terms"])
                          + f" -> {m['estimate']:,.0f}")
    else:
        console.print("Model: main effects" + (" + " + " + ".join(r.terms) if r.terms else " only"))
    if r.non_overlapping_terms:
        console.print("  terms for lists that share nobody (cells left out): " + ", ".join(r.non_overlapping_terms))
    if r.criterion == "pvalue":
        table = Table("step", "term added", "p-value", show_edge=False)
        for i, s in enumerate(r.steps, start=1):
            table.add_row(str(i), s.term, f"{s.score_after:.3g}")
    else:
        table = Table("step", "term added", f"{r.criterion.upper()} before", "after", show_edge=False)
        for i, s in enumerate(r.steps, start=1):
            table.add_row(str(i), s.term, f"{s.score_before:.1f}", f"{s.score_after:.1f}")
    if r.steps:
        console.print(table)
    for w in r.warnings:
        console.print(f"[yellow]Warning:[/] {w}", highlight=False)


def register(app: typer.Typer) -> None:
    """Mount the command on the `palermo stats` group (the group file belongs to statistics)."""
    app.command("estimate")(estimate)

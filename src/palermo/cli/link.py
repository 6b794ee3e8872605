"""`palermo link …`: the CLI face of palermo.linkage."""

from __future__ import annotations

import csv
import secrets
from pathlib import Path
from urllib.parse import quote

import typer

from palermo.cli.common import console, handle_errors, print_json, progress_bar, settings
from palermo.errors import PalermoError, ValidationError

app = typer.Typer(help="Hit/no-hit linkage of person records without sharing personal data.", no_args_is_help=True)


@app.command("keygen")
@handle_errors
def keygen(output: Path = typer.Option(..., "-o", "--output", help="Secret file to create (share it only with partner agencies).")) -> None:
    """Create a random shared secret for encoding (64 characters, 384 bits)."""
    if output.exists():
        raise ValidationError(f"{output} exists; refusing to overwrite a secret (remove it first if you mean it)")
    output.write_text(secrets.token_urlsafe(48))
    output.chmod(0o600)
    console.print(f"Secret written to {output} (readable by you only). Share it with the partner agencies, never with the hub.")


@app.command("encode")
@handle_errors
def encode(persons: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV of person records."),
           schema: Path = typer.Option(None, "--schema", exists=True, dir_okay=False,
                                       help="Linkage schema JSON (Palermo or clkhash v3); default: the built-in schema."),
           secret_file: Path = typer.Option(..., "--secret-file", help="The agencies' shared secret."),
           output: Path = typer.Option(..., "-o", "--output", help="Parquet file of encodings to write."),
           hub: str = typer.Option(None, "--hub", help="Name of the hub the encodings are for (default: settings hub_name)."),
           id_column: str = typer.Option(None, "--id-column",
                                         help="Column holding the record ids (default: the schema's id column; for a "
                                              "clkhash schema its first ignored feature)."),
           strict: bool = typer.Option(False, "--strict",
                                       help="Refuse the file if any value cannot be read (a date that is no date, an "
                                            "unknown country) instead of encoding it as written with a warning."),
           key_epoch: int = typer.Option(1, "--key-epoch", min=1,
                                         help="Epoch of the shared secret (the hub operator numbers each new secret).")) -> None:
    """Encode person records locally into keyed Bloom filters; only the output file leaves the agency."""
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.files import read_persons
    from palermo.linkage.keys import read_secret
    from palermo.linkage.schema import DEFAULT_SCHEMA, load_schema

    sch = load_schema(schema, id_column) if schema else DEFAULT_SCHEMA.with_id_column(id_column)
    secret = read_secret(secret_file)
    rows = read_persons(persons, sch.columns())
    with progress_bar() as bar:
        task = bar.add_task(f"encoding {persons.name}", total=len(rows))
        ds = Encoder(sch, secret).encode(rows, label=persons.stem, progress=lambda n: bar.advance(task, n), strict=strict)
    ds.meta["hub"] = hub or settings().hub_name
    ds.meta["key_epoch"] = str(key_epoch)
    ds.write(output)
    console.print(f"Encoded {len(ds)} records to {output} (fingerprint {ds.fingerprint[:12]}…)")
    if ds.warnings:
        lines = sorted({p.line for p in ds.warnings if p.line is not None})
        console.print(f"Warning: {len(ds.warnings)} value(s) on {len(lines)} line(s) could not be read and were encoded "
                      "as written (they still match the same entry in another list); --strict refuses such a file. "
                      f"First lines: {', '.join(map(str, lines[:10]))}")
        for p in ds.warnings[:10]:
            console.print(f"  line {p.line}, {p.field}: {p.reason}", markup=False, highlight=False)


@app.command("match")
@handle_errors
def match_cmd(files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Two or more encodings files."),
              threshold: float = typer.Option(None, "--threshold", help="Match probability cut-off (default: calibrated for the schema)."),
              engine: str = typer.Option("local", "--engine", help="local or spark."),
              output: Path = typer.Option(..., "-o", "--output", help="CSV of matched pairs to write.")) -> None:
    """Match encodings offline (evaluation, benchmarks): one row per matched pair."""
    from palermo.linkage.encoding import read_encodings
    from palermo.linkage.engine import get_engine, link

    datasets = [read_encodings(f) for f in files]
    with progress_bar() as bar:
        bar.add_task(f"matching {len(files)} lists ({sum(map(len, datasets)):,} records)", total=None)
        result = link(datasets, threshold=threshold, engine=get_engine(engine))
    matches = result.matches
    with output.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file_a", "record_a", "file_b", "record_b", "score"])
        for m in matches:
            w.writerow([m.list_a, m.record_a, m.list_b, m.record_b, f"{m.probability:.6f}"])
    console.print(f"{len(matches)} matched pairs written to {output}")
    console.print(f"Expected from the match probabilities (no truth needed): {result.summary()}", highlight=False)


def _client(url: str | None, token: str | None):  # type: ignore[no-untyped-def]
    import httpx

    cfg = settings()
    base = url or f"http://{cfg.host}:{cfg.port}"
    if not token:
        raise ValidationError("an API token is needed: --token (issue one with `palermo users token USER` at the hub)")
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600)


def _check(r) -> dict:  # type: ignore[no-untyped-def]
    """The hub's JSON answer, or a clear error: a refusal with its message, or a server that is no hub."""
    try:
        body = r.json()
    except ValueError:  # HTML from a proxy or a wrong address, or nothing at all
        kind = r.headers.get("content-type", "no content type").split(";")[0]
        raise PalermoError(f"{r.url.scheme}://{r.url.host}:{r.url.port or ''} is not a Palermo hub: it answered "
                           f"{r.status_code} with {kind}, not JSON; check --url") from None
    if r.status_code >= 400:
        message = body.get("message", body) if isinstance(body, dict) else body
        raise PalermoError(f"the hub refused ({r.status_code}): {message}")
    return body


@app.command("submit")
@handle_errors
def submit(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Encodings made by `palermo link encode`."),
           label: str = typer.Option(..., "--label", help="Name of the list, e.g. 'suspects 2026-Q3'."),
           purpose: str = typer.Option(..., "--purpose", help="prevention, investigation, prosecution, victim_protection or research."),
           kind: str = typer.Option("suspects", "--kind", help="suspects or victims."),
           url: str = typer.Option(None, "--url", help="Hub URL (default: this machine's settings)."),
           token: str = typer.Option(None, "--token", envvar="PALERMO_TOKEN", help="API token of your agency's user.")) -> None:
    """Upload encodings to the hub with an API token; prints the hits found for your records."""
    import httpx

    try:
        with _client(url, token) as c:
            body = _check(c.post("/api/v1/linkage/uploads", data={"label": label, "purpose": purpose, "kind": kind},
                                 files={"file": (file.name, file.read_bytes(), "application/octet-stream")}))
    except httpx.HTTPError as exc:
        raise PalermoError(f"cannot reach the hub: {exc}; check --url") from None
    console.print(f"Upload {body['upload']} stored: compared with {body['compared']} list(s), {body['hits']} hit(s)")
    for org, reasons in body.get("refused", {}).items():
        console.print(f"  not compared with {org}: {'; '.join(reasons)}")


@app.command("hits")
@handle_errors
def hits(url: str = typer.Option(None, "--url", help="Hub URL."),
         token: str = typer.Option(None, "--token", envvar="PALERMO_TOKEN", help="API token."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Your records that may match records held by other agencies (references and scores only)."""
    import httpx

    try:
        with _client(url, token) as c:
            body = _check(c.get("/api/v1/linkage/hits"))
    except httpx.HTTPError as exc:
        raise PalermoError(f"cannot reach the hub: {exc}; check --url") from None
    if as_json:
        print_json(body)
        return
    for h in body:
        console.print(f"{h['reference']}: your record {h['my_record']} may match a record held by {h['other_agency']} "
                      f"(score {h['score']:.3f})")


@app.command("dedupe")
@handle_errors
def dedupe(persons: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV of person records of one agency."),
           output: Path = typer.Option(None, "-o", "--output", help="CSV of clusters to write."),
           threshold: float = typer.Option(0.9, "--threshold", help="Match probability for the same person."),
           as_json: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Find the same person under two spellings inside one agency's own file (Splink, DuckDB), plaintext, locally."""
    from palermo.linkage.dedupe import dedupe_file

    with progress_bar() as bar:
        bar.add_task(f"deduplicating {persons.name} with Splink", total=None)
        report = dedupe_file(persons, threshold=threshold, output=output)
    if as_json:
        print_json(report.to_dict())
        return
    console.print(report.summary())


def _call(url: str | None, token: str | None, method: str, path: str, **kw):  # type: ignore[no-untyped-def]
    """One request to the hub's API, its refusals turned into the hub's own message."""
    import httpx

    try:
        with _client(url, token) as c:
            return _check(c.request(method, path, **kw))
    except httpx.HTTPError as exc:
        raise PalermoError(f"cannot reach the hub: {exc}; check --url") from None


@app.command("review")
@handle_errors
def review(reference: str = typer.Argument(..., help="The hit's reference, e.g. hit-1a2b3c4d5e6f7a8b."),
           verdict: str = typer.Option(..., "--verdict", help="confirmed, rejected (not the same person) or unsure."),
           note: str = typer.Option("", "--note", help="A note kept with your organisation's verdict."),
           url: str = typer.Option(None, "--url", help="Hub URL."),
           token: str = typer.Option(None, "--token", envvar="PALERMO_TOKEN", help="API token."),
           as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Record your agency's verdict on a hit after its follow-up (only the two parties of a hit may)."""
    body = _call(url, token, "POST", f"/api/v1/linkage/hits/{reference}/review", json={"verdict": verdict, "note": note})
    if as_json:
        print_json(body)
        return
    other = f"; {body['other_agency']} said {body['their_verdict']}" if body.get("their_verdict") else ""
    console.print(f"{body['reference']}: your verdict {body['verdict']} recorded (outcome {body['outcome']}{other})")


@app.command("uploads")
@handle_errors
def uploads(url: str = typer.Option(None, "--url", help="Hub URL."),
            token: str = typer.Option(None, "--token", envvar="PALERMO_TOKEN", help="API token."),
            as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Your agency's uploads at the hub: status (live, superseded, withdrawn, expired) and expiry."""
    body = _call(url, token, "GET", "/api/v1/linkage/uploads")
    if as_json:
        print_json(body)
        return
    if not body:
        console.print("No uploads.")
    for u in body:
        until = f"expires {u['expires_at'][:10]}" if u["status"] == "live" and u.get("expires_at") else u.get("ended_reason", "")
        console.print(f"{u['reference']:<16}  {u['status']:<10} {u['label']} ({u['list_kind']}, {u['records']:,} records, "
                      f"key epoch {u['key_epoch']}, {u['open_hits']} open hits) {until}")


@app.command("withdraw")
@handle_errors
def withdraw(reference: str = typer.Argument(..., help="The upload's reference, upl-… (see `palermo link uploads`)."),
             url: str = typer.Option(None, "--url", help="Hub URL."),
             token: str = typer.Option(None, "--token", envvar="PALERMO_TOKEN", help="API token.")) -> None:
    """Withdraw one of your agency's uploads: the hub deletes its encodings and withdraws its hits."""
    body = _call(url, token, "DELETE", f"/api/v1/linkage/uploads/{quote(reference, safe='')}")
    console.print(f"Upload {body['reference']} withdrawn: encodings deleted, {body['hits_withdrawn']} hit(s) withdrawn")


@app.command("entities")
@handle_errors
def entities(url: str = typer.Option(None, "--url", help="Hub URL."),
             token: str = typer.Option(None, "--token", envvar="PALERMO_TOKEN", help="API token."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Your records that other agencies also hold, with which agencies (as far as your agreements let you know)."""
    body = _call(url, token, "GET", "/api/v1/linkage/entities")
    if as_json:
        print_json(body)
        return
    if not body:
        console.print("None of your records is known to another agency you may learn of.")
    for e in body:
        console.print(f"{e['reference']}: your record {e['my_record']} ({e['my_list']}) is known to {e['known_to']} agencies: "
                      f"yours, {', '.join(e['agencies'])}")


@app.command("estimate")
@handle_errors
def estimate_cmd(files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Two or more encodings files (one per list)."),
                 floor: float = typer.Option(0.05, "--floor", help="Candidate links down to this match probability are drawn."),
                 draws: int = typer.Option(200, "--draws", help="Link sets drawn."),
                 seed: int = typer.Option(2018, "--seed", help="Random seed (the same seed gives the same interval)."),
                 as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The hidden-figure estimate from encoded lists, with the interval that carries linkage error beside the naive one."""
    from palermo.estimation.linkage_error import estimate_with_linkage_error
    from palermo.linkage.encoding import read_encodings
    from palermo.linkage.engine import match

    if not 0 < floor < 0.5:
        raise ValidationError(f"--floor {floor} must be above 0 and below 0.5 (links at even odds are the naive ones)")
    datasets = [read_encodings(f) for f in files]
    for f, ds in zip(files, datasets):
        ds.label = f.stem
    if len({ds.label for ds in datasets}) != len(datasets):
        raise ValidationError("two files have the same name; give each list its own file name")
    with progress_bar() as bar:
        bar.add_task(f"linking {len(files)} lists and drawing {draws} link sets", total=None)
        links = [(m.list_a, m.record_a, m.list_b, m.record_b, float(m.probability))
                 for m in match(datasets, threshold=floor)]
        r = estimate_with_linkage_error({ds.label: list(ds.ids) for ds in datasets}, links, draws=draws, seed=seed)
    if as_json:
        print_json(r.to_dict())
        return
    console.print(f"Links taken as certain (probability ≥ 0.5, {r.links_naive}): estimate {r.naive_estimate:,.0f}, "
                  f"95% interval {r.naive_lower:,.0f} – {r.naive_upper:,.0f}")
    console.print(f"Carrying linkage error ({r.draws} link sets, {r.links_mean:,.0f} links on average): estimate "
                  f"{r.estimate:,.0f}, 95% interval {r.lower:,.0f} – {r.upper:,.0f} "
                  f"({r.between_share:.0%} of the variance from linkage)")

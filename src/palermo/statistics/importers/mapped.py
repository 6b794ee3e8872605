"""Any CSV/XLSX table described by a small YAML mapping file (columns, constants, category values)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.errors import NextStep, Problem, ValidationError
from palermo.messages import N_, joined, verbatim
from palermo.statistics import category_maps
from palermo.statistics.importers.pipeline import (
    ImportReport,
    Progress,
    store_frame_report,
)
from palermo.statistics.ingest import FRAME, SourceSpec
from palermo.statistics.rows import LINE, read_table, require_columns
from palermo.statistics.values import parse_count


def load_mapping(path: Path) -> dict[str, Any]:
    try:
        return parse_mapping(path.read_text(), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(N_("mapping file {path} cannot be read: {exc}; save it as UTF-8 YAML",
                                 path=path, exc=exc)) from None


def parse_mapping(text: str, name: str = "mapping") -> dict[str, Any]:
    try:
        mapping = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(N_("mapping file {name} is not valid YAML: {yaml_problem}",
                                 name=name, yaml_problem=category_maps.yaml_problem(exc))) from None
    if not isinstance(mapping, dict) or "source" not in mapping or "columns" not in mapping:
        raise ValidationError(N_("mapping file {name} needs 'source' and 'columns' sections", name=name),
                              next_step=NextStep("mapping_format"))
    if not isinstance(mapping["source"], dict) or not isinstance(mapping["columns"] or {}, dict):
        raise ValidationError(N_("mapping file {name}: 'source' and 'columns' must be mappings (key: value)",
                                 name=name))
    return mapping


_HINT = {"indicator": "add it under 'constants', e.g. indicator: victims, or name its column under 'columns'",
         "country": "name the column of countries under 'columns', or add e.g. country: NLD under 'constants'",
         "period": "name the column of years under 'columns', or add e.g. period: '2024' under 'constants'",
         "value": "name the column of the counts under 'columns', e.g. value: COUNT"}
MAPPED_FIELDS = ("indicator", "country", "period", "sex", "age_group", "citizenship", "exploitation", "value")


def _mapped_column(name: str, cols: dict[str, str], consts: dict[str, Any],
                   vmap: dict[str, dict[str, Any]]) -> pl.Expr:
    """The field as a string column: the source's column, with its categories mapped, or a constant."""
    if name not in cols:
        const = consts.get(name)
        return pl.lit(None if const is None else str(const), dtype=pl.Utf8)
    col = pl.col(cols[name]).cast(pl.Utf8)
    values = {str(k): str(v) for k, v in (vmap.get(name) or {}).items()}
    if not values:
        return col
    stripped = col.str.strip_chars()
    return pl.when(stripped.is_in(list(values))).then(stripped.replace(values)).otherwise(col)


def _parsed_values(raw: pl.Series) -> tuple[pl.DataFrame, dict[str, str]]:
    """parse_count over the distinct texts only (published tables repeat the same few hundred numbers)."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for text in raw.unique().to_list():
        try:
            parsed[text] = parse_count(text)
        except ValueError as exc:
            errors[text] = str(exc)
    keys = list(parsed)
    table = pl.DataFrame({"_raw": keys, "value": [parsed[k].value for k in keys], "lower": [parsed[k].lower for k in keys],
                          "upper": [parsed[k].upper for k in keys],
                          "flags": [",".join(sorted(parsed[k].flags)) for k in keys]},
                         schema={"_raw": pl.Utf8, "value": pl.Float64, "lower": pl.Float64, "upper": pl.Float64, "flags": pl.Utf8})
    return table, errors


def import_mapped(session: Session, principal: Principal, path: Path, mapping: dict[str, Any], *,
                  progress: Progress | None = None) -> ImportReport:
    """Any table: ``columns`` names the column of each field, ``constants`` fixes fields, ``values`` maps the
    source's own categories to the code lists; rows mapping to one cell are summed (e.g. agencies → country).

    Vectorised with Polars: the mapping and parsing run per distinct value, not per row."""
    cols: dict[str, str] = mapping.get("columns", {})
    notes: list[str] = []
    sheet = mapping.get("sheet")  # one sheet of a workbook; without it every sheet is read
    df = read_table(path, list(dict.fromkeys(cols.values())), notes, None if sheet is None else str(sheet))
    consts: dict[str, Any] = mapping.get("constants", {})
    vmap: dict[str, dict[str, Any]] = mapping.get("values", {})
    require_columns(df, path, list(cols.values()), "mapped")
    unset = [f for f in ("indicator", "country", "period", "value") if f not in cols and consts.get(f) in (None, "")]
    if unset:
        raise ValidationError(N_("the mapping file gives no {fields}", fields="; no ".join(f"{f} ({_HINT[f]})" for f in unset)),
                              next_step=NextStep("mapping_format"))
    src = mapping["source"]
    report = ImportReport(src.get("key", path.stem), "", df.height, 0, warnings=notes)
    described = [c for c in dict.fromkeys(cols.values()) if c != cols.get("value")]
    fields = df.select(
        *[_mapped_column(f, cols, consts, vmap).alias(f) for f in MAPPED_FIELDS],
        mapping=pl.concat_str([pl.lit(f"{c}=") + pl.col(c).cast(pl.Utf8).fill_null("None") for c in described],
                              separator=" / ").str.slice(0, 300) if described else pl.lit(""),
        line=pl.col(LINE))
    if progress:
        progress(df.height // 2)
    raw = fields["value"].fill_null("")
    table, errors = _parsed_values(raw)
    value_column = cols.get("value", "value")
    problems = [Problem(verbatim(errors[v]), line=line, field=value_column, value=v)
                for line, v in zip(fields["line"].to_list(), raw.to_list()) if v in errors] if errors else []
    defaults = {f: pl.when(pl.col(f).is_null() | (pl.col(f) == "")).then(pl.lit("total")).otherwise(pl.col(f))
                for f in ("sex", "age_group", "citizenship", "exploitation")}
    frame = (fields.with_columns(_raw=raw).filter(~pl.col("_raw").is_in(list(errors))).drop("value")
             .join(table, on="_raw", how="left", maintain_order="left")
             .with_columns(**defaults, indicator=pl.col("indicator").fill_null(""), country=pl.col("country").fill_null(""),
                           period=pl.col("period").fill_null(""), crime_code=pl.lit(None, dtype=pl.Utf8),
                           unit_multiplier=pl.lit(0, dtype=pl.Int64))
             .select(list(FRAME)))
    if progress:
        progress(df.height - df.height // 2)
    spec = source_spec(src)
    return store_frame_report(session, principal, spec, frame, report, problems, path.name,
                              negative_adjustments=mapping.get("negative_values") == "adjustments")


def source_spec(fields: dict[str, Any]) -> SourceSpec:
    unknown = sorted(set(fields) - set(SourceSpec.__dataclass_fields__))
    missing = sorted(k for k in ("key", "name", "source_type", "stage", "counting_unit", "legal_definition") if k not in fields)
    if unknown or missing:
        lacks = [N_("lacks {fields}", fields=", ".join(missing))] if missing else []
        extra = [N_("has unknown field(s) {fields}", fields=", ".join(unknown))] if unknown else []
        raise ValidationError(N_("the mapping's 'source' section {problems}", problems=joined(lacks + extra)))
    return SourceSpec(**fields)

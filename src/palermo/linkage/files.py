"""Reading agencies' person files for encoding and deduplication, with clear errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from palermo.errors import Problem, ValidationError


def read_persons(path: Path, required: list[str]) -> list[dict[str, str | None]]:
    """All columns as text; every missing column named at once."""
    try:
        df = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path} cannot be read as CSV: {str(exc).splitlines()[0]}; save it as UTF-8 CSV "
                              "with a header row") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValidationError(
            f"{path} lacks the column(s) {', '.join(missing)} that the schema needs (it has {', '.join(df.columns)}); "
            "rename the columns or adapt the schema's \"columns\"",
            [Problem("column missing", field=c) for c in missing])
    return df.to_dicts()

"""Capture-history files as agencies save them, built from the published multiple-list data sets:
other separators and encodings, workbooks, a blank line on top — the same table, or a clear refusal."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from palermo.errors import PalermoError
from palermo.estimation.histories import CaptureHistories
from tests.conftest import EXTERNAL

LISTS = EXTERNAL / "mse-multiple-lists"


def _workbook(engine: str) -> Callable[[str], bytes]:
    def write(text: str) -> bytes:
        out = io.BytesIO()
        pd.read_csv(io.StringIO(text)).to_excel(out, index=False, engine=engine)
        return out.getvalue()
    return write


VARIANTS: list[tuple[str, Callable[[str], bytes]]] = [
    ("semicolons.csv", lambda t: t.replace(",", ";").encode()),
    ("tabs.tsv", lambda t: t.replace(",", "\t").encode()),
    ("utf16.csv", lambda t: t.encode("utf-16")),
    ("bom-and-blank-line.csv", lambda t: b"\xef\xbb\xbf\r\n" + t.replace("\n", "\r\n").encode()),
    ("lists.xlsx", _workbook("openpyxl")),
    ("lists.ods", _workbook("odf")),
]


@pytest.mark.parametrize("name", ["UKdat.csv", "Ned.csv", "NewOrl_5.csv", "Western.csv"])
@pytest.mark.parametrize("variant,make", VARIANTS, ids=[v for v, _ in VARIANTS])
def test_every_saved_shape_gives_the_published_table(tmp_path: Path, name: str, variant: str,
                                                     make: Callable[[str], bytes]) -> None:
    clean = CaptureHistories.from_csv(LISTS / name)
    path = tmp_path / f"{Path(name).stem}-{variant}"
    path.write_bytes(make((LISTS / name).read_text()))
    dirty = CaptureHistories.from_csv(path)
    assert dirty.lists == clean.lists and dirty.counts == clean.counts and dirty.observed == clean.observed > 0


def test_an_r_data_file_is_refused_with_how_to_save_it() -> None:
    with pytest.raises(PalermoError) as exc:
        CaptureHistories.from_csv(LISTS / "UKdat.rda")
    assert "binary" in str(exc.value) and "CSV" in str(exc.value)

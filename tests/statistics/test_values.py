"""Published numbers: thousands separators, censored cells, flags, known zero vs unknown."""

from __future__ import annotations

import pytest

from palermo.statistics.values import parse_count


@pytest.mark.parametrize("text, value, lower, upper, flags", [
    ("1,192", 1192.0, None, None, set()),
    ("<5", None, 0.0, 4.0, {"censored"}),
    ("0", 0.0, None, None, set()),
    (":", None, None, None, set()),
    ("", None, None, None, set()),
    ("1017 p", 1017.0, None, None, {"provisional"}),
    (": c", None, None, None, {"confidential"}),
    ("160 e", 160.0, None, None, {"estimated"}),
    ("12b", 12.0, None, None, {"break"}),
])
def test_parse(text: str, value: float | None, lower: float | None, upper: float | None, flags: set[str]) -> None:
    p = parse_count(text)
    assert (p.value, p.lower, p.upper, p.flags) == (value, lower, upper, flags)


def test_censored_is_never_zero_or_five_and_garbage_is_refused() -> None:
    p = parse_count("<5")
    assert p.value is None and p.lower == 0 and p.upper == 4
    with pytest.raises(ValueError, match="not a number"):
        parse_count("twelve")

"""Name normalisation copes with transliteration and naming traditions."""

from __future__ import annotations

import pytest

from palermo.linkage.normalise import name_tokens, normalise_country, normalise_sex, parse_date, skeleton


@pytest.mark.parametrize("a, b", [
    ("Mohammed Abdel Rahman", "Muhammad Abd al-Rahman"),
    ("Muhammad Abd al-Rahman", "محمد عبد الرحمن"),
    ("Tesfaye Gebremedhin", "Gebremedhin Tesfay"),
    ("Nguyễn Văn An", "An Van Nguyen"),
    ("Osman Ali", "Usman Aly"),
    ("Youssef El Amrani", "Yousef Amrani"),
])
def test_variants_share_skeletons(a: str, b: str) -> None:
    assert sorted(skeleton(t) for t in name_tokens(a)) == sorted(skeleton(t) for t in name_tokens(b))


def test_different_people_differ() -> None:
    assert {skeleton(t) for t in name_tokens("Aster Haile")} != {skeleton(t) for t in name_tokens("Blessing Okafor")}


def test_dates_sex_countries() -> None:
    assert parse_date("04/03/1990").isoformat() == "1990-03-04"  # type: ignore[union-attr]
    assert parse_date("1990-03-04") == parse_date("04.03.1990")
    assert parse_date("") is None
    with pytest.raises(ValueError, match="not in a known format"):
        parse_date("March the 4th")
    assert normalise_sex("female") == "f" and normalise_sex("") is None
    with pytest.raises(ValueError, match="not understood"):
        normalise_sex("x")
    assert normalise_country("Eritrea") == "ERI" and normalise_country("XKX") == "XKX"
    with pytest.raises(ValueError):
        normalise_country("Atlantis")

"""One list of country codes: the API accepts exactly the codes the core stores (ISO3 and Kosovo's XKX)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from palermo import countries
from palermo.web.codes import Country


def test_the_api_country_type_is_the_core_list() -> None:
    adapter = TypeAdapter(Country)
    assert adapter.json_schema()["enum"] == list(countries.CODES)
    assert "XKX" in countries.CODES and "NLD" in countries.CODES and "KOS" not in countries.CODES
    assert adapter.validate_python("XKX") == "XKX"
    with pytest.raises(ValidationError, match="unknown country"):
        adapter.validate_python("KOS")  # read in files, stored as XKX: not a code of the API
    assert countries.iso3("KOS") in countries.CODES

"""Country codes: ISO 3166-1 alpha-3 via pycountry, plus the user-assigned XKX for Kosovo, which
UNODC, IOM and the EU use and which trafficking data cannot do without."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pycountry

EXTRA = {"XKX": "Kosovo", "KOS": "Kosovo"}  # KOS appears in some published series
# every code Palermo stores: ISO 3166-1 alpha-3 and XKX (KOS is read, and stored as XKX)
CODES = tuple(sorted({str(c.alpha_3) for c in pycountry.countries} | {"XKX"}))


@lru_cache(maxsize=4096)
def iso3(value: str) -> str | None:
    """ISO3 code for a code or a name pycountry knows (or Kosovo); None when unknown."""
    text = str(value).strip()
    if text.upper() in EXTRA or text.lower() == "kosovo":
        return "XKX"
    try:
        return str(pycountry.countries.lookup(text).alpha_3)
    except LookupError:
        return None


def name(code: str) -> str:
    if code in EXTRA:
        return EXTRA[code]
    c = pycountry.countries.get(alpha_3=code)
    return str(c.name) if c else code


# Parts of a country that name-matchers read as the whole: a count for England is not a count for the UK.
PARTS = {"england": "GBR", "scotland": "GBR", "wales": "GBR", "northern ireland": "GBR", "great britain": "GBR",
         "flanders": "BEL", "wallonia": "BEL", "zanzibar": "TZA", "kurdistan": "IRQ", "sark": "GGY"}


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """ISO3 for a code or for a country *name* as agencies write it ("Russia", "Korea, South",
    "Côte d’Ivoire", "Congo, Democratic Rep. of"), through the country_converter's regular
    expressions when pycountry does not know the name; None for regions and for parts of a country."""
    text = str(value).strip()
    if not text or text.lower().strip(". ") in PARTS:
        return None
    code = iso3(text)
    if code is not None or len(text) < 4:  # short texts are codes or nothing: never guessed from a name
        return code
    converted = _converter().convert(text, to="ISO3", not_found=None)
    found = converted if isinstance(converted, str) else None
    return found if found in CODES else None


@lru_cache(maxsize=1)
def _converter() -> Any:
    import logging

    import country_converter

    logging.getLogger("country_converter").setLevel(logging.ERROR)  # it logs every name it does not know
    return country_converter.CountryConverter()

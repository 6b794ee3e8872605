"""Country codes: ISO 3166-1 alpha-3 via pycountry, plus the user-assigned XKX for Kosovo, which
UNODC, IOM and the EU use and which trafficking data cannot do without."""

from __future__ import annotations

from functools import lru_cache

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

"""Translations of the identification texts (UI strings, explanations and indicator texts).

gettext catalogues live in ``identification/locale/<lang>/LC_MESSAGES/palermo_identification.po``
and are compiled to ``.mo`` beside them (``python -m palermo.identification.i18n`` recompiles; the
test suite checks the ``.mo`` files are up to date). English is the source language.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from palermo.errors import Problem, ValidationError

DOMAIN = "palermo_identification"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "es": "Español", "fr": "Français"}


class Translate(Protocol):
    def __call__(self, message: str) -> str: ...


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def check_language(lang: str | None) -> str:
    code = (lang or "en").strip().lower()[:2]
    if code not in LANGUAGES:
        raise ValidationError(f"language {lang!r} is not available; use one of {', '.join(LANGUAGES)}",
                              [Problem("unsupported language", field="lang", value=lang)])
    return code


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang`` (English: identity)."""
    code = check_language(lang)
    if code == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code])


def translator(lang: str) -> Translate:
    return translations(lang).gettext


RTL = frozenset({"ar"})


def page_words(lang: str) -> dict[str, Any]:
    """What a page in ``lang`` needs: ``_`` and ``ngettext`` for its words, ``lang`` and ``dir`` for <html>."""
    code = check_language(lang)
    t = translations(code)
    return {"_": t.gettext, "ngettext": t.ngettext, "lang": code, "dir": "rtl" if code in RTL else "ltr"}


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` to ``.mo`` (run after editing translations)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    translations.cache_clear()
    return written


if __name__ == "__main__":
    for path in compile_catalogues():
        print(path)

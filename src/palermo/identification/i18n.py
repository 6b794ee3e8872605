"""Identification's own translations (screening explanations, indicator and list texts, its pages), a
domain of the platform's gettext machinery (:mod:`palermo.i18n`).

Catalogues live in ``identification/locale/<lang>/LC_MESSAGES/palermo_identification.po`` with their
``.mo`` beside them, both committed. Its messages come from the identification modules and web route
(``_``, ``N_``, ``ngettext``), the identification templates and the catalogue's list, dimension and
indicator texts; the page frame's words (navigation, footer) are the platform's. After changing any of
them run ``python -m palermo.i18n``; the tests fail on any untranslated or fuzzy message and on a
``.mo`` that differs from its ``.po``.

Indicator texts are neutral noun phrases ("Deception about wages", "Confiscation of documents"), so
that no language has to choose a grammatical gender for the person.
"""

from __future__ import annotations

import gettext
from pathlib import Path
from typing import Any

from palermo.i18n import (
    KEYWORDS,
    LANGUAGES,
    N_,
    RTL,
    Domain,
    Extracted,
    Translate,
    check_language,
    compiled,
    preferred_language,
)
from palermo.i18n import page_words as _page_words

__all__ = ["DOMAIN", "IDENTIFICATION", "LANGUAGES", "LOCALE_DIR", "N_", "RTL", "Translate", "check_language",
           "compiled", "extract_messages", "page_words", "po_path", "preferred_language", "read_catalogue",
           "translations", "translator", "update_catalogues"]

DOMAIN = "palermo_identification"
PACKAGE = Path(__file__).resolve().parent
LOCALE_DIR = PACKAGE / "locale"


def _sources() -> Extracted:
    import yaml
    from babel.messages.extract import extract_from_file

    web = PACKAGE.parent / "web"
    for path in sorted(PACKAGE.glob("*.py")) + [web / "routes" / "identification.py"]:
        for lineno, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            yield message, (path.name, lineno)
    for path in sorted((web / "templates" / "identification").glob("*.html")):
        for lineno, message, _comments, _context in extract_from_file(
                "jinja2.ext:babel_extract", str(path), keywords=KEYWORDS, options={"trimmed": "true"}):
            yield message, (path.name, lineno)
    for path in [PACKAGE / "data" / "catalogue.yaml", *sorted((PACKAGE / "data" / "catalogues").glob("*.yaml"))]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in [*(v["label"] for v in data["lists"].values()), *(d["label"] for d in data["dimensions"]),
                     *(i["text"] for i in data["indicators"])]:
            yield text, (path.name, 0)


IDENTIFICATION = Domain(DOMAIN, LOCALE_DIR, _sources)


def translations(lang: str) -> gettext.NullTranslations:
    """The compiled identification catalogue for ``lang`` (English: identity)."""
    return IDENTIFICATION.translations(lang)


def translator(lang: str) -> Translate:
    return translations(lang).gettext


def page_words(lang: str) -> dict[str, Any]:
    """An identification page in ``lang``: its words first from this domain, then the platform's."""
    return _page_words(lang, IDENTIFICATION)


def extract_messages() -> Any:
    return IDENTIFICATION.extract()


def po_path(lang: str) -> Path:
    return IDENTIFICATION.po_path(lang)


def read_catalogue(lang: str) -> Any:
    return IDENTIFICATION.read(lang)


def update_catalogues() -> list[Path]:
    return IDENTIFICATION.update()


if __name__ == "__main__":  # the older command: every domain, as ``python -m palermo.i18n`` does
    from palermo.i18n import all_domains

    for domain in all_domains():
        for path in domain.update():
            print(path)

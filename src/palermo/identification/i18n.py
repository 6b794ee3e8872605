"""Translations of the identification texts (UI strings, explanations, indicator texts) with gettext.

Catalogues live in ``identification/locale/<lang>/LC_MESSAGES/palermo_identification.po`` and are
compiled to ``.mo`` beside them, both committed (the package ships ``**/*.po`` and ``**/*.mo``).
English is the source language. :func:`extract_messages` collects every message a worker reads: the
identification modules and web route (``_``, ``N_``, ``ngettext``), the identification templates and
the page frame, and the catalogue's list, dimension and indicator texts. After changing any of them run
``python -m palermo.identification.i18n``: the ``.po`` files are brought in line (new messages added
untranslated, gone ones dropped) and compiled; the tests fail on any untranslated or fuzzy message
and on a ``.mo`` that differs from its ``.po``.

Indicator texts are neutral noun phrases ("Deception about wages", "Confiscation of documents"), so
that no language has to choose a grammatical gender for the person.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from palermo.errors import Problem, ValidationError

DOMAIN = "palermo_identification"
PACKAGE = Path(__file__).resolve().parent
LOCALE_DIR = PACKAGE / "locale"
LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية"}
RTL = frozenset({"ar"})
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


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


def preferred_language(accept: str | None, default: str = "en") -> str:
    """The language to answer in from an Accept-Language value ('fr-CH, fr;q=0.9, en;q=0.8'): the first
    available one by quality (a region falls back to its language), else ``default``."""
    ranked = []
    for i, part in enumerate((accept or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, i, tag.replace("_", "-").lower()))
    return next((tag.split("-")[0] for _q, _i, tag in sorted(ranked) if tag.split("-")[0] in LANGUAGES), default)


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang`` (English: identity)."""
    code = check_language(lang)
    if code == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code])


def translator(lang: str) -> Translate:
    return translations(lang).gettext


def page_words(lang: str) -> dict[str, Any]:
    """What a page in ``lang`` needs: ``_`` and ``ngettext`` for its words, ``lang`` and ``dir`` for <html>."""
    code = check_language(lang)
    t = translations(code)
    return {"_": t.gettext, "ngettext": t.ngettext, "lang": code, "dir": "rtl" if code in RTL else "ltr"}


# ------------------------------------------------------------------------------ catalogue upkeep
def _sources() -> tuple[list[Path], list[Path], list[Path]]:
    web = PACKAGE.parent / "web"
    python = sorted(PACKAGE.glob("*.py")) + [web / "routes" / "identification.py"]
    templates = sorted((web / "templates" / "identification").glob("*.html")) + [web / "templates" / "base.html"]
    catalogues = [PACKAGE / "data" / "catalogue.yaml", *sorted((PACKAGE / "data" / "catalogues").glob("*.yaml"))]
    return python, templates, catalogues


def extract_messages() -> Any:
    """Every message a worker reads on the identification pages, as a Babel catalogue (the template)."""
    import yaml
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    python, templates, catalogues = _sources()
    cat = Catalog(domain=DOMAIN, project="Palermo", version="0.1")
    for path in python:
        for lineno, message, comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            cat.add(message, locations=[(path.name, lineno)], auto_comments=comments)
    for path in templates:
        for lineno, message, comments, _context in extract_from_file(
                "jinja2.ext:babel_extract", str(path), keywords=KEYWORDS, options={"trimmed": "true"}):
            cat.add(message, locations=[(path.name, lineno)], auto_comments=comments)
    for path in catalogues:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts = [*(v["label"] for v in data["lists"].values()), *(d["label"] for d in data["dimensions"]),
                 *(i["text"] for i in data["indicators"])]
        for text in texts:
            cat.add(text, locations=[(path.name, 0)])
    return cat


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Any:
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def compiled(catalog: Any) -> bytes:
    """The ``.mo`` bytes of a catalogue (fuzzy entries left out, as gettext would)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def update_catalogues() -> list[Path]:
    """Bring every ``.po`` in line with the extracted messages, then compile the ``.mo`` files."""
    from babel.messages.pofile import write_po

    template = extract_messages()
    written = []
    for lang in (code for code in LANGUAGES if code != "en"):
        catalog = read_catalogue(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path(lang).open("wb") as fh:
            write_po(fh, catalog, width=120, omit_header=False, include_previous=False)
        written.append(po_path(lang))
    written.extend(compile_catalogues())
    return written


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` to ``.mo`` (run after editing translations)."""
    written = []
    for lang in (code for code in LANGUAGES if code != "en"):
        mo = po_path(lang).with_suffix(".mo")
        mo.write_bytes(compiled(read_catalogue(lang)))
        written.append(mo)
    translations.cache_clear()
    return written


if __name__ == "__main__":
    for path in update_catalogues():
        print(path)

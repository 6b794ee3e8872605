"""The platform's translations: the languages it speaks, how a language is chosen, and gettext catalogues.

English is the source language; Spanish, French and Arabic have catalogues. A *domain* is one set of
catalogues with the sources its messages come from: :data:`PLATFORM` (``palermo``: every web page and
the Python that gives pages their words, extracted as ``locale/babel.cfg`` says) and identification's
own (``palermo_identification``: screening explanations, indicator texts; see
``palermo.identification.i18n``). Catalogues live in ``<package>/locale/<lang>/LC_MESSAGES/<domain>.po``
with their compiled ``.mo`` beside them, both committed, so that a clean checkout runs without a build
step. After changing any message run ``python -m palermo.i18n``: every domain's ``.po`` files are
brought in line with the extracted messages (new ones added untranslated, gone ones dropped) and
compiled. A message without a translation is shown in English, never as its id.

This module is core: it decides nothing about HTTP; the web face asks :func:`preferred_language` for the
``Accept-Language`` fallback and :func:`page_words` for a page's ``_``, ``lang`` and ``dir``.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from palermo.errors import Problem, ValidationError
from palermo.messages import N_, Message, translated

__all__ = ["LANGUAGES", "RTL", "Domain", "Message", "N_", "check_language", "choose_language", "format_number",
           "gettext_now", "page_words", "say", "speaking", "translate"]

PACKAGE = Path(__file__).resolve().parent
LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية"}
RTL = frozenset({"ar"})
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}

# A message (its id, or the (singular, plural) pair) with where it was found: (file name, line).
Extracted = Iterable[tuple[str | tuple[str, ...], tuple[str, int]]]


class Translate(Protocol):
    def __call__(self, message: str) -> str: ...


def check_language(lang: str | None) -> str:
    """The language code of ``lang`` ('fr-CH' -> 'fr'); refused if the platform does not speak it."""
    code = (lang or "en").strip().lower()[:2]
    if code not in LANGUAGES:
        raise ValidationError(N_("language {lang!r} is not available; use one of {languages}", lang=lang,
                                 languages=", ".join(LANGUAGES)),
                              [Problem(N_("unsupported language"), field="lang", value=lang)])
    return code


def known_language(lang: str | None) -> str | None:
    """``lang`` as a code if the platform speaks it, else None (a stale cookie, a mistyped query)."""
    try:
        return check_language(lang) if lang else None
    except ValidationError:
        return None


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


def choose_language(asked: str | None, chosen: str | None, accept: str | None) -> str:
    """The language of a page: what the reader asked for now (``?lang=``), else what they chose before
    (the language switch's cookie), else their browser's Accept-Language, else English."""
    return known_language(asked) or known_language(chosen) or preferred_language(accept)


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


@dataclass(frozen=True)
class Domain:
    """One set of catalogues: its name, where its ``.po``/``.mo`` files live and what its messages are."""

    name: str
    locale_dir: Path
    sources: Callable[[], Extracted] = field(compare=False)

    def po_path(self, lang: str) -> Path:
        return self.locale_dir / lang / "LC_MESSAGES" / f"{self.name}.po"

    def translations(self, lang: str) -> gettext.NullTranslations:
        """The compiled catalogue for ``lang`` (English: identity)."""
        return _translations(self, check_language(lang))

    def extract(self) -> Any:
        """Every message of this domain, as a Babel catalogue (the template the ``.po`` files follow)."""
        from babel.messages.catalog import Catalog

        cat = Catalog(domain=self.name, project="Palermo", version="0.1")
        for message, location in self.sources():
            cat.add(message, locations=[location])
        return cat

    def read(self, lang: str) -> Any:
        from babel.messages.pofile import read_po

        with self.po_path(lang).open("rb") as fh:
            return read_po(fh, locale=lang)

    def update(self) -> list[Path]:
        """Bring every ``.po`` in line with the extracted messages (a missing one is started), then compile."""
        from babel.messages.catalog import Catalog
        from babel.messages.pofile import write_po

        template = self.extract()
        for lang in translated_languages():
            path = self.po_path(lang)
            catalog = self.read(lang) if path.exists() else Catalog(locale=lang, domain=self.name, project="Palermo")
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                write_po(fh, catalog, width=120, omit_header=False, include_previous=False)
        return [self.po_path(lang) for lang in translated_languages()] + self.compile()

    def compile(self) -> list[Path]:
        """Compile every ``.po`` to ``.mo`` (run after editing translations)."""
        written = []
        for lang in translated_languages():
            mo = self.po_path(lang).with_suffix(".mo")
            mo.write_bytes(compiled(self.read(lang)))
            written.append(mo)
        _translations.cache_clear()
        _chained.cache_clear()
        return written


def translated_languages() -> list[str]:
    return [code for code in LANGUAGES if code != "en"]


@lru_cache(maxsize=32)
def _translations(domain: Domain, code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain.name, localedir=str(domain.locale_dir), languages=[code])


@lru_cache(maxsize=32)
def _chained(domains: tuple[Domain, ...], code: str) -> gettext.NullTranslations:
    first = gettext.NullTranslations() if code == "en" else gettext.GNUTranslations(
        io.BytesIO(domains[0].po_path(code).with_suffix(".mo").read_bytes()))
    for domain in domains[1:]:
        first.add_fallback(_translations(domain, code))  # the shared cached objects stay unchained
    return first


def compiled(catalog: Any) -> bytes:
    """The ``.mo`` bytes of a catalogue (fuzzy entries left out, as gettext would)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def extract_files(root: Path, mapping: Path) -> Extracted:
    """The messages of the files under ``root`` that a Babel mapping file (``babel.cfg``) names."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with mapping.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename=str(mapping))
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS):
        yield message, (filename, lineno)


PLATFORM = Domain("palermo", PACKAGE / "locale", lambda: extract_files(PACKAGE, PACKAGE / "locale" / "babel.cfg"))

# The language of the page being rendered, for the words of shared macros (``_ui.html``) and Python
# helpers that run while a page renders (chart titles, next-step links); English outside a page.
_current: ContextVar[tuple[str, gettext.NullTranslations]] = ContextVar(
    "palermo_page_language", default=("en", gettext.NullTranslations()))


def page_translations(lang: str, *domains: Domain) -> gettext.NullTranslations:
    """The catalogues of a page in ``lang``: the given domains first, then the platform's."""
    chain = tuple(dict.fromkeys((*domains, PLATFORM)))
    return _chained(chain, check_language(lang))


def page_words(lang: str, *domains: Domain) -> dict[str, Any]:
    """What a page in ``lang`` needs: ``_`` and ``ngettext`` for its words, ``lang`` and ``dir`` for <html>."""
    code = check_language(lang)
    t = page_translations(code, *domains)
    return {"_": _saying(t), "ngettext": t.ngettext, "lang": code, "dir": direction(code)}


def _saying(t: gettext.NullTranslations) -> Callable[[str], str]:
    """A page's ``_``: a template's literal looked up, a core :class:`Message` translated with its values."""
    def say_(message: str) -> str:
        if not message:  # gettext's "" is the catalogue's header
            return message
        return message.localised(t.gettext) if isinstance(message, Message) else t.gettext(message)
    return say_


@contextmanager
def speaking(lang: str, *domains: Domain) -> Iterator[None]:
    """Within the block, :func:`gettext_now` and :func:`format_number` answer in ``lang`` (one page being
    rendered)."""
    token = _current.set((check_language(lang), page_translations(lang, *domains)))
    try:
        yield
    finally:
        _current.reset(token)


def gettext_now(message: str) -> str:
    """``message`` in the language of the page being rendered (English outside one); a core
    :class:`Message` with its values filled in. An empty message stays empty: gettext's "" is the
    catalogue's header, which would show on the page (a chart's empty title)."""
    if not message:
        return message
    t = _current.get()[1]
    return message.localised(t.gettext) if isinstance(message, Message) else t.gettext(message)


def say(text: Any) -> Any:
    """What a page shows of ``text``: a :class:`Message` in the page's language, anything else (data,
    a name) as it is. Every ``{{ value }}`` of a template passes through it (``templating``)."""
    return translated(text, _current.get()[1].gettext)


def translate(text: str, lang: str, *domains: Domain) -> str:
    """``text`` (a :class:`Message` or a catalogue's msgid) in ``lang``, outside a page: the API's
    ``message`` (its figures written as ``lang`` writes numbers)."""
    with speaking(lang, *domains):
        return _saying(page_translations(lang, *domains))(text)


def ngettext_now(singular: str, plural: str, n: int) -> str:
    return _current.get()[1].ngettext(singular, plural, n)


def format_number(value: float | int, lang: str | None = None) -> str:
    """A number as readers of ``lang`` (default: the page being rendered) write it: 1,234.5 · 1.234,5 ·
    1 234,5; every digit kept (a rate is not rounded here). Arabic follows CLDR's ``ar``: Latin digits."""
    from babel.numbers import format_decimal

    code = lang or _current.get()[0]
    return format_decimal(value, locale=_BABEL_LOCALES[code], decimal_quantization=False)


def format_date(value: date, lang: str | None = None, width: str = "long") -> str:
    """A date written out for readers of ``lang`` (1 December 2026 · 1 de diciembre de 2026); ``width``
    ``"medium"`` for a table's cell (1 Dec 2026 · 1 dic 2026 · 1 déc. 2026 · 01/12/2026 in Arabic)."""
    from babel.dates import format_date as babel_date

    return babel_date(value, format=width, locale=_BABEL_LOCALES[lang or _current.get()[0]])


def format_moment(value: datetime, lang: str | None = None, width: str = "long", seconds: bool = False) -> str:
    """A UTC time of day and date for readers of ``lang`` (1 December 2026, 14:05 UTC), joined as the
    language joins a date and a time (Arabic with its own comma: ``1 ديسمبر 2026، 14:05 UTC``); ``width`` as
    :func:`format_date`, ``seconds`` for the audit trail's entries."""
    from babel.dates import get_datetime_format

    glue = str(get_datetime_format("medium", locale=_BABEL_LOCALES[lang or _current.get()[0]])).replace("'", "")
    time = f"{value:%H:%M:%S} UTC" if seconds else f"{value:%H:%M} UTC"
    return glue.replace("{1}", format_date(value, lang, width)).replace("{0}", time)


# Babel's locale per language (the platform writes British English: 1 December 2026).
_BABEL_LOCALES = {"en": "en_GB", "es": "es", "fr": "fr", "ar": "ar"}


def all_domains() -> list[Domain]:
    from palermo.identification.i18n import IDENTIFICATION

    return [PLATFORM, IDENTIFICATION]


if __name__ == "__main__":
    for domain in all_domains():
        for path in domain.update():
            print(path)

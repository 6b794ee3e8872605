"""The catalogues follow the code: every message the pages use is in every ``.po`` (none missing, none
stale), each ``.mo`` is its ``.po`` compiled, placeholders survive translation, and Spanish and French
are complete for the shell and the front-line pages (coordination, exchange), Arabic for the shell."""

from __future__ import annotations

import re

import pytest

from palermo import i18n
from palermo.identification.i18n import IDENTIFICATION

DOMAINS = [i18n.PLATFORM, IDENTIFICATION]
SHELL = re.compile(r"web/(templates/(base|login|error|home|_list|_ui)\.html|templates/account/|errors\.py|templating\.py)")
FRONT_LINE = re.compile(r"web/templates/(coordination|exchange)/")
COMPLETE = {"es": (SHELL, FRONT_LINE), "fr": (SHELL, FRONT_LINE), "ar": (SHELL,)}
PLACEHOLDER = re.compile(r"\{[0-9a-z_]*\}")


@pytest.fixture(scope="module")
def extracted() -> dict[str, object]:
    return {d.name: d.extract() for d in DOMAINS}


@pytest.mark.parametrize("lang", i18n.translated_languages())
@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_catalogue_holds_exactly_the_extracted_messages(domain: i18n.Domain, lang: str, extracted: dict) -> None:
    wanted = {m.id for m in extracted[domain.name] if m.id}
    have = {m.id for m in domain.read(lang) if m.id}
    assert not wanted - have, f"{domain.name}/{lang}: missing (run python -m palermo.i18n): {sorted(wanted - have)[:5]}"
    assert not have - wanted, f"{domain.name}/{lang}: no page uses: {sorted(have - wanted)[:5]}"
    mo = domain.po_path(lang).with_suffix(".mo")
    assert mo.read_bytes() == i18n.compiled(domain.read(lang)), f"{mo} is stale: run python -m palermo.i18n"


@pytest.mark.parametrize("lang", sorted(COMPLETE))
def test_the_listed_areas_are_translated(lang: str, extracted: dict) -> None:
    catalog = i18n.PLATFORM.read(lang)
    areas = COMPLETE[lang]
    needed = [m.id for m in extracted["palermo"] if m.id and any(a.match(loc[0]) for loc in m.locations for a in areas)]
    assert len(needed) > 60  # the areas do have words (the patterns match the files)
    untranslated = [k for k in needed if not catalog[k].string or catalog[k].fuzzy]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated[:5]}"


@pytest.mark.parametrize("lang", i18n.translated_languages())
def test_translations_keep_their_placeholders(lang: str) -> None:
    for m in i18n.PLATFORM.read(lang):
        if m.id and m.string:
            assert sorted(PLACEHOLDER.findall(m.string)) == sorted(PLACEHOLDER.findall(m.id)), (lang, m.id, m.string)


def test_the_field_terms_are_the_fields_own() -> None:
    """THB and migrant smuggling in the words the field's Spanish and French texts use."""
    lead = "Palermo closes four gaps in the cooperation against trafficking in human beings and migrant smuggling."
    es = i18n.page_translations("es").gettext(lead)
    fr = i18n.page_translations("fr").gettext(lead)
    assert "trata de seres humanos" in es and "tráfico ilícito de migrantes" in es
    assert "traite des êtres humains" in fr and "trafic illicite de migrants" in fr


def test_an_untranslated_message_falls_back_to_english() -> None:
    ar = i18n.page_translations("ar")
    assert ar.gettext("Log out") == "تسجيل الخروج"
    missing = next(m.id for m in i18n.PLATFORM.read("ar") if m.id and not m.string and isinstance(m.id, str))
    assert ar.gettext(missing) == missing  # English, the message as written in the code


@pytest.mark.parametrize("accept, cookie, asked, lang", [
    (None, None, None, "en"), ("fr-CH, fr;q=0.9, en;q=0.8", None, None, "fr"), ("de, ar;q=0.5", None, None, "ar"),
    ("fr", "es", None, "es"), ("fr", "es", "ar", "ar"), ("fr", "xx", None, "fr"), ("de", None, "zz", "en")])
def test_the_language_is_chosen_by_the_reader_then_the_browser(accept: str | None, cookie: str | None,
                                                              asked: str | None, lang: str) -> None:
    assert i18n.choose_language(asked, cookie, accept) == lang


def test_numbers_follow_the_language() -> None:
    assert [i18n.format_number(1234567.5, lang) for lang in ("en", "es", "fr")] == ["1,234,567.5", "1.234.567,5", "1\u202f234\u202f567,5"]


def test_dates_follow_the_language() -> None:
    from datetime import datetime

    when = datetime(2026, 12, 1, 14, 5)
    assert [i18n.format_moment(when, lang) for lang in ("en", "es", "fr")] == [
        "1 December 2026, 14:05 UTC", "1 de diciembre de 2026, 14:05 UTC", "1 décembre 2026, 14:05 UTC"]

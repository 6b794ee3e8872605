"""The catalogues follow the code: every message the pages use is in every ``.po`` (none missing, none
stale), each ``.mo`` is its ``.po`` compiled, placeholders survive translation, and Spanish, French and
Arabic are complete for every page (Arabic with its six plural forms wherever ``ngettext`` is used)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from palermo import i18n
from palermo.identification.i18n import IDENTIFICATION

DOMAINS = [i18n.PLATFORM, IDENTIFICATION]
SHELL = re.compile(r"web/(templates/(base|login|error|home|_list|_ui)\.html|templates/account/|errors\.py|templating\.py)")
EVERYWHERE = re.compile(r".")  # every file the domain's messages come from (pages, routes, next steps, errors)
COMPLETE = {"es": (EVERYWHERE,), "fr": (EVERYWHERE,), "ar": (EVERYWHERE,)}
# A placeholder with its conversion and format ({0}, {name}, {value!r}, {n:,}, {when:%Y-%m-%d}); "{{" is a brace.
PLACEHOLDER = re.compile(r"(?<!\{)\{[0-9a-z_]*(?:![rsa])?(?::[^{}]*)?\}")


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
    untranslated = [k for k in needed if not _translated(catalog, k) or catalog[k].fuzzy]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated[:5]}"


def _translated(catalog: Any, msgid: str | tuple[str, ...]) -> bool:
    """A message is translated when every plural form the language has is written (Arabic: six)."""
    string = catalog[msgid].string
    if isinstance(msgid, tuple):
        return isinstance(string, tuple) and len(string) == catalog.num_plurals and all(string)
    return bool(string)


def test_arabic_is_complete_in_every_domain(extracted: dict) -> None:
    """Every message of both domains, identification's screening included, is written in Arabic."""
    for domain in DOMAINS:
        catalog = domain.read("ar")
        assert catalog.num_plurals == 6
        wanted = [m.id for m in extracted[domain.name] if m.id]
        assert len(wanted) > 250, domain.name
        untranslated = [k for k in wanted if not _translated(catalog, k) or catalog[k].fuzzy]
        assert not untranslated, f"{domain.name}/ar: {len(untranslated)} untranslated: {untranslated[:5]}"


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
    ar = i18n.page_translations("ar").gettext(lead)
    assert "الاتجار بالبشر" in ar and "تهريب المهاجرين" in ar  # the UN's Arabic texts of the Protocols


def test_an_untranslated_message_falls_back_to_english() -> None:
    ar = i18n.page_translations("ar")
    assert ar.gettext("Log out") == "تسجيل الخروج"
    missing = "A sentence no catalogue holds yet"  # Arabic is complete: any message added since falls back
    assert all(m.id != missing for m in i18n.PLATFORM.read("ar"))
    assert ar.gettext(missing) == missing  # English, the message as written in the code


@pytest.mark.parametrize("accept, cookie, asked, lang", [
    (None, None, None, "en"), ("fr-CH, fr;q=0.9, en;q=0.8", None, None, "fr"), ("de, ar;q=0.5", None, None, "ar"),
    ("fr", "es", None, "es"), ("fr", "es", "ar", "ar"), ("fr", "xx", None, "fr"), ("de", None, "zz", "en")])
def test_the_language_is_chosen_by_the_reader_then_the_browser(accept: str | None, cookie: str | None,
                                                              asked: str | None, lang: str) -> None:
    assert i18n.choose_language(asked, cookie, accept) == lang


def test_numbers_follow_the_language() -> None:
    assert [i18n.format_number(1234567.5, lang) for lang in ("en", "es", "fr", "ar")] == [
        "1,234,567.5", "1.234.567,5", "1\u202f234\u202f567,5", "1,234,567.5"]  # CLDR's ar: Latin digits


def test_dates_follow_the_language() -> None:
    from datetime import datetime

    when = datetime(2026, 12, 1, 14, 5)
    assert [i18n.format_moment(when, lang) for lang in ("en", "es", "fr")] == [
        "1 December 2026, 14:05 UTC", "1 de diciembre de 2026, 14:05 UTC", "1 décembre 2026, 14:05 UTC"]
    assert i18n.format_moment(when, "ar") == "1 ديسمبر 2026، 14:05 UTC"  # the month's Arabic name, the Arabic comma

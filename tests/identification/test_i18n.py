"""Every word a worker reads is translated (es, fr, ar), with plural forms and neutral wording; the pages
in another language carry no English, set ``lang`` and, for Arabic, ``dir="rtl"``."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from palermo.auth.models import Organisation
from palermo.db import Database
from palermo.identification import i18n
from palermo.identification.catalogue import load_catalogue
from palermo.identification.models import Referral
from palermo.identification.screening import screen
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

LANGS = ("es", "fr", "ar")
SCENARIOS = Path(__file__).parents[2] / "src" / "palermo" / "identification" / "data" / "scenarios"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)d")
TEMPLATE = i18n.extract_messages()


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_and_not_fuzzy(lang: str) -> None:
    catalog = i18n.read_catalogue(lang)
    have = {m.id: m for m in catalog if m.id}
    wanted = [m.id for m in TEMPLATE if m.id]
    missing = [w for w in wanted if w not in have]
    assert not missing, f"{lang}: {len(missing)} message(s) not in the catalogue; run python -m palermo.identification.i18n: {missing[:5]}"
    untranslated = [w for w in wanted if not (all(have[w].string) if isinstance(w, tuple) else have[w].string)]
    assert not untranslated, f"{lang}: untranslated: {untranslated[:5]}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy: {fuzzy[:5]}"
    stale = [k for k in have if k not in set(wanted)]
    assert not stale, f"{lang}: messages no page uses any more: {stale[:5]}"
    if lang == "ar":
        assert all(len(have[w].string) == 6 for w in wanted if isinstance(w, tuple))  # Arabic's six plural forms


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_their_placeholders_and_the_mo_is_compiled(lang: str) -> None:
    catalog = i18n.read_catalogue(lang)
    for m in catalog:
        if not m.id:
            continue
        source = m.id[0] if isinstance(m.id, tuple) else m.id
        for form in (m.string if isinstance(m.string, tuple) else (m.string,)):
            expected = set(PLACEHOLDER.findall(source))
            got = set(PLACEHOLDER.findall(form))
            # An Arabic singular/dual may spell the number out ("مؤشر قوي واحد"), never add a placeholder.
            assert got <= expected and (got == expected or isinstance(m.id, tuple)), (lang, source, form)
    mo = i18n.po_path(lang).with_suffix(".mo")
    assert mo.read_bytes() == i18n.compiled(catalog), f"{mo.name} ({lang}) is stale: run python -m palermo.identification.i18n"


@pytest.mark.parametrize("lang, one, two", [("es", "1 fuerte,", "2 fuertes"), ("fr", "1 fort,", "2 forts"),
                                             ("ar", "مؤشر قوي واحد", "مؤشران قويان"), ("en", "1 strong", "2 strong")])
def test_counts_use_the_languages_plural_forms(lang: str, one: str, two: str) -> None:
    single = screen({"age": 30, "observed": [{"indicator": "DR-JOB"}]}, lang=lang)
    assert one in single.list_result("adult_labour").dimensions[0].reason
    double = screen({"age": 30, "observed": [{"indicator": "VIOLENCE", "phase": "destination"},
                                             {"indicator": "DOCS", "phase": "destination"}]}, lang=lang)
    assert two in next(d for d in double.list_result("adult_labour").dimensions if d.number == 5).reason


# A sentence whose subject is the person, with a participle that must agree with the person's sex.
AGREEING = {"es": re.compile(r"\b(fue|ha sido|está|estuvo) \w+(ada|ado)s?\b", re.I),
            "fr": re.compile(r"\b(a été|est|était) \w+(ée|é)s?\b", re.I)}


@pytest.mark.parametrize("lang, agreeing", [("es", "Fue engañada sobre el tipo de trabajo"), ("fr", "A été trompée sur le travail")])
def test_indicator_texts_do_not_assume_the_persons_sex(lang: str, agreeing: str) -> None:
    """Noun phrases ("Engaño sobre el salario"), not participles that agree with the person ("Fue engañada")."""
    assert AGREEING[lang].search(agreeing)  # the check recognises what 2026.1 said
    tr = i18n.translator(lang)
    for ind in load_catalogue().indicators.values():
        assert not AGREEING[lang].search(tr(ind.text)), (ind.id, tr(ind.text))
    woman = json.loads((SCENARIOS / "woman-deceived-sexual-exploitation.json").read_text())
    man = {**woman, "sex": "Masculine"}
    assert screen(woman, lang=lang).to_dict()["lists"] == screen(man, lang=lang).to_dict()["lists"]


class _Text(HTMLParser):
    """Visible text and the attributes a worker reads (placeholder, aria-label), without scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.html_attrs: dict[str, str | None] = {}
        self._skip = 0
        self._evidence = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_attrs = a
        if tag in ("script", "style"):
            self._skip += 1
        for key in ("placeholder", "aria-label"):
            if a.get(key):
                self.parts.append(str(a[key]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


# English words that are not also words of Spanish, French or (transliterated) Arabic pages.
ENGLISH = {"the", "and", "of", "with", "not", "is", "was", "for", "by", "which", "this", "that", "who", "whoever", "been",
           "has", "have", "should", "yes", "evidence", "journey", "screening", "smuggling", "refer", "assess", "next", "steps",
           "known", "person", "trafficking", "referred", "received", "accepted", "declined", "status",
           "indicator", "indicators", "observed", "strong", "medium", "weak", "still", "missing",
           "log", "out", "statistics", "handbooks", "compared", "recent", "from", "accept", "decline", "year", "sex"}


def _english_left(html: str, allowed: set[str]) -> tuple[dict[str, str | None], list[str]]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    for phrase in sorted(allowed, key=len, reverse=True):
        text = text.replace(phrase, " ")
    text = re.sub(r"\b[A-Z]{2,}(-[A-Z]+)*\b|\bscr-[0-9a-f]+\b|\bref-[0-9a-f]+\b|[a-z]+-[a-z0-9-]+", " ", text)  # ids, keys
    found = sorted({w for w in re.findall(r"[^\W\d_]+", text) if w.lower() in ENGLISH})
    return parser.html_attrs, found


@pytest.mark.parametrize("lang", LANGS)
def test_pages_carry_no_english(sqlite_demo_db: Database, tmp_path: Path, lang: str) -> None:
    settings = make_settings(tmp_path, sqlite_demo_db)
    with sqlite_demo_db.session(write=False) as s:
        orgs = {o.name for o in s.query(Organisation)} | {o.short_name for o in s.query(Organisation)}
        notes = {r.note for r in s.query(Referral) if r.note}  # written by the receiving worker
    scenario_notes = set()
    for path in SCENARIOS.glob("*.json"):
        for obs in json.loads(path.read_text()).get("observed", []):
            scenario_notes.add(obs.get("evidence", ""))  # the worker's own words, in the worker's language
    handbook_words = {m.wording for h in load_catalogue().handbooks.values() for m in h.mappings}
    allowed = orgs | notes | scenario_notes | handbook_words | set(i18n.LANGUAGES.values()) | {"Palermo", "lastrada.worker", "gr.officer"}
    c = client_for(settings, sqlite_demo_db)
    login(c, "lastrada.worker", "palermo-demo-2000")
    inbox = c.get(f"/identification/referrals?lang={lang}").text
    reference = re.search(r"/identification/screenings/(scr-[0-9a-f]+)", inbox)
    assert reference, "La Strada's inbox lists the screenings referred to it"
    urls = [f"/identification?lang={lang}", f"/identification/referrals?lang={lang}", f"/identification/cases?lang={lang}",
            f"/identification/screenings/{reference.group(1)}?lang={lang}", f"/identification/handbooks?lang={lang}"]
    for url in urls:
        page = c.get(url)
        assert page.status_code == 200, url
        attrs, english = _english_left(page.text, allowed)
        assert attrs.get("lang") == lang, (url, attrs)
        assert attrs.get("dir") == ("rtl" if lang == "ar" else "ltr"), (url, attrs)
        assert not english, f"{url}: English words left: {english}"


def test_the_english_check_catches_english(sqlite_demo_db: Database, tmp_path: Path) -> None:
    """The same check on the English page finds English (so it can fail)."""
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "lastrada.worker", "palermo-demo-2000")
    _attrs, english = _english_left(c.get("/identification?lang=en").text, set())
    assert {"evidence", "journey", "the"} <= {w.lower() for w in english}

"""Every page of the demo, in Spanish, French and Arabic, as a visitor and as users of every role: no English
left in the text a worker reads (the words, and the ``title``, ``aria-label``, ``placeholder`` and ``alt`` a
screen reader says).

What counts as English: a word of the platform's own English (the catalogues' msgids) that the language's
translations never use (so "information", "hub" or "statistiques" are not mistaken for English), two or more
in a row. What is not: the demo's data (names, titles, notes: every word of the database's text), the
values inside ``<code>`` and the parts marked in another language (the language switch), and the short
allow-list :data:`KEPT` of proper nouns and codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.dates import get_month_names
from fastapi.testclient import TestClient
from sqlalchemy import String, Text, inspect, select

from palermo import i18n
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from tests.conftest import make_settings
from tests.web.test_every_page import Ids, _org_of, page_paths
from tests.web_helpers import client_for, login

LANGS = ("es", "fr", "ar")
VISITORS = [None, "hub.admin", "nl.owner", "lastrada.worker", "viewer"]
WORD = re.compile(r"[A-Za-z][a-z]+(?:'[a-z]+)?")
# Proper nouns and codes that stay as they are in every language (no word of a sentence belongs here).
KEPT = {"palermo", "vega", "lite", "svg", "png", "csv", "json", "sdmx", "hxl", "api", "utc", "bic", "aic", "bca",
        "wilson", "ngo", "iom", "unodc", "europol", "eurojust", "frontex", "ctdc", "glotip", "eurostat", "splink",
        "clkhash", "totp", "oidc", "mse", "english", "hub"}
RUN = 1  # words in a row that make an English fragment
SAID = ("title", "aria-label", "placeholder", "alt")


class Visible(HTMLParser):
    """The text a reader of the page's language sees or hears, without code samples, scripts and parts in
    another language."""

    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang, self.stack, self.parts = lang, [], []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        hidden = tag in ("script", "style", "code", "pre", "template") or a.get("lang") not in (None, self.lang) \
            or a.get("translate") == "no"  # HTML's mark for codes and names that stay as they are (the audit's actions)
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr"):
            self.stack.append(hidden or bool(self.stack and self.stack[-1]))
        if not (self.stack and self.stack[-1]) and not hidden:
            self.parts += [v for k, v in attrs if k in SAID and v]
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr") and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str, lang: str) -> list[str]:
    parser = Visible(lang)
    parser.feed(html)
    return [re.sub(r"\s+", " ", p).strip() for p in parser.parts if p.strip()]


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def english_words(lang: str) -> set[str]:
    """Words of the platform's English that no translation into ``lang`` uses."""
    english: set[str] = set()
    said: set[str] = set()
    for domain in i18n.all_domains():
        for m in domain.read(lang):
            if not m.id:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            english |= {w for i in ids for w in _words(re.sub(r"{[^}]*}", " ", i))}
            said |= {w for s in strings if s for w in _words(re.sub(r"{[^}]*}", " ", s))}
    calendar = {**get_month_names("wide", locale=lang), **{-k: v for k, v in get_month_names("abbreviated", locale=lang).items()}}
    said |= {w for name in calendar.values() for w in _words(name)}
    return english - said - KEPT


def code_list_words() -> set[str]:
    """The labels of the coordination code lists (themes, target groups, OECD purpose codes), shown as the
    registry publishes them (docs/translations.md, "What remains English")."""
    from palermo.coordination import codelists

    words: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            words.update(_words(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for v in value:
                walk(v)
    for name in dir(codelists):
        if name.isupper():
            walk(getattr(codelists, name))
    return words


def data_words(db: Database) -> set[str]:
    """Every word of the demo's text columns (data is shown as it is stored, in the language it was written
    in) and of the code lists shown as published."""
    words: set[str] = code_list_words()
    with db.session(write=False) as s:
        for table in inspect(db.engine).get_table_names():
            from sqlalchemy import MetaData, Table

            t = Table(table, MetaData(), autoload_with=db.engine)
            cols = [c for c in t.columns if isinstance(c.type, (String, Text)) or "JSON" in str(c.type).upper()]
            for col in cols:
                for v in s.execute(select(col).distinct()).scalars():
                    if v is not None:
                        words |= _words(str(v))
    return words


def english_runs(parts: list[str], english: set[str], data: set[str]) -> list[str]:
    """Runs of two or more English words (not data, not kept) in the page's visible text."""
    found = []
    for part in parts:
        run: list[str] = []
        for token in re.findall(r"[A-Za-z][A-Za-z']*|\S", part):
            w = token.lower()
            if w in english and w not in data and not (token.isupper() and len(token) > 1):  # EX-PAY: a code
                run.append(token)
                continue
            if len(run) >= RUN:
                found.append(" ".join(run))
            run = []
        if len(run) >= RUN:
            found.append(" ".join(run))
    return found


@pytest.fixture
def client(sqlite_demo_db: Database, tmp_path: Path) -> Iterator[TestClient]:
    from tests.conftest import EXTERNAL

    yield client_for(make_settings(tmp_path, sqlite_demo_db, context_dir=EXTERNAL, login_attempts_per_minute=1000,
                                   login_attempts_per_client_per_minute=1000), sqlite_demo_db)


def _pages(client: TestClient, ids: Ids) -> list[str]:
    urls = []
    for path in page_paths():
        for url in (ids.candidates(path) if "{" in path else [path]):
            r = client.get(url)
            if r.status_code == 200 and r.headers.get("content-type", "").startswith("text/html"):
                urls.append(url)
                break
    return urls


def test_the_check_finds_english_on_a_page_that_has_it() -> None:
    english = english_words("es")
    assert {"agreement", "request", "upload"} <= english and "hub" not in english and "mayo" not in english
    assert "may" in english_words("fr") and "may" not in english  # "1 may 2017" is Spanish
    parts = visible_text('<p>Acuerdos</p><p lang="en">English</p><p title="Upload the file">x</p>'
                         "<code>palermo link encode</code><p>No agreement allows this request</p>", "es")
    assert parts == ["Acuerdos", "Upload the file", "x", "No agreement allows this request"]
    assert english_runs(parts, english, data={"x"}) == ["Upload the file", "agreement allows this request"]  # "no" is Spanish
    assert english_runs(["Ministry of Labour"], english, data={"ministry", "labour"}) == []


# English the sweep still finds, each with where it comes from; an entry no page shows any more fails the test
# (remove it), so the list only shrinks. (Visible text that contains the key is not reported.)
PENDING = {
    "QR code of the authenticator secret": "the enrolment QR image's title, drawn by segno in web/routes/account.py",
    "under way;": "a commitment's evidence lines, written in coordination/evidence.py",
    "Ending violence against women and girls": "an OECD CRS purpose's label as the IATI file gives it",
    "adults": "an initiative's target-group codes, shown as stored",
    "budget": "the money chart's data table: transaction kinds as stored",
    "national totals": "the statistics breakdown choices (statistics/explorer.py BREAKDOWNS)",
    "SDMX-CSV with labels (API)": "the download formats' names in web/routes/statistics.py",
    "sdmx-structure": "the download formats' codes",
    "suppressed": "the flags column shows the flag codes as stored",
}


def test_no_page_shows_english_in_spanish_french_or_arabic(client: TestClient, sqlite_demo_db: Database) -> None:
    data = data_words(sqlite_demo_db)
    english = {lang: english_words(lang) for lang in LANGS}
    left: dict[str, set[str]] = {}
    pending_seen: set[str] = set()
    seen = 0
    for who in VISITORS:
        client.cookies.clear()
        if who:
            login(client, who, DEMO_PASSWORD)
        ids = Ids(sqlite_demo_db, _org_of(sqlite_demo_db, who) if who else None)
        for url in _pages(client, ids):
            for lang in LANGS:
                sep = "&" if "?" in url else "?"
                page = client.get(f"{url}{sep}lang={lang}")
                assert page.status_code == 200, (url, lang)
                seen += 1
                for part in visible_text(page.text, lang):
                    runs = english_runs([part], english[lang], data)
                    known = [k for k in PENDING if k in part]
                    if runs and known:
                        pending_seen.update(known)
                    elif runs:
                        left.setdefault(f"{part[:160]!r} {runs}", set()).add(f"{url} [{lang}, {who or 'visitor'}]")
    assert seen > 150
    assert not left, "\n".join(f"{run}: {sorted(where)[:3]}" for run, where in sorted(left.items()))
    assert pending_seen == set(PENDING), f"no longer found, remove from PENDING: {sorted(set(PENDING) - pending_seen)}"

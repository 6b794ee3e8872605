"""Sentences the core builds from pieces read whole in the reader's language: the action of a refusal, the
reasons of a legal-basis decision and the explanation of an estimate carry no English fragment in Spanish,
French or Arabic, while the CLI, logs and audit keep reading them in English.

"No English fragment" is checked word by word: a translated sentence may keep the values filled in (a user
name, an agreement's reference, a role's code) but no other word of the English sentence.
"""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest

from palermo import i18n
from palermo.auth.permissions import decide
from palermo.auth.roles import Principal
from palermo.errors import PermissionDenied
from palermo.estimation.source import identified_and_estimated_text
from palermo.exchange.codelists import CATEGORIES, PURPOSES
from palermo.exchange.policy import agreement_reasons, decide_between
from palermo.messages import Message, from_data, to_data

LANGS = ("es", "fr", "ar")
WORD = re.compile(r"[A-Za-z]{3,}")
PHRASE = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")  # two lower-case words in a row: English text, not a value
# Latin words an Arabic sentence keeps on purpose: the platform's matching "hub", "API", and the notation
# ``state:NLD`` of an agreement's party.
KEPT = {"hub", "api", "state"}


def untranslated(message: Message, lang: str) -> list[str]:
    """What of ``message`` a reader of ``lang`` would see in English: a message (the sentence, or one
    inside it) the catalogues do not translate, or a value that is an English phrase rather than data."""
    from palermo.identification.i18n import IDENTIFICATION

    t = i18n.page_translations(lang, IDENTIFICATION)
    left: list[str] = []

    def walk(m: Message) -> None:
        if re.search(r"[A-Za-z]", re.sub(r"{[^}]*}", "", m.msgid)) and t.gettext(m.msgid) == m.msgid:
            left.append(m.msgid)
        for v in m.params.values():
            if isinstance(v, Message):
                walk(v)
            elif isinstance(v, str) and PHRASE.search(v):
                left.append(v)
    walk(message)
    return left


def _values(message: Message) -> set[str]:
    """The words of the values filled into ``message`` (also inside nested messages): kept in every language."""
    words: set[str] = set()
    for v in message.params.values():
        if isinstance(v, Message) and v.msgid != "{value}":
            words |= _values(v)
        else:
            words |= {w.lower() for w in WORD.findall(str(v))}
    return words


def english_left(message: Message, lang: str) -> set[str]:
    """What a reader of ``lang`` would find English in ``message``: its untranslated parts and, in Arabic
    (where no Latin word is a cognate), any word of the English sentence other than its values."""
    left = set(untranslated(message, lang))
    if lang == "ar":
        english = {w.lower() for w in WORD.findall(str(message))} - _values(message) - KEPT
        left |= english & {w.lower() for w in WORD.findall(i18n.translate(message, lang))}
    return left


def refusal(principal: Principal, *roles: str, action: str) -> Message:
    with pytest.raises(PermissionDenied) as caught:
        principal.require(*roles, action=action)
    message = caught.value.message
    assert isinstance(message, Message)
    return message


VIEWER = Principal(7, "ana.viewer", 3, frozenset({"viewer"}))
NOBODY = Principal(8, "sin.roles", 3, frozenset())


@pytest.mark.parametrize("lang", LANGS)
def test_a_role_refusal_says_its_action_and_the_alternatives_in_the_readers_language(lang: str) -> None:
    from palermo.messages import N_

    m = refusal(VIEWER, "analyst", "data_owner", "admin", action=N_("publish statistics"))
    assert str(m) == "user 'ana.viewer' may not publish statistics: needs role analyst or data_owner or admin, has viewer"
    said = i18n.translate(m, lang)
    assert english_left(m, lang) == set(), said
    assert i18n.translate(N_("publish statistics"), lang) in said
    assert said.count({"es": " o ", "fr": " ou ", "ar": " أو "}[lang]) == 2, said  # the "or" between three roles
    none = refusal(NOBODY, "admin", action=N_("deactivate users"))
    assert str(none).endswith("needs role admin, has no role") and english_left(none, lang) == set()


@pytest.mark.parametrize("lang", LANGS)
def test_every_action_of_the_rules_table_completes_a_refusal_without_english(lang: str) -> None:
    from palermo.auth.permissions import ACTIONS

    for name, action in ACTIONS.items():
        if action.audience != "roles" or "viewer" in action.roles:
            continue
        reason = decide(VIEWER, name).reason
        assert isinstance(reason, Message) and english_left(reason, lang) == set(), (name, i18n.translate(reason, lang))


def _agreement(reference: str = "EU-OPS-NL", **fields: object) -> SimpleNamespace:
    base = {"reference": reference, "status": "in_force", "valid_from": None, "valid_to": None,
            "categories": ["aggregate_statistics"], "purposes": ["research"], "parties": [], "clauses": {},
            "handling_codes": []}
    return SimpleNamespace(**{**base, **fields})


def _every_reason() -> list[Message]:
    on = date(2026, 12, 1)
    reasons = []
    for status in ("draft", "signed", "suspended", "expired", "in_force"):
        reasons += agreement_reasons(_agreement(status=status, valid_from=date(2027, 1, 1), valid_to=date(2026, 6, 30)),  # type: ignore[arg-type]
                                     "personal_data_victims", "victim_protection", on)
    for category in CATEGORIES:
        reasons += agreement_reasons(_agreement(categories=[]), category, "research", on)  # type: ignore[arg-type]
    for purpose in PURPOSES:
        reasons += agreement_reasons(_agreement(purposes=[]), "aggregate_statistics", purpose, on)  # type: ignore[arg-type]
    a = SimpleNamespace(id=1, short_name="NL-POL", org_type="police", country="NLD")
    b = SimpleNamespace(id=2, short_name="NL-OM", org_type="prosecution", country="NLD")
    nld = SimpleNamespace(organisation_id=None, country="NLD")
    one_party = _agreement(parties=[nld], categories=list(CATEGORIES), purposes=list(PURPOSES))
    d = decide_between([one_party], a, b, category="hit_no_hit", purpose="investigation", on=on)  # type: ignore[list-item]
    assert not d.allowed
    reasons += d.reasons
    return [r for r in reasons if isinstance(r, Message)] + [r for r in reasons if not isinstance(r, Message)]


@pytest.mark.parametrize("lang", LANGS)
def test_every_legal_basis_reason_reads_whole_in_the_readers_language(lang: str) -> None:
    reasons = _every_reason()
    assert len(reasons) >= 20 and all(isinstance(r, Message) for r in reasons), [r for r in reasons if not isinstance(r, Message)]
    english = {str(r) for r in reasons}
    assert "agreement EU-OPS-NL is draft, not in force" in english  # the CLI and the audit keep the English
    assert any(r.startswith("no agreement between NL-POL and NL-OM") for r in english)
    for r in reasons:
        assert english_left(r, lang) == set(), (str(r), i18n.translate(r, lang))


@pytest.mark.parametrize(("lang", "expiry"), [("es", "30 de junio de 2026"), ("fr", "30 juin 2026"), ("ar", "30 يونيو 2026")])
def test_a_reasons_date_is_written_as_the_readers_language_writes_dates(lang: str, expiry: str) -> None:
    expired = [r for r in _every_reason() if str(r) == "agreement EU-OPS-NL expired on 2026-06-30"]
    assert expired and expiry in i18n.translate(expired[0], lang) and "2026-06-30" not in i18n.translate(expired[0], lang)


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "2,744 identified; estimated total 10,000 – 14,000"),
    ("es", "identificadas: 2.744; total estimado: 10.000 – 14.000"),
    ("fr", "identifiées : 2\u202f744 ; total estimé : 10\u202f000 – 14\u202f000"),
    ("ar", "المحدَّدون: 2,744؛ المجموع المقدَّر: 10,000 – 14,000"),
])
def test_an_estimates_explanation_is_a_whole_sentence_with_the_readers_numbers(lang: str, line: str) -> None:
    text = identified_and_estimated_text(2744, 10_012.4, 13_917.0)
    assert str(text) == "2,744 identified; estimated total 10,000 – 14,000"  # the CLI's and the audit's English
    assert i18n.translate(text, lang) == line
    assert english_left(text, lang) == set() if lang != "en" else True
    open_ended = identified_and_estimated_text(None, 300, float("inf"))
    assert str(open_ended) == "estimated total 300 or more (no upper bound)"
    if lang != "en":
        assert english_left(open_ended, lang) == set(), i18n.translate(open_ended, lang)


def test_a_confirmation_kept_for_the_next_page_keeps_the_messages_and_figures_inside_it() -> None:
    from palermo.messages import N_

    m = N_("Recorded as an estimate source: {estimate}", estimate=identified_and_estimated_text(345, 1234, 2100))
    kept = from_data(to_data(m))  # through the signed session's JSON
    assert kept is not None and str(kept) == str(m)
    assert i18n.translate(kept, "es") == i18n.translate(m, "es")
    assert "identificadas: 345; total estimado: 1.200 – 2.100" in i18n.translate(kept, "es")

"""Bad input is refused in the worker's language: every problem listed, nothing stored, on the form
(/identification?lang=…), in the API (``lang`` or Accept-Language) and in the core, for en, es, fr and ar."""

from __future__ import annotations

from pathlib import Path

import pytest

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ValidationError
from palermo.identification import i18n
from palermo.identification.models import Referral, Screening
from palermo.identification.screening import screen
from tests.conftest import make_settings
from tests.identification.test_i18n import _english_left
from tests.web_helpers import client_for, csrf, login

LANGS = ("en", "es", "fr", "ar")
# Five problems at once: unknown field, indicator without its phase, unknown indicator, a contradiction, no age.
BAD = {"name": "Maria", "observed": [{"indicator": "DOCS"}, {"indicator": "XX-NOPE"}],
       "journey": {"crossed_border": False, "irregular_crossing": True}}
FIELDS = {"name", "observed[1].phase", "observed[2].indicator", "journey.irregular_crossing", "age"}
# What a reader of each language finds in the list: the missing age, said in that language.
AGE_MISSING = {"en": "age is missing", "es": "falta la edad", "fr": "l’âge manque", "ar": "العمر غير موجود"}


def _refused(lang: str, case: dict = BAD) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        screen(case, lang=lang)
    return info.value


@pytest.mark.parametrize("lang", LANGS)
def test_the_core_lists_every_problem_in_the_workers_language(lang: str) -> None:
    err = _refused(lang)
    assert {p.field for p in err.problems} == FIELDS  # the same problems whatever the language
    assert any(AGE_MISSING[lang] in p.reason for p in err.problems)
    _ = i18n.translations(lang)
    assert err.message == _.ngettext("the case has {n} problem; nothing was assessed",
                                     "the case has {n} problems; nothing was assessed", 5).format(n=5)
    if lang != "en":
        english = {p.field: p.reason for p in _refused("en").problems}
        same = [p.field for p in err.problems if p.reason == english[p.field]]
        assert not same, f"{lang}: still English for {same}"
        assert "nothing was assessed" not in err.message


@pytest.mark.parametrize("lang", ("es", "fr", "ar"))
def test_plural_forms_of_the_headline(lang: str) -> None:
    one, five = _refused(lang, {"observed": []}), _refused(lang)
    assert len(one.problems) == 1 and "5" in five.message
    assert one.message != five.message.replace("5", "1")  # a singular form, not the plural with another number


def _count(db: Database) -> tuple[int, int]:
    with db.session(write=False) as s:
        return s.query(Screening).count(), s.query(Referral).count()


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_shows_every_problem_in_the_workers_language_and_stores_nothing(
        sqlite_demo_db: Database, tmp_path: Path, lang: str) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "gr.officer", "palermo-demo-2000")
    before = _count(sqlite_demo_db)
    r = c.post("/identification/screen", data={
        "csrf_token": csrf(c), "lang": lang, "age": "", "observed": ["DOCS", "XX-NOPE@recruitment"],
        "crossed_border": "no", "irregular_crossing": "yes", "refer_LSTRADA": "consent"})
    assert r.status_code == 422, r.text[:300]
    assert _count(sqlite_demo_db) == before  # nothing stored: no screening, no referral
    attrs, english = _english_left(r.text, {"observed[1].phase", "observed[2].indicator", "journey.irregular_crossing",
                                            "irregular_crossing", "crossed_border", "XX-NOPE", "Palermo", "gr.officer"})
    assert attrs.get("lang") == lang and attrs.get("dir") == ("rtl" if lang == "ar" else "ltr")
    assert AGE_MISSING[lang] in r.text
    for field in ("observed[1].phase", "observed[2].indicator", "journey.irregular_crossing", "age"):
        assert f"<code dir=\"ltr\">{field}</code>" in r.text, field
    if lang == "en":
        assert {"the", "indicator"} <= {w.lower() for w in english}  # the check below can fail
    else:
        assert not english, f"English words left on the {lang} problems page: {english}"


def test_a_referral_without_consent_is_refused_in_spanish(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "gr.officer", "palermo-demo-2000")
    before = _count(sqlite_demo_db)
    r = c.post("/identification/screen", data={"csrf_token": csrf(c), "lang": "es", "age": "30",
                                               "observed": ["DR-JOB"], "refer_LSTRADA": ""})
    assert r.status_code == 200  # not referred at all is fine
    r = c.post("/identification/screen", data={"csrf_token": csrf(c), "lang": "es", "age": "30", "observed": ["DR-JOB"],
                                               "refer_NOPE": "consent"})
    assert r.status_code == 422 and "no existe esa organización" in r.text and "no se guardó nada" in r.text
    assert _count(sqlite_demo_db)[0] == before[0] + 1  # only the first screening was kept


@pytest.mark.parametrize("header, body_lang, expected", [
    ("fr-CH, fr;q=0.9, en;q=0.5", None, "fr"),
    ("ar", None, "ar"),
    ("de, es;q=0.4", None, "es"),
    ("fr", "es", "es"),  # the request's own lang wins over the header
    (None, None, "en"),
])
def test_the_api_answers_bad_input_in_the_language_asked(sqlite_demo_db: Database, tmp_path: Path, header: str | None,
                                                        body_lang: str | None, expected: str) -> None:
    with sqlite_demo_db.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "lastrada.worker"), "t").token
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    headers = {"Authorization": f"Bearer {token}", **({"Accept-Language": header} if header else {})}
    before = _count(sqlite_demo_db)
    case = {k: v for k, v in BAD.items() if k != "name"}  # the API's case model has no such field to send
    r = c.post("/api/v1/identification/screen", headers=headers,
               json={"case": case, "save": True, **({"lang": body_lang} if body_lang else {})})
    assert r.status_code == 422, r.text
    problems = r.json()["details"]["problems"]
    assert {p["field"] for p in problems} == FIELDS - {"name"}
    assert any(AGE_MISSING[expected] in p["reason"] for p in problems)
    assert r.json()["message"] == _refused(expected, case).message
    assert _count(sqlite_demo_db) == before
    ok = c.post("/api/v1/identification/screen", headers=headers,
                json={"case": {"age": 30}, **({"lang": body_lang} if body_lang else {})})
    assert ok.status_code == 200 and ok.json()["lang"] == expected  # the answer itself in the same language


def test_a_decline_without_a_reason_is_refused_in_the_workers_language(sqlite_demo_db: Database, tmp_path: Path) -> None:
    with sqlite_demo_db.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "lastrada.worker"), "t").token
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    auth = {"Authorization": f"Bearer {token}"}
    received = [v for v in c.get("/api/v1/identification/referrals", headers=auth).json() if v["status"] == "received"]
    assert received, "the demo refers screenings to La Strada"
    r = c.post(f"/api/v1/identification/referrals/{received[0]['reference']}/decision",
               headers={**auth, "Accept-Language": "fr"}, json={"decision": "declined", "note": ""})
    assert r.status_code == 422
    assert r.json()["message"] == "1 problème ; rien n’a été enregistré"
    assert "dites pourquoi l’orientation est refusée" in r.json()["details"]["problems"][0]["reason"]
    again = c.get("/api/v1/identification/referrals", headers=auth).json()
    assert next(v for v in again if v["reference"] == received[0]["reference"])["status"] == "received"  # unchanged

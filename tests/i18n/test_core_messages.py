"""The core's messages reach a worker in the worker's language: the web face translates what the core marked.

An error raised by the core (a conflict, a validation error with its problems), a framework error and a
confirmation after a form are said in Spanish or French on the page and in the API's ``message`` (by
``?lang=``, the language cookie or Accept-Language) with their values filled in, while the machine code
(``error``) and the English the CLI and the audit trail read stay as they were.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from palermo import i18n
from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import Problem, ValidationError
from palermo.messages import N_, Message, joined, verbatim
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD, two_org_world
from tests.web_helpers import client_for, csrf, login

DUPLICATE = {"es": "ya existe un usuario llamado 'a-admin'; elija otro nombre de usuario",
             "fr": "un utilisateur nommé 'a-admin' existe déjà ; choisissez un autre identifiant",
             "en": "a user named 'a-admin' already exists; choose another username"}


def test_a_message_is_english_text_carrying_its_msgid_and_values() -> None:
    m = N_("no initiative {ref!r}; see the list of initiatives", ref="X-1")
    assert m == "no initiative 'X-1'; see the list of initiatives" and isinstance(m, str)
    assert (m.msgid, dict(m.params)) == ("no initiative {ref!r}; see the list of initiatives", {"ref": "X-1"})
    es = i18n.translate(m, "es")
    assert es == "no hay ninguna iniciativa 'X-1'; consulte la lista de iniciativas"
    assert i18n.translate(m, "fr") == "aucune initiative 'X-1' ; consultez la liste des initiatives"


def test_a_problem_is_translated_whole_where_what_and_the_value_received() -> None:
    p = Problem(N_("password must have at least {min_password_length} characters", min_password_length=12),
                line=3, field="password", value="short")
    assert str(p) == "line 3, field 'password': password must have at least 12 characters (got 'short')"
    assert i18n.translate(p.text, "es") == ("línea 3, campo 'password': la contraseña debe tener al menos 12 caracteres "
                                            "(recibido: 'short')")
    assert i18n.translate(p.text, "fr") == ("ligne 3, champ 'password' : le mot de passe doit compter au moins "
                                            "12 caractères (reçu : 'short')")


def test_the_cli_and_the_audit_read_english_whatever_the_page_language() -> None:
    exc = ValidationError(N_("user not created: {problems}", problems=joined([N_("name is empty")])))
    with i18n.speaking("fr"):  # a page being rendered in French around it changes nothing of str()
        assert str(exc) == exc.message == "user not created: name is empty"
        assert i18n.gettext_now(exc.message) == "utilisateur non créé : le nom est vide"


def test_a_broken_translation_shows_the_english_never_a_crash() -> None:
    m = N_("user {username!r} added", username="x")
    assert m.localised(lambda msgid: "usuario {nombre} añadido") == "user 'x' added"  # placeholder renamed
    text = verbatim("a {library} message, as it came")
    assert text == "a {library} message, as it came" and i18n.translate(text, "es") == text  # in every language


def test_a_flashed_confirmation_survives_the_session_round_trip() -> None:
    from palermo.web.flash import flash, flashed

    class Req:  # the two things flash/flashed use of a request
        scope = {"session": {}}
        session = scope["session"]
        query_params: dict[str, str] = {}

    flash(Req(), N_("Imported {n} initiatives", n=5))  # type: ignore[arg-type]
    shown = flashed(Req())  # type: ignore[arg-type]
    assert isinstance(shown, Message) and i18n.translate(shown, "es") == "5 iniciativas importadas"
    assert flashed(Req()) is None  # once  # type: ignore[arg-type]


@pytest.fixture
def world(sqlite_db: Database) -> Database:
    """Two organisations with their users (the words do not depend on the database: SQLite only)."""
    two_org_world(sqlite_db)
    return sqlite_db


@pytest.fixture
def admin_client(world: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    c = client_for(make_settings(tmp_path, world), world)
    login(c, "a-admin", PASSWORD)
    return c


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_a_page_says_the_cores_error_and_its_problems_in_the_readers_language(admin_client, lang: str) -> None:  # type: ignore[no-untyped-def]
    c = admin_client
    c.cookies.set("palermo_lang", lang)
    r = c.post("/admin/users", data={"username": "a-admin", "password": "long-enough-pw", "organisation": "A",
                                     "roles": ["officer"], "csrf_token": csrf(c)})
    assert r.status_code == 409 and DUPLICATE[lang] in html.unescape(r.text)
    assert DUPLICATE["en"] not in html.unescape(r.text)
    r = c.post("/admin/users", data={"username": "two words", "password": "short", "organisation": "A",
                                     "roles": ["officer"], "csrf_token": csrf(c)})
    page = html.unescape(r.text)
    problem = {"es": "campo 'username': el nombre de usuario debe tener de 1 a 80 caracteres sin espacios (recibido: 'two words')",
               "fr": "champ 'username' : l'identifiant doit compter de 1 à 80 caractères, sans espace (reçu : 'two words')"}
    assert r.status_code == 422 and problem[lang] in page  # the problem list, value filled in
    assert {"es": "usuario no creado: ", "fr": "utilisateur non créé : "}[lang] + problem[lang] in page  # the message


def test_a_confirmation_after_a_form_is_said_in_the_readers_language(admin_client) -> None:  # type: ignore[no-untyped-def]
    c = admin_client
    c.cookies.set("palermo_lang", "es")
    r = c.post("/admin/users", data={"username": "a-new", "password": "long-enough-pw", "organisation": "A",
                                     "roles": ["officer"], "csrf_token": csrf(c)})
    assert r.status_code == 200 and r.url.path == "/admin" and "Usuario a-new añadido" in r.text
    assert "Usuario a-new añadido" not in c.get("/admin").text  # said once


def _token(db: Database) -> str:
    with db.session() as s:
        user = accounts.get_visible_user(s, Principal.system(), "a-admin")
        return accounts.issue_token(s, Principal.system(), user, "i18n").token


@pytest.mark.parametrize("ask", [{"headers": {"Accept-Language": "es-AR, en;q=0.5"}, "lang": "es"},
                                 {"params": {"lang": "fr"}, "lang": "fr"},
                                 {"headers": {"Accept-Language": "fr"}, "params": {"lang": "es"}, "lang": "es"},
                                 {"lang": "en"}], ids=["accept-language", "query", "query-wins", "default"])
def test_the_api_message_follows_the_language_and_the_code_does_not(world: Database, tmp_path: Path, ask: dict) -> None:  # type: ignore[type-arg]
    c = client_for(make_settings(tmp_path, world), world)
    headers = {"Authorization": f"Bearer {_token(world)}", **ask.get("headers", {})}
    r = c.post("/api/v1/users", headers=headers, params=ask.get("params"),
               json={"username": "a-admin", "password": "long-enough-pw", "organisation": "A", "roles": ["officer"]})
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "conflict" and body["message"] == DUPLICATE[ask["lang"]]


def test_the_api_translates_the_problems_it_lists_and_keeps_their_fields(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    headers = {"Authorization": f"Bearer {_token(world)}", "Accept-Language": "fr"}
    r = c.post("/api/v1/users", headers=headers, json={"username": "x", "password": "long-enough-pw",
                                                       "organisation": "A", "roles": ["officer"], "name": "Jane Doe"})
    body = r.json()
    assert r.status_code == 422 and body["error"] == "validation"
    assert body["message"].startswith("la requête n'est pas valide : champ 'body.name' : champ inconnu, refusé")
    [problem] = body["details"]["problems"]
    assert problem["field"] == "body.name" and problem["reason"].startswith("champ inconnu, refusé")
    assert "Jane" not in r.text  # what was refused is still never echoed


def test_a_framework_error_page_is_in_the_readers_language(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    r = c.get("/no-such-page", headers={"Accept-Language": "fr"})
    assert r.status_code == 404
    assert "il n'y a pas de page à cette adresse ; vérifiez le lien ou repartez de la page d'accueil" in html.unescape(r.text)
    r = c.put("/api/v1/users", params={"lang": "es"})
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
    assert re.fullmatch(r"PUT no está permitido aquí; use \w+( or \w+)*", r.json()["message"])

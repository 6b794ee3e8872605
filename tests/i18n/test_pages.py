"""Pages in Spanish, French and Arabic: the frame and the front-line pages show translated words, <html>
carries ``lang`` and ``dir``; the language comes from the switch (kept in a cookie), else the browser's
Accept-Language, else English."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.web.templating import LANG_COOKIE
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

HTML = re.compile(r'<html lang="([a-z]+)" dir="(ltr|rtl)">')
# (lang, words the page must show): shell words and front-line words, as the catalogues say them
LOGIN = {"es": ["Iniciar sesión", "Contraseña", "Saltar al contenido"], "fr": ["Se connecter", "Mot de passe", "Aller au contenu"],
         "ar": ["تسجيل الدخول", "كلمة المرور", "انتقل إلى المحتوى"]}
FRONT_LINE = {"/coordination": {"es": ["Coordinación: quién hace qué y dónde", "Solapamientos", "Cerrar sesión"],
                                "fr": ["Coordination : qui fait quoi et où", "Chevauchements", "Se déconnecter"],
                                "ar": ["التنسيق: من يفعل ماذا وأين", "التداخلات", "تسجيل الخروج"]},
              "/exchange/requests": {"es": ["Solicitudes", "Enviadas y recibidas", "Plazo"],
                                     "fr": ["Demandes", "Envoyées et reçues", "Échéance"],
                                     "ar": ["الطلبات", "المرسَلة والمستلَمة", "الموعد النهائي"]},
              "/exchange/agreements": {"es": ["Acuerdos", "Quién tiene acuerdos con quién"],
                                       "fr": ["Accords", "Qui a des accords avec qui"],
                                       "ar": ["الاتفاقات", "من لديه اتفاقات مع من"]}}
# Arabic is complete: the pages of every area speak it (what stays English is data: names, codes, statuses)
ARABIC = {"/statistics": ["سجل المصادر", "الرقم الخفي (التقديرات)"],
          "/statistics/data?country=NLD": ["المشاهدات", "الجنسية", "الاستغلال"],
          "/statistics/country/NLD": ["الأرقام،", "النساء والفتيات بين الضحايا"],
          "/linkage": ["التطابقات مع سجلاتك", "رفع الترميزات"],
          "/statistics/estimates": ["العدد الخفي: التقدير بالأنظمة المتعددة", "جداول تاريخ الالتقاط"],
          "/audit": ["سجل التدقيق", "الأساس القانوني", "الوقت (UTC)"],
          "/admin": ["مستخدمو مؤسستك", "إضافة مستخدم"]}

# Every other area, as the reader who uses it sees it: (user or None for a visitor, es words, fr words)
AREAS = {"/statistics": (None, ["Registro de fuentes", "Perfiles de país"], ["Registre des sources", "Profils de pays"]),
         "/statistics/data?country=NLD": (None, ["Desglose", "Descargar esta selección:", "umbral de confidencialidad"],
                                          ["Ventilation", "Télécharger cette sélection :", "seuil de confidentialité"]),
         "/statistics/estimates": ("nl.owner", ["Tablas de historiales de captura", "Estimar a partir de una tabla"],
                                   ["Tables d'historiques de capture", "Estimer à partir d'une table"]),
         "/linkage": ("nl.owner", ["Coincidencias de sus registros", "Sus cargas", "Con qué frecuencia acertaron"],
                      ["Concordances pour vos enregistrements", "Vos dépôts", "À quelle fréquence les concordances"]),
         "/audit": ("nl.owner", ["Cuándo (UTC)", "Base jurídica"],
                    ["Quand (UTC)", "Base juridique"]),
         "/admin": ("nl.admin", ["Usuarios de su organización", "Añadir un usuario", "Nombre abreviado"],
                    ["Utilisateurs de votre organisation", "Ajouter un utilisateur", "Nom abrégé"])}


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S))))


def _html_attrs(html: str) -> tuple[str, str]:
    m = HTML.search(html)
    assert m, "no <html lang dir>"
    return m.group(1), m.group(2)


@pytest.fixture
def client(sqlite_demo_db: Database, tmp_path: Path) -> TestClient:
    return client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


@pytest.mark.parametrize("lang", sorted(LOGIN))
def test_the_login_page_in_each_language(client: TestClient, lang: str) -> None:
    page = client.get(f"/login?lang={lang}")
    assert _html_attrs(page.text) == (lang, "rtl" if lang == "ar" else "ltr")
    text = _text(page.text)
    assert all(w in text for w in LOGIN[lang]), (lang, text[:400])
    assert "Log in" not in text and "Password" not in text


def test_the_browser_language_then_the_switch_then_the_cookie(client: TestClient) -> None:
    assert _html_attrs(client.get("/login").text) == ("en", "ltr")
    assert _html_attrs(client.get("/login", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}).text) == ("fr", "ltr")
    switched = client.get("/login?lang=ar", headers={"Accept-Language": "fr"})
    assert switched.cookies.get(LANG_COOKIE) == "ar"
    # the choice stays for the next pages, over the browser's language
    assert _html_attrs(client.get("/statistics", headers={"Accept-Language": "fr"}).text) == ("ar", "rtl")
    client.cookies.clear()
    client.cookies.set(LANG_COOKIE, "xx")  # a stale cookie: the browser's language again
    assert _html_attrs(client.get("/login", headers={"Accept-Language": "es"}).text) == ("es", "ltr")


def test_the_switch_on_every_page_names_each_language_in_itself(client: TestClient) -> None:
    page = client.get("/statistics/data?country=NLD&lang=fr").text
    nav = page[page.index('id="languages"'):page.index("</nav>", page.index('id="languages"'))]
    links = re.findall(r'<a href="([^"]+)" lang="([a-z]+)" hreflang="\2"( aria-current="true")?>([^<]+)</a>', nav)
    assert [(lang, name) for _h, lang, _c, name in links] == [("en", "English"), ("es", "Español"), ("fr", "Français"), ("ar", "العربية")]
    assert [lang for _h, lang, current, _n in links if current] == ["fr"]
    assert all(unescape(h).startswith("/statistics/data?country=NLD&lang=") for h, *_ in links)  # the same page, its query kept


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
@pytest.mark.parametrize("path", sorted(FRONT_LINE))
def test_front_line_pages_are_translated(client: TestClient, path: str, lang: str) -> None:
    login(client, "nl.analyst", DEMO_PASSWORD)
    page = client.get(path, headers={"Accept-Language": lang})
    assert page.status_code == 200
    assert _html_attrs(page.text) == (lang, "rtl" if lang == "ar" else "ltr")
    text = _text(page.text)
    missing = [w for w in FRONT_LINE[path][lang] if w not in text]
    assert not missing, (path, lang, missing)


@pytest.mark.parametrize("path", sorted(ARABIC))
def test_every_area_speaks_arabic(client: TestClient, path: str) -> None:
    login(client, "nl.rapporteur", DEMO_PASSWORD)  # analyst and admin: every area's page
    page = client.get(path, headers={"Accept-Language": "ar"})
    assert page.status_code == 200, path
    assert _html_attrs(page.text) == ("ar", "rtl")
    text = _text(page.text)
    missing = [w for w in ARABIC[path] if w not in text]
    assert not missing, (path, missing, text[:600])


@pytest.mark.parametrize("lang", ["es", "fr"])
@pytest.mark.parametrize("path", sorted(AREAS))
def test_every_area_is_translated(client: TestClient, path: str, lang: str) -> None:
    user, es, fr = AREAS[path]
    if user:
        login(client, user, DEMO_PASSWORD)
    page = client.get(path, headers={"Accept-Language": lang})
    assert page.status_code == 200
    assert _html_attrs(page.text) == (lang, "ltr")
    text = _text(page.text)
    missing = [w for w in (es if lang == "es" else fr) if w not in text]
    assert not missing, (path, lang, missing)


def test_a_link_inside_a_translated_sentence_stays_a_link(client: TestClient) -> None:
    """One message for the whole sentence, its link a placeholder: the markup the page built survives, in
    the order the translation puts it."""
    es = client.get("/statistics/data?country=NLD&lang=es").text
    assert '<a href="/login?next=/statistics/data">Iniciar sesión</a> para ver las cifras de su organización.' in es
    assert "se suprimen (se muestran como <b>c</b>), al igual que" in es
    fr = client.get("/statistics/data?country=NLD&lang=fr").text
    assert '<a href="/login?next=/statistics/data">Se connecter</a> pour voir les chiffres de votre organisation.' in fr


def test_fill_escapes_values_but_keeps_the_pages_markup() -> None:
    from markupsafe import Markup

    from palermo.web.templating import templates

    fill = templates.env.filters["fill"]
    link = Markup('<a href="/x">here</a>')
    assert fill("See {0} for <{1}>.", link, "<script>") == 'See <a href="/x">here</a> for &lt;&lt;script&gt;&gt;.'
    assert str(templates.env.globals["code"]("a<b")) == "<code>a&lt;b</code>"


def test_error_pages_speak_the_readers_language(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={"Accept-Language": "es"})
    assert page.status_code == 404
    text = _text(page.text)
    assert "Página no encontrada" in text and "Puede que la dirección esté mal escrita" in text
    page = client.get("/no/such/page", headers={"Accept-Language": "ar"})
    assert _html_attrs(page.text) == ("ar", "rtl") and "الصفحة غير موجودة" in _text(page.text)


def test_home_sections_and_numbers_in_spanish(client: TestClient) -> None:
    login(client, "nl.analyst", DEMO_PASSWORD)
    text = _text(client.get("/?lang=es").text)
    assert "Bienvenido/a, nl.analyst" in text
    assert all(w in text for w in ("Estadísticas", "Cruce e intercambio", "Coordinación", "Identificación"))
    assert "trata de seres humanos" in text


def test_english_stays_english(client: TestClient) -> None:
    """The same checks find English on the English page (so they can fail)."""
    text = _text(client.get("/login").text)
    assert "Log in" in text and "Iniciar sesión" not in text

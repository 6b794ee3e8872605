"""Single sign-on against a real OpenID Connect provider (panva/oidc-provider) started on loopback.

The whole authorization-code flow runs as a browser would: Palermo's login page, the provider's own
interactive login and consent forms, the callback, the session. The provider is installed by
scripts/oidc-provider.sh (``make test`` runs it; the fixture runs it too when it has not run).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from palermo.auth import accounts, audit, throttle
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import AuthenticationFailed
from tests.conftest import make_settings
from tests.web.conftest import LiveServer, Shots, browser, page, serve, two_org_world  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_DIR = ROOT / "tests" / "oidc"
CLIENT_ID, CLIENT_SECRET = "palermo-test", "client-secret-" + "s" * 24

# What the identity provider says about each of its users.
PEOPLE = {
    "ana": {"preferred_username": "ana.b", "name": "Ana B", "organisation": "ngo-b.example",
            "groups": ["thb-analysts", "thb-officers", "canteen"]},
    "oscar": {"preferred_username": "oscar.a", "organisation": "police-a.example", "groups": ["thb-officers"]},
    "boss": {"preferred_username": "boss.a", "organisation": "police-a.example", "groups": ["palermo-admins"]},
    "mallory": {"preferred_username": "mallory", "organisation": "elsewhere.example", "groups": ["thb-analysts"]},
    "clerk": {"preferred_username": "clerk.a", "organisation": "police-a.example", "groups": ["canteen"]},
    "squatter": {"preferred_username": "a-analyst", "organisation": "police-a.example", "groups": ["thb-analysts"]},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ports() -> tuple[int, int]:
    return _free_port(), _free_port()


def run_provider(provider_port: int, palermo_port: int, host: str = "127.0.0.1") -> Iterator[str]:
    """The provider, listening on loopback under ``host``; yields its issuer URL."""
    subprocess.run([str(ROOT / "scripts" / "oidc-provider.sh")], check=True)
    proc = subprocess.Popen(["node", str(PROVIDER_DIR / "provider.mjs"), str(provider_port), CLIENT_ID, CLIENT_SECRET,
                             f"http://127.0.0.1:{palermo_port}/login/oidc/callback", json.dumps(PEOPLE), host],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    issuer = f"http://{host}:{provider_port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the OpenID Connect provider did not start: {proc.stdout.read() if proc.stdout else ''}") from None
                time.sleep(0.2)
        yield issuer
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def provider(ports: tuple[int, int]) -> Iterator[str]:
    yield from run_provider(*ports)


def palermo_for(issuer: str, port: int, db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    two_org_world(db)
    settings = make_settings(
        tmp_path, db, oidc_issuer=issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
        oidc_provider_name="Test IdP", oidc_organisations={"police-a.example": "A", "ngo-b.example": "B"},
        oidc_roles={"thb-analysts": "analyst", "thb-officers": "officer", "palermo-admins": "admin"})
    yield from serve(settings, db, port=port)


@pytest.fixture
def palermo(provider: str, ports: tuple[int, int], sqlite_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    yield from palermo_for(provider, ports[1], sqlite_db, tmp_path)


def _form(resp: httpx.Response) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form[^>]*action="([^"]+)"', resp.text)
    assert action, f"no form on the provider's page {resp.url}: {resp.text[:300]}"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', resp.text))
    return action.group(1), hidden


def sign_in(agent: httpx.Client, palermo: LiveServer, who: str, next_url: str = "/") -> httpx.Response:
    """From Palermo's login page through the provider's login and consent forms back to Palermo."""
    login_page = agent.get(f"{palermo.url}/login", params={"next": next_url})
    link = re.search(r'href="([^"]+)">Sign in with Test IdP<', login_page.text)
    assert link, "the login resp offers no single sign-on"
    resp = agent.get(palermo.url + link.group(1).replace("&amp;", "&"))
    assert resp.url.host == "127.0.0.1" and "Sign-in" in resp.text  # the provider's own login form
    action, fields = _form(resp)
    resp = agent.post(action, data={**fields, "login": who, "password": "any password"})
    if "Authorize" in resp.text:  # the provider asks the user to consent to Palermo's scopes
        action, fields = _form(resp)
        resp = agent.post(action, data=fields)
    return resp


def _continue(agent: httpx.Client, palermo: LiveServer, resp: httpx.Response) -> httpx.Response:
    """The callback's page moves on by itself (meta refresh): follow it as a browser would."""
    target = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', resp.text)
    assert target, f"no onward link on {resp.url}: {resp.status_code} {resp.text[:300]}"
    return agent.get(palermo.url + target.group(1).replace("&amp;", "&"))


def test_a_mapped_user_signs_in_with_the_organisation_and_roles_its_claims_give(palermo: LiveServer) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as agent:
        resp = _continue(agent, palermo, sign_in(agent, palermo, "ana", "/audit?action=session."))
        assert resp.url.path == "/audit" and resp.url.query == b"action=session." and "Log out" in resp.text
        me = agent.get(f"{palermo.url}/api/v1/me").json()
    assert me["username"] == "ana.b" and me["roles"] == ["analyst", "officer"]  # "canteen" maps to nothing
    with palermo.db.session(write=False) as s:
        user = accounts.get_user(s, "ana.b")
        assert user.organisation.short_name == "B" and user.full_name == "Ana B"
        entries = audit.entries(s, Principal.system())
    created = [e for e in entries if e.action == "user.create"][0]
    login = [e for e in entries if e.action == "session.login"][0]
    assert created.actor == "system:oidc" and json.loads(login.details)["method"] == "oidc"
    with pytest.raises(AuthenticationFailed):  # no password: the account signs in through the provider only
        throttle.login(palermo.db, "ana.b", "", "192.0.2.1",
                       throttle.Limits(5, 20, timedelta(minutes=1), "k"))


def test_a_second_sign_in_finds_the_same_account(palermo: LiveServer) -> None:
    for _ in range(2):
        with httpx.Client(follow_redirects=True, timeout=20) as agent:
            assert "Log out" in _continue(agent, palermo, sign_in(agent, palermo, "oscar")).text
    with palermo.db.session(write=False) as s:
        users = [u.username for u in accounts.list_users(s, Principal.system())]
        logins = [e for e in audit.entries(s, Principal.system(), action="session.login") if e.action == "session.login"]
    assert users.count("oscar.a") == 1 and len(logins) == 2


@pytest.mark.parametrize(("who", "reason"), [
    ("mallory", "maps to no Palermo organisation"),
    ("clerk", "maps to no Palermo role"),
    ("squatter", "an account named 'a-analyst' already exists"),
])
def test_an_unmapped_user_is_refused_and_the_refusal_audited(palermo: LiveServer, who: str, reason: str) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as agent:
        resp = sign_in(agent, palermo, who)
        assert resp.status_code == 403 and reason in resp.text.replace("&#39;", "'")
        assert agent.get(f"{palermo.url}/api/v1/me").status_code == 401
    with palermo.db.session(write=False) as s:
        assert accounts.find_user(s, PEOPLE[who]["preferred_username"]) is None or who == "squatter"
        refused = audit.entries(s, Principal.system(), action="session.login_failed")
    assert len(refused) == 1 and reason in json.loads(refused[0].details)["reason"].replace("&#39;", "'")
    assert json.loads(refused[0].details)["method"] == "oidc"


def test_an_admin_from_the_provider_without_its_second_factor_sets_up_palermos(palermo: LiveServer) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as agent:
        resp = _continue(agent, palermo, sign_in(agent, palermo, "boss"))
        assert resp.url.path == "/account/security" and 'id="mfa-required"' in resp.text
        assert agent.get(f"{palermo.url}/api/v1/me").status_code == 401  # nothing opens before it


def test_a_forged_callback_is_refused(palermo: LiveServer) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as agent:
        r = agent.get(f"{palermo.url}/login/oidc/callback", params={"code": "stolen", "state": "guessed"})
        assert r.status_code == 401 and "does not belong to this browser" in r.text
        assert agent.get(f"{palermo.url}/api/v1/me").status_code == 401


# ---------------------------------------------------------------- in a real browser, across two sites
@pytest.fixture
def cross_site(sqlite_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    """The provider on another site (localhost) than Palermo (127.0.0.1), as in a deployment: the browser
    then withholds Palermo's SameSite=Strict session cookie on the provider's redirect back."""
    provider_port, palermo_port = _free_port(), _free_port()
    for issuer in run_provider(provider_port, palermo_port, host="localhost"):
        yield from palermo_for(issuer, palermo_port, sqlite_db, tmp_path)


@pytest.mark.browser
def test_single_sign_on_in_a_browser_across_sites(cross_site: LiveServer, page: tuple[object, Shots]) -> None:  # noqa: F811
    pg, shot = page
    pg.goto(cross_site.url + "/login?next=/audit%3Faction%3Dsession.")  # type: ignore[attr-defined]
    pg.click("#sso")  # type: ignore[attr-defined]
    pg.wait_for_selector("input[name=login]")  # type: ignore[attr-defined]
    assert pg.url.startswith("http://localhost:")  # type: ignore[attr-defined]
    shot("provider-login")
    pg.fill("input[name=login]", "ana")  # type: ignore[attr-defined]
    pg.fill("input[name=password]", "any password")  # type: ignore[attr-defined]
    pg.click("button[type=submit]")  # type: ignore[attr-defined]
    pg.wait_for_selector("text=Authorize")  # type: ignore[attr-defined]
    pg.click("button[type=submit]")  # type: ignore[attr-defined]
    pg.wait_for_selector("#logout")  # type: ignore[attr-defined]
    assert pg.url == cross_site.url + "/audit?action=session."  # type: ignore[attr-defined]
    assert "ana.b" in pg.inner_text(".who")  # type: ignore[attr-defined]
    shot("signed-in")

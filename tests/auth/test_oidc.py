"""Single sign-on in the core: the mapping from settings, claims to organisation and roles, the second factor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palermo.auth import accounts, audit, oidc
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ConfigurationError
from tests.conftest import make_settings
from tests.web.conftest import two_org_world

ISSUER = "https://idp.example"
MAP = {"oidc_issuer": ISSUER, "oidc_client_id": "palermo", "oidc_client_secret": "s" * 20,
       "oidc_organisations": {"police-a": "A", "ngo-b": "B"},
       "oidc_roles": {"analysts": "analyst", "admins": "admin", "owners": "data_owner,analyst"},
       "oidc_mfa_amr": "mfa,hwk", "oidc_mfa_acr": "https://idp.example/loa/high"}


@pytest.fixture
def world(db: Database) -> Database:
    two_org_world(db)
    return db


def _mapping(tmp_path: Path, db: Database, **over: Any) -> oidc.Mapping:
    mapping = oidc.Mapping.from_settings(make_settings(tmp_path, db, **{**MAP, **over}))
    assert mapping is not None
    return mapping


def _claims(**over: Any) -> dict[str, Any]:
    return {"sub": "u-1", "preferred_username": "Ana.B", "organisation": "ngo-b", "groups": ["analysts"], **over}


def test_single_sign_on_is_off_without_an_issuer_and_a_bad_mapping_names_every_mistake(tmp_path: Path, world: Database) -> None:
    assert oidc.Mapping.from_settings(make_settings(tmp_path, world)) is None
    with pytest.raises(ConfigurationError) as caught:
        oidc.Mapping.from_settings(make_settings(tmp_path, world, oidc_issuer=ISSUER, oidc_roles={"x": "boss"}))
    text = caught.value.message
    assert "CLIENT_ID is empty" in text and "CLIENT_SECRET is empty" in text and "'boss'" in text
    assert "ORGANISATIONS maps no organisation" in text


@pytest.mark.parametrize(("over", "org", "roles", "by_provider"), [
    ({}, "B", ("analyst",), False),
    ({"groups": ["owners", "analysts", "unknown"]}, "B", ("analyst", "data_owner"), False),
    ({"groups": "admins", "organisation": ["police-a", "not-mapped"]}, "A", ("admin",), False),
    ({"amr": ["pwd", "hwk"]}, "B", ("analyst",), True),
    ({"amr": ["pwd"], "acr": "https://idp.example/loa/high"}, "B", ("analyst",), True),
    ({"amr": ["pwd", "otp"]}, "B", ("analyst",), False),  # otp is not listed by this deployment
])
def test_claims_map_to_one_organisation_and_roles(tmp_path: Path, world: Database, over: dict[str, Any], org: str,
                                                 roles: tuple[str, ...], by_provider: bool) -> None:
    who = oidc.identity(_claims(**over), _mapping(tmp_path, world))
    assert (who.username, who.organisation, who.roles, who.second_factor_by_provider) == ("ana.b", org, roles, by_provider)


@pytest.mark.parametrize(("over", "reason"), [
    ({"organisation": "elsewhere"}, "maps to no Palermo organisation"),
    ({"organisation": ["police-a", "ngo-b"]}, "several organisations: A, B"),
    ({"groups": ["canteen"]}, "maps to no Palermo role"),
    ({"groups": None}, "maps to no Palermo role"),
    ({"preferred_username": ""}, "no usable 'preferred_username'"),
    ({"preferred_username": "two words"}, "no usable"),
])
def test_claims_without_a_mapping_are_refused(tmp_path: Path, world: Database, over: dict[str, Any], reason: str) -> None:
    with pytest.raises(oidc.SignOnRefused, match=reason):
        oidc.identity(_claims(**over), _mapping(tmp_path, world))


def test_the_provider_keeps_the_roles_up_to_date_and_cannot_move_or_take_over_accounts(tmp_path: Path, world: Database) -> None:
    mapping = _mapping(tmp_path, world)
    with world.session() as s:
        first = oidc.sign_on(s, mapping, _claims())
        assert first.second_factor == "none"  # an analyst: no second factor required
    with world.session() as s:
        again = oidc.sign_on(s, mapping, _claims(groups=["owners"]))
        assert again.principal.user_id == first.principal.user_id and again.principal.roles == {"analyst", "data_owner"}
        assert again.second_factor == "enrol"  # a data owner now, and the provider checked no second factor
        assert oidc.sign_on(s, mapping, _claims(groups=["owners"], amr=["mfa"])).second_factor == "none"
    with world.session(write=False) as s:
        changed = audit.entries(s, Principal.system(), action="user.roles_from_provider")
        assert json.loads(changed[0].details)["after"] == ["analyst", "data_owner"]
    for claims, reason in ((_claims(organisation="police-a"), "an administrator must move the account"),
                           (_claims(sub="u-2", preferred_username="a-admin"), "already exists")):
        with pytest.raises(oidc.SignOnRefused, match=reason), world.session() as s:
            oidc.sign_on(s, mapping, claims)
    with world.session() as s:
        accounts.deactivate_user(s, Principal.system(), "ana.b")
    with pytest.raises(oidc.SignOnRefused, match="deactivated"), world.session() as s:
        oidc.sign_on(s, mapping, _claims())
    with world.session(write=False) as s:
        refused = audit.entries(s, Principal.system(), action="session.login_failed")
        assert len(refused) == 3 and accounts.get_user(s, "a-admin").organisation.short_name == "A"
        assert all("u-2" not in e.details for e in refused)  # the reason, never the claims

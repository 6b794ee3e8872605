"""Organisations, users, passwords, tokens: creation rules and clear refusals."""

from __future__ import annotations

import pytest

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationError


def _org(db: Database, short: str = "NL-POL", country: str | None = "NLD") -> None:
    with db.session() as s:
        accounts.create_organisation(s, Principal.system(), name=f"{short} name", short_name=short, org_type="police",
                                     country=country)


def test_create_and_authenticate(db: Database, system: Principal) -> None:
    _org(db)
    with db.session() as s:
        accounts.create_user(s, system, username="anna", password="correct horse", organisation="nl-pol",
                             roles="analyst,officer")
    with db.session() as s:
        user = accounts.authenticate(s, "ANNA", "correct horse")
        assert user.role_set == {"analyst", "officer"}
        assert user.organisation.country == "NLD"
        assert user.password_hash != "correct horse" and user.password_hash.startswith("$argon2id$")
        with pytest.raises(AuthenticationFailed, match="wrong username or password"):
            accounts.authenticate(s, "anna", "wrong password")
        with pytest.raises(AuthenticationFailed, match="wrong username or password"):
            accounts.authenticate(s, "nobody", "whatever123")


def test_country_names_are_normalised_and_bad_ones_refused(db: Database, system: Principal) -> None:
    _org(db, "IT-POL", "Italy")
    with db.session() as s:
        assert accounts.get_organisation(s, "IT-POL").country == "ITA"
    with db.session() as s, pytest.raises(ValidationError, match="Inglaterra"):
        accounts.create_organisation(s, system, name="X", short_name="X", org_type="police", country="Inglaterra")


def test_duplicates_and_bad_input_are_refused_and_nothing_is_written(db: Database, system: Principal) -> None:
    _org(db)
    with db.session() as s:
        accounts.create_user(s, system, username="anna", password="x" * 12, organisation="NL-POL", roles="viewer")
    with db.session() as s, pytest.raises(Conflict, match="already exists"):
        accounts.create_user(s, system, username="Anna", password="y" * 12, organisation="NL-POL", roles="viewer")
    with db.session() as s, pytest.raises(NotFound, match="no organisation 'XX'"):
        accounts.create_user(s, system, username="bob", password="y" * 12, organisation="XX", roles="viewer")
    with db.session() as s, pytest.raises(ValidationError) as info:
        accounts.create_user(s, system, username="b ob", password="short", organisation="NL-POL", roles="boss")
    assert {p.field for p in info.value.problems} == {"username", "password", "roles"}
    with db.session() as s, pytest.raises(Conflict):
        accounts.create_organisation(s, system, name="other", short_name="nl-pol", org_type="ngo")
    with db.session(write=False) as s:
        assert [u.username for u in accounts.list_users(s, system)] == ["anna"]


def test_only_admins_of_an_organisation_add_its_users(db: Database, system: Principal) -> None:
    _org(db, "A")
    _org(db, "B")
    with db.session() as s:
        admin_a = accounts.create_user(s, system, username="admin-a", password="x" * 12, organisation="A", roles="admin")
        analyst_a = accounts.create_user(s, system, username="an-a", password="x" * 12, organisation="A", roles="analyst")
        pa, pan = accounts.principal_for(admin_a), accounts.principal_for(analyst_a)
    with db.session() as s:
        accounts.create_user(s, pa, username="new-a", password="x" * 12, organisation="A", roles="viewer")
    with db.session() as s, pytest.raises(PermissionDenied):
        accounts.create_user(s, pa, username="new-b", password="x" * 12, organisation="B", roles="viewer")
    with db.session() as s, pytest.raises(PermissionDenied):
        accounts.create_user(s, pan, username="new-c", password="x" * 12, organisation="A", roles="viewer")
    with db.session() as s, pytest.raises(PermissionDenied):
        accounts.create_organisation(s, pa, name="C", short_name="C", org_type="ngo")


def test_api_tokens_are_stored_hashed_and_can_be_revoked(db: Database, system: Principal) -> None:
    _org(db)
    with db.session() as s:
        user = accounts.create_user(s, system, username="bot", password="x" * 12, organisation="NL-POL", roles="officer")
        issued = accounts.issue_token(s, system, user, "ci")
        assert issued.token not in issued.record.token_hash
    with db.session() as s:
        assert accounts.user_for_token(s, issued.token).username == "bot"
        with pytest.raises(AuthenticationFailed):
            accounts.user_for_token(s, issued.token + "x")
        rec = accounts.user_for_token(s, issued.token)
        from palermo.auth.models import ApiToken

        s.query(ApiToken).filter_by(user_id=rec.id).update({"revoked": True})
    with db.session() as s, pytest.raises(AuthenticationFailed, match="revoked"):
        accounts.user_for_token(s, issued.token)

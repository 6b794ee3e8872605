"""The rules table: decisions with reasons, ownership, anonymous visitors, and docs/security.md printing it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from palermo.auth.permissions import ACTIONS, decide, require, roles_allowed, rules_markdown
from palermo.auth.roles import ROLES, Principal
from palermo.errors import PermissionDenied

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def _p(*roles: str, org: int = 1, operator: bool = False) -> Principal:
    return Principal(10, "u", org, frozenset(roles), operator)


def test_docs_print_the_rules_table_as_it_is() -> None:
    text = DOCS.read_text()
    found = re.search(r"<!-- rules-table:start -->\n(.*?)<!-- rules-table:end -->", text, re.S)
    assert found, "docs/security.md lacks the rules table markers"
    assert found.group(1) == rules_markdown(), "docs/security.md is out of date: regenerate it with rules_markdown()"


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_has_a_rule_that_some_role_can_meet(name: str) -> None:
    a = ACTIONS[name]
    assert a.description and a.audience in ("anyone", "signed in", "roles")
    assert roles_allowed(name) <= set(ROLES) and roles_allowed(name)
    assert name in rules_markdown()


def test_refusals_say_who_needs_what() -> None:
    d = decide(_p("viewer"), "identification.screening.save")
    assert not d and "needs role analyst or officer, has viewer" in d.reason
    with pytest.raises(PermissionDenied, match="needs role admin or analyst or data_owner"):
        require(_p("officer"), "audit.read")
    assert decide(_p("officer"), "identification.screening.save")


def test_ownership_is_decided_per_object() -> None:
    analyst = _p("analyst", org=1)
    assert decide(analyst, "statistics.true_values", 1)
    refused = decide(analyst, "statistics.true_values", 2)
    assert not refused and "another organisation" in refused.reason
    assert decide(analyst, "statistics.true_values")  # the role part alone: a page may show the internal view
    assert not decide(_p("viewer", org=1), "statistics.true_values", 1)  # a viewer of the owner: public view


def test_hub_operator_actions() -> None:
    assert not decide(_p("admin"), "audit.read_all") and decide(_p("admin", operator=True), "audit.read_all")
    assert not decide(_p("analyst", operator=True), "audit.read_all")


def test_anonymous_visitors_get_only_what_is_open_to_anyone() -> None:
    anon = Principal.anonymous()
    open_to_all = {n for n, a in ACTIONS.items() if a.audience == "anyone"}
    assert {"statistics.read_public", "session.login"} <= open_to_all
    for name in ACTIONS:
        assert bool(decide(anon, name)) == (name in open_to_all), name
    assert "log in" in decide(anon, "statistics.read").reason


def test_the_system_may_do_everything_and_unknown_actions_are_a_programming_error() -> None:
    assert all(decide(Principal.system(), n, 99) for n in ACTIONS)
    with pytest.raises(ValueError, match="declare it"):
        decide(_p("admin"), "statistics.delete_everything")

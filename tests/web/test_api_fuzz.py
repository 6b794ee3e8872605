"""Schemathesis, every check, against Palermo's own OpenAPI document, as every role of an organisation.

``st run /api/v1/openapi.json --checks all`` in-process: Schemathesis' own engine (the one its CLI
drives) runs its phases (examples, coverage, fuzzing, stateful) against the app, with every check it
has on every response: no server error, status codes, content types and headers, bodies against the
schema, invalid requests refused and valid ones accepted, missing auth refused, 405 with ``Allow``,
resources that stay available and deleted ones that stay deleted. Each request goes with the token of
the next user in turn: nl.owner (data owner and analyst) and one user per role of the Dutch police;
the chained (stateful) phase as nl.owner. A fixed seed and bounded examples keep it within ``make test``.
The few operations whose rules no schema can state are named, with the rule, in schemathesis.toml.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from palermo.auth import accounts
from palermo.auth.roles import ROLES, Principal
from palermo.db import Database
from palermo.web.app import create_app
from tests.conftest import _fresh, _populate_demo, make_settings

# The repository's Schemathesis settings: the operations whose rules no schema can state (st run reads it too).
RULES = Path(__file__).resolve().parents[2] / "schemathesis.toml"
FUZZ_USERS = {role: f"fuzz-{role.replace('_', '-')}" for role in ROLES}


@dataclass
class FuzzWorld:
    app: object
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def fuzz_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    """The demo, with one user per role at the Dutch police (nl.owner's organisation), each with a token."""
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    for db in _fresh(request, tmp, "demo", _populate_demo, kind="sqlite"):
        yield FuzzWorld(create_app(make_settings(tmp, db), db), _tokens(db))


def _tokens(db: Database) -> dict[str, str]:
    tokens = {}
    with db.session() as s:
        for role, username in FUZZ_USERS.items():
            user = accounts.create_user(s, Principal.system(), username=username, password="fuzz-password-1",
                                        organisation="NL-POL", roles=role)
            tokens[role] = accounts.issue_token(s, Principal.system(), user, "fuzz").token
        owner = accounts.get_visible_user(s, Principal.system(), "nl.owner")
        tokens["nl.owner"] = accounts.issue_token(s, Principal.system(), owner, "fuzz").token
    return tokens


def run_all_checks(app: object, tokens: list[str], max_examples: int, phases: str) -> list[str]:
    """One Schemathesis run with every check, each request with the next token in turn; the failures as
    the CLI names them, with the answer that failed."""
    config = SchemathesisConfig.from_str(f"""
seed = 2026
{RULES.read_text()}
[generation]
max-examples = {max_examples}
[phases]
{phases}
""")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config)
    turn = itertools.cycle(tokens)

    @schema.auth(refresh_interval=None)
    class RoleInTurn:
        def get(self, case: schemathesis.Case, ctx: object) -> str:
            return next(turn)

        def set(self, case: schemathesis.Case, data: str, ctx: object) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
            for case_id, checks in event.recorder.checks.items():
                case = event.recorder.cases[case_id].value
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        interaction = event.recorder.interactions.get(case_id)
                        answer = "" if interaction is None or interaction.response is None else (
                            f"\n    -> {interaction.response.status_code} {interaction.response.content[:300]!r}")
                        failures.append(f"{case.method} {case.path} [{check.name}] {failure.title}: "
                                        f"{failure.message[:400]}\n    {check.failure_info.code_sample[:600]}{answer}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"engine error: {event}")
    return sorted(set(failures))


def test_every_check_passes_as_every_role(fuzz_world: FuzzWorld) -> None:
    """Examples, coverage and fuzzing, positive and negative, each request as the next role in turn."""
    tokens = [fuzz_world.tokens[k] for k in sorted(fuzz_world.tokens)]
    failures = run_all_checks(fuzz_world.app, tokens, max_examples=4, phases="stateful = { enabled = false }")
    assert not failures, f"{len(failures)} contract failure(s):\n" + "\n".join(failures)


def test_every_check_passes_in_sequences_as_a_data_owner(fuzz_world: FuzzWorld) -> None:
    """The stateful phase (operations chained through their links), as nl.owner: created objects can be
    read back, deleted ones stay deleted."""
    failures = run_all_checks(fuzz_world.app, [fuzz_world.tokens["nl.owner"]], max_examples=4, phases=(
        "examples = { enabled = false }\ncoverage = { enabled = false }\nfuzzing = { enabled = false }"))
    assert not failures, f"{len(failures)} contract failure(s):\n" + "\n".join(failures)

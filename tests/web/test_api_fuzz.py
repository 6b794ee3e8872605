"""Schemathesis against Palermo's own OpenAPI document, as every role of an organisation.

Zero server errors and zero responses that break the documented schema, with a bounded number of
examples per operation so the run fits in CI (longer runs: benchmarks/fuzz_api.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from palermo.auth import accounts
from palermo.auth.roles import ROLES, Principal
from palermo.db import Database
from palermo.web.app import create_app
from tests.conftest import make_settings

FUZZ_USERS = {role: f"fuzz-{role.replace('_', '-')}" for role in ROLES}


@pytest.fixture
def fuzz_app(sqlite_demo_db: Database, tmp_path: Path) -> Iterator[tuple[object, dict[str, str]]]:
    tokens = {}
    with sqlite_demo_db.session() as s:
        org = accounts.get_organisation(s, "NL-POL")
        for role, username in FUZZ_USERS.items():
            user = accounts.create_user(s, Principal.system(), username=username, password="fuzz-password-1",
                                        organisation=org.id, roles=role)
            tokens[role] = accounts.issue_token(s, Principal.system(), user, "fuzz").token
    yield create_app(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db), tokens


def test_api_never_fails_and_keeps_its_schema(fuzz_app: tuple[object, dict[str, str]]) -> None:
    """Every operation, positive and negative examples, as every role: no 5xx, no schema breach."""
    from schemathesis.generation.modes import GenerationMode

    app, tokens = fuzz_app
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7, "the API should expose at least the core operations"
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                      database=None)
            def run(case: object) -> None:
                for role in ROLES:
                    case.call_and_validate(  # type: ignore[attr-defined]
                        headers={"Authorization": f"Bearer {tokens[role]}"},
                        checks=[not_a_server_error, response_schema_conformance])

            try:
                run()
            except Unsatisfiable:
                continue  # no invalid input exists for this operation (e.g. no parameters at all)
            except Exception as exc:  # noqa: BLE001 - collect every failing operation, report them all
                failures.append(f"{op.method.upper()} {op.path} ({mode.value}): {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)

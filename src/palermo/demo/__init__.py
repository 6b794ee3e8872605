"""The demo workspace: realistic (synthetic) organisations, users and data for every area.

Each area adds its demo data in ``palermo/demo/<area>.py`` with a ``build(session, ctx)`` function,
listed in :data:`STEPS` in dependency order. Everything is generated here, so the demo runs without
the real data files in ``shared/``.
"""

from __future__ import annotations

import importlib
import logging
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.models import Organisation, User
from palermo.db import Database
from palermo.demo.organisations import DEMO_PASSWORD, create_organisations_and_users

log = logging.getLogger(__name__)

STEPS = (
    "palermo.demo.statistics",
    "palermo.demo.exchange",
    "palermo.demo.linkage",
    "palermo.demo.coordination",
    "palermo.demo.identification",
    "palermo.demo.estimation",
)

__all__ = ["DEMO_PASSWORD", "DemoContext", "DemoReport", "build_demo"]


@dataclass
class DemoContext:
    """What demo builders share: the organisations and users by short name, a seeded RNG, the database."""

    db: Database
    orgs: dict[str, Organisation]
    users: dict[str, User]
    rng: random.Random = field(default_factory=lambda: random.Random(2000))
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoReport:
    logins: list[tuple[str, str, str]]
    notes: list[str]

    def summary(self) -> str:
        return "Demo workspace built:\n" + "\n".join(f"  - {n}" for n in self.notes)


def build_demo(db: Database, *, force: bool = False, settings: Any = None) -> DemoReport:
    """Create the demo data in ``db`` (schema must be current). Idempotent unless ``force``."""
    with db.session() as s:
        existing = s.execute(select(Organisation).limit(1)).scalar_one_or_none()
        if existing is not None and not force:
            return DemoReport(_logins(s), ["demo data already present (use --force to add again)"])
    with db.session() as s:
        orgs, users = create_organisations_and_users(s)
        ctx = DemoContext(db, orgs, users)
        ctx.extra["settings"] = settings
        ctx.notes.append(f"{len(orgs)} organisations and {len(users)} users")
        for name in STEPS:
            importlib.import_module(name).build(s, ctx)
        return DemoReport(_logins(s), ctx.notes)


def _logins(s: Session) -> list[tuple[str, str, str]]:
    users = s.execute(select(User).order_by(User.organisation_id, User.username)).scalars()
    return [(u.username, u.organisation.short_name, u.roles.replace(",", ", ")) for u in users]

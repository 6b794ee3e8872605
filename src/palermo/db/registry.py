"""Imports every domain's models so that the shared metadata knows all tables (for Alembic and tests)."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from palermo.db.base import Base

# Each domain keeps its tables in <domain>/models.py; add a domain here when it gains tables.
MODEL_MODULES = (
    "palermo.auth.models",
    "palermo.statistics.models",
    "palermo.linkage.models",
    "palermo.exchange.models",
    "palermo.coordination.models",
    "palermo.identification.models",
    "palermo.estimation.models",
)


def load_all_models() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata

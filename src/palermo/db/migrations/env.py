"""Alembic environment: one shared metadata, migrations run on the connection Palermo hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from palermo.db.registry import load_all_models

target_metadata = load_all_models()
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic.ini has no sqlalchemy.url and no connection was passed in; run `palermo db upgrade`")
        engine = create_engine(url)
        with engine.begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()

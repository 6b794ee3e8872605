"""Engine creation, sessions and migrations behind one small class.

SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL is used as is. Connection failures
become :class:`~palermo.errors.DatabaseUnavailable` with a message that says how to fix the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from palermo.errors import ConfigurationError, Conflict, DatabaseUnavailable
from palermo.messages import N_

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers never both read then collide. A read
    # session takes no lock at all (WAL: readers never wait) and is made read-only, so code that writes
    # in one fails at once in the tests instead of racing for the lock under load.
    options = conn.get_execution_options()
    conn.exec_driver_sql(f"PRAGMA query_only={1 if options.get('palermo_read') else 0}")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("palermo_write") else "BEGIN")


def _postgresql_begin(conn: Any) -> None:
    if conn.get_execution_options().get("palermo_read"):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` or raise a ConfigurationError that says what is wrong with it."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            N_("database URL {url!r} cannot be parsed; use sqlite:///path/to/palermo.db or "
               "postgresql+psycopg://user:password@host:5432/dbname",
               url=url)
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            N_("database backend {backend!r} is not supported; Palermo runs on sqlite (default) or postgresql",
               backend=backend)
        )
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        if backend == "sqlite":
            in_memory = parsed.database in (None, "", ":memory:")  # a single shared connection, no pool sizing
            pool = {} if in_memory else {"pool_size": 20, "max_overflow": 40}
            engine = create_engine(parsed, connect_args={"timeout": 30, "isolation_level": None}, **{**pool, **kwargs})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, **{"pool_size": 10, "max_overflow": 30, **kwargs})
            event.listen(engine, "begin", _postgresql_begin)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(N_("no driver for database URL {render_as_string!r}: {exc}",
                                    render_as_string=parsed.render_as_string(hide_password=True), exc=exc)) from exc
    return engine


class Database:
    """One database: engine, session factory and migrations."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine.execution_options(palermo_read=True), expire_on_commit=False)
        self._write_sessions = sessionmaker(self.engine.execution_options(palermo_write=True), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def check(self) -> None:
        """Connect once, turning an unreachable server into a clear error."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(
                N_("cannot connect to the database at {safe_url}: {reason}. Check PALERMO_DATABASE_URL and that the "
                   "server is running.",
                   safe_url=self.safe_url, reason=reason)
            ) from exc

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: commits when the block succeeds, rolls everything back when it raises."""
        self.check_reachable_once()
        with (self._write_sessions if write else self._sessions)() as session:
            try:
                yield session
                session.commit()
            except IntegrityError as exc:
                # A unique constraint hit by a concurrent writer (two creations of the same key at once):
                # the whole unit of work is rolled back and the caller told to retry, never a 500.
                session.rollback()
                raise Conflict(N_("another change to the same record was saved at the same moment; nothing of this "
                                  "operation was stored. Retry it.")) from exc
            except OperationalError as exc:
                session.rollback()
                if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01"):  # PostgreSQL serialisation / deadlock
                    raise DatabaseUnavailable(N_("the database resolved a conflict between concurrent writes by "
                                                 "stopping this one; nothing of it was stored. Retry it.")) from exc
                if "database is locked" in str(exc.orig):
                    raise DatabaseUnavailable(
                        N_("the database is busy with other writes (SQLite allows one writer at a time); retry in a "
                           "moment, or use PostgreSQL for many concurrent users")) from exc
                raise
            except BaseException as exc:
                session.rollback()
                self._after_rollback(exc)
                raise

    def _after_rollback(self, exc: BaseException) -> None:
        """Run the writes a refused operation asked for after its rollback (the audit of the refusal),
        each in its own unit of work, so the refusal is recorded while nothing of the operation is."""
        for write in getattr(exc, "after_rollback", ()):
            with self.session() as s:
                write(s)

    _checked = False

    def check_reachable_once(self) -> None:
        if not self._checked:
            self.check()
            self._checked = True

    def upgrade(self) -> None:
        """Bring the schema to the newest revision of every domain (``alembic upgrade heads``)."""
        self._migrate("upgrade", "heads")

    def downgrade(self, revision: str) -> None:
        """Take a domain's schema back to ``revision`` (``alembic downgrade``), to roll back a release."""
        self._migrate("downgrade", revision)

    def _migrate(self, direction: str, revision: str) -> None:
        """Run migrations in one transaction. On SQLite, Alembic's batch mode rebuilds a table to alter it
        (copy, drop, rename), which the enforced foreign keys of the rows that point at it would refuse: the
        check is off while the migrations run, as Alembic's documentation advises, and the whole database is
        checked before the transaction commits, so a migration can never leave a dangling reference."""
        from alembic import command

        self.check()
        sqlite = self.dialect == "sqlite"
        with self.engine.connect() as conn:
            if sqlite:  # outside any transaction, where SQLite honours it
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    cfg = alembic_config(self.url)
                    cfg.attributes["connection"] = conn
                    getattr(command, direction)(cfg, revision)
                    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
                    if dangling:
                        raise Conflict(N_("the migration would leave {n} row(s) pointing at rows that do not exist "
                                          "(first in table {table}); nothing was changed",
                                          n=len(dangling), table=dangling[0][0]))
            finally:
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]

    def is_initialised(self) -> bool:
        return inspect(self.engine).has_table("organisation")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg

"""Test harness: every test that takes ``db`` runs twice, on SQLite and on a real PostgreSQL 15.

PostgreSQL is started once per session with ``initdb``/``pg_ctl`` in a temporary folder (as the
``postgres`` system user when the tests run as root, since PostgreSQL refuses to run as root).
Set PALERMO_TEST_PG_URL to use an existing server instead. Nothing is mocked.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXTERNAL = SHARED / "data" / "external"


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"PostgreSQL binary {name!r} not found; install postgresql-15 (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a maintenance database on a real PostgreSQL server for this test session."""
    if os.environ.get("PALERMO_TEST_PG_URL"):
        yield os.environ["PALERMO_TEST_PG_URL"]
        return
    root = Path(tempfile.mkdtemp(prefix="palermo-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres") if _has_user("postgres") else pwd.getpwnam("nobody")
        for p in (root, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", pw.pw_name, "--"]
    port = _free_port()
    subprocess.run(prefix + [_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync",
                             "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    opts = f"-F -p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(prefix + [_pg_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(prefix + [_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _pg_admin(pg_url: str, sql: str) -> None:
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _with_db(url: str, name: str) -> str:
    return re.sub(r"/[^/]*$", f"/{name}", url)


# ------------------------------------------------------------------ templates (migrated once per session)
def _build_template(kind: str, name: str, tmp_root: Path, pg: str | None, populate) -> str:  # type: ignore[no-untyped-def]
    if kind == "sqlite":
        url = f"sqlite:///{tmp_root / (name + '.db')}"
    else:
        assert pg is not None
        _pg_admin(pg, f"DROP DATABASE IF EXISTS {name}")
        _pg_admin(pg, f"CREATE DATABASE {name}")
        url = _with_db(pg, name)
    db = Database(url)
    try:
        db.upgrade()
        populate(db)
    finally:
        db.dispose()  # a template with an open connection cannot be cloned
    return url


def _clone(kind: str, template_url: str, tmp_path: Path, pg: str | None) -> tuple[str, str | None]:
    if kind == "sqlite":
        src = Path(template_url.removeprefix("sqlite:///"))
        dst = tmp_path / "palermo.db"
        shutil.copyfile(src, dst)
        return f"sqlite:///{dst}", None
    assert pg is not None
    name = "t_" + uuid.uuid4().hex[:16]
    template = template_url.rsplit("/", 1)[1]
    _pg_admin(pg, f"CREATE DATABASE {name} TEMPLATE {template}")
    return _with_db(pg, name), name


BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    return {}


def _template(request: pytest.FixtureRequest, kind: str, flavour: str, populate) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    cache = request.getfixturevalue("_templates")
    pg = request.getfixturevalue("pg_url") if kind == "postgresql" else None
    key = (kind, flavour)
    if key not in cache:
        root = request.getfixturevalue("tmp_path_factory").mktemp(f"tpl-{flavour}")
        cache[key] = _build_template(kind, f"palermo_tpl_{flavour}", root, pg, populate)
    return cache[key], pg


def _fresh(request: pytest.FixtureRequest, tmp_path: Path, flavour: str, populate,  # type: ignore[no-untyped-def]
           kind: str | None = None) -> Iterator[Database]:
    kind = kind or request.param
    template_url, pg = _template(request, kind, flavour, populate)
    url, pg_name = _clone(kind, template_url, tmp_path, pg)
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()
        if pg_name and pg:
            _pg_admin(pg, f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated, empty database; the test runs once per backend."""
    yield from _fresh(request, tmp_path, "empty", lambda db: None)


def _populate_demo(db: Database) -> None:
    from palermo.demo import build_demo

    build_demo(db)


@pytest.fixture(params=BACKENDS)
def demo_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the full demo workspace; the test runs once per backend."""
    yield from _fresh(request, tmp_path, "demo", _populate_demo)


@pytest.fixture
def sqlite_demo_db(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The demo workspace on SQLite only (for tests of pure presentation, browser, CLI)."""
    yield from _fresh(request, tmp_path, "demo", _populate_demo, kind="sqlite")


@pytest.fixture
def sqlite_db(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh, migrated, empty SQLite database (for tests of the faces rather than of storage)."""
    yield from _fresh(request, tmp_path, "empty", lambda db: None, kind="sqlite")


@pytest.fixture
def system() -> Principal:
    return Principal.system()


def make_settings(tmp_path: Path, db: Database, **kw: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db.url, secret_key="test-secret-key-" + "x" * 32, **kw)


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    return make_settings(tmp_path, db)

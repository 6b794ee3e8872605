"""Logical backup and restore of a whole Palermo database, portable between SQLite and PostgreSQL.

A backup is a zip file: ``manifest.json`` (format, schema revisions, row counts, SHA-256 per table) and
one JSON-lines file per table. It is taken in one read transaction (a consistent snapshot while the
app keeps running: REPEATABLE READ on PostgreSQL, a WAL read snapshot on SQLite). A restore goes into
a freshly migrated, empty database in one transaction: it either loads everything or nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Integer, LargeBinary, Numeric, Table, func, select, text
from sqlalchemy.engine import Connection

from palermo.db.database import Database
from palermo.db.registry import load_all_models
from palermo.errors import Conflict, Problem, ValidationError
from palermo.messages import N_

FORMAT = "palermo-backup/1"
BATCH = 5000
Progress = Callable[[str, int], None]


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    kinds: dict[str, Callable[[Any], Any]] = {}
    for col in table.columns:
        t = col.type
        impl = getattr(t, "impl", t)
        if isinstance(impl, DateTime):
            kinds[col.name] = datetime.fromisoformat
        elif isinstance(impl, Date):
            kinds[col.name] = date.fromisoformat
        elif isinstance(impl, LargeBinary):
            kinds[col.name] = lambda v: base64.b64decode(v["$b64"])
        elif isinstance(impl, Numeric) and getattr(impl, "asdecimal", False):
            kinds[col.name] = Decimal

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        return {k: (kinds[k](v) if v is not None and k in kinds else v) for k, v in row.items()}

    return decode


def _revisions(conn: Connection) -> list[str]:
    return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


def _tables() -> list[Table]:
    return list(load_all_models().sorted_tables)


def backup(db: Database, path: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Write a consistent snapshot of every table to ``path`` (a zip); returns the manifest."""
    db.check()
    tables = _tables()
    manifest: dict[str, Any] = {"format": FORMAT, "dialect": db.dialect, "tables": {}}
    tmp = path.with_suffix(path.suffix + ".partial")
    conn_opts = {"isolation_level": "REPEATABLE READ"} if db.dialect == "postgresql" else {}
    with db.engine.connect().execution_options(**conn_opts) as conn, conn.begin(), \
            zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        manifest["revisions"] = _revisions(conn)
        for table in tables:
            digest, count = hashlib.sha256(), 0
            with zf.open(f"tables/{table.name}.jsonl", "w") as fh:
                pk = list(table.primary_key.columns)
                rows = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*pk))
                for row in rows.mappings():
                    line = (json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n").encode()
                    fh.write(line)
                    digest.update(line)
                    count += 1
            manifest["tables"][table.name] = {"rows": count, "sha256": digest.hexdigest()}
            if progress:
                progress(table.name, count)
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
    tmp.replace(path)
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
    except (OSError, zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise ValidationError(N_("{path} is not a Palermo backup ({exc}); make one with `palermo backup -o FILE`",
                                 path=path, exc=exc)) from None
    if manifest.get("format") != FORMAT:
        raise ValidationError(N_("{path} has backup format {get!r}; this Palermo reads {format!r}",
                                 path=path, get=manifest.get('format'), format=FORMAT))
    return manifest


def _lines(zf: zipfile.ZipFile, name: str, expected: dict[str, Any]) -> Iterator[dict[str, Any]]:
    raw = zf.read(f"tables/{name}.jsonl")
    if hashlib.sha256(raw).hexdigest() != expected["sha256"]:
        raise ValidationError(N_("table {name} in the backup is corrupt: its checksum does not match the manifest",
                                 name=name),
                              [Problem(N_("checksum mismatch"), field=name)])
    for line in io.BytesIO(raw):
        yield json.loads(line)


def restore(db: Database, path: Path, progress: Progress | None = None) -> dict[str, int]:
    """Load a backup into ``db`` (migrated to the same revisions, holding no data); all or nothing."""
    manifest = read_manifest(path)
    db.upgrade()
    tables = _tables()
    with db.engine.connect() as conn, conn.begin():
        if _revisions(conn) != manifest["revisions"]:
            raise Conflict(N_("backup schema {revisions} differs from this database's {revisions2}; restore with the "
                              "Palermo version that made the backup",
                              revisions=manifest['revisions'], revisions2=_revisions(conn)))
        busy = [t.name for t in tables if t.name != "audit_head" and conn.execute(select(func.count()).select_from(t)).scalar()]
        if busy:
            raise Conflict(N_("the target database already holds data (tables {busy}); restore into a new, empty "
                              "database",
                              busy=', '.join(busy[:5])))
        counts: dict[str, int] = {}
        with zipfile.ZipFile(path) as zf:
            for table in tables:
                meta = manifest["tables"].get(table.name)
                if meta is None:
                    continue
                if table.name == "audit_head":
                    conn.execute(table.delete())
                decode, batch, n = _decoder(table), [], 0
                for row in _lines(zf, table.name, meta):
                    batch.append(decode(row))
                    if len(batch) >= BATCH:
                        conn.execute(table.insert(), batch)
                        n += len(batch)
                        batch = []
                if batch:
                    conn.execute(table.insert(), batch)
                    n += len(batch)
                counts[table.name] = n
                if progress:
                    progress(table.name, n)
        _reset_sequences(conn, tables)
    return counts


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL identity sequences must continue after the restored ids (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for col in table.primary_key.columns:
            if isinstance(col.type, Integer) and col.autoincrement in (True, "auto"):
                seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name}).scalar()
                if seq:
                    conn.execute(text(f"SELECT setval('{seq}', COALESCE((SELECT MAX({col.name}) FROM {table.name}), 0) + 1, false)"))

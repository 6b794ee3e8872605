"""The retention purge at scale: a hub holding 1,000,000 expired encodings (real Parquet encodings of
synthetic people, made with the default schema) in uploads of a given size, with open hits between
them, then one `purge` run; seconds of the purge and what it counted, on SQLite and, with --pg URL, on
PostgreSQL.

    .venv/bin/python benchmarks/linkage_purge.py [--records 1000000] [--per-upload 10000 1000] [--pg postgresql+psycopg://…]

Target (issue: hub lifecycle): a purge of 1 million expired encodings in under 30 s.
"""

from __future__ import annotations

import argparse
import io
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from palermo.auth import accounts, audit
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.db.base import utcnow
from palermo.linkage.encoding import Encoder
from palermo.linkage.models import LinkHit, LinkRun, LinkUpload
from palermo.linkage.retention import purge
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists


def blob(records: int) -> bytes:
    lists, _ = agency_lists({"A": records}, overlap=0.0, noise=0.3, seed=7)
    buf = io.BytesIO()
    Encoder(DEFAULT_SCHEMA, b"s" * 40).encode(lists["A"], label="A").write(buf)  # type: ignore[arg-type]
    return buf.getvalue()


def fill(db: Database, total: int, per_upload: int, hits_per_upload: int) -> int:
    """Store total/per_upload expired live uploads of ``per_upload`` encodings each, with open hits."""
    data = blob(per_upload)
    system = Principal.system()
    past = utcnow() - timedelta(days=400)
    with db.session() as s:
        orgs = [accounts.create_organisation(s, system, name=f"Agency {k}", short_name=f"AG{k}", org_type="police",
                                             country="NLD").id for k in range(2)]
    n = total // per_upload
    rng = random.Random(1)
    for start in range(0, n, 50):
        with db.session() as s:
            ids = []
            for k in range(start, min(n, start + 50)):
                u = LinkUpload(organisation_id=orgs[k % 2], label=f"list {k}", list_kind="suspects", purpose="investigation",
                               fingerprint="f" * 32, records=per_upload, encodings=data, created_by="bench",
                               created_at=past, status="live", key_epoch=1, expires_at=past + timedelta(days=30))
                s.add(u)
                ids.append(u)
            s.flush()
            run = LinkRun(upload_id=ids[0].id, compared=[], refused={}, hits=0)
            s.add(run)
            s.flush()
            rows = [{"reference": "hit-" + secrets.token_hex(8), "run_id": run.id, "upload_a_id": u.id, "record_a": f"A-{j}",
                     "org_a_id": u.organisation_id, "upload_b_id": ids[(i + 1) % len(ids)].id, "record_b": f"B-{j}",
                     "org_b_id": ids[(i + 1) % len(ids)].organisation_id, "score": rng.random(), "agreement": "X",
                     "created_at": past, "status": "open"} for i, u in enumerate(ids) for j in range(hits_per_upload)]
            if rows:
                s.execute(insert(LinkHit), rows)
    return n


def measure(url: str, total: int, per_upload: int) -> dict[str, object]:
    db = Database(url)
    db.upgrade()
    n = fill(db, total, per_upload, hits_per_upload=max(1, per_upload // 100))
    t = time.perf_counter()
    with db.session() as s:
        result = purge(s, Principal.system())
    seconds = time.perf_counter() - t
    with db.session(write=False) as s:
        audit.verify(s, Principal.system())
    db.dispose()
    return {"uploads": n, "seconds": seconds, **result.counts}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--per-upload", type=int, nargs="+", default=[10_000, 1_000])
    p.add_argument("--pg", help="a PostgreSQL URL of an empty database per run is created from it (CREATE DATABASE rights)")
    args = p.parse_args()
    print(f"{'backend':<11} {'uploads':>8} {'per upload':>10} {'encodings':>10} {'hits ended':>10} {'seconds':>8}")
    for per in args.per_upload:
        backends = [("sqlite", None)] + ([("postgresql", args.pg)] if args.pg else [])
        for name, pg in backends:
            with tempfile.TemporaryDirectory() as tmp:
                if pg is None:
                    url = f"sqlite:///{Path(tmp) / 'hub.db'}"
                else:
                    from sqlalchemy import create_engine, text

                    dbname = "purge_bench_" + secrets.token_hex(4)
                    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
                    with admin.connect() as c:
                        c.execute(text(f"CREATE DATABASE {dbname}"))
                    url = pg.rsplit("/", 1)[0] + "/" + dbname
                r = measure(url, args.records, per)
                if pg is not None:
                    with admin.connect() as c:
                        c.execute(text(f"DROP DATABASE {dbname} WITH (FORCE)"))
                    admin.dispose()
            print(f"{name:<11} {r['uploads']:>8,} {per:>10,} {r['encodings_deleted']:>10,} {r['hits_ended']:>10,} "
                  f"{r['seconds']:>8.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

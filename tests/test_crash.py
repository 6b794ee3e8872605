"""Crash safety: kill -9 in the middle of a large import and of an upload with its match run; after the
restart the database holds all of the operation or none of it, and the audit chain still verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select

from palermo.auth import audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.linkage.models import LinkHit, LinkUpload
from palermo.statistics.models import Observation
from tests.conftest import EXTERNAL

# The import is fast (GLOTIP's 58,769 rows in about a second), so the child says when the bulk insert
# starts, and lingers after it before the commit: the kill lands mid-write or with every row written
# but not committed, the two moments that matter.
IMPORT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from palermo.auth.roles import Principal
    from palermo.db import Database
    from palermo.statistics import ingest
    from palermo.statistics.importers import import_glotip
    original = ingest.bulk_insert
    def bulk_insert(*args, **kwargs):
        print("writing", flush=True)
        n = original(*args, **kwargs)
        time.sleep(60)
        return n
    ingest.bulk_insert = bulk_insert
    db = Database(sys.argv[1])
    with db.session() as s:
        print("started", flush=True)
        import_glotip(s, Principal.system(), Path(sys.argv[2]))
    print("done", flush=True)
""")

UPLOAD = textwrap.dedent("""
    import io, sys
    from palermo.auth import accounts
    from palermo.db import Database
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.hub import submit
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from palermo.linkage.synthetic import agency_lists
    from palermo.demo.linkage import DEMO_SECRET
    from palermo.settings import Settings
    db = Database(sys.argv[1])
    lists, _ = agency_lists({"X": 60000}, overlap=0.1, seed=9)
    ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(lists["X"], label="big")
    ds.meta["hub"] = Settings().hub_name
    buf = io.BytesIO(); ds.write(buf)
    with db.session() as s:
        who = accounts.principal_for(accounts.get_user(s, "nl.officer"))
        print("started", flush=True)
        submit(s, who, buf.getvalue(), label="big", purpose="investigation", list_kind="suspects", settings=Settings())
    print("done", flush=True)
""")


def _run_and_kill(script: str, args: list[str], delay: float, wait_for: str | None = None) -> str:
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PALERMO_LINK_RECORDS_PER_DAY": "10000000"})
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "started", proc.stderr.read() if proc.stderr else line
    if wait_for:
        line = proc.stdout.readline().strip()
        assert line == wait_for, proc.stderr.read() if proc.stderr else line
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return "killed" if proc.returncode == -signal.SIGKILL else "finished"


def test_kill_during_large_import_leaves_all_or_nothing(db: Database) -> None:
    outcome = _run_and_kill(IMPORT, [db.url, str(EXTERNAL / "unodc-glotip" / "data_glotip_release_2025-04-14.csv")], 0.2,
                             wait_for="writing")
    assert outcome == "killed"
    restarted = Database(db.url)
    with restarted.session(write=False) as s:
        n = s.execute(select(func.count()).select_from(Observation)).scalar()
        assert n == 0  # killed before commit: nothing half-written
        audit.verify(s, Principal.system())
    restarted.dispose()


def _link_state(db: Database) -> tuple[int, int, int]:
    """Uploads, hits and audited match runs: an upload is stored together with its match run, or not at all."""
    with db.session(write=False) as s:
        state = (s.execute(select(func.count()).select_from(LinkUpload)).scalar() or 0,
                 s.execute(select(func.count()).select_from(LinkHit)).scalar() or 0,
                 s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "link.match_run")).scalar() or 0)
        audit.verify(s, Principal.system())
    return state


def test_kill_during_upload_and_match_run(demo_db: Database) -> None:
    before = _link_state(demo_db)
    outcome = _run_and_kill(UPLOAD, [demo_db.url], 2.0)
    restarted = Database(demo_db.url)
    after = _link_state(restarted)
    restarted.dispose()
    # The kill may land before the commit or after it (while the interpreter winds down): either way the
    # upload and its match run are there together, or neither is.
    if outcome == "finished" or after[0] != before[0]:
        assert after[0] == before[0] + 1 and after[1] >= before[1] and after[2] == before[2] + 1
    else:
        assert after == before

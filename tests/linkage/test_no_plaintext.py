"""The hub stores no plaintext: known names, dates and document numbers go through the whole flow (local
encoding, upload with an API token through the JSON API, matching, hits), then every table of the hub
database and every file of its workspace is scanned for them. Nothing may be found."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from palermo.auth import accounts, audit
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.db.registry import load_all_models
from palermo.demo.linkage import DEMO_SECRET
from palermo.linkage.encoding import Encoder
from palermo.linkage.schema import DEFAULT_SCHEMA
from tests.conftest import make_settings
from tests.web_helpers import client_for

PEOPLE = [("Zainab", "Okonkwo-Haddad", "1991-07-13", "ZX7730194"), ("Tesfamariam", "Ghebreyesus", "1988-02-29", "ER4410023"),
          ("Arbenita", "Krasniqi", "2004-11-05", "KS0099817")]
NEEDLES = [s for p in PEOPLE for s in p] + ["13/07/1991", "Okonkwo"]


def _file(agency: str) -> bytes:
    rows = [{"record_id": f"{agency}-{k}", "first_name": f, "last_name": last, "date_of_birth": d, "sex": "F",
             "country_of_birth": "NGA", "nationality": "NGA", "document_number": doc} for k, (f, last, d, doc) in enumerate(PEOPLE)]
    ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(rows, label=agency)
    ds.meta["hub"] = "palermo-hub"
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return buf.getvalue()


def test_no_plaintext_anywhere_at_the_hub(demo_db: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, demo_db)
    client = client_for(settings, demo_db)
    tokens = {}
    with demo_db.session() as s:
        for user in ("nl.officer", "europol.analyst"):
            tokens[user] = accounts.issue_token(s, Principal.system(), accounts.get_user(s, user), "t").token
    hits = 0
    for user, agency in (("nl.officer", "NL"), ("europol.analyst", "EUROPOL")):
        r = client.post("/api/v1/linkage/uploads", headers={"Authorization": f"Bearer {tokens[user]}"},
                        data={"label": f"{agency} list", "purpose": "investigation", "kind": "suspects"},
                        files={"file": ("e.parquet", _file(agency), "application/octet-stream")})
        assert r.status_code == 201, r.text
        hits = r.json()["hits"]
    assert hits >= len(PEOPLE)  # the same three people were found, from encodings alone
    mine = client.get("/api/v1/linkage/hits", headers={"Authorization": f"Bearer {tokens['europol.analyst']}"}).json()
    assert {h["my_record"] for h in mine} >= {f"EUROPOL-{k}" for k in range(len(PEOPLE))}
    found = []
    with demo_db.engine.connect() as conn:
        for table in load_all_models().sorted_tables:
            for row in conn.execute(select(table)):
                blob = " ".join(repr(v) for v in row).lower()
                for needle in NEEDLES:
                    if needle.lower() in blob:
                        found.append(f"{table.name}: {needle}")
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found += [f"{path}: {n}" for n in NEEDLES if n.lower().encode() in data]
    assert not found, found
    with demo_db.session(write=False) as s:
        audit.verify(s, Principal.system())

"""Demo: an MSE estimate for the Netherlands from synthetic NGO, police and labour-inspection lists.

A synthetic population of 3,000 victims (a known truth, so the demo can show how close the estimate
comes) is drawn with a positive NGO-police dependence (NGOs refer victims to the police). Each
agency (FairWork, the Dutch police, the Labour Authority) encodes its list of noisy synthetic person
records with linkage's keyed Bloom filters and submits it to the hub; the hub operator counts persons
by combination of lists from the encodings (``list_overlap``) and keeps the table as a shared hub
overlap. The estimate enters the statistics as an ``estimate`` source of the national rapporteur.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from palermo.auth import accounts
from palermo.auth.accounts import principal_for
from palermo.auth.roles import Principal
from palermo.demo.organisations import DEMO_PASSWORD
from palermo.estimation import estimate_population
from palermo.estimation.models import CaptureTable
from palermo.estimation.simulate import Scenario, simulate_people
from palermo.estimation.source import record_estimate, result_text
from palermo.estimation.tables import histories_of, save_hub_overlap

TRUE_SIZE = 3000
SCENARIO = Scenario(TRUE_SIZE, {"NGO": 0.14, "POLICE": 0.2, "LABOUR_INSPECTION": 0.09},
                    {("NGO", "POLICE"): 0.9})
PERIOD = "2025"
TABLE_NAME = f"NLD {PERIOD}: NGO, police and labour inspection (hub overlap)"
SEED = 2025
NOISE = 0.05  # share of fields with typos, transliteration variants or gaps in the agencies' records


def _records(people: list[tuple[int, ...]], rng: random.Random) -> dict[str, list[dict[str, str]]]:
    """Each agency's list of (noisy, synthetic) person records, from linkage's generator."""
    from palermo.linkage.synthetic import noisy_record
    from palermo.linkage.synthetic import people as synthetic_people

    rows: dict[str, list[dict[str, str]]] = {name: [] for name in SCENARIO.rates}
    for person, history in zip(synthetic_people(len(people), rng), people):
        for name, on in zip(SCENARIO.rates, history):
            if on:
                rows[name].append(noisy_record(person, f"{name}-{len(rows[name]) + 1}", rng, NOISE))
    return rows


def _via_hub(session: Session, ctx: Any, people: list[tuple[int, ...]], secret: bytes) -> CaptureTable:
    """Each agency encodes its victim list and submits it to the hub; the operator computes the overlap."""
    import io

    from palermo.linkage.encoding import Encoder
    from palermo.linkage.hub import submit
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from palermo.settings import Settings

    settings = ctx.extra.get("settings") or Settings()
    rows = _records(people, random.Random(SEED + 1))
    encoder = Encoder(DEFAULT_SCHEMA, secret)
    upload_ids = []
    for name, recs in rows.items():
        ds = encoder.encode(recs, label=name)  # at the agency: only encodings leave it
        ds.meta["hub"] = settings.hub_name
        buf = io.BytesIO()
        ds.write(buf)  # type: ignore[arg-type]
        result = submit(session, _submitter(session, ctx, name), buf.getvalue(), label=name,
                        purpose="victim_protection", list_kind="victims", settings=settings)
        upload_ids.append(result.upload.id)
    operator = principal_for(ctx.users["hub.admin"])
    return save_hub_overlap(session, operator, upload_ids, name=TABLE_NAME, country="NLD", period=PERIOD,
                            organisation_id=ctx.orgs["HUB"].id)


def _submitter(session: Session, ctx: Any, list_name: str) -> Principal:
    if list_name == "NGO":
        return principal_for(ctx.users["fairwork.worker"])
    if list_name == "POLICE":
        return principal_for(ctx.users["nl.officer"])
    # the demo has no labour inspectorate yet: add the Dutch Labour Authority and an inspector
    if "NL-LA" not in ctx.orgs:
        system = Principal.system()
        ctx.orgs["NL-LA"] = accounts.create_organisation(
            session, system, name="Netherlands Labour Authority (Nederlandse Arbeidsinspectie)", short_name="NL-LA",
            org_type="labour_inspection", country="NLD")
        ctx.users["nl.inspector"] = accounts.create_user(session, system, username="nl.inspector",
                                                         password=DEMO_PASSWORD, organisation=ctx.orgs["NL-LA"].id,
                                                         roles="officer,analyst")
    return principal_for(ctx.users["nl.inspector"])


def build(session: Session, ctx: Any) -> None:
    # own seeds, so the demo's figures do not move when other areas draw more from ctx.rng
    people = simulate_people(SCENARIO, np.random.default_rng(SEED))
    secret = random.Random(SEED).getrandbits(256).to_bytes(32, "big")  # the agencies' shared secret
    table = _via_hub(session, ctx, people, secret)
    how = "submitted to the hub as keyed Bloom-filter encodings and linked there (palermo.linkage)"
    table.notes = f"synthetic demo lists ({NOISE:.0%} noisy fields), {how}"
    histories = histories_of(table)
    result = estimate_population(histories, criterion="bic")
    line = result_text(result)
    rapporteur = principal_for(ctx.users["nl.rapporteur"])
    record_estimate(session, rapporteur, result, key="nld-mse-demo-2025", name="MSE estimate of THB victims (demo)",
                    country="NLD", period=PERIOD, coverage="Netherlands; persons on the NGO, police or labour "
                    "inspection list, and those estimated to be on none")
    where = "recorded as an estimate source of NL-RAP"
    ctx.extra["estimation"] = {"result": result, "text": line, "true_size": TRUE_SIZE, "table_id": table.id}
    ctx.notes.append(f"estimation: NLD {PERIOD} victim lists of an NGO, the police and the labour inspection, {how}: "
                     f"{line} (true size {TRUE_SIZE:,}); {where}")

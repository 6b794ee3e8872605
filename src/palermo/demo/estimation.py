"""Demo: an MSE estimate for the Netherlands from synthetic NGO, police and labour-inspection lists.

A synthetic population of 3,000 victims (a known truth, so the demo can show how close the estimate
comes) is drawn with a positive NGO-police dependence (NGOs refer victims to the police). Each
agency's list is "encoded" with a keyed digest, the hub links equal encodings and counts persons by
combination of lists without decoding anything, and the table is kept as a shared hub overlap. The
estimate enters the statistics as an ``estimate`` source of the national rapporteur (when the
statistics module offers ``record_observations``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from palermo.auth.accounts import principal_for
from palermo.auth.roles import Principal
from palermo.estimation import CaptureHistories, estimate_population
from palermo.estimation.overlap import overlap_from_matches
from palermo.estimation.simulate import Scenario, simulate_people
from palermo.estimation.source import record_estimate, result_text
from palermo.estimation.tables import save_table

TRUE_SIZE = 3000
SCENARIO = Scenario(TRUE_SIZE, {"NGO": 0.14, "POLICE": 0.2, "LABOUR_INSPECTION": 0.09},
                    {("NGO", "POLICE"): 0.9})
PERIOD = "2025"


def build(session: Session, ctx: Any) -> None:
    rng = np.random.default_rng(ctx.rng.getrandbits(32))
    people = simulate_people(SCENARIO, rng)
    secret = ctx.rng.getrandbits(128).to_bytes(16, "big")  # shared by the agencies, never by the hub
    uploads: dict[str, list[tuple[str, str]]] = {name: [] for name in SCENARIO.rates}
    for i, history in enumerate(people):
        digest = hmac.new(secret, f"person-{i}".encode(), hashlib.sha256).hexdigest()
        for name, on in zip(SCENARIO.rates, history):
            if on:
                uploads[name].append((f"{name}-{len(uploads[name]) + 1}", digest))
    matches = []
    for a, b in itertools.combinations(uploads, 2):
        index = {enc: rid for rid, enc in uploads[b]}
        matches += [(a, rid, b, index[enc]) for rid, enc in uploads[a] if enc in index]
    overlap = overlap_from_matches({n: [rid for rid, _ in recs] for n, recs in uploads.items()}, matches)
    histories = CaptureHistories.from_overlap(overlap, lists=list(SCENARIO.rates))

    hub = ctx.orgs["HUB"]
    system = Principal.system()
    save_table(session, system, histories, name=f"NLD {PERIOD}: NGO, police and labour inspection (hub overlap)",
               country="NLD", period=PERIOD, origin="demo", shared=True, organisation_id=hub.id,
               notes="synthetic demo lists, linked at the hub from keyed encodings")
    result = estimate_population(histories, criterion="bic")
    line = result_text(result)
    try:
        rapporteur = principal_for(ctx.users["nl.rapporteur"])
        record_estimate(session, rapporteur, result, key="nld-mse-demo-2025", name="MSE estimate of THB victims (demo)",
                        country="NLD", period=PERIOD, coverage="Netherlands; persons on the NGO, police or labour "
                        "inspection list, and those estimated to be on none")
        where = "recorded as an estimate source of NL-RAP"
    except ImportError:
        where = "not recorded in the statistics (palermo.statistics.ingest is not available)"
    ctx.extra["estimation"] = {"result": result, "text": line, "true_size": TRUE_SIZE}
    ctx.notes.append(f"estimation: NLD {PERIOD} hub overlap of 3 synthetic lists -> {line} "
                     f"(true size {TRUE_SIZE:,}); {where}")

"""Demo: an MSE estimate for the Netherlands from synthetic NGO, police and labour-inspection lists.

A synthetic population of 3,000 victims (a known truth, so the demo can show how close the estimate
comes) is drawn with a positive NGO-police dependence (NGOs refer victims to the police). Each
agency's list of (noisy, synthetic) person records is encoded with linkage's keyed Bloom filters, the
hub's matching engine links them and the persons are counted by combination of lists without
decoding anything, and the table is kept as a shared hub overlap. The
estimate enters the statistics as an ``estimate`` source of the national rapporteur (when the
statistics module offers ``record_observations``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import random
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
SEED = 2025
NOISE = 0.05  # share of fields with typos, transliteration variants or gaps in the agencies' records


def _overlap_via_linkage(people: list[tuple[int, ...]], rng: random.Random, secret: bytes) -> dict[tuple[str, ...], int]:
    """Synthetic noisy person records per agency, encoded with linkage's keyed Bloom filters and matched by
    its engine; the hub sees encodings and record ids only."""
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.engine import match
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from palermo.linkage.synthetic import noisy_record
    from palermo.linkage.synthetic import people as synthetic_people

    rows: dict[str, list[dict[str, str]]] = {name: [] for name in SCENARIO.rates}
    for person, history in zip(synthetic_people(len(people), rng), people):
        for name, on in zip(SCENARIO.rates, history):
            if on:
                rows[name].append(noisy_record(person, f"{name}-{len(rows[name]) + 1}", rng, NOISE))
    encoder = Encoder(DEFAULT_SCHEMA, secret)
    datasets = [encoder.encode(recs, label=name) for name, recs in rows.items()]
    links = [(m.list_a, m.record_a, m.list_b, m.record_b) for m in match(datasets)]
    return overlap_from_matches({n: [r["record_id"] for r in recs] for n, recs in rows.items()}, links)


def _overlap_via_digests(people: list[tuple[int, ...]], secret: bytes) -> dict[tuple[str, ...], int]:
    """Fallback without the linkage engine: a keyed digest per person, equal digests linked."""
    uploads: dict[str, list[tuple[str, str]]] = {name: [] for name in SCENARIO.rates}
    for i, history in enumerate(people):
        digest = hmac.new(secret, f"person-{i}".encode(), hashlib.sha256).hexdigest()
        for name, on in zip(SCENARIO.rates, history):
            if on:
                uploads[name].append((f"{name}-{len(uploads[name]) + 1}", digest))
    links = []
    for a, b in itertools.combinations(uploads, 2):
        index = {enc: rid for rid, enc in uploads[b]}
        links += [(a, rid, b, index[enc]) for rid, enc in uploads[a] if enc in index]
    return overlap_from_matches({n: [rid for rid, _ in recs] for n, recs in uploads.items()}, links)


def build(session: Session, ctx: Any) -> None:
    # own seeds, so the demo's figures do not move when other areas draw more from ctx.rng
    people = simulate_people(SCENARIO, np.random.default_rng(SEED))
    secret = random.Random(SEED).getrandbits(256).to_bytes(32, "big")  # the agencies' shared secret
    try:
        overlap = _overlap_via_linkage(people, random.Random(SEED + 1), secret)
        how = "linked at the hub from keyed Bloom-filter encodings (palermo.linkage)"
    except (ImportError, AttributeError, TypeError):
        overlap = _overlap_via_digests(people, secret)
        how = "linked at the hub from keyed digests"
    histories = CaptureHistories.from_overlap(overlap, lists=list(SCENARIO.rates))

    hub = ctx.orgs["HUB"]
    system = Principal.system()
    save_table(session, system, histories, name=f"NLD {PERIOD}: NGO, police and labour inspection (hub overlap)",
               country="NLD", period=PERIOD, origin="demo", shared=True, organisation_id=hub.id,
               notes=f"synthetic demo lists ({NOISE:.0%} noisy records), {how}")
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

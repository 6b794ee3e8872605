"""Overlap counts from matches between encoded lists equal those from the plaintext lists; small cells are hidden."""

from __future__ import annotations

import hashlib
import hmac
import itertools

import numpy as np

from palermo.estimation import CaptureHistories, estimate_population
from palermo.estimation.overlap import overlap_from_identities, overlap_from_matches, protect
from palermo.estimation.simulate import Scenario, simulate_people
from palermo.settings import Settings

SCENARIO = Scenario(1500, {"NGO": 0.15, "POLICE": 0.2, "LABOUR": 0.1}, {("NGO", "POLICE"): 0.8})
FIRST = ["Ana", "Ioana", "Blessing", "Mihai", "Chen", "Olga", "Joy", "Elena", "Amina", "Tudor", "Li", "Faith"]
LAST = ["Popescu", "Okafor", "Ionescu", "Wang", "Petrova", "Diallo", "Eze", "Stan", "Kovacs", "Nowak"]


def _synthetic_lists(seed: int) -> dict[str, list[tuple[str, str]]]:
    """Plaintext lists of (name, date of birth) per agency, drawn from the scenario's capture model."""
    rng = np.random.default_rng(seed)
    people = simulate_people(SCENARIO, rng)
    plaintext: dict[str, list[tuple[str, str]]] = {n: [] for n in SCENARIO.rates}
    for i, history in enumerate(people):
        # distinct identities: name + date of birth + a serial that makes every person unique
        who = (f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}", f"19{70 + i % 30}-{1 + i % 12:02d}-{i:05d}")
        for name, on in zip(SCENARIO.rates, history):
            if on:
                plaintext[name].append(who)
    return plaintext


def _encode(secret: bytes, person: tuple[str, str]) -> str:
    """A stand-in for linkage's keyed encoding: the hub sees only this digest, never the name."""
    return hmac.new(secret, "|".join(person).lower().encode(), hashlib.sha256).hexdigest()


def test_hub_counts_from_encodings_match_the_plaintext_counts() -> None:
    plaintext = _synthetic_lists(5)
    secret = b"agencies-shared-secret-the-hub-never-sees"
    # what each agency uploads: record ids and encodings only
    uploads = {name: [(f"{name}-{k}", _encode(secret, p)) for k, p in enumerate(people)]
               for name, people in plaintext.items()}
    # the hub's matching: records of different lists with the same encoding
    matches = []
    for a, b in itertools.combinations(uploads, 2):
        index = {enc: rid for rid, enc in uploads[b]}
        matches += [(a, rid, b, index[enc]) for rid, enc in uploads[a] if enc in index]
    hub = overlap_from_matches({name: [rid for rid, _ in recs] for name, recs in uploads.items()}, matches)
    assert hub == overlap_from_identities(plaintext)
    assert sum(hub.values()) == len({p for people in plaintext.values() for p in people})


def test_links_are_followed_transitively() -> None:
    records = {"NGO": ["n1", "n2"], "POLICE": ["p1"], "LABOUR": ["l1", "l2"]}
    matches = [("NGO", "n1", "POLICE", "p1"), ("POLICE", "p1", "LABOUR", "l1")]
    assert overlap_from_matches(records, matches) == {("LABOUR",): 1, ("NGO",): 1, ("LABOUR", "NGO", "POLICE"): 1}


def test_estimate_from_hub_overlap_covers_the_true_population() -> None:
    plaintext = _synthetic_lists(9)
    overlap = overlap_from_identities(plaintext)
    r = estimate_population(CaptureHistories.from_overlap(overlap), criterion="bic")
    assert r.lower <= SCENARIO.size <= r.upper


def test_small_cells_are_suppressed_before_release() -> None:
    threshold = Settings().small_count_threshold
    overlap = {("NGO",): 120, ("NGO", "POLICE"): 3, ("POLICE",): 80, ("LABOUR", "POLICE"): threshold}
    cells = {c.lists: c for c in protect(overlap, threshold)}
    assert cells[("NGO", "POLICE")].suppressed and cells[("NGO", "POLICE")].count is None
    assert not cells[("LABOUR", "POLICE")].suppressed and cells[("LABOUR", "POLICE")].count == threshold
    assert cells[("NGO",)].count == 120


def _linkage_lists(noise: float, seed: int) -> tuple[dict[str, list[dict[str, str]]], dict[str, list[int]]]:
    """Agency lists of synthetic person records (linkage's generator), drawn from a capture model."""
    import random

    from palermo.linkage.synthetic import noisy_record, people

    scenario = Scenario(800, {"NGO": 0.15, "POLICE": 0.2, "LABOUR": 0.1}, {("NGO", "POLICE"): 0.8})
    histories = simulate_people(scenario, np.random.default_rng(seed))
    prng = random.Random(seed)
    rows: dict[str, list[dict[str, str]]] = {n: [] for n in scenario.rates}
    truth: dict[str, list[int]] = {n: [] for n in scenario.rates}
    for person, history in zip(people(len(histories), prng), histories):
        for name, on in zip(scenario.rates, history):
            if on:
                rows[name].append(noisy_record(person, f"{name}-{len(rows[name])}", prng, noise))
                truth[name].append(person.pid)
    return rows, truth


def _hub_matches(rows: dict[str, list[dict[str, str]]]) -> list[tuple[str, str, str, str]]:
    """What the hub links: linkage's keyed Bloom encodings and its matching engine."""
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.engine import match
    from palermo.linkage.schema import DEFAULT_SCHEMA

    encoder = Encoder(DEFAULT_SCHEMA, b"agencies-shared-secret-32-bytes!")
    datasets = [encoder.encode(recs, label=name) for name, recs in rows.items()]  # all the hub receives
    return [(m.list_a, m.record_a, m.list_b, m.record_b) for m in match(datasets)]


def _hub_overlap(rows: dict[str, list[dict[str, str]]]) -> dict[tuple[str, ...], int]:
    """What the hub computes: its links, then persons by lists."""
    return overlap_from_matches({n: [r["record_id"] for r in recs] for n, recs in rows.items()}, _hub_matches(rows))


def test_linkage_encodings_and_matching_give_the_plaintext_counts() -> None:
    # no typos: every true link is found and no other: the generator makes namesakes (same name, sex, country
    # of birth and nationality, other dates of birth), and the date's m, learned from these lists, keeps them apart
    rows, truth = _linkage_lists(noise=0.0, seed=3)
    ids = {n: [r["record_id"] for r in recs] for n, recs in rows.items()}
    assert overlap_from_matches(ids, _hub_matches(rows)) == overlap_from_identities(truth)


def test_noisy_records_lose_some_links_and_so_split_people() -> None:
    # typos, transliterations and missing fields make the matcher miss some links: a missed link splits one
    # person into two, so the hub counts slightly more people (and smaller overlaps) than the truth
    rows, truth = _linkage_lists(noise=0.3, seed=3)
    hub, plain = _hub_overlap(rows), overlap_from_identities(truth)
    people_hub, people_true = sum(hub.values()), sum(plain.values())
    assert people_true <= people_hub <= 1.1 * people_true

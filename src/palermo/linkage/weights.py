"""Fellegi-Sunter weights from the lists at hand, as Splink estimates them, on encodings only.

- **u** (how often two different people agree, per field and level) is counted among random pairs of the
  two agencies' own encodings: nearly all random pairs are non-matches.
- **m** (how often the same person agrees) is estimated by expectation maximisation with u held fixed,
  over the candidate pairs, starting from the synthetic calibration of the schema (which also acts as
  a weak prior, so a small list cannot drag m anywhere). The match prior (share of all n × m pairs that
  match) is estimated with it: the expected matches among the candidates over all pairs.
- **Term frequencies**: two records with the *same* value of a name (or another skewed field) agree
  more strongly when that value is rare. The hub sees no plaintext, but identical values give identical
  keyed filters, so the frequency of each filter among both lists is the frequency of the value; a pair
  with identical filters gets the weight m / tf instead of m / u (Splink's term-frequency adjustment).
- The **operating point**: each pair's match probability follows from its weight and the prior odds;
  the expected number of true matches is the sum of probabilities of the one-to-one pairs, so every
  run reports the precision and recall it expects, and the default cut maximises the expected F1
  among pairs more likely matches than not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from palermo.linkage import fellegi_sunter as fs
from palermo.linkage.encoding import EncodedDataset
from palermo.linkage.false_matches import FalseMatches

# Random pairs for u. The levels that carry the evidence are rare among random pairs (two different people
# share a whole name about once in 10^4 pairs), so u of a level is a count of a rare event: 200,000 pairs
# saw some 20 of them (±22 %, ±0.3 bits) and which pairs were drawn moved F1 by ±0.003; 2,000,000 see
# some 200 (±7 %). Scoring them costs one compiled pass (a fraction of a second at a million per side).
U_PAIRS = 2_000_000
EM_ITERATIONS = 25
TF_KINDS = ("name", "text", "country")  # fields whose values are skewed: a rare name is strong evidence
TF_PRIOR_RECORDS = 1.0  # weight of the prior frequency (u) of a value, in records
MIN_PROBABILITY = 0.5  # the default cut never keeps a pair less likely a match than not
MIN_PRECISION = 0.9  # the default cut keeps no set of hits expected less precise: each hit may lead to a request
# for a person's data, so a cut whose hits are expected one in ten or more wrong is not offered by default


@dataclass(frozen=True)
class OperatingPoint:
    """What a match run expects of its own matches (from the probabilities, not from any truth)."""

    threshold: float  # match probability cut
    matches: int
    expected_true: float  # expected true matches among them
    expected_total: float  # expected true matches among all candidate pairs (one-to-one)
    # "all": the recall counts the matches no candidate generation proposes (blocking keys' capture);
    # "candidates": only those among the pairs above an all-pairs similarity floor, the rest unseen
    recall_scope: str = "all"

    @property
    def precision(self) -> float:
        return self.expected_true / self.matches if self.matches else 1.0

    @property
    def recall(self) -> float:
        return self.expected_true / self.expected_total if self.expected_total else 1.0

    def to_dict(self) -> dict[str, float | str]:
        return {"threshold": round(self.threshold, 4), "matches": self.matches,
                "expected_precision": round(self.precision, 4), "expected_recall": round(self.recall, 4),
                "recall_scope": self.recall_scope}


U_PRIOR_PAIRS = 2_000  # pseudo-pairs of the calibration's u: short lists have too few random pairs (and
# a list of three people against three has one match in three pairs), long ones outweigh it


def random_pair_levels(a: EncodedDataset, b: EncodedDataset, n: int | None = None, seed: int = 0
                       ) -> dict[str, np.ndarray]:
    """Agreement levels per field of ``n`` (default :data:`U_PAIRS`) random pairs of the two lists (nearly
    all non-matches), drawn with ``seed`` (a run is reproducible)."""
    from palermo.linkage.similarity import field_levels

    rng = np.random.default_rng(seed)
    n = min(U_PAIRS if n is None else n, len(a) * len(b))
    # the records of ``a`` in order (rows read one after the other, not at random in a list of a million):
    # the pairs are still independent uniform draws, as ``b``'s side is drawn independently of ``a``'s
    ra, rb = np.sort(rng.integers(0, len(a), n)), rng.integers(0, len(b), n)
    return field_levels(a, b, ra, rb)


def u_from_random_pairs(a: EncodedDataset, b: EncodedDataset, start: fs.FSModel, n: int | None = None,
                        seed: int = 0, levels: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Level distribution per field among random pairs of the two lists (:func:`random_pair_levels`, or
    ``levels`` if already drawn), with the calibration's u as a prior worth :data:`U_PRIOR_PAIRS` pairs."""
    out = {}
    for f, lv in (random_pair_levels(a, b, n, seed) if levels is None else levels).items():
        counts = np.bincount(lv[lv >= 0], minlength=len(fs.LEVELS) + 1) + U_PRIOR_PAIRS * start.u[f]
        out[f] = counts / counts.sum()
    return out


DEPENDENCE_LIFT = 2.0  # two fields agreeing together this many times more often than their rates say are dependent


def dependent_low_information(levels: dict[str, np.ndarray], u: dict[str, np.ndarray]) -> set[str]:
    """Low-information fields (:data:`LOW_INFORMATION`) that agree with another one among random pairs far
    more often than independence says (country of birth and nationality: the same country for most people).
    EM takes u as fixed and the fields as independent, so the excess of non-matches agreeing on both looks
    like matches: measured at 100,000 per side, EM over the pairs agreeing on the date called 6.5% of them
    matches (1.3% are), with a name m that put 70% of the matches at the lowest name level."""
    top = len(fs.LEVELS)
    low = [f for f in levels if u[f][top] >= LOW_INFORMATION]
    out: set[str] = set()
    for i, f in enumerate(low):
        for g in low[i + 1:]:
            both = (levels[f] >= 0) & (levels[g] >= 0)
            if both.sum() < MIN_SESSION_PAIRS:
                continue
            x, y = levels[f][both] == top, levels[g][both] == top
            if (x & y).mean() > DEPENDENCE_LIFT * x.mean() * y.mean():
                out |= {f, g}
    return out


Anchor = tuple[tuple[str, ...], float]  # fields, and the matches among a session's pairs agreeing on all of them


def _em(lv: dict[str, np.ndarray], u: dict[str, np.ndarray], m: dict[str, np.ndarray], prior: float,
        anchor: Anchor | None, iterations: int, offset: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """EM with u fixed over one session's pairs; the session's share of matches is free, or, given an
    ``anchor`` (fields, matches), set so that the matches agreeing on all of those fields are as many as
    an earlier session found among the same pairs. Returns m and the last match probabilities."""
    n_levels = len(fs.LEVELS) + 1
    top = n_levels - 1
    start = m
    n = len(next(iter(lv.values())))
    extra = 0.0 if offset is None else offset
    for _ in range(iterations):
        p = fs.FSModel(m, u, prior).probability_of_weight(fs.FSModel(m, u, prior).log2_bayes(lv) + extra)
        new = {}
        for f, lvl in lv.items():
            ok = lvl >= 0
            # half a pseudo-match spread as the calibration's m: a level no match of these lists reached
            # keeps a small m instead of decaying towards 0 (-280 bits for a date a digit off)
            counts = np.bincount(lvl[ok], weights=p[ok], minlength=n_levels) + 0.5 * start[f]
            new[f] = counts / counts.sum()
        m = new
        if anchor is None:
            prior = float(p.sum() / max(1, n))
        else:
            fields, matches = anchor
            present = np.logical_and.reduce([lv[f] >= 0 for f in fields])
            agree = float(np.prod([m[f][top] for f in fields])) * max(1, int(present.sum()))
            prior = matches / max(agree, 1e-9)
        prior = float(np.clip(prior, 1e-12, 0.99))
    return m, fs.FSModel(m, u, prior).probability_of_weight(fs.FSModel(m, u, prior).log2_bayes(lv) + extra)


LOW_INFORMATION = 0.02  # a field two different people agree on this often (sex, nationality) tells little


def session_fields(schema_fields: list[tuple[str, str]]) -> list[tuple[tuple[str, ...], bool]]:
    """The EM sessions (Splink's training blocking rules), by field kind, never by column name: the fields
    whose top-level agreement chooses a session's pairs, and whether it leaves out the low-information
    fields. Each field's m is learned in a session not blocked on it, so every field's m comes from the
    lists: one session on the first date (it learns the names', sex's, countries' and documents' m) and
    one on every name field together (it learns the date's m: without it the date kept the calibration's
    m and namesakes with wholly different dates of birth were linked at p 0.998).

    The name session leaves out sex, nationality and country: names tell where someone comes from, so
    among pairs agreeing on a name those agree whether or not the pair is one person, and EM would take
    that agreement for the matches. Without a date, the name session is the only one."""
    dates = [name for name, k in schema_fields if k == "date"]
    names = tuple(name for name, k in schema_fields if k == "name")
    sessions: list[tuple[tuple[str, ...], bool]] = [((dates[0],), False)] if dates else []
    if names:
        sessions.append((names, True))
    return sessions


MIN_SESSION_PAIRS = 10  # fewer pairs agreeing on a session's fields teach EM nothing: the calibration's m stays


def estimate_m(ia: np.ndarray, ib: np.ndarray, lv: dict[str, np.ndarray], u: dict[str, np.ndarray],
               start: fs.FSModel, total_pairs: int,
               prior: float, sessions: list[tuple[tuple[str, ...], bool]], iterations: int = EM_ITERATIONS,
               name_tf: np.ndarray | None = None, dependent: frozenset[str] = frozenset(),
               start_weight: float | None = None) -> fs.FSModel:
    """m and the prior by EM with u fixed, Splink's way: one session per blocking rule of
    :func:`session_fields`, over the candidate pairs that agree on its fields, in which those fields are
    left out (their agreement chose the pairs) and the other fields' m are estimated; each field's m is
    the mean over the sessions that estimated it (the calibration's where none did). The prior over all
    n × m pairs is then estimated with m fixed.

    ``dependent`` (:func:`dependent_low_information`) are left out of every session: they keep the
    calibration's m. Each session starts from the share of its pairs that ``start`` weighs at
    ``start_weight`` or above (the calibration's threshold): with u fixed and few fields, EM started at
    even odds stays in a fixed point whose "matches" look like non-matches (measured at 100,000 per side,
    the name session called 8% of its pairs matches, 0.3% are, with the date's m at 0.92 wholly different)."""
    top = len(fs.LEVELS)
    estimates: dict[str, list[np.ndarray]] = {f: [] for f in lv}
    sample = em_sample(len(ia))
    first: tuple[tuple[str, ...], np.ndarray, np.ndarray] | None = None  # the first session's fields, pairs, p
    for blocked, informative_only in sessions:
        if not all(f in lv for f in blocked):
            continue
        rows = np.logical_and.reduce([lv[f] == top for f in blocked])
        rows &= sample
        if rows.sum() < MIN_SESSION_PAIRS:
            continue
        sub = {f: lvl[rows] for f, lvl in lv.items() if f not in blocked and f not in dependent
               and not (informative_only and u[f][top] >= LOW_INFORMATION)}
        if not sub:
            continue
        # Pairs agreeing on a name tell a match from a namesake only by the date (and a document, often
        # missing): with u fixed, a session of one or two fields fits its data with any share of matches,
        # and EM drifts to a large one whose m is half namesakes. The first session (on the date, with
        # every other field) has already counted the matches among the pairs agreeing on both: the
        # session's share of matches is set to agree with that count (the anchor).
        anchor = None
        if first is not None and all(f in sub for f in first[0]):
            both = rows[first[1]]
            anchor = (first[0], float(first[2][both].sum()))
        offset = name_tf[rows] if informative_only and name_tf is not None else None
        share = 0.5 if start_weight is None else float(np.clip(
            np.mean(fs.FSModel(start.m, u, prior).log2_bayes({f: lv[f][rows] for f in lv}) >= start_weight), 1e-4, 0.5))
        m, p = _em(sub, u, {f: start.m[f] for f in sub}, share, anchor, iterations, offset)
        if first is None:
            first = (blocked, np.flatnonzero(rows), p)
        for f in sub:
            estimates[f].append(m[f])
    m = {f: np.mean(e, axis=0) if e else start.m[f] for f, e in estimates.items()}
    weight = fs.FSModel(m, u, prior).log2_bayes(lv)
    for _ in range(PRIOR_ITERATIONS):  # the prior alone, m fixed
        prior = expected_matches(ia, ib, fs.FSModel(m, u, prior).probability_of_weight(weight)) / max(1, total_pairs)
        prior = float(np.clip(prior, 1e-12, 0.5))
    return fs.FSModel(m, u, prior)


PRIOR_ITERATIONS = 8
EM_PAIRS = 2_000_000  # candidate pairs EM learns m from (Splink, too, trains on samples); all pairs are scored


def em_sample(n: int, size: int = EM_PAIRS, seed: int = 0) -> np.ndarray:
    """Which of ``n`` candidate pairs EM sees: all of them up to ``size``, else a uniform random sample of
    ``size`` (one for every session, so that counts taken in one session hold in another). m is a level
    distribution among matches: a million pairs (tens of thousands of matches at a million per side)
    estimate it as closely as 28 million, in a twenty-eighth of the time and memory."""
    if n <= size:
        return np.ones(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(seed).integers(0, n, size)] = True  # about ``size``: a few drawn twice
    return mask


def expected_matches(ia: np.ndarray, ib: np.ndarray, p: np.ndarray) -> float:
    """Expected true matches: the sum of probabilities over a one-to-one assignment (a record is one
    person: summing over all candidate pairs would count a common name's every pairing)."""
    from palermo.linkage.engine import one_to_one

    return float(p[one_to_one(ia, ib, p, 0.05)].sum())


def probabilities(a: EncodedDataset, b: EncodedDataset, ia: np.ndarray, ib: np.ndarray, lv: dict[str, np.ndarray],
                  start: fs.FSModel, start_weight: float) -> tuple[fs.FSModel, np.ndarray]:
    """The match probability of every candidate pair from weights estimated on these lists: u from their
    random pairs, m and the prior by EM from ``start`` (the calibration), term frequencies adjusted.
    ``start_weight``: the calibration's match-weight threshold, whose matches give the starting prior."""
    total = len(a) * len(b)
    random_levels = random_pair_levels(a, b)
    u = u_from_random_pairs(a, b, start, levels=random_levels)
    dependent = frozenset(dependent_low_information(random_levels, u))
    del random_levels
    found = int(np.sum(start.log2_bayes(lv) >= start_weight)) if len(ia) else 0
    prior = max(1, min(found, len(a), len(b))) / total
    sessions = session_fields([(f.name, f.kind) for f in a.schema.fields])
    # how much rarer than a random pair's each pair's shared name is: the name sessions' pairs all agree on
    # names, and only this tells a rare name's pairs (mostly one person) from a common one's (namesakes)
    names = tuple(f for blocked, informative_only in sessions if informative_only for f in blocked)
    name_tf = tf_adjustment(a, b, ia, ib, lv, fs.FSModel(start.m, u, prior), names) if names else None
    model = estimate_m(ia, ib, lv, u, start, total, prior, sessions, name_tf=name_tf, dependent=dependent,
                       start_weight=start_weight)
    return model, pair_probabilities(a, b, ia, ib, lv, model)


def pair_probabilities(a: EncodedDataset, b: EncodedDataset, ia: np.ndarray, ib: np.ndarray,
                       lv: dict[str, np.ndarray], model: fs.FSModel) -> np.ndarray:
    """Each pair's match probability under ``model``, term frequencies adjusted (any two lists, the
    same list twice included: :mod:`palermo.linkage.false_matches` scores pairs within one list)."""
    return model.probability_of_weight(model.log2_bayes(lv) + tf_adjustment(a, b, ia, ib, lv, model))


def log2_odds(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-300, 1 - 1e-16)
    return np.log2(q) - np.log2(1 - q)


def _row_hashes(filters: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each filter row: identical filters (identical keyed values) hash alike."""
    pad = -filters.shape[1] % 8
    rows = np.ascontiguousarray(np.pad(filters, ((0, 0), (0, pad))) if pad else filters).view(np.uint64)
    h = np.full(len(rows), 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for w in range(rows.shape[1]):
            h = (h ^ rows[:, w]) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    return h


def tf_adjustment(a: EncodedDataset, b: EncodedDataset, ia: np.ndarray, ib: np.ndarray,
                  lv: dict[str, np.ndarray], model: fs.FSModel, fields: tuple[str, ...] | None = None) -> np.ndarray:
    """Weight (log2) to add per pair: log2(u_top / tf(value)) where both records hold the identical value
    of a skewed field (of ``fields`` only, if given), tf the value's share among both lists' present values."""
    out = np.zeros(len(ia), dtype=np.float64)
    top = len(fs.LEVELS)
    for f in a.schema.fields:
        if f.kind not in TF_KINDS or f.name not in lv or (fields is not None and f.name not in fields):
            continue
        ha, hb = _row_hashes(a.filters[f.name]), _row_hashes(b.filters[f.name])
        present = np.concatenate([a.present[f.name], b.present[f.name]])
        values, inverse = np.unique(np.concatenate([ha, hb]), return_inverse=True)
        counts = np.bincount(inverse[present], minlength=len(values))  # only present values count
        n = max(1, int(present.sum()))
        inv_a, inv_b = inverse[:len(ha)], inverse[len(ha):]
        rows = np.flatnonzero(lv[f.name] == top)  # only pairs agreeing at the top level can share a value
        same = rows[inv_a[ia[rows]] == inv_b[ib[rows]]]
        u_top = max(float(model.u[f.name][top]), 1e-9)
        # The value's frequency among the *other* records (leave the pair out: a name held once on each
        # side is the pair itself, no sign of a common name), shrunk towards u_top, the frequency of a
        # random record's value, with the weight of one record (a Gamma prior): lists of a few thousand
        # cannot tell a name one in ten thousand share from one in a million, and the prior says so.
        others = np.maximum(counts[inv_a[ia[same]]] - 2, 0)
        tf = (others + TF_PRIOR_RECORDS) / (n + TF_PRIOR_RECORDS / u_top)
        out[same] += np.log2(u_top / tf)
    return out


RELIABILITY_EDGES = np.arange(-8.0, 17.0)  # log2 odds of the estimated probability: one bin per bit
RELIABILITY_PRIOR = 2.0  # pseudo-pairs per bin at the bin's own probability: an empty bin trusts the model


def reliability_table(p: np.ndarray, is_match: np.ndarray) -> tuple[float, ...]:
    """How often a pair with an estimated probability in each bin of :data:`RELIABILITY_EDGES` is a true
    match, on labelled lists (the calibration's): the share of matches per bin, shrunk towards the bin's
    own probability and made non-decreasing (pool adjacent violators). The fields are not independent
    (names tell nationality and sex), so the estimated probabilities are overconfident, most of all
    where few pairs are matches; the table measures by how much, for this schema."""
    edges = RELIABILITY_EDGES
    centres = np.concatenate([[edges[0] - 0.5], (edges[:-1] + edges[1:]) / 2, [edges[-1] + 0.5]])
    bins = np.searchsorted(edges, log2_odds(p), side="right")
    n = np.bincount(bins, minlength=len(centres)).astype(float) + RELIABILITY_PRIOR
    hits = np.bincount(bins, weights=is_match.astype(float), minlength=len(centres))
    hits += RELIABILITY_PRIOR / (1 + np.exp2(-centres))
    blocks = [[h, c] for h, c in zip(hits, n)]  # pool adjacent violators, weighted by pairs
    pooled: list[list[float]] = []
    sizes: list[int] = []
    for blk in blocks:
        pooled.append(blk)
        sizes.append(1)
        while len(pooled) > 1 and pooled[-2][0] / pooled[-2][1] > pooled[-1][0] / pooled[-1][1]:
            h, c = pooled.pop()
            pooled[-1][0] += h
            pooled[-1][1] += c
            k = sizes.pop()
            sizes[-1] += k
    return tuple(float(h / c) for (h, c), k in zip(pooled, sizes) for _ in range(k))


def reliable(p: np.ndarray, table: tuple[float, ...]) -> np.ndarray:
    """Probabilities as the labelled lists found them (:func:`reliability_table`); as they are without a table."""
    if not table:
        return p
    return np.asarray(table)[np.searchsorted(RELIABILITY_EDGES, log2_odds(p), side="right")]


# A list of a few hundred records cannot measure its own rate of false matches to one in a hundred
# (no namesake within 120 records says little); one of thousands can. The calibration's labelled lists
# (whose population may be unlike these lists') count as much as this many records of the lists' own.
FALSE_PRIOR_RECORDS = 1_000


def operating_point(p: np.ndarray, kept: np.ndarray, threshold: float | None, floor: float = MIN_PROBABILITY,
                    table: tuple[float, ...] = (), capture: float = 1.0,
                    false: FalseMatches | None = None) -> OperatingPoint:
    """The cut and what it expects. ``kept``: the one-to-one pairs at a low cut; a greedy assignment at a
    higher cut keeps exactly those of them above it. Without a ``threshold`` the cut is the one with the
    best expected F1 among probabilities of at least ``floor``.

    With ``false`` (:mod:`palermo.linkage.false_matches`: how high non-matches of these very lists score)
    the true matches above a cut are the pairs above it less the false matches expected there (shrunk
    towards those the calibration's ``table`` expects, with the weight of :data:`FALSE_PRIOR_RECORDS`
    records), and the true matches among all candidates the most found at any cut; otherwise each pair
    counts at its probability as the calibration's labelled lists found it (``table``). The matches
    among all pairs are those among the candidates over ``capture`` (:func:`blocking_capture`)."""
    probs = np.sort(p[kept])[::-1]
    if false is not None and len(probs):
        ascending = probs[::-1]
        above = len(probs) - np.searchsorted(ascending, probs, side="left")  # pairs at or above each cut
        # the calibration's false matches as a prior worth FALSE_PRIOR_RECORDS records of the lists' own
        lists, calibration = false.expected(probs, above), np.cumsum(1 - reliable(probs, table))[above - 1]
        true = above - (false.records * lists + FALSE_PRIOR_RECORDS * calibration) / (false.records + FALSE_PRIOR_RECORDS)
        total = float(max(true.max(), 0.0))
    else:
        true = np.cumsum(reliable(probs, table))
        above = np.arange(1, len(probs) + 1)
        total = float(true[-1]) if len(probs) else 0.0
    if threshold is None:
        if not len(probs):
            return OperatingPoint(floor, 0, 0.0, 0.0)
        # the F1 each cut expects; without ``false`` the raw probabilities choose (as the floor was learned)
        tp = true if false is not None else np.cumsum(probs)
        f1 = 2 * tp / (above + (total if false is not None else float(probs.sum())))
        # never a pair less likely a match than not, nor a cut whose pairs are expected less precise than
        # MIN_PRECISION (lists that share nobody would otherwise keep their likeliest false pair)
        f1[(probs < floor) | (true < MIN_PRECISION * above)] = -1
        k = int(np.argmax(f1))
        threshold = float(probs[k]) if f1[k] >= 0 else max(floor, float(np.nextafter(probs[0], 2.0)))
    n = int(np.sum(probs >= threshold))
    found = float(true[n - 1]) if n else 0.0
    return OperatingPoint(threshold, n, max(0.0, found), total / max(capture, 1e-9))

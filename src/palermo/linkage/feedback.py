"""Reviewed verdicts refine the weights: what the follow-ups of hits taught the hub, without plaintext.

A hit keeps its pair's agreement level per field (``LinkHit.levels``: the top level for Dice >= .97 … 0, -1 missing);
after its follow-up the parties say whether it was the same person. The hub then knows, for a few
agreement patterns, how often the model was right. Those reviewed hits are labelled pairs, but a
sample the model chose by its own cut, so they cannot estimate m and u afresh (nearly all are
predicted matches; rejections say nothing about matches at all). What they can estimate is whether
the model's odds for a *pattern* are too high or too low: the hits were selected on their pattern, so
conditional on the pattern the verdict is an unbiased draw (the selection is ignorable), as clerical
review feeds mixture models in Larsen and Rubin (2001, *JASA* 96, "Iterative automated record linkage
using mixture models").

The update is Bayesian, with the model as the prior: log2 odds of a match = the model's log2 odds
(the hit's score, less any feedback it already carried) + the sum over fields of a correction
``delta[field][level]`` + a correction of the pair's whole agreement pattern, each with a Normal(0, sd)
prior; the posterior mode is fitted by L-BFGS (scipy). A field correction is a refined weight,
log2(m'/u) with m' = m · 2^delta: the verdicts refine the m-probabilities the weights are made of;
the pattern correction catches what the fields' independence cannot (see :func:`fit`). After enough
rejections of pairs with one pattern, such pairs no longer hit, and the weights of what they agree
and disagree on fall; confirmations pull them back. One review moves little.

Which verdicts a comparison learns from is bound like every other figure: a comparison of two
organisations' lists uses only the reviewed hits between those two organisations, under the same
schema, so no agency's scores depend on verdicts about hits it is not party to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from palermo.linkage.fellegi_sunter import LEVELS
from palermo.linkage.fellegi_sunter import levels as agreement_levels
from palermo.linkage.models import LinkHit, LinkHitReview, LinkUpload

N_LEVELS = len(LEVELS) + 1
FIELD_SD = 0.5  # bits: the prior spread of a correction of one field's weight at one level (it applies to every pair)
PATTERN_SD = 4.0  # bits: ... and of a whole agreement pattern's (fields are not independent)
CAP_BITS = 16.0  # the model's odds are taken as no surer than 2^16 : 1 where verdicts refine them (see fit)
MIN_VERDICTS = 3  # fewer definite verdicts than this leave the weights as the model has them
LN2 = float(np.log(2.0))


def pattern_codes(lv: dict[str, np.ndarray], fields: list[str]) -> np.ndarray:
    """One integer per pair for its agreement pattern over ``fields`` (levels -1 … 4 each)."""
    n = len(next(iter(lv.values()))) if lv else 0
    code = np.zeros(n, dtype=np.int64)
    for f in fields:
        code = code * (N_LEVELS + 1) + (np.asarray(lv[f], dtype=np.int64) + 1 if f in lv else 0)
    return code


@dataclass(frozen=True)
class Feedback:
    """Corrections learnt from reviewed hits, in log2 odds: per field and agreement level (a refined
    weight, log2(m'/u) with m' = m · 2^delta) and per whole agreement pattern seen in the reviews."""

    delta: dict[str, np.ndarray]  # field -> correction per level 0 … top (missing values get none)
    fields: list[str]  # the fields a pattern code is made of, in order
    pattern: dict[int, float]  # pattern code -> correction of pairs with exactly that pattern
    confirmed: int
    rejected: int

    def apply(self, lv: dict[str, np.ndarray], log2_odds: np.ndarray) -> np.ndarray:
        """The pairs' log2 odds after the feedback: the model's, no surer than :data:`CAP_BITS`, plus the
        corrections of their levels and pattern."""
        return np.clip(log2_odds, -CAP_BITS, CAP_BITS) + self.adjustment(lv)

    def adjustment(self, lv: dict[str, np.ndarray]) -> np.ndarray:
        """Log2 odds to add to each pair with agreement levels ``lv`` (field -> level per pair)."""
        total = np.zeros(len(next(iter(lv.values()))) if lv else 0, dtype=np.float64)
        for f, levels in lv.items():
            if f in self.delta:
                table = np.append(self.delta[f], 0.0)  # level -1 (missing) indexes the appended 0
                total += table[np.asarray(levels, dtype=np.int64)]
        if self.pattern and len(total):
            codes = pattern_codes(lv, self.fields)
            known = np.array(sorted(self.pattern), dtype=np.int64)
            at = np.clip(np.searchsorted(known, codes), 0, len(known) - 1)
            hit = known[at] == codes
            total[hit] += np.array([self.pattern[int(c)] for c in known])[at[hit]]
        return total

    def of_levels(self, levels: dict[str, int]) -> float:
        """The correction of one pair (a hit's stored levels)."""
        return float(self.adjustment({f: np.array([v]) for f, v in levels.items()})[0]) if levels else 0.0

    def weights(self) -> dict[str, list[float]]:
        """The corrections per field and level, rounded (what docs and reports show)."""
        return {f: [round(float(x), 3) for x in d] for f, d in self.delta.items()}


def fit(levels: list[dict[str, int]], offsets: np.ndarray, same_person: np.ndarray) -> Feedback:
    """Posterior mode of the corrections given reviewed pairs: their levels, the model's log2 odds for
    them (``offsets``) and the verdicts (``same_person``: True confirmed, False rejected).

    Two kinds of correction share the blame, each with a Normal prior: per field and level
    (:data:`FIELD_SD`), and per whole agreement pattern (:data:`PATTERN_SD`, wider: the fields are not
    independent, e.g. people who share papers but not a name, so most of what one pattern teaches
    belongs to that pattern; the field corrections carry what patterns have in common, to patterns
    never reviewed). The offsets are capped at :data:`CAP_BITS`: Fellegi-Sunter odds of a million to
    one are not credible with correlated fields, and at such odds a confirmation would carry no
    information. Matching applies the same cap (:meth:`Feedback.apply`)."""
    fields = sorted({f for lv in levels for f in lv})
    index = {f: k for k, f in enumerate(fields)}
    codes = pattern_codes({f: np.array([lv.get(f, -1) for lv in levels]) for f in fields}, fields)
    patterns = sorted({int(c) for c in codes})
    where = {c: k for k, c in enumerate(patterns)}
    n, n_field = len(levels), len(fields) * N_LEVELS
    # design: one column per (field, level), 1 where the pair has that level (missing: no column),
    # then one column per pattern
    x = np.zeros((n, n_field + len(patterns)))
    for i, lv in enumerate(levels):
        for f, level in lv.items():
            if 0 <= level < N_LEVELS:
                x[i, index[f] * N_LEVELS + level] = 1.0
        x[i, n_field + where[int(codes[i])]] = 1.0
    precision = np.concatenate([np.full(n_field, 1 / FIELD_SD ** 2), np.full(len(patterns), 1 / PATTERN_SD ** 2)])
    y = same_person.astype(np.float64)
    off = np.clip(np.asarray(offsets, dtype=np.float64), -CAP_BITS, CAP_BITS)

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = LN2 * (off + x @ beta)  # natural log odds
        nll = float(np.sum(np.logaddexp(0.0, z) - y * z))  # Bernoulli(sigmoid(z)), stable in z
        p = 0.5 * (1.0 + np.tanh(z / 2.0))
        return nll + float(precision @ beta ** 2) / 2, LN2 * (x.T @ (p - y)) + precision * beta

    beta = minimize(objective, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x if n else np.zeros(x.shape[1])
    delta = {f: beta[index[f] * N_LEVELS:(index[f] + 1) * N_LEVELS].copy() for f in fields}
    return Feedback(delta, fields, {c: float(beta[n_field + k]) for k, c in enumerate(patterns)},
                    int(same_person.sum()), int((~same_person).sum()))


def log2_odds(p: float) -> float:
    q = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log2(q) - np.log2(1 - q))


def for_comparison(session: Session, org_a: int, org_b: int, schema_digest: str | None) -> Feedback | None:
    """What the definite verdicts on hits between these two organisations, under this schema, teach
    (None with fewer than :data:`MIN_VERDICTS`). Disputed and unsure hits teach nothing."""
    from palermo.linkage.entities import reviewed_outcomes

    hits = list(session.execute(
        select(LinkHit).join(LinkUpload, LinkUpload.id == LinkHit.upload_a_id)
        .where(or_((LinkHit.org_a_id == org_a) & (LinkHit.org_b_id == org_b),
                   (LinkHit.org_a_id == org_b) & (LinkHit.org_b_id == org_a)),
               LinkHit.levels.is_not(None), LinkUpload.schema_digest == schema_digest,
               LinkHit.id.in_(select(LinkHitReview.hit_id)))
        .order_by(LinkHit.id)).scalars())
    outcomes = reviewed_outcomes(session, [h.id for h in hits])
    definite = [h for h in hits if outcomes[h.id] in ("confirmed", "rejected")]
    if len(definite) < MIN_VERDICTS:
        return None
    return fit([dict(h.levels or {}) for h in definite],
               np.array([log2_odds(h.score) - (h.feedback or 0.0) for h in definite]),
               np.array([outcomes[h.id] == "confirmed" for h in definite]))


def levels_of(similarities: dict[str, float | None]) -> dict[str, int]:
    """A pair's agreement level per field from its Dice similarities (None: missing), as a hit keeps them."""
    return {f: int(agreement_levels(np.array([np.nan if v is None else v], dtype=np.float64))[0]) for f, v in similarities.items()}

"""A match run does not depend on the order the lists are handed in: ``link([B, A])`` finds the same
pairs, with the same probabilities and the same expected precision and recall, as ``link([A, B])``."""

from __future__ import annotations

from palermo.linkage.encoding import Encoder
from palermo.linkage.engine import link
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists


def test_link_gives_the_same_result_whatever_the_order_of_the_lists() -> None:
    lists, _ = agency_lists({"A": 1200, "B": 900, "C": 700}, overlap=0.2, noise=0.3, seed=4)
    enc = Encoder(DEFAULT_SCHEMA, b"o" * 40)
    a, b, c = (enc.encode(lists[k], label=k) for k in ("A", "B", "C"))
    forward, backward = link([a, b, c]), link([c, b, a])

    def pairs(result):  # type: ignore[no-untyped-def]
        # each match keyed by its two (list, record) ends, whichever list came first
        return {frozenset(((m.list_a, m.record_a), (m.list_b, m.record_b))): (m.probability, m.similarities)
                for m in result.matches}

    assert len(forward.matches) > 100
    assert pairs(forward) == pairs(backward)  # the same pairs, probabilities and similarities, exactly
    for (x, y), op in forward.expected.items():
        other = backward.expected[(y, x)]
        assert (op.matches, op.threshold, op.precision, op.recall) == (other.matches, other.threshold,
                                                                       other.precision, other.recall)
    # each match still reads from the list handed in first to the later one
    order = {"A": 0, "B": 1, "C": 2}
    assert all(order[m.list_a] < order[m.list_b] for m in forward.matches)
    assert all(order[m.list_a] > order[m.list_b] for m in backward.matches)

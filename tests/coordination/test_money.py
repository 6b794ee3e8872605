"""Money flows: funder → implementer → country · P, the same money reported by both sides counted once,
and two funders paying for the same work flagged next to the overlaps."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from palermo.coordination import analysis
from palermo.coordination.money import flows, totals


def _t(kind: str, value: float, provider: str = "", provider_activity: str = "", receiver: str = "",
       receiver_activity: str = "", currency: str = "EUR") -> Any:
    return SimpleNamespace(kind=kind, value=value, currency=currency, transaction_date=date(2024, 1, 1), provider=provider,
                           provider_ref="", provider_activity=provider_activity, receiver=receiver, receiver_ref="",
                           receiver_activity=receiver_activity)


def _i(ref: str, parts: list[tuple[str, str]], transactions: list[Any] = (), budget: float | None = None,  # type: ignore[assignment]
       themes: tuple[str, ...] = ("return_reintegration",), countries: tuple[str, ...] = ("NGA",),
       groups: tuple[str, ...] = ("victims",)) -> Any:
    return SimpleNamespace(ref=ref, participants=[SimpleNamespace(actor=SimpleNamespace(name=n), role=r) for n, r in parts],
                           transactions=list(transactions), budgets=[], budget=budget, currency="EUR" if budget else None,
                           themes=list(themes), countries=list(countries), target_groups=list(groups), reporting_org=None,
                           status="active", start=date(2023, 1, 1), end=date(2025, 12, 31), title=ref, description="")


def _funding(found: list[Any], stage: str = "funding") -> dict[tuple[str, str], float]:
    """Amounts per edge, whatever record (disbursement, incoming funds, budget) they rest on."""
    out: dict[tuple[str, str], float] = {}
    for f in found:
        if f.stage == stage:
            out[(f.source, f.target)] = out.get((f.source, f.target), 0) + f.value
    return out


def test_money_reported_by_funder_and_implementer_is_counted_once() -> None:
    eu = _i("EU-1", [("EU", "funding"), ("EU", "accountable")], [_t("disbursement", 100, "EU", "EU-1", "IOM", "IOM-1")],
            budget=500)
    iom = _i("IOM-1", [("EU", "funding"), ("IOM", "implementing")],
             [_t("incoming_funds", 100, "EU", "EU-1", "IOM", "IOM-1"), _t("expenditure", 60, "IOM")], budget=300)
    found = flows([eu, iom])
    assert _funding(found) == {("EU", "IOM"): 100}  # not 200, and neither budget on top
    assert _funding(found, "implementation") == {("IOM", "NGA · protection"): 100}
    # the implementer's record alone (the funder's activity is not registered) still counts
    assert _funding(flows([iom])) == {("EU", "IOM"): 100}
    # the funder's record alone too
    assert _funding(flows([eu])) == {("EU", "IOM"): 100}


def test_an_incoming_amount_that_does_not_match_is_not_dropped() -> None:
    eu = _i("EU-1", [("EU", "funding")], [_t("disbursement", 100, "EU", "EU-1", "IOM", "IOM-1")])
    iom = _i("IOM-1", [("IOM", "implementing")], [_t("incoming_funds", 40, "EU", "EU-1", "IOM", "IOM-1"),
                                                   _t("incoming_funds", 100, "EU", "EU-1", "IOM", "IOM-1")])
    assert _funding(flows([eu, iom])) == {("EU", "IOM"): 140}  # the 100 once, and another 40 only IOM reports


def test_without_transactions_the_budget_is_shared_among_funders_implementers_and_places() -> None:
    joint = _i("J", [("EU", "funding"), ("UK", "funding"), ("IOM", "implementing"), ("UNODC", "implementing")],
               budget=400, themes=("legislation", "awareness"), countries=("NGA", "NER"))
    found = flows([joint])
    assert _funding(found) == {(f, i): 100 for f in ("EU", "UK") for i in ("IOM", "UNODC")}
    cells = _funding(found, "implementation")
    assert cells[("IOM", "NER · prevention")] == 50 and sum(cells.values()) == 400
    assert totals(joint) == {"budget": {"EUR": 400}}


def test_two_funders_paying_for_the_same_work_are_flagged_and_a_funders_programme_is_not_an_overlap() -> None:
    eu = _i("EU-1", [("EU", "funding"), ("EU", "accountable")], [_t("disbursement", 100, "EU", "EU-1", "IOM", "IOM-1")])
    iom = _i("IOM-1", [("EU", "funding"), ("IOM", "implementing")])
    uk = _i("UK-1", [("UK", "funding"), ("NAPTIP", "implementing")])
    found = analysis.overlaps([eu, iom, uk])
    assert sorted((o.kind, tuple(o.initiatives)) for o in found) == [("same cell", ("IOM-1", "UK-1")),
                                                                      ("two funders", ("IOM-1", "UK-1"))]
    two = next(o for o in found if o.kind == "two funders")
    assert two.actors == ["EU", "UK"] and "funded twice" in two.reason
    co = _i("CO-1", [("EU", "funding"), ("UK", "funding"), ("IOM", "implementing")])  # co-financing, one initiative
    assert [o.kind for o in analysis.overlaps([co])] == []

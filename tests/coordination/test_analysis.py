"""Overlaps, gaps, matrix and suggestions on small known maps: the exact findings."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from palermo.coordination import analysis
from palermo.coordination.context import CountryContext


def _init(ref, actors, themes, countries, groups=(), start=date(2022, 1, 1), end=date(2024, 12, 31), status="active",
          title="", description=""):  # type: ignore[no-untyped-def]
    parts = [SimpleNamespace(actor=SimpleNamespace(name=n, acronym=None), role=r) for n, r in actors]
    return SimpleNamespace(ref=ref, participants=parts, themes=list(themes), countries=list(countries),
                           target_groups=list(groups), start=start, end=end, status=status, title=title or ref,
                           description=description)


EU, IOM, ITMOI, ICRC, UNODC = "EU", "IOM", "Italian Interior Ministry", "ICRC", "UNODC"
MAP = [
    _init("A", [(EU, "funding"), (ITMOI, "implementing")], ["coastguard_training"], ["LBY"], ["coastguards"],
          title="Coastguard search and rescue training", description="training Libyan coastguard crews"),
    _init("B", [(EU, "funding"), (IOM, "implementing")], ["coastguard_training"], ["LBY"], ["coastguards"],
          start=date(2023, 1, 1), end=date(2025, 12, 31), title="Coastguard capacity building",
          description="training Libyan coastguard crews in search and rescue"),
    _init("C", [(ICRC, "implementing")], ["victim_assistance"], ["LBY"], ["migrants_in_detention"]),
    _init("D", [(IOM, "implementing")], ["coastguard_training"], ["LBY"], ["coastguards"],
          start=date(2019, 1, 1), end=date(2020, 12, 31)),  # ended before the others began
    _init("E", [(UNODC, "implementing")], ["coastguard_training"], ["LBY"], ["police"]),  # other target group
    _init("F", [(IOM, "implementing")], ["protection"], ["NGA"], ["victims"], status="cancelled"),
]


def test_overlaps_find_exactly_the_known_pairs() -> None:
    found = analysis.overlaps(MAP)
    assert [(o.kind, o.initiatives) for o in found] == [("same cell", ["A", "B"]), ("same funder", ["A", "B"])]
    cell = found[0]
    assert cell.countries == ["LBY"] and cell.themes == ["coastguard_training"] and cell.target_groups == ["coastguards"]
    assert "Italian Interior Ministry" in cell.reason and "IOM" in cell.reason and 0.5 < cell.score <= 1
    assert found[1].funder == "EU" and found[1].actors == [IOM, ITMOI]


def test_same_implementer_or_joint_programme_is_not_an_overlap() -> None:
    same_impl = [_init("X", [(IOM, "implementing")], ["awareness"], ["NER"]),
                 _init("Y", [(IOM, "implementing")], ["awareness"], ["NER"])]
    joint = [_init("G", [(EU, "funding"), (UNODC, "implementing"), (IOM, "implementing")], ["legislation"], ["NGA"])]
    assert analysis.overlaps(same_impl) == [] and analysis.overlaps(joint) == []


def test_date_filter_changes_what_overlaps() -> None:
    assert analysis.overlaps(MAP, on=date(2025, 6, 1)) == []  # only B is still active
    assert {o.kind for o in analysis.overlaps(MAP, on=date(2023, 6, 1))} == {"same cell", "same funder"}


def test_gaps_are_needs_nobody_covers_with_context() -> None:
    needs = [analysis.Need("LBY", "victim_identification", "victims recorded (40 in 2022, source police)", "police"),
             analysis.Need("LBY", "coastguard_training", "weak", "x"),
             analysis.Need("NGA", "victim_assistance", "victims recorded (12 in 2022)", "ngo"),
             analysis.Need("LBY", "prevention", "Cho 3P prevention score 2 of 5 (weak policy)", "Cho 3P index")]
    ctx = {"LBY": CountryContext("LBY", tip_tier="Tier 3", tip_year=2014)}
    gaps = analysis.gaps(MAP, needs, ctx)
    assert [(g.country, g.theme) for g in gaps] == [("LBY", "prevention"), ("LBY", "victim_identification"),
                                                    ("NGA", "victim_assistance")]  # F is cancelled: no cover
    assert gaps[0].context["tip_tier"] == "Tier 3" and gaps[2].context == {}


def test_needs_from_observations_and_context() -> None:
    obs = [SimpleNamespace(stage="detected", value=35.0, country="NLD", period="2022", exploitation="forced_labour",
                           age_group="total", source_key="nl-police"),
           SimpleNamespace(stage="convicted", value=3.0, country="NLD", period="2022", exploitation=None,
                           age_group="total", source_key="nl-courts"),
           SimpleNamespace(stage="detected", value=None, country="ITA", period="2022", exploitation=None,
                           age_group="total", source_key="x")]
    themes = sorted((n.country, n.theme) for n in analysis.needs_from_observations(obs))
    assert themes == [("NLD", "supply_chains"), ("NLD", "victim_assistance"), ("NLD", "victim_identification")]
    ctx = {"LBY": CountryContext("LBY", p3={"prosecution": 2.0, "protection": 3.0, "prevention": 1.0},
                                 missing_migrants={"Central Mediterranean": 17540})}
    assert sorted(n.theme for n in analysis.needs_from_context(ctx)) == ["prevention", "prosecution", "search_rescue"]


def test_matrix_and_suggestions() -> None:
    rows = analysis.matrix(MAP, on=date(2023, 6, 1))
    lby = next(r for r in rows if r["country"] == "LBY" and r["theme"] == "prosecution")
    assert lby["actors"] == [IOM, ITMOI, UNODC] and lby["initiatives"] == ["A", "B", "E"]
    top = analysis.suggestions(analysis.overlaps(MAP))[0]
    assert top["actors"] == [IOM, ITMOI] and top["overlaps"] == 2


def test_the_overview_is_cached_until_the_next_write(sqlite_demo_db) -> None:  # type: ignore[no-untyped-def]
    """A write anywhere moves the audit chain, so the next view recomputes; without one it is reused."""
    from palermo.auth import audit
    from palermo.auth.roles import Principal
    from palermo.coordination.overview import overview

    who = Principal.system()
    with sqlite_demo_db.session(write=False) as s:
        first = overview(s, who)
        assert overview(s, who) is first
    with sqlite_demo_db.session() as s:
        audit.record(s, who, "test.write", "thing", 1)
    with sqlite_demo_db.session(write=False) as s:
        again = overview(s, who)
    assert again is not first and len(again.initiatives) == len(first.initiatives)

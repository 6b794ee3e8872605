"""Demo coordination map: countries of origin (NGA, SEN, ERI), transit (LBY, NER, MAR) and destination
(ITA, ESP, NLD), with deliberate overlaps (two actors training Libyan coastguards with the same funder;
two reintegration programmes in Edo State) and gaps, liaison officers with a duplicated report, the
Palermo Protocols and an action plan with an overdue commitment."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.coordination.actors import resolve_actor
from palermo.coordination.initiatives import InitiativeSpec, save_initiatives
from palermo.coordination.instruments import CommitmentSpec, add_action_plan, load_instruments
from palermo.coordination.liaison import PostingSpec, add_posting, add_report
from palermo.coordination.models import Network, NetworkMember
from palermo.coordination.money import TransactionSpec
from palermo.coordination.results import PEOPLE, ResultSpec

EC = "European Commission (DG INTPA)"
IOM = "International Organization for Migration"

def _month(offset: int, end: bool = False) -> date:
    """The first (or last) day of the month ``offset`` months from the month the demo is built in: the demo's
    initiatives keep the same shape (what is under way, what ended, what is planned) whenever it is built."""
    today = date.today()
    first = date(today.year + (today.month - 1 + offset) // 12, (today.month - 1 + offset) % 12 + 1, 1)
    if not end:
        return first
    return date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)


def initiatives() -> list[dict[str, Any]]:
    return [
    dict(ref="DEMO-LBY-01", title="Search and rescue and interception training for the Libyan coastguard",
         description="Training of coastguard crews in search and rescue, boarding and interception at sea",
         participants=[(EC, "funding"), ("Ministero dell'Interno (Italy)", "implementing")],
         themes=["coastguard_training"], target_groups=["coastguards"], countries=["LBY"], areas=["Tripoli"],
         start=_month(-53), end=_month(6, end=True), budget=15_000_000, currency="EUR"),
    dict(ref="DEMO-LBY-02", title="Maritime border management capacity for the Libyan coastguard",
         description="Capacity building of the Libyan coastguard in search and rescue and maritime border management",
         participants=[(EC, "funding"), ("International Organization for Migration", "implementing")],
         themes=["coastguard_training"], target_groups=["coastguards"], countries=["LBY"],
         start=_month(-39), end=_month(8, end=True), budget=9_500_000, currency="EUR"),
    dict(ref="DEMO-LBY-03", title="Protection of migrants in detention centres",
         description="Medical and legal assistance to migrants held in detention centres, identification of victims",
         participants=[("Deutsche Gesellschaft für Internationale Zusammenarbeit", "funding"),
                       ("International Committee of the Red Cross", "implementing")],
         themes=["victim_assistance", "victim_identification"], target_groups=["migrants_in_detention"],
         countries=["LBY"], start=_month(-41), end=_month(6, end=True), budget=4_000_000, currency="EUR"),
    dict(ref="DEMO-NER-01", title="Information on the risks of irregular migration along the Agadez route",
         description="Awareness raising among migrants in transit on smuggling and trafficking risks",
         participants=[(EC, "funding"), ("International Organization for Migration", "implementing")],
         themes=["awareness"], target_groups=["migrants_in_transit"], countries=["NER"], areas=["Agadez"],
         start=_month(-60), end=_month(11, end=True), budget=3_000_000, currency="EUR"),
    dict(ref="DEMO-NGA-01", title="GLO.ACT Nigeria: national strategy against trafficking and smuggling",
         description="Support to legislation, training of investigators and prosecutors, national coordination",
         participants=[(EC, "funding"), ("United Nations Office on Drugs and Crime", "accountable"),
                       ("United Nations Office on Drugs and Crime", "implementing"),
                       ("International Organization for Migration", "implementing"),
                       ("United Nations Children's Fund", "implementing")],
         themes=["legislation", "law_enforcement_training", "coordination"], target_groups=["prosecutors_judges", "police"],
         countries=["NGA"], start=_month(-53), end=_month(6, end=True), budget=12_000_000, currency="EUR"),
    dict(ref="DEMO-NGA-02", title="Return and reintegration of trafficking victims from Libya",
         description="Reintegration support, counselling and livelihoods for victims returned from Libya to Edo State",
         participants=[(EC, "funding"), ("International Organization for Migration", "implementing")],
         themes=["return_reintegration"], target_groups=["victims", "women"], countries=["NGA"], areas=["Edo"],
         start=_month(-47), end=_month(4, end=True), budget=6_000_000, currency="EUR"),
    dict(ref="DEMO-NGA-03", title="Reintegration of returned victims in Edo State",
         description="Counselling, livelihoods and reintegration for women victims returned to Edo State",
         participants=[("Foreign, Commonwealth and Development Office (UK)", "funding"),
                       ("National Agency for the Prohibition of Trafficking in Persons (Nigeria)", "implementing"),
                       ("Pathfinders Justice Initiative", "implementing")],
         themes=["return_reintegration"], target_groups=["victims", "women"], countries=["NGA"], areas=["Edo"],
         start=_month(-41), end=_month(6, end=True), budget=2_500_000, currency="GBP"),
    dict(ref="DEMO-ITA-01", title="Anti-trafficking helpline and shelters",
         description="National helpline, outreach and shelters for victims of sexual and labour exploitation",
         participants=[("Dipartimento per le Pari Opportunità (Italy)", "funding"),
                       ("On the Road Cooperativa Sociale", "implementing")],
         themes=["victim_identification", "victim_assistance"], target_groups=["victims", "women"], countries=["ITA"],
         start=_month(-53), end=_month(6, end=True), budget=24_000_000, currency="EUR"),
    dict(ref="DEMO-ESP-01", title="Identification of victims among arrivals in the Canary Islands",
         description="Screening of women and minors arriving by sea, referral to specialised shelters",
         participants=[("Ministerio de Igualdad (Spain)", "funding"),
                       ("APRAMP - Asociación para la Prevención, Reinserción y Atención a la Mujer Prostituida", "implementing")],
         themes=["victim_identification"], target_groups=["women", "migrants_in_transit"], countries=["ESP"],
         areas=["Canarias"], start=_month(-41), end=_month(6, end=True), budget=1_200_000, currency="EUR"),
    dict(ref="DEMO-NLD-01", title="Outreach to labour migrants at risk of exploitation",
         description="Outreach, legal advice and identification of victims of labour exploitation",
         participants=[("Ministerie van Sociale Zaken en Werkgelegenheid", "funding"), ("FairWork", "implementing")],
         themes=["victim_identification", "supply_chains"], target_groups=["labour_migrants"], countries=["NLD"],
         start=_month(-65), end=_month(6, end=True), budget=800_000, currency="EUR"),
    dict(ref="DEMO-SEN-01", title="Safe migration information centres", description="Planned information centres",
         participants=[("Agencia Española de Cooperación Internacional para el Desarrollo", "funding"),
                       ("International Organization for Migration", "implementing")],
         themes=["safe_migration"], target_groups=["general_public"], countries=["SEN"], status="planned",
         start=_month(7), end=_month(30, end=True), budget=2_000_000, currency="EUR"),
    ]


SECTORS = {"DEMO-LBY-01": ["15130"], "DEMO-LBY-02": ["15130"], "DEMO-LBY-03": ["72010", "15160"],
           "DEMO-NER-01": ["15190"], "DEMO-NGA-01": ["15130", "15131"], "DEMO-NGA-02": ["15190", "15180"],
           "DEMO-NGA-03": ["15180"], "DEMO-ITA-01": ["15180"], "DEMO-ESP-01": ["15180"], "DEMO-NLD-01": ["16070"],
           "DEMO-SEN-01": ["15190"], "DEMO-EU-01": ["15190"]}
IDENTIFIERS = {EC: "XI-IATI-EC_INTPA", "International Organization for Migration": "XM-DAC-47066",
               "Foreign, Commonwealth and Development Office (UK)": "GB-GOV-1"}


def funders_programme() -> dict[str, Any]:
    """The funder's own record of money it passes to an implementer's initiative: the same euros then
    appear in both (disbursement here, incoming funds there) and must be counted once."""
    return dict(ref="DEMO-EU-01", title="EU support to the return and reintegration of victims in Nigeria",
                description="Funding window of the European Commission for reintegration, implemented through IOM",
                participants=[(EC, "funding"), (EC, "accountable")], themes=["return_reintegration"],
                target_groups=["victims", "women"], countries=["NGA"], start=_month(-48), end=_month(4, end=True),
                budget=6_000_000, currency="EUR", reporting_org=EC, reporting_org_ref=IDENTIFIERS[EC],
                transactions=[TransactionSpec("outgoing_commitment", _month(-48), 6_000_000, "EUR", EC, IDENTIFIERS[EC],
                                              "DEMO-EU-01", IOM, IDENTIFIERS[IOM], "DEMO-NGA-02"),
                              TransactionSpec("disbursement", _month(-46), 2_500_000, "EUR", EC, IDENTIFIERS[EC],
                                              "DEMO-EU-01", IOM, IDENTIFIERS[IOM], "DEMO-NGA-02"),
                              TransactionSpec("disbursement", _month(-22), 2_000_000, "EUR", EC, IDENTIFIERS[EC],
                                              "DEMO-EU-01", IOM, IDENTIFIERS[IOM], "DEMO-NGA-02")])


def _people(start: date, end: date, target: dict[str, float], reached: list[tuple[date, dict[str, float]]]) -> list[ResultSpec]:
    """People targeted over the whole period and reached per reporting period, by sex where given."""
    out = [ResultSpec(PEOPLE, start, end, target=v, sex=sex, people=True) for sex, v in target.items()]
    for (period_start, period_end), values in zip(zip([start] + [d for d, _ in reached][:-1], [d for d, _ in reached]),
                                                  [v for _, v in reached]):
        out += [ResultSpec(PEOPLE, period_start, period_end, actual=v, sex=sex, people=True) for sex, v in values.items()]
    return out


def _extras(d: dict[str, Any]) -> dict[str, Any]:
    """Sectors, money and results of the demo initiatives."""
    ref = d["ref"]
    d = {**d, "sectors": SECTORS.get(ref, [])}
    if ref == "DEMO-NGA-02":  # IOM reports the EU's money too: counted once
        d["transactions"] = [
            TransactionSpec("incoming_funds", _month(-46), 2_500_000, "EUR", EC, IDENTIFIERS[EC], "DEMO-EU-01",
                            IOM, IDENTIFIERS[IOM], "DEMO-NGA-02"),
            TransactionSpec("incoming_funds", _month(-22), 2_000_000, "EUR", EC, IDENTIFIERS[EC], "DEMO-EU-01",
                            IOM, IDENTIFIERS[IOM], "DEMO-NGA-02"),
            TransactionSpec("expenditure", _month(-2, end=True), 3_100_000, "EUR", IOM, IDENTIFIERS[IOM], "DEMO-NGA-02")]
        d["results"] = _people(d["start"], d["end"], {"": 1200, "female": 950, "male": 250},
                               [(_month(-24, end=True), {"": 310, "female": 260, "male": 50}),
                                (_month(-12, end=True), {"": 420, "female": 350, "male": 70}),
                                (_month(-1, end=True), {"": 390, "female": 320, "male": 70})])
    elif ref == "DEMO-NGA-01":
        d["results"] = [ResultSpec("Border officers trained", d["start"], d["end"], target=500),
                        ResultSpec("Border officers trained", _month(-12), _month(-1, end=True), actual=320)]
    elif ref == "DEMO-NGA-03":  # reported once, long ago: stopped reporting
        d["results"] = _people(d["start"], d["end"], {"": 400}, [(_month(-14, end=True), {"": 95})])
    elif ref == "DEMO-ITA-01":
        d["results"] = _people(d["start"], d["end"], {"": 2000, "female": 1500, "male": 500},
                               [(_month(-3, end=True), {"": 1650, "female": 1280, "male": 370})])
        d["transactions"] = [TransactionSpec("disbursement", _month(-50), 12_000_000, "EUR",
                                             "Dipartimento per le Pari Opportunità (Italy)", "", "DEMO-ITA-01",
                                             "On the Road Cooperativa Sociale", "", ""),
                             TransactionSpec("disbursement", _month(-26), 8_000_000, "EUR",
                                             "Dipartimento per le Pari Opportunità (Italy)", "", "DEMO-ITA-01",
                                             "On the Road Cooperativa Sociale", "", "")]
    return d


def build(session: Session, ctx: Any) -> None:
    who = Principal(None, "demo", None, frozenset({"analyst", "admin"}), True)
    # Platform organisations known to the registry under their full names, linked to their accounts.
    for short in ("IOM", "UNODC", "UNICEF", "ONDA", "FAIRWORK", "APRAMP", "NG-NAPTIP", "EUROPOL", "FRONTEX", "IT-POL",
                  "ES-POL", "NL-POL", "UK-NCA", "NL-RAP", "LSTRADA"):
        org = ctx.orgs[short]
        actor = resolve_actor(session, who, org.name, acronym=None if "-" in short else short,
                              actor_type=org.org_type, country=org.country)
        actor.organisation_id = org.id
    for name, ident in IDENTIFIERS.items():
        resolve_actor(session, who, name, identifier=ident)
    items = [_extras(d) for d in initiatives()] + [funders_programme()]
    save_initiatives(session, who, [InitiativeSpec(**d) for d in items], origin="demo")
    icat = Network(name="Inter-Agency Coordination Group against Trafficking in Persons", acronym="ICAT",
                   description="UN GA resolution 61/180 (2007); coordinated by UNODC", updated_by="demo")
    session.add(icat)
    for name, chair in (("United Nations Office on Drugs and Crime", True), ("International Organization for Migration", False),
                        ("United Nations Children's Fund", False)):
        icat.members.append(NetworkMember(actor_id=resolve_actor(session, who, name).id, presidency=chair))
    rap = Network(name="Informal EU Network of National Rapporteurs or Equivalent Mechanisms", acronym="NREMs",
                  description="Since 2009; Directive 2011/36/EU art. 19", updated_by="demo")
    session.add(rap)
    rap.members.append(NetworkMember(actor_id=resolve_actor(session, who, ctx.orgs["NL-RAP"].name).id, presidency=True))
    today = date.today()
    for ref, state, agency, host, focus in (
            ("ILO-IT-LBY-1", "ITA", ctx.orgs["IT-POL"].name, "LBY", ("smuggling", "maritime")),
            ("ILO-NL-LBY-1", "NLD", ctx.orgs["NL-POL"].name, "LBY", ("trafficking",)),
            ("ILO-ES-SEN-1", "ESP", ctx.orgs["ES-POL"].name, "SEN", ("smuggling",)),
            ("ILO-ES-MAR-1", "ESP", "Guardia Civil", "MAR", ("smuggling", "maritime")),
            ("ILO-UK-NGA-1", "GBR", ctx.orgs["UK-NCA"].name, "NGA", ("trafficking",)),
            ("ILO-NL-NGA-1", "NLD", ctx.orgs["NL-POL"].name, "NGA", ("trafficking",))):
        add_posting(session, who, PostingSpec(ref, state, agency, host, today - timedelta(days=400), None, focus))
    add_report(session, who, "ILO-IT-LBY-1", event_date=today - timedelta(days=12), event_place="Zuwara port",
               title="Departure of two boats from Zuwara intercepted by the coastguard", sharing_level="network")
    add_report(session, who, "ILO-NL-LBY-1", event_date=today - timedelta(days=11), event_place="Zuwara",
               title="Two boats departing Zuwara intercepted by coastguard", sharing_level="network")
    add_report(session, who, "ILO-UK-NGA-1", event_date=today - timedelta(days=30), event_place="Benin City",
               title="Recruitment of young women for Europe through fake job offers", sharing_level="sending_state")
    parties = load_instruments(session)
    add_action_plan(session, who, "National Action Plan on Human Trafficking (demo)", "NGA", [
        CommitmentSpec("Adopt guidelines on the identification of victims among returnees", "National Agency for the "
                       "Prohibition of Trafficking in Persons (Nigeria)", today - timedelta(days=60), "in_progress"),
        CommitmentSpec("Train 500 border officers on indicators of trafficking", "International Organization for Migration",
                       today + timedelta(days=200), "open", initiatives=["DEMO-NGA-01"],
                       indicators=["DEMO-NGA-01:Border officers trained"]),
        CommitmentSpec("Publish annual statistics with the national rapporteur", "National Agency for the Prohibition "
                       "of Trafficking in Persons (Nigeria)", today - timedelta(days=300), "done", "Annual report published",
                       indicators=["stats:ng-naptip-identified"]),
    ], (_month(-59), _month(12, end=True)))
    ctx.notes.append(f"coordination: {len(items)} initiatives, 2 networks, 6 liaison officers, "
                     f"{parties} treaty participations, 1 action plan")

"""Demo web of agreements: Europol's operational agreements with national police, strategic ones with
UN agencies, a UK-Nigeria and a Spain-Senegal bilateral channel (third-country routes), an expired and a
suspended agreement, narrow hit/no-hit agreements with a money-transfer firm and an airline, national
legal bases between Dutch authorities (police with the Labour Authority and with the prosecution
service), an NGO's hit/no-hit referral protocols with both, and a few requests in various states."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.exchange.agreements import AgreementSpec, save_agreements
from palermo.exchange.requests import answer_request, file_request

OPS = ["hit_no_hit", "personal_data_suspects", "personal_data_victims", "operational_information"]
LAW = ["investigation", "prosecution", "victim_protection"]

AGREEMENTS = [
    AgreementSpec("EU-OPS-NL", "Operational cooperation: Europol and the Netherlands", "operational", "in_force",
                  ["EUROPOL", "state:NLD"], OPS + ["strategic_information"], LAW + ["prevention"], date(2017, 5, 1), None,
                  ["H0", "H1"], {"hit_no_hit": "Art. 18(2)(a)", "personal_data_suspects": "Art. 19"}, 1095,
                  "Europol Regulation (EU) 2016/794"),
    AgreementSpec("EU-OPS-IT", "Operational cooperation: Europol and Italy", "operational", "in_force",
                  ["EUROPOL", "state:ITA"], OPS, LAW, date(2017, 5, 1), None, ["H0", "H1"], {"hit_no_hit": "Art. 18(2)(a)"}, 1095,
                  "Europol Regulation (EU) 2016/794"),
    AgreementSpec("EU-OPS-ES", "Operational cooperation: Europol and Spain", "operational", "in_force",
                  ["EUROPOL", "state:ESP"], OPS, LAW, date(2017, 5, 1), None, ["H0", "H1"], {"hit_no_hit": "Art. 18(2)(a)"}, 1095,
                  "Europol Regulation (EU) 2016/794"),
    AgreementSpec("EU-OPS-GR", "Operational cooperation: Europol and Greece", "operational", "in_force",
                  ["EUROPOL", "state:GRC"], OPS, LAW, date(2017, 5, 1), None, ["H0", "H1"], {}, 1095, ""),
    AgreementSpec("EU-UK-TCA", "EU-UK Trade and Cooperation Agreement, Title on law enforcement (Europol)", "operational",
                  "in_force", ["EUROPOL", "UK-NCA"], OPS, LAW, date(2021, 1, 1), None, ["H0", "H1", "H2"],
                  {"hit_no_hit": "LAW.EUROPOL.50"}, 730, "OJ L 149, 30.4.2021"),
    AgreementSpec("UK-NG-MOU", "UK-Nigeria memorandum of understanding on trafficking in persons", "mou", "in_force",
                  ["UK-NCA", "NG-NAPTIP"], ["hit_no_hit", "personal_data_victims", "personal_data_suspects", "operational_information"],
                  ["investigation", "victim_protection", "prosecution"], date(2019, 3, 1), None, ["H0", "H2"],
                  {"personal_data_victims": "para. 4"}, 730, ""),
    AgreementSpec("ES-SN-BIL", "Spain-Senegal bilateral police cooperation on migrant smuggling", "bilateral_treaty",
                  "in_force", ["ES-POL", "SN-POL"], ["hit_no_hit", "personal_data_suspects", "operational_information"],
                  ["investigation", "prosecution"], date(2018, 6, 1), None, ["H0"], {}, 365, ""),
    AgreementSpec("NL-IT-MOU", "Netherlands-Italy police cooperation (expired)", "mou", "expired",
                  ["NL-POL", "IT-POL"], ["hit_no_hit", "personal_data_suspects"], ["investigation"], date(2015, 1, 1),
                  date(2020, 12, 31), ["H0"], {}, 365, ""),
    AgreementSpec("EU-LY-WA", "Working arrangement with the Libyan Directorate for Combating Illegal Migration (suspended)",
                  "strategic", "suspended", ["FRONTEX", "LY-DCIM"], ["strategic_information"], ["prevention"],
                  date(2019, 1, 1), None, ["H0", "H2"], {}, 180, ""),
    AgreementSpec("EU-UNODC-STR", "Strategic cooperation: Europol and UNODC", "strategic", "in_force",
                  ["EUROPOL", "UNODC"], ["strategic_information", "aggregate_statistics"], ["prevention", "research"],
                  date(2018, 1, 1), None, ["H0"], {}, None, ""),
    AgreementSpec("NL-MTX-HNH", "Money-transfer hit/no-hit protocol (Netherlands police and TransferNow)", "data_sharing_protocol",
                  "in_force", ["NL-POL", "MTX"], ["hit_no_hit"], ["investigation"], date(2023, 1, 1), None, ["H0", "H1", "H2"],
                  {"hit_no_hit": "Art. 3"}, 90, ""),
    AgreementSpec("NL-AIR-HNH", "Airline passenger hit/no-hit protocol (Netherlands police and Royal Skyline)", "data_sharing_protocol",
                  "in_force", ["NL-POL", "AIRNL"], ["hit_no_hit"], ["investigation", "victim_protection"], date(2024, 1, 1),
                  None, ["H0", "H2"], {}, 90, ""),
    # National legal bases between two Dutch authorities: the Europol-Netherlands agreement covers each
    # of them with Europol, never with each other (one party is never both sides of an exchange).
    AgreementSpec("NL-WPG-LA", "Police Data Act: police and Labour Authority on labour exploitation", "national_law",
                  "in_force", ["NL-POL", "NL-LA"], OPS, ["investigation", "victim_protection"], date(2019, 1, 1), None,
                  ["H0", "H2"], {}, 365, "Wet politiegegevens (Police Data Act) and Besluit politiegegevens"),
    AgreementSpec("NL-WPG-OM", "Police Data Act: police and Public Prosecution Service", "national_law", "in_force",
                  ["NL-POL", "NL-OM"], OPS + ["strategic_information"], LAW, date(2008, 1, 1), None, ["H0"], {}, 1825,
                  "Wet politiegegevens (Police Data Act)"),
    # Referral protocols of an NGO with the police and with the Labour Authority (the two authorities
    # already compare under NL-WPG-LA): victims' lists compared at the hub, to protect victims and to
    # estimate their number.
    *(AgreementSpec(f"NL-FW-{short}-HNH", f"Victim referral hit/no-hit protocol: FairWork and the {name}",
                    "data_sharing_protocol", "in_force", ["FAIRWORK", org], ["hit_no_hit", "aggregate_statistics"],
                    ["victim_protection", "research"], date(2021, 1, 1), None, ["H0", "H2"], {}, 365, "")
      for short, org, name in (("POL", "NL-POL", "police"), ("LA", "NL-LA", "Labour Authority"))),
    AgreementSpec("NL-LS-VP", "Victim referral protocol: Netherlands police and La Strada", "data_sharing_protocol",
                  "in_force", ["NL-POL", "LSTRADA"], ["personal_data_victims", "aggregate_statistics"], ["victim_protection"],
                  date(2020, 1, 1), None, ["H0", "H1", "H2"], {}, 365, ""),
]


def build(session: Session, ctx: Any) -> None:
    who = Principal(None, "demo", None, frozenset({"admin", "data_owner"}), True)
    save_agreements(session, who, AGREEMENTS, origin="demo")
    p = {u: accounts.principal_for(ctx.users[u]) for u in ("nl.officer", "europol.analyst", "europol.owner", "uk.owner",
                                                            "ng.officer", "nl.owner")}
    org = {k: v.id for k, v in ctx.orgs.items()}
    r1 = file_request(session, p["nl.officer"], owner_org_id=org["EUROPOL"], category="personal_data_suspects",
                      purpose="investigation", justification="Suspect of a Nigerian trafficking network seen in Amsterdam",
                      case_reference="NL-2026-0413", data_wanted="Identity, known aliases, associates")
    answer_request(session, p["europol.owner"], r1.reference, decision="approve", released="Identity and two aliases on file",
                   reason="")
    r2 = file_request(session, p["ng.officer"], owner_org_id=org["UK-NCA"], category="personal_data_victims",
                      purpose="victim_protection", justification="Returned victim; family tracing and risk assessment",
                      case_reference="NAPTIP/2026/118", data_wanted="Date of identification, referral organisation")
    answer_request(session, p["uk.owner"], r2.reference, decision="refuse",
                   reason="Victim did not consent to sharing; contact via the NRM caseworker instead")
    r3 = file_request(session, p["europol.analyst"], owner_org_id=org["NL-POL"], category="personal_data_suspects",
                      purpose="investigation", justification="Cross-match with EMPACT THB operational action",
                      case_reference="EMPACT-THB-26-07", data_wanted="Vehicle registrations used by the suspect")
    r3.deadline = date.today() - timedelta(days=3)  # an overdue request, to make slow answers visible
    ctx.extra["agreements"] = [a.reference for a in AGREEMENTS]
    ctx.notes.append(f"exchange: {len(AGREEMENTS)} agreements (incl. expired, suspended, private-sector, "
                     "national legal bases) and 3 requests")

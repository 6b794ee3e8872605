"""Demo organisations and users: national authorities of origin, transit and destination states,
EU and UN agencies, international organisations, NGOs and private partners."""

from __future__ import annotations

from sqlalchemy.orm import Session

from palermo.auth import accounts
from palermo.auth.models import Organisation, User
from palermo.auth.roles import Principal

DEMO_PASSWORD = "palermo-demo-2000"

# (short name, full name, type, ISO3 country or None, operator?)
ORGANISATIONS: list[tuple[str, str, str, str | None, bool]] = [
    ("HUB", "Palermo Hub Operations Office", "international_organisation", None, True),
    ("NL-POL", "Netherlands National Police - AVIM", "police", "NLD", False),
    ("NL-OM", "Netherlands Public Prosecution Service", "prosecution", "NLD", False),
    ("NL-RAP", "Dutch National Rapporteur on Trafficking in Human Beings", "national_rapporteur", "NLD", False),
    ("IT-POL", "Polizia di Stato - Servizio Centrale Operativo", "police", "ITA", False),
    ("IT-DNA", "Direzione Nazionale Antimafia e Antiterrorismo", "prosecution", "ITA", False),
    ("IT-COURT", "Corte d'Appello di Palermo", "court", "ITA", False),
    ("ES-POL", "Policía Nacional - UCRIF", "police", "ESP", False),
    ("ES-GC", "Guardia Civil", "police", "ESP", False),
    ("ES-FGE", "Fiscalía General del Estado - Extranjería", "prosecution", "ESP", False),
    ("GR-HCG", "Hellenic Coast Guard", "immigration", "GRC", False),
    ("UK-NCA", "National Crime Agency (UK)", "police", "GBR", False),
    ("NG-NAPTIP", "National Agency for the Prohibition of Trafficking in Persons (Nigeria)", "police", "NGA", False),
    ("SN-POL", "Police nationale du Sénégal - DNLT", "police", "SEN", False),
    ("LY-DCIM", "Libyan Directorate for Combating Illegal Migration", "immigration", "LBY", False),
    ("EUROPOL", "European Union Agency for Law Enforcement Cooperation", "eu_agency", None, False),
    ("FRONTEX", "European Border and Coast Guard Agency", "eu_agency", None, False),
    ("EUROJUST", "European Union Agency for Criminal Justice Cooperation", "eu_agency", None, False),
    ("UNODC", "United Nations Office on Drugs and Crime", "un_agency", None, False),
    ("IOM", "International Organization for Migration", "un_agency", None, False),
    ("UNICEF", "United Nations Children's Fund", "un_agency", None, False),
    ("ICAT", "Inter-Agency Coordination Group against Trafficking in Persons", "network", None, False),
    ("LSTRADA", "La Strada International", "ngo", "NLD", False),
    ("FAIRWORK", "FairWork", "ngo", "NLD", False),
    ("ONDA", "On the Road Cooperativa Sociale", "ngo", "ITA", False),
    ("APRAMP", "APRAMP - Asociación para la Prevención, Reinserción y Atención a la Mujer Prostituida", "ngo", "ESP", False),
    ("MTX", "TransferNow Money Services B.V.", "private_company", "NLD", False),
    ("AIRNL", "Royal Skyline Airlines", "private_company", "NLD", False),
    ("NL-LA", "Netherlands Labour Authority (Nederlandse Arbeidsinspectie)", "labour_inspection", "NLD", False),
]

# (username, organisation, roles)
USERS: list[tuple[str, str, str]] = [
    ("hub.admin", "HUB", "admin"),
    ("nl.analyst", "NL-POL", "analyst"),
    ("nl.owner", "NL-POL", "data_owner,analyst"),
    ("nl.officer", "NL-POL", "officer"),
    ("nl.admin", "NL-POL", "admin"),
    ("nl.rapporteur", "NL-RAP", "analyst,admin"),
    ("nl.prosecutor", "NL-OM", "analyst"),
    ("it.analyst", "IT-POL", "analyst"),
    ("it.owner", "IT-POL", "data_owner,officer"),
    ("es.officer", "ES-POL", "officer,analyst"),
    ("es.owner", "ES-POL", "data_owner"),
    ("uk.owner", "UK-NCA", "data_owner,analyst"),
    ("ng.officer", "NG-NAPTIP", "officer,analyst"),
    ("sn.officer", "SN-POL", "officer"),
    ("gr.officer", "GR-HCG", "officer"),
    ("europol.analyst", "EUROPOL", "analyst,officer"),
    ("europol.owner", "EUROPOL", "data_owner"),
    ("frontex.analyst", "FRONTEX", "analyst"),
    ("unodc.analyst", "UNODC", "analyst"),
    ("iom.analyst", "IOM", "analyst"),
    ("icat.coordinator", "ICAT", "analyst,admin"),
    ("lastrada.worker", "LSTRADA", "officer"),
    ("fairwork.worker", "FAIRWORK", "officer,analyst"),
    ("mtx.compliance", "MTX", "data_owner"),
    ("nl.inspector", "NL-LA", "officer,analyst"),
    ("viewer", "NL-RAP", "viewer"),
]


def create_organisations_and_users(s: Session) -> tuple[dict[str, Organisation], dict[str, User]]:
    system = Principal.system()
    orgs = {short: accounts.create_organisation(s, system, name=name, short_name=short, org_type=typ,
                                                country=cc, is_operator=op)
            for short, name, typ, cc, op in ORGANISATIONS}
    users = {u: accounts.create_user(s, system, username=u, password=DEMO_PASSWORD, organisation=org, roles=roles)
             for u, org, roles in USERS}
    return orgs, users

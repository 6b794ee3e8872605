"""Demo screenings: the four scenario cases saved by front-line users (Hellenic Coast Guard, La Strada,
FairWork, Spanish police) and anonymised NGO case summaries that show up in the statistics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth import accounts
from palermo.identification.store import save_screening, submit_cases

SCENARIOS = Path(__file__).parents[1] / "identification" / "data" / "scenarios"
WHO = {"smuggled-adult": ("gr.officer", "en", []), "woman-deceived-sexual-exploitation": ("gr.officer", "en", ["LSTRADA"]),
       "minor-debt-bondage": ("lastrada.worker", "fr", ["UNICEF"]), "agriculture-forced-labour": ("es.officer", "es", ["APRAMP"])}


def build(session: Session, ctx: Any) -> None:
    for name, (user, lang, refer) in WHO.items():
        case = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
        save_screening(session, accounts.principal_for(ctx.users[user]), case, lang=lang, referred_to=refer)
    rng = ctx.rng
    cases = []
    for _ in range(40):
        cases.append({"year": 2025, "country": "NLD", "prs_Gender": rng.choice(["Feminine"] * 3 + ["Masculine"]),
                      "age_group": rng.choice(["adult"] * 5 + ["child"]), "prs_Citizenship": rng.choice(["NGA", "ROU", "NLD", "VNM", "UGA"]),
                      "vic_TypeOfExploitation": rng.choice(["SexualExploitation", "ForcedLabour", "ForcedCriminality"]),
                      "vic_TraffickingStatus": rng.choice(["Possible"] * 3 + ["Actual"])})
    n = submit_cases(session, accounts.principal_for(ctx.users["fairwork.worker"]), cases)
    ctx.notes.append(f"identification: 4 screenings (smuggled adult; woman deceived into sexual exploitation; "
                     f"unaccompanied minor in debt bondage; forced labour in agriculture) and {n} NGO case summaries")

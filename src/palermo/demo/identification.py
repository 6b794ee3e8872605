"""Demo screenings: the scenario cases saved by front-line users (Hellenic Coast Guard, La Strada, Spanish
police), referred with the person's consent (or, for the child, to child protection as the law requires),
La Strada's answers to two of them, and anonymised NGO case summaries that show up in the statistics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth import accounts
from palermo.identification.referrals import ReferralRequest, decide, referrals_of
from palermo.identification.store import save_screening, submit_cases

SCENARIOS = Path(__file__).parents[1] / "identification" / "data" / "scenarios"
CONSENT, CHILD = "consent", "child_protection"
WHO = {"smuggled-adult": ("gr.officer", "en", []),
       "woman-deceived-sexual-exploitation": ("gr.officer", "en", [("LSTRADA", CONSENT)]),
       "minor-debt-bondage": ("lastrada.worker", "fr", [("UNICEF", CHILD)]),
       "agriculture-forced-labour": ("es.officer", "es", [("APRAMP", CONSENT)]),
       "threats-at-recruitment": ("gr.officer", "en", [("LSTRADA", CONSENT)]),
       "denunciation-and-wages-at-destination": ("es.officer", "es", [("LSTRADA", CONSENT), ("APRAMP", CONSENT)]),
       "confinement-and-debt-at-recruitment": ("gr.officer", "en", [("LSTRADA", CONSENT)])}
# La Strada's answers: accepted with a note, declined with the reason; the others stay received.
ANSWERS = {"threats-at-recruitment": ("accepted", "Case worker assigned; interview with an interpreter on Thursday."),
           "confinement-and-debt-at-recruitment": ("declined", "Outside our area; referred on to FairWork, who assist "
                                                               "restaurant workers.")}


def build(session: Session, ctx: Any) -> None:
    lastrada = accounts.principal_for(ctx.users["lastrada.worker"])
    for name, (user, lang, refer) in WHO.items():
        case = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
        requests = [ReferralRequest(org, consent=basis == CONSENT, child_protection=basis == CHILD) for org, basis in refer]
        row, _ = save_screening(session, accounts.principal_for(ctx.users[user]), case, lang=lang, referrals=requests)
        if name in ANSWERS:
            ref = next(r for r in referrals_of(session, lastrada, row) if r.to_short_name == "LSTRADA")
            decide(session, lastrada, ref.reference, *ANSWERS[name])
    rng = ctx.rng
    cases = []
    for _ in range(40):
        cases.append({"year": 2025, "country": "NLD", "prs_Gender": rng.choice(["Feminine"] * 3 + ["Masculine"]),
                      "age_group": rng.choice(["adult"] * 5 + ["child"]),
                      "prs_Citizenship": rng.choice(["NGA", "ROU", "NLD", "VNM", "UGA"]),
                      "vic_TypeOfExploitation": rng.choice(["SexualExploitation", "ForcedLabour", "ForcedCriminality"]),
                      "vic_TraffickingStatus": rng.choice(["Possible"] * 3 + ["Actual"])})
    n = submit_cases(session, accounts.principal_for(ctx.users["fairwork.worker"]), cases)
    ctx.notes.append(f"identification: {len(WHO)} screenings (smuggled adult; woman deceived into sexual exploitation; "
                     f"unaccompanied minor in debt bondage; forced labour in agriculture; three cases of the corrected "
                     f"strengths), 4 referred to La Strada (one accepted, one declined) and {n} NGO case summaries")

"""Saving screenings (pseudonymised, audited, visible to the screening organisation and those it refers
to) and the NGO channel: anonymised case summaries that count into the statistics as presumed or
identified victims, with the NGO as source."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.accounts import normalise_country
from palermo.auth.models import Organisation
from palermo.auth.permissions import allowed, require
from palermo.auth.roles import Principal
from palermo.errors import NotFound, PermissionDenied, Problem, ValidationError
from palermo.identification.catalogue import catalogue_version
from palermo.identification.i18n import translator
from palermo.identification.models import NgoCase, Referral, Screening
from palermo.identification.referrals import ACTIVE, ReferralRequest, check_requests, refer, visible_to
from palermo.identification.screening import ScreeningResult, screen
from palermo.messages import N_

LEGAL_BASIS = "identification and protection of presumed victims of trafficking (screening)"
GENDER = {"Feminine": "female", "Masculine": "male", "TransgenderFeminine": "other", "TransgenderMasculine": "other",
          "NonConforming": "other", "NonSpecifiedUnknown": "unknown"}
EXPLOITATION = {"SexualExploitation": "sexual", "ForcedLabour": "labour", "ChildLabour": "labour", "Servitude": "labour",
                "ForcedMarriage": "marriage", "OrganRemoval": "organs", "ForcedBegging": "begging",
                "ForcedCriminality": "criminality", "ForcedMilitaryByNonStateActors": "other", "ForcedAdoption": "other",
                "Surrogacy": "other", "Other": "other"}
STATUS_STAGE = {"Possible": "presumed", "Actual": "identified"}


def save_screening(session: Session, principal: Principal, data: dict[str, Any], *, lang: str = "en",
                   referrals: list[ReferralRequest] | None = None) -> tuple[Screening, ScreeningResult]:
    """Screen and keep the result under a random reference, with its referrals (each on a recorded basis:
    consent, or child protection law for a child); nothing is stored if the case or a referral is invalid."""
    require(principal, "identification.screening.save")
    if principal.organisation_id is None:
        _ = translator(lang)
        raise ValidationError(_("screenings belong to an organisation; use an account of the screening organisation"))
    result = screen(data, lang=lang)
    check_requests(session, principal, result.age_group, list(referrals or []), lang=result.lang)
    row = Screening(reference="scr-" + secrets.token_hex(6), organisation_id=principal.organisation_id, referred_to=[],
                    created_by=principal.username, catalogue_version=result.catalogue_version, lang=result.lang,
                    age_group=result.age_group, conclusion=result.conclusion, case=result.to_dict()["case"])
    session.add(row)
    session.flush()
    audit.record(session, principal, "identification.screening.save", "ident_screening", row.reference,
                 legal_basis=LEGAL_BASIS, details={"conclusion": result.conclusion,
                                                   "referred_to": [r.organisation for r in referrals or []]})
    if referrals:
        refer(session, principal, row, list(referrals), lang=result.lang)
    return row, result


def get_screening(session: Session, principal: Principal, reference: str, *, lang: str | None = None) -> tuple[Screening, ScreeningResult]:
    """A saved screening, re-read with the catalogue version it was assessed with; the reading is audited."""
    require(principal, "identification.screening.read")  # rules table; then its organisation and those it was referred to
    row = session.execute(select(Screening).where(Screening.reference == reference)).scalar_one_or_none()
    if row is None or not visible_to(session, principal, row):
        raise NotFound(N_("no screening {reference!r} visible to your organisation", reference=reference))
    audit.record(session, principal, "identification.screening.read", "ident_screening", row.reference, legal_basis=LEGAL_BASIS)
    return row, screen(row.case, lang=lang or row.lang, catalogue=catalogue_version(row.catalogue_version))


def list_screenings(session: Session, principal: Principal) -> list[Screening]:
    """Screenings of the principal's organisation and those referred to it (still received or accepted)."""
    if not allowed(principal, "identification.screening.read"):
        return []
    q = select(Screening).order_by(Screening.created_at.desc(), Screening.id.desc())
    if not principal.is_system:
        referred = select(Referral.screening_id).where(Referral.organisation_id == principal.organisation_id,
                                                       Referral.status.in_(ACTIVE))
        q = q.where(or_(Screening.organisation_id == principal.organisation_id, Screening.id.in_(referred)))
    return list(session.execute(q).scalars())


@dataclass
class CaseSummary:
    year: int
    country: str
    gender: str
    age_group: str
    exploitation: str
    status: str
    citizenship: str | None = None
    screening_reference: str | None = None


SUMMARY_FIELDS = ("year", "country", "prs_Gender", "age_group", "prs_Citizenship", "vic_TypeOfExploitation",
                  "vic_TraffickingStatus", "screening_reference")


def validate_case(c: dict[str, Any], n: int) -> tuple[CaseSummary | None, list[Problem]]:
    p = []
    if c.get("prs_Gender") not in GENDER:
        p.append(Problem(N_("prs_Gender must be one of {gender}", gender=', '.join(GENDER)), line=n, field="prs_Gender",
                         value=c.get("prs_Gender")))
    if c.get("age_group") not in ("child", "adult", "unknown"):
        p.append(Problem(N_("age_group must be child, adult or unknown"), line=n, field="age_group", value=c.get("age_group")))
    if c.get("vic_TypeOfExploitation") not in EXPLOITATION:
        p.append(Problem(N_("vic_TypeOfExploitation must be one of {exploitation}",
                            exploitation=', '.join(EXPLOITATION)), line=n,
                         field="vic_TypeOfExploitation", value=c.get("vic_TypeOfExploitation")))
    if c.get("vic_TraffickingStatus") not in STATUS_STAGE:
        p.append(Problem(N_("vic_TraffickingStatus must be Possible or Actual (NotAVictimOfTrafficking is not "
                            "counted)"), line=n,
                         field="vic_TraffickingStatus", value=c.get("vic_TraffickingStatus")))
    year = c.get("year")
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        p.append(Problem(N_("year must be a year such as 2025"), line=n, field="year", value=year))
    country = citizenship = None
    for key in ("country", "prs_Citizenship"):
        value = c.get(key)
        if value in (None, "") and key == "prs_Citizenship":
            continue
        try:
            code = normalise_country(str(value), field=key)
        except ValidationError as exc:
            p.extend(Problem(x.reason, line=n, field=key, value=value) for x in exc.problems)
            continue
        if key == "country":
            country = code
        else:
            citizenship = code
    names = [k for k in c if k in ("prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_IdentityNumber", "name")]
    if names:
        p.append(Problem(N_("case summaries are anonymised: remove direct identifiers"), line=n, field=",".join(names)))
    # any other field is refused too, not dropped: what is not asked for may be personal data sent by mistake
    p.extend(Problem(N_("unknown field; allowed: {summary_fields} (case summaries are anonymised: no names or "
                        "identifiers are stored)",
                        summary_fields=', '.join(SUMMARY_FIELDS)), line=n, field=k)
             for k in c if k not in SUMMARY_FIELDS and k not in names)
    if p or country is None or not isinstance(year, int):
        return None, p
    return CaseSummary(year, country, c["prs_Gender"], c["age_group"], c["vic_TypeOfExploitation"], c["vic_TraffickingStatus"],
                       citizenship, c.get("screening_reference")), p


def submit_cases(session: Session, principal: Principal, cases: list[dict[str, Any]]) -> int:
    """An NGO submits anonymised case summaries; its statistics sources are recomputed from all of them."""
    principal.require("officer", "analyst", action=N_("submit case summaries"))
    org = session.get(Organisation, principal.organisation_id) if principal.organisation_id else None
    if org is None or org.org_type != "ngo":
        raise PermissionDenied(N_("the NGO channel is for non-governmental organisations"))
    parsed, problems = [], []
    for n, c in enumerate(cases, 1):
        s, p = validate_case(c if isinstance(c, dict) else {}, n)
        problems += p
        if s:
            parsed.append(s)
    if problems:
        raise ValidationError(N_("{n_problems} problem(s) in the case summaries; nothing was stored",
                                 n_problems=len(problems)), problems)
    for s in parsed:
        session.add(NgoCase(organisation_id=org.id, year=s.year, country=s.country, gender=s.gender, age_group=s.age_group,
                            citizenship=s.citizenship, exploitation=s.exploitation, status=s.status,
                            screening_reference=s.screening_reference, created_by=principal.username))
    session.flush()
    _publish(session, principal, org)
    audit.record(session, principal, "identification.cases.submit", "organisation", org.id, legal_basis=LEGAL_BASIS,
                 details={"cases": len(parsed)})
    return len(parsed)


def _publish(session: Session, principal: Principal, org: Organisation) -> None:
    """Counts by sex, age group, citizenship group and form of exploitation, as the NGO's own sources."""
    from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations

    rows = list(session.execute(select(NgoCase).where(NgoCase.organisation_id == org.id)).scalars())
    for status, stage in STATUS_STAGE.items():
        mine = [r for r in rows if r.status == status]
        if not mine:
            continue
        counts: Counter[tuple[str, str, str, str, str, str]] = Counter()
        for r in mine:
            sex, ex = GENDER[r.gender], EXPLOITATION[r.exploitation]
            cit = "unknown" if r.citizenship is None else ("nationals" if r.citizenship == r.country else "foreign")
            y = str(r.year)
            for key in ((r.country, y, "total", "total", "total", "total"), (r.country, y, sex, "total", "total", "total"),
                        (r.country, y, "total", r.age_group, "total", "total"), (r.country, y, "total", "total", cit, "total"),
                        (r.country, y, "total", "total", "total", ex)):
                counts[key] += 1
        obs = [ObservationSpec("victims", c, y, sex=s, age_group=a, citizenship=ci, exploitation=e, value=float(v),
                               mapping="NGO case summaries (HTCDS)") for (c, y, s, a, ci, e), v in sorted(counts.items())]
        spec = SourceSpec(key=f"ngo-cases-{org.short_name.lower()}-{stage}", name=f"{org.name}: {stage} victims (case summaries)",
                          source_type="ngo", stage=stage, counting_unit="persons",
                          legal_definition="Palermo Protocol, art. 3 (as assessed by the NGO)", coverage="persons assisted by the NGO",
                          owner_org_id=org.id, update_schedule="quarterly")
        record_observations(session, principal, spec, obs)

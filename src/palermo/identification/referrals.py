"""Referring a saved screening to another organisation, and that organisation's answer.

A screening holds sensitive facts about a person, so it is shared only on a recorded basis: the
person's consent to share it with *that* organisation, or, for a child referred to child protection,
the law (child protection services must be told of a presumed child victim whatever the child says;
best interests of the child, Council of Europe Convention art. 10(4) and the EU Anti-Trafficking
Directive art. 13-16). Without one of them nothing is referred. The receiving organisation sees its
referrals in an inbox and accepts or declines each with a note; the referring worker sees the answer.
Every step is audited. A declined referral no longer opens the screening to the organisation that
declined it (it does not need it any more).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.models import Organisation
from palermo.auth.permissions import require
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import Conflict, NotFound, PermissionDenied, Problem, ValidationError
from palermo.identification.i18n import N_, translations
from palermo.identification.models import Referral, Screening

BASES = {
    "consent": N_("the person consented to share this screening with the organisation"),
    "child_protection_law": N_("a child referred to child protection: the law requires it without the child's consent"),
    "not_recorded": N_("referred before consent was recorded"),
}
LEGAL_BASIS = {
    "consent": "consent of the person to share the screening with the receiving organisation (referral for assistance)",
    "child_protection_law": "legal duty to refer a presumed child victim to child protection (best interests of the child)",
    "not_recorded": "referral recorded before consent was asked",
}
STATUSES = ("received", "accepted", "declined")
ACTIVE = ("received", "accepted")  # the referral still opens the screening to the receiving organisation
MAX_NOTE = 2000



@dataclass(frozen=True)
class ReferralRequest:
    """One referral the worker asks for: to whom, and on which basis."""

    organisation: str  # short name, e.g. LSTRADA
    consent: bool = False  # the person agreed to share this screening with that organisation
    child_protection: bool = False  # a child referred to child protection (the law, not consent)


@dataclass(frozen=True)
class ReferralView:
    """What a worker sees of one referral: to whom, on which basis, and the answer."""

    reference: str
    screening_reference: str
    from_organisation: str
    to_organisation: str
    to_short_name: str
    basis: str
    basis_text: str
    status: str
    note: str
    created_at: datetime
    decided_at: datetime | None
    conclusion: str
    age_group: str


def _require(principal: Principal) -> None:
    """Referring, reading the inbox and deciding: the rules table's ``identification.referrals`` (roles);
    which organisation may act on which referral is decided below, on the referral itself."""
    require(principal, "identification.referrals")


def check_requests(session: Session, principal: Principal, age_group: str, requests: list[ReferralRequest], *,
                   lang: str = "en") -> list[tuple[Organisation, str]]:
    """Validate every requested referral at once; return (organisation, basis) pairs or raise listing all
    problems, in the worker's language."""
    words = translations(lang)
    _, ngettext = words.gettext, words.ngettext
    problems: list[Problem] = []
    out: list[tuple[Organisation, str]] = []
    seen: set[int] = set()
    for n, req in enumerate(requests, 1):
        field = f"referrals[{n}]"
        org = session.execute(select(Organisation).where(Organisation.short_name == req.organisation)).scalar_one_or_none()
        if org is None:
            problems.append(Problem(_("no such organisation; use its short name, e.g. LSTRADA"), field=field,
                                    value=req.organisation))
            continue
        if org.id == principal.organisation_id:
            problems.append(Problem(_("a screening cannot be referred to the organisation that made it"), field=field,
                                    value=req.organisation))
            continue
        if org.id in seen:
            problems.append(Problem(_("organisation named twice; refer once"), field=field, value=req.organisation))
            continue
        seen.add(org.id)
        if req.child_protection and age_group != "child":
            problems.append(Problem(_("a child protection referral is for a child; for an adult, record the person's "
                                      "consent to share the screening with {organisation}").format(organisation=org.name),
                                    field=field, value=req.organisation))
            continue
        if req.child_protection:
            out.append((org, "child_protection_law"))
        elif req.consent:
            out.append((org, "consent"))
        else:
            problems.append(Problem(_("record the person's consent to share this screening with {organisation} before "
                                      "referring; without consent do not refer (a child can be referred to child "
                                      "protection without it)").format(organisation=org.name),
                                    field=field, value=req.organisation))
    if problems:
        n = len(problems)
        raise ValidationError(ngettext("{n} problem with the referrals; nothing was stored",
                                       "{n} problems with the referrals; nothing was stored", n).format(n=n), problems)
    return out


def refer(session: Session, principal: Principal, screening: Screening, requests: list[ReferralRequest], *,
          lang: str = "en") -> list[Referral]:
    """Refer a saved screening of the principal's organisation; every referral audited with its legal basis."""
    _require(principal)
    if not principal.is_system and screening.organisation_id != principal.organisation_id:
        raise PermissionDenied(N_("only the organisation that made a screening may refer it"))
    targets = check_requests(session, principal, screening.age_group, requests, lang=lang)
    already = {r.organisation_id for r in session.execute(select(Referral).where(Referral.screening_id == screening.id)).scalars()}
    clash = [org.short_name for org, _ in targets if org.id in already]
    if clash:
        raise Conflict(N_("this screening was already referred to {clash}", clash=', '.join(clash)))
    rows = []
    for org, basis in targets:
        row = Referral(reference="ref-" + secrets.token_hex(6), screening_id=screening.id, organisation_id=org.id, basis=basis,
                       created_by=principal.username, status="received", note="")
        session.add(row)
        rows.append(row)
        screening.referred_to = sorted({*(screening.referred_to or []), org.id})
        session.flush()
        audit.record(session, principal, "identification.referral.create", "ident_referral", row.reference,
                     legal_basis=LEGAL_BASIS[basis],
                     details={"screening": screening.reference, "to": org.short_name, "basis": basis})
    return rows


def visible_to(session: Session, principal: Principal, screening: Screening) -> bool:
    """The screening organisation, and organisations with a referral still received or accepted."""
    if principal.is_system or screening.organisation_id == principal.organisation_id:
        return True
    return session.execute(select(Referral.id).where(
        Referral.screening_id == screening.id, Referral.organisation_id == principal.organisation_id,
        Referral.status.in_(ACTIVE))).first() is not None


def _views(session: Session, query: object) -> list[ReferralView]:
    orgs: dict[int, Organisation] = {}

    def org(oid: int) -> Organisation:
        if oid not in orgs:
            orgs[oid] = session.get(Organisation, oid)  # type: ignore[assignment]
        return orgs[oid]

    out = []
    for ref, scr in session.execute(query).all():  # type: ignore[call-overload]
        to = org(ref.organisation_id)
        out.append(ReferralView(ref.reference, scr.reference, org(scr.organisation_id).name, to.name, to.short_name,
                                ref.basis, BASES[ref.basis], ref.status, ref.note, ref.created_at, ref.decided_at,
                                scr.conclusion, scr.age_group))
    return out


def referrals_of(session: Session, principal: Principal, screening: Screening) -> list[ReferralView]:
    """The referrals of one screening: all of them for its organisation, its own for a receiving one."""
    q = (select(Referral, Screening).join(Screening, Referral.screening_id == Screening.id)
         .where(Referral.screening_id == screening.id).order_by(Referral.id))
    if not principal.is_system and screening.organisation_id != principal.organisation_id:
        q = q.where(Referral.organisation_id == principal.organisation_id)
    return _views(session, q)


def inbox(session: Session, principal: Principal, *, status: str | None = None) -> list[ReferralView]:
    """Screenings referred to the principal's organisation, newest first; the listing is audited."""
    _require(principal)
    if status is not None and status not in STATUSES:
        raise ValidationError(N_("status must be one of {statuses}", statuses=', '.join(STATUSES)), [Problem(N_("unknown status"),
                                                                                                             field="status", value=status)])
    q = (select(Referral, Screening).join(Screening, Referral.screening_id == Screening.id)
         .where(Referral.organisation_id == principal.organisation_id).order_by(Referral.created_at.desc(), Referral.id.desc()))
    if status:
        q = q.where(Referral.status == status)
    views = _views(session, q)
    audit.record(session, principal, "identification.referral.inbox", "organisation", principal.organisation_id,
                 legal_basis="assistance to presumed victims referred to the organisation",
                 details={"status": status, "referrals": [v.reference for v in views]})
    return views


def decide(session: Session, principal: Principal, reference: str, decision: str, note: str = "", *,
           lang: str = "en") -> ReferralView:
    """The receiving organisation accepts or declines a referral (a decline says why); final once taken.
    Problems with the decision are said in the worker's language."""
    _require(principal)
    words = translations(lang)
    _, ngettext = words.gettext, words.ngettext
    row = session.execute(select(Referral).where(Referral.reference == reference)).scalar_one_or_none()
    if row is None or (not principal.is_system and row.organisation_id != principal.organisation_id):
        raise NotFound(N_("no referral {reference!r} to your organisation", reference=reference))
    note = (note or "").strip()
    problems = []
    if decision not in ("accepted", "declined"):
        problems.append(Problem(_("decision must be accepted or declined"), field="decision", value=decision))
    if decision == "declined" and not note:
        problems.append(Problem(_("say why the referral is declined, so the referring worker can find another "
                                  "organisation"), field="note"))
    if len(note) > MAX_NOTE:
        problems.append(Problem(_("note longer than {n} characters").format(n=MAX_NOTE), field="note"))
    if problems:
        n = len(problems)
        raise ValidationError(ngettext("{n} problem; nothing was recorded", "{n} problems; nothing was recorded", n).format(n=n),
                              problems)
    if row.status != "received":
        raise Conflict(N_("referral {reference} was already {status}; a decision is final",
                          reference=reference, status=row.status))
    row.status, row.note, row.decided_at, row.decided_by = decision, note, utcnow(), principal.username
    session.flush()
    screening = session.get(Screening, row.screening_id)
    assert screening is not None  # foreign key
    audit.record(session, principal, "identification.referral.decide", "ident_referral", row.reference,
                 legal_basis=LEGAL_BASIS[row.basis],
                 details={"screening": screening.reference, "decision": decision, "note": note})
    return next(v for v in referrals_of(session, Principal.system(), screening) if v.reference == reference)

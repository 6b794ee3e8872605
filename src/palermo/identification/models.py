"""Saved screenings (pseudonymised: no name, a random reference) and NGO case summaries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from palermo.db.base import Base, utcnow
from palermo.db.types import UTCDateTime


class Screening(Base):
    __tablename__ = "ident_screening"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    referred_to: Mapped[list[int]] = mapped_column(JSON, default=list)  # kept in step with ident_referral, which decides
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    catalogue_version: Mapped[str] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(2))
    age_group: Mapped[str] = mapped_column(String(10))
    conclusion: Mapped[str] = mapped_column(String(40), index=True)
    case: Mapped[dict] = mapped_column(JSON)  # the validated case: indicators, evidence notes, journey facts; no name


class NgoCase(Base):
    """An anonymised case summary (HTCDS-aligned fields only) that counts into the statistics."""

    __tablename__ = "ident_ngo_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(3))  # where the person was identified
    gender: Mapped[str] = mapped_column(String(30))  # prs_Gender
    age_group: Mapped[str] = mapped_column(String(10))
    citizenship: Mapped[str | None] = mapped_column(String(3))
    exploitation: Mapped[str] = mapped_column(String(40))  # vic_TypeOfExploitation
    status: Mapped[str] = mapped_column(String(20))  # vic_TraffickingStatus: Possible / Actual
    screening_reference: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")


class Referral(Base):
    """A saved screening referred to another organisation, on a recorded basis, and what that organisation did.

    ``basis`` is ``consent`` (the person agreed to share the screening with that organisation),
    ``child_protection_law`` (a child referred to child protection, which the law requires without
    consent) or ``not_recorded`` (referrals made before consent was asked, migrated as they were).
    """

    __tablename__ = "ident_referral"
    __table_args__ = (UniqueConstraint("screening_id", "organisation_id", name="uq_ident_referral_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("ident_screening.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the receiving one
    basis: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="received", index=True)  # received | accepted | declined
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

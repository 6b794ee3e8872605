"""Tables of agreements, their parties, and follow-up requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from palermo.db.base import Base, utcnow
from palermo.db.types import UTCDateTime


class Agreement(Base):
    __tablename__ = "xchg_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    agreement_type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    handling_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    clauses: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # category -> article that allows it
    retention_days: Mapped[int | None] = mapped_column(Integer)
    document_ref: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="system")
    parties: Mapped[list[AgreementParty]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class AgreementParty(Base):
    """An organisation, or a state (then it covers that state's authorities)."""

    __tablename__ = "xchg_agreement_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("xchg_agreement.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    country: Mapped[str | None] = mapped_column(String(3))


OPEN = text("status = 'pending'")


class ExchangeRequest(Base):
    __tablename__ = "xchg_request"
    # one open request per hit and requesting organisation (each side of a hit may ask for the other's record)
    __table_args__ = (Index("uq_xchg_request_open_per_hit", "match_reference", "requester_org_id", unique=True,
                            sqlite_where=OPEN, postgresql_where=OPEN),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    justification: Mapped[str] = mapped_column(Text)
    case_reference: Mapped[str] = mapped_column(String(120))
    data_wanted: Mapped[str] = mapped_column(Text)
    match_reference: Mapped[str | None] = mapped_column(String(60))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("xchg_agreement.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending / approved / partly_approved / refused
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    released: Mapped[str] = mapped_column(Text, default="")
    handling_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    retention_until: Mapped[date | None] = mapped_column(Date)
    agreement: Mapped[Agreement] = relationship(lazy="joined")

"""Tables of the coordination registry."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from palermo.db.base import Base, utcnow
from palermo.db.types import UTCDateTime


class Tracked:
    """Every record shows when it was last updated and by whom; stale records are flagged."""

    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="system")


class Actor(Tracked, Base):
    """An organisation active in the field, on the platform (organisation_id) or not."""

    __tablename__ = "coord_actor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(250), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    identifiers: Mapped[list[str]] = mapped_column(JSON, default=list)  # IATI organisation refs and the like
    actor_type: Mapped[str] = mapped_column(String(40), default="other")
    country: Mapped[str | None] = mapped_column(String(3))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))


class Network(Tracked, Base):
    __tablename__ = "coord_network"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(250), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    members: Mapped[list[NetworkMember]] = relationship(cascade="all, delete-orphan")


class NetworkMember(Base):
    __tablename__ = "coord_network_member"
    __table_args__ = (UniqueConstraint("network_id", "actor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("coord_network.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("coord_actor.id"))
    presidency: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[Actor] = relationship()


class Initiative(Tracked, Base):
    """A project, programme or activity: who (participants), what (themes, target groups), where, when."""

    __tablename__ = "coord_initiative"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(120), unique=True)  # IATI identifier or a local reference
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # sub-national (adm1) names
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="active")
    update_every_days: Mapped[int] = mapped_column(Integer, default=180)
    # DAC sector codes as published (5-digit sectors, 3-digit categories), kept whether or not they map to a theme
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    reporting_org: Mapped[str | None] = mapped_column(String(250))  # who published the record (IATI reporting-org)
    reporting_org_ref: Mapped[str | None] = mapped_column(String(120))
    participants: Mapped[list[Participation]] = relationship(cascade="all, delete-orphan")
    results: Mapped[list[Result]] = relationship(cascade="all, delete-orphan", order_by="Result.id")
    budgets: Mapped[list[Budget]] = relationship(cascade="all, delete-orphan", order_by="Budget.period_start")
    transactions: Mapped[list[Transaction]] = relationship(cascade="all, delete-orphan", order_by="Transaction.transaction_date")


class Participation(Base):
    __tablename__ = "coord_participation"
    __table_args__ = (UniqueConstraint("initiative_id", "actor_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("coord_initiative.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("coord_actor.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # funding / accountable / extending / implementing
    actor: Mapped[Actor] = relationship()


class Result(Base):
    """One indicator of an initiative for one period, optionally for one sex and age group: baseline, target
    and actual (IATI result/indicator/period, or #targeted / #reached of a 4W row, in people)."""

    __tablename__ = "coord_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("coord_initiative.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(300))
    people: Mapped[bool] = mapped_column(Boolean, default=False)  # a count of people (targeted / reached)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(10), default="")  # "", female, male
    age: Mapped[str] = mapped_column(String(20), default="")  # "", children, adults, ...
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    origin: Mapped[str] = mapped_column(String(20), default="form")  # hxl / iati / form


class Budget(Base):
    """Money planned for a period (IATI budget): original or revised."""

    __tablename__ = "coord_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("coord_initiative.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    revised: Mapped[bool] = mapped_column(Boolean, default=False)


class Transaction(Base):
    """Money that moved (IATI transaction): incoming funds, commitments, disbursements, expenditure, with who
    gave and who received it and, when published, the activity each side reported it under."""

    __tablename__ = "coord_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("coord_initiative.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # see money.TRANSACTION_TYPES
    transaction_date: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    provider: Mapped[str] = mapped_column(String(250), default="")
    provider_ref: Mapped[str] = mapped_column(String(120), default="")
    provider_activity: Mapped[str] = mapped_column(String(120), default="")
    receiver: Mapped[str] = mapped_column(String(250), default="")
    receiver_ref: Mapped[str] = mapped_column(String(120), default="")
    receiver_activity: Mapped[str] = mapped_column(String(120), default="")


class LiaisonPosting(Tracked, Base):
    __tablename__ = "coord_liaison_posting"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_ref: Mapped[str] = mapped_column(String(80), unique=True)  # a reference, not a name
    sending_state: Mapped[str] = mapped_column(String(3))
    sending_actor_id: Mapped[int] = mapped_column(ForeignKey("coord_actor.id"))
    host_country: Mapped[str] = mapped_column(String(3), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    focus: Mapped[list[str]] = mapped_column(JSON, default=list)
    sending_actor: Mapped[Actor] = relationship()


class LiaisonReport(Tracked, Base):
    __tablename__ = "coord_liaison_report"

    id: Mapped[int] = mapped_column(primary_key=True)  # internal: readers see some reports only, so the id would count
    reference: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: "lrp-" + secrets.token_hex(6))
    posting_id: Mapped[int] = mapped_column(ForeignKey("coord_liaison_posting.id"), index=True)
    event_date: Mapped[date] = mapped_column(Date)
    event_place: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    sharing_level: Mapped[str] = mapped_column(String(20), default="network")
    posting: Mapped[LiaisonPosting] = relationship()


class Instrument(Base):
    __tablename__ = "coord_instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    adopted: Mapped[date | None] = mapped_column(Date)
    binding: Mapped[bool] = mapped_column(Boolean, default=True)


class InstrumentParty(Base):
    """A state's signature, ratification, accession or endorsement of an instrument."""

    __tablename__ = "coord_instrument_party"
    __table_args__ = (UniqueConstraint("instrument_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("coord_instrument.id"), index=True)
    country: Mapped[str] = mapped_column(String(3))
    signature: Mapped[date | None] = mapped_column(Date)
    consent: Mapped[date | None] = mapped_column(Date)  # ratification, accession, acceptance or endorsement
    consent_kind: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(300), default="")


class ActionPlan(Tracked, Base):
    __tablename__ = "coord_action_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), unique=True)
    country: Mapped[str | None] = mapped_column(String(3))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    commitments: Mapped[list[Commitment]] = relationship(cascade="all, delete-orphan")


class Commitment(Tracked, Base):
    __tablename__ = "coord_commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("coord_action_plan.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    responsible_actor_id: Mapped[int] = mapped_column(ForeignKey("coord_actor.id"))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / in_progress / done / dropped
    evidence: Mapped[str] = mapped_column(Text, default="")
    # what delivers it: initiative references and indicators ("stats:<source key>" or "<initiative ref>:<indicator>")
    initiatives: Mapped[list[str]] = mapped_column(JSON, default=list)
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible: Mapped[Actor] = relationship()


class Feed(Tracked, Base):
    """An HXL CSV or IATI XML published at a URL (HDX, an IATI registry), refreshed on a schedule."""

    __tablename__ = "coord_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    fmt: Mapped[str] = mapped_column(String(10))  # hxl / iati
    update_every_days: Mapped[int] = mapped_column(Integer, default=7)
    last_checked: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_loaded: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64), default="")
    initiatives: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")

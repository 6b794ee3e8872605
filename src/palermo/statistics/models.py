"""Tables of sources (with vintages) and observations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from palermo.db.base import Base, utcnow
from palermo.db.types import UTCDateTime


class Source(Base):
    """Who counts what, how: the metadata without which a number cannot be compared."""

    __tablename__ = "stat_source"
    __table_args__ = (UniqueConstraint("key", "vintage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    vintage: Mapped[str] = mapped_column(String(40), default="1")  # a re-publication with revisions
    name: Mapped[str] = mapped_column(String(300))
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    source_type: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(30))
    counting_unit: Mapped[str] = mapped_column(String(30))
    legal_definition: Mapped[str] = mapped_column(String(300))
    coverage: Mapped[str] = mapped_column(String(300), default="national")
    update_every_days: Mapped[int] = mapped_column(Integer, default=365)
    method: Mapped[str | None] = mapped_column(String(60))
    notes: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120), default="system")


class Observation(Base):
    __tablename__ = "stat_observation"
    __table_args__ = (UniqueConstraint("source_id", "indicator", "country", "period", "sex", "age_group", "citizenship",
                                       "exploitation", "crime_code", name="uq_stat_observation_cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("stat_source.id"))  # looked up through uq_stat_observation_cell
    indicator: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(3), index=True)
    period: Mapped[str] = mapped_column(String(10))
    sex: Mapped[str] = mapped_column(String(10), default="total")
    age_group: Mapped[str] = mapped_column(String(10), default="total")
    citizenship: Mapped[str] = mapped_column(String(10), default="total")
    exploitation: Mapped[str] = mapped_column(String(20), default="total")
    crime_code: Mapped[str] = mapped_column(String(8), default="0204")
    value: Mapped[float | None] = mapped_column(Float)  # None = unknown; 0 = known to be none
    lower: Mapped[float | None] = mapped_column(Float)  # censored values ("<5") are an interval
    upper: Mapped[float | None] = mapped_column(Float)
    unit_multiplier: Mapped[int] = mapped_column(Integer, default=0)  # value x 10^multiplier
    flags: Mapped[str] = mapped_column(String(200), default="")  # sorted, comma-separated
    mapping: Mapped[str] = mapped_column(String(300), default="")  # the source category it was mapped from
    source: Mapped[Source] = relationship(lazy="joined")

    @property
    def flag_set(self) -> frozenset[str]:
        return frozenset(f for f in self.flags.split(",") if f)

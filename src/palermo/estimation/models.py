"""Tables of the estimation domain: saved capture-history tables (uploads and hub overlaps)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from palermo.db.base import Base, utcnow
from palermo.db.types import UTCDateTime


class CaptureTable(Base):
    """A capture-history table kept for estimation: counts by combination of lists, no personal data.

    ``shared`` tables (e.g. overlaps computed at the hub for the agencies that took part) are visible
    to every organisation; others only inside the owning organisation.
    """

    __tablename__ = "estimation_table"

    id: Mapped[int] = mapped_column(primary_key=True)  # internal: it counts every organisation's tables
    # the table's name in URLs, the API, the CLI and the audit trail: random, so it counts nothing
    reference: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: "tbl-" + secrets.token_hex(6))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(3))
    period: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20))  # upload | hub | demo
    table_csv: Mapped[str] = mapped_column(Text)  # capture histories as CSV (lists..., count)
    notes: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

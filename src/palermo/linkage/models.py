"""Hub tables: uploaded encodings (never plaintext), match runs, hits, and the queries counted for quotas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from palermo.db.base import Base, utcnow
from palermo.db.types import UTCDateTime


class LinkUpload(Base):
    __tablename__ = "link_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    list_kind: Mapped[str] = mapped_column(String(20))  # suspects / victims
    purpose: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    records: Mapped[int] = mapped_column(Integer)
    encodings: Mapped[bytes] = mapped_column(LargeBinary)  # Parquet of filters and keyed block keys only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class LinkRun(Base):
    __tablename__ = "link_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("link_upload.id"), index=True)
    compared: Mapped[list[int]] = mapped_column(JSON, default=list)  # upload ids compared with
    refused: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)  # org -> policy reasons
    hits: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LinkHit(Base):
    """'Your record R may match a record held by agency X, score s': references only, for both sides."""

    __tablename__ = "link_hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_run.id"), index=True)
    upload_a_id: Mapped[int] = mapped_column(ForeignKey("link_upload.id"))
    record_a: Mapped[str] = mapped_column(String(120))
    org_a_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    upload_b_id: Mapped[int] = mapped_column(ForeignKey("link_upload.id"))
    record_b: Mapped[str] = mapped_column(String(120))
    org_b_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    agreement: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

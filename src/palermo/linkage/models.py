"""Hub tables: uploaded encodings (never plaintext), match runs, hits, reviews of hits, key epochs, purges.

An upload has a life: live, then superseded (a newer upload of the same list), withdrawn (by its
organisation) or expired (its retention ran out, or its key epoch was retired); its encodings are deleted
when it leaves ``live``, the row stays as the record of what was compared and notified.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from palermo.db.base import Base, utcnow
from palermo.db.types import UTCDateTime


class LinkUpload(Base):
    __tablename__ = "link_upload"

    id: Mapped[int] = mapped_column(primary_key=True)  # internal: it counts every agency's uploads
    # the upload's name to its organisation (faces, audit): random, so it says nothing of others' uploads
    reference: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: "upl-" + secrets.token_hex(6))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    list_kind: Mapped[str] = mapped_column(String(20))  # suspects / victims
    purpose: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    records: Mapped[int] = mapped_column(Integer)
    # Parquet of filters and keyed block keys only; NULL once the upload is no longer live (deleted).
    encodings: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="live", index=True)  # live/superseded/withdrawn/expired
    key_epoch: Mapped[int] = mapped_column(Integer, default=1)
    schema_digest: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str] = mapped_column(String(300), default="")


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
    upload_a_id: Mapped[int] = mapped_column(ForeignKey("link_upload.id"), index=True)
    record_a: Mapped[str] = mapped_column(String(120))
    org_a_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    upload_b_id: Mapped[int] = mapped_column(ForeignKey("link_upload.id"), index=True)
    record_b: Mapped[str] = mapped_column(String(120))
    org_b_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    agreement: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open/superseded/withdrawn/expired
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the pair's agreement level per field (-1 missing … 4), what reviewed verdicts learn from (no plaintext)
    levels: Mapped[dict[str, int] | None] = mapped_column(JSON)
    feedback: Mapped[float] = mapped_column(Float, default=0.0)  # log2 odds the reviewed-hit feedback added to score


class LinkHitReview(Base):
    """One party's verdict on a hit after its follow-up: confirmed, rejected (not the same person) or unsure.

    One row per hit and organisation; a new verdict replaces the old one (the audit trail keeps each).
    The note stays with the organisation that wrote it.
    """

    __tablename__ = "link_hit_review"
    __table_args__ = (UniqueConstraint("hit_id", "organisation_id", name="uq_link_hit_review_hit_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("link_hit.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(120))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LinkKeyEpoch(Base):
    """A generation of the agencies' shared secret for one kind of list.

    ``fingerprint`` is pinned by the first upload of the epoch; ``accepted_until`` is set when a newer
    epoch opens (the end of the transition window); NULL means accepted without end.
    """

    __tablename__ = "link_key_epoch"
    __table_args__ = (UniqueConstraint("list_kind", "epoch", name="uq_link_key_epoch_kind_epoch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_kind: Mapped[str] = mapped_column(String(20))
    epoch: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    accepted_until: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(120))


class LinkPurge(Base):
    """One run of the retention purge: the date it purged as of and what it deleted, per kind."""

    __tablename__ = "link_purge"

    id: Mapped[int] = mapped_column(primary_key=True)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ran_by: Mapped[str] = mapped_column(String(120))
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)

"""identification: referrals with the basis they were made on (consent, child protection law) and the answer

Existing referrals (``ident_screening.referred_to``) become referral rows with basis ``not_recorded``:
consent was not asked before this revision, and the record says so rather than inventing it.

Revision ID: 0008_identification_referrals
Revises: 0006_identification
Create Date: 2026-12-01
"""
import secrets

import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0008_identification_referrals"
down_revision = "0006_identification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    referral = op.create_table(
        "ident_referral",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("screening_id", sa.Integer(), sa.ForeignKey("ident_screening.id"), nullable=False, index=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("basis", sa.String(30), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(120), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("screening_id", "organisation_id", name="uq_ident_referral_target"),
    )
    screening = sa.table("ident_screening", sa.column("id", sa.Integer()), sa.column("referred_to", sa.JSON()),
                         sa.column("created_at", UTCDateTime()), sa.column("created_by", sa.String()))
    conn = op.get_bind()
    rows = []
    for sid, targets, at, by in conn.execute(sa.select(screening.c.id, screening.c.referred_to, screening.c.created_at,
                                                      screening.c.created_by)):
        for org in dict.fromkeys(targets or []):
            rows.append({"reference": "ref-" + secrets.token_hex(6), "screening_id": sid, "organisation_id": org,
                         "basis": "not_recorded", "created_at": at, "created_by": by, "status": "received", "note": ""})
    if rows:
        op.bulk_insert(referral, rows)


def downgrade() -> None:
    op.drop_table("ident_referral")

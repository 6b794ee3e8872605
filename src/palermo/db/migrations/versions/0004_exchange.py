"""exchange: agreements, parties, follow-up requests

Revision ID: 0004_exchange
Revises: 0001_core
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0004_exchange"
down_revision = "0001_core"
branch_labels = ("exchange",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xchg_agreement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(80), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("agreement_type", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_to", sa.Date()),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("handling_codes", sa.JSON(), nullable=False),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("retention_days", sa.Integer()),
        sa.Column("document_ref", sa.String(300), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
    )
    op.create_table(
        "xchg_agreement_party",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("xchg_agreement.id"), nullable=False, index=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id")),
        sa.Column("country", sa.String(3)),
    )
    op.create_table(
        "xchg_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("requester_org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("owner_org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("case_reference", sa.String(120), nullable=False),
        sa.Column("data_wanted", sa.Text(), nullable=False),
        sa.Column("match_reference", sa.String(60)),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("xchg_agreement.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("decided_by", sa.String(120)),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("released", sa.Text(), nullable=False),
        sa.Column("handling_codes", sa.JSON(), nullable=False),
        sa.Column("retention_until", sa.Date()),
    )


def downgrade() -> None:
    for t in ("xchg_request", "xchg_agreement_party", "xchg_agreement"):
        op.drop_table(t)

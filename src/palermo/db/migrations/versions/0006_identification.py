"""identification: saved screenings, NGO case summaries

Revision ID: 0006_identification
Revises: 0001_core
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0006_identification"
down_revision = "0001_core"
branch_labels = ("identification",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ident_screening",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("referred_to", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("catalogue_version", sa.String(20), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("age_group", sa.String(10), nullable=False),
        sa.Column("conclusion", sa.String(40), nullable=False, index=True),
        sa.Column("case", sa.JSON(), nullable=False),
    )
    op.create_table(
        "ident_ngo_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("gender", sa.String(30), nullable=False),
        sa.Column("age_group", sa.String(10), nullable=False),
        sa.Column("citizenship", sa.String(3)),
        sa.Column("exploitation", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("screening_reference", sa.String(40)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ident_ngo_case")
    op.drop_table("ident_screening")

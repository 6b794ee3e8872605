"""estimation: saved capture-history tables

Revision ID: 0007_estimation
Revises: 0001_core
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0007_estimation"
down_revision = "0001_core"
branch_labels = ("estimation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "estimation_table",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(3)),
        sa.Column("period", sa.String(20)),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("table_csv", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("estimation_table")

"""statistics: sources with vintages, observations

Revision ID: 0002_statistics
Revises: 0001_core
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0002_statistics"
down_revision = "0001_core"
branch_labels = ("statistics",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stat_source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, index=True),
        sa.Column("vintage", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), sa.ForeignKey("organisation.id")),
        sa.Column("source_type", sa.String(40), nullable=False),
        sa.Column("stage", sa.String(30), nullable=False),
        sa.Column("counting_unit", sa.String(30), nullable=False),
        sa.Column("legal_definition", sa.String(300), nullable=False),
        sa.Column("coverage", sa.String(300), nullable=False),
        sa.Column("update_every_days", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(60)),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.UniqueConstraint("key", "vintage"),
    )
    op.create_table(
        "stat_observation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("stat_source.id"), nullable=False, index=True),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("country", sa.String(3), nullable=False, index=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("age_group", sa.String(10), nullable=False),
        sa.Column("citizenship", sa.String(10), nullable=False),
        sa.Column("exploitation", sa.String(20), nullable=False),
        sa.Column("crime_code", sa.String(8), nullable=False),
        sa.Column("value", sa.Float()),
        sa.Column("lower", sa.Float()),
        sa.Column("upper", sa.Float()),
        sa.Column("unit_multiplier", sa.Integer(), nullable=False),
        sa.Column("flags", sa.String(200), nullable=False),
        sa.Column("mapping", sa.String(300), nullable=False),
        sa.UniqueConstraint("source_id", "indicator", "country", "period", "sex", "age_group", "citizenship",
                            "exploitation", "crime_code", name="uq_stat_observation_cell"),
    )


def downgrade() -> None:
    op.drop_table("stat_observation")
    op.drop_table("stat_source")

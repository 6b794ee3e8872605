"""coordination: DAC sectors and reporting organisation, results (targets and actuals), budgets,
transactions, commitments tied to initiatives and indicators, feeds refreshed by URL

Revision ID: 0010_coordination_results
Revises: 0005_coordination
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0010_coordination_results"
down_revision = "0005_coordination"
branch_labels = None
depends_on = None


def _initiative() -> sa.Column:
    return sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("coord_initiative.id"), nullable=False, index=True)


def upgrade() -> None:
    with op.batch_alter_table("coord_initiative") as t:
        t.add_column(sa.Column("sectors", sa.JSON(), nullable=False, server_default="[]"))
        t.add_column(sa.Column("reporting_org", sa.String(250)))
        t.add_column(sa.Column("reporting_org_ref", sa.String(120)))
    with op.batch_alter_table("coord_commitment") as t:
        t.add_column(sa.Column("initiatives", sa.JSON(), nullable=False, server_default="[]"))
        t.add_column(sa.Column("indicators", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "coord_result",
        sa.Column("id", sa.Integer(), primary_key=True), _initiative(),
        sa.Column("indicator", sa.String(300), nullable=False),
        sa.Column("people", sa.Boolean(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("age", sa.String(20), nullable=False),
        sa.Column("baseline", sa.Float()), sa.Column("target", sa.Float()), sa.Column("actual", sa.Float()),
        sa.Column("origin", sa.String(20), nullable=False),
    )
    op.create_table(
        "coord_budget",
        sa.Column("id", sa.Integer(), primary_key=True), _initiative(),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("revised", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "coord_transaction",
        sa.Column("id", sa.Integer(), primary_key=True), _initiative(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("transaction_date", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        *[sa.Column(f"{side}{part}", sa.String(250 if part == "" else 120), nullable=False)
          for side in ("provider", "receiver") for part in ("", "_ref", "_activity")],
    )
    op.create_table(
        "coord_feed",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(1000), nullable=False, unique=True),
        sa.Column("fmt", sa.String(10), nullable=False),
        sa.Column("update_every_days", sa.Integer(), nullable=False),
        sa.Column("last_checked", UTCDateTime()), sa.Column("last_loaded", UTCDateTime()),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("initiatives", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False), sa.Column("updated_by", sa.String(120), nullable=False),
    )


def downgrade() -> None:
    for name in ("coord_feed", "coord_transaction", "coord_budget", "coord_result"):
        op.drop_table(name)
    with op.batch_alter_table("coord_commitment") as t:
        t.drop_column("indicators")
        t.drop_column("initiatives")
    with op.batch_alter_table("coord_initiative") as t:
        for c in ("reporting_org_ref", "reporting_org", "sectors"):
            t.drop_column(c)

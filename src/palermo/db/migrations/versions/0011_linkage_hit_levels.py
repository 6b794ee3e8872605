"""linkage: each hit keeps its pair's agreement level per field and the log-odds its reviewed-hit
feedback added, so reviewed verdicts can refine the weights without plaintext

Revision ID: 0011_linkage_hit_levels
Revises: 0008_linkage_lifecycle
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_linkage_hit_levels"
down_revision = "0008_linkage_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_hit") as b:
        b.add_column(sa.Column("levels", sa.JSON()))
        b.add_column(sa.Column("feedback", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("link_hit") as b:
        b.drop_column("feedback")
        b.drop_column("levels")

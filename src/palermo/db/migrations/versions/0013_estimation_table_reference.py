"""estimation: every capture-history table gets a random reference (``tbl-…``), the name readers see

The row id counted every organisation's tables: the gap between two of one's own (or two shared ones)
told how many tables the others saved in between. Existing tables get a reference each.

Revision ID: 0013_estimation_table_reference
Revises: 0007_estimation
Create Date: 2026-12-01
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0013_estimation_table_reference"
down_revision = "0007_estimation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("estimation_table") as b:
        b.add_column(sa.Column("reference", sa.String(40), nullable=True))
    table = sa.table("estimation_table", sa.column("id", sa.Integer()), sa.column("reference", sa.String(40)))
    bind = op.get_bind()
    for (table_id,) in bind.execute(sa.select(table.c.id)).all():
        bind.execute(table.update().where(table.c.id == table_id).values(reference="tbl-" + secrets.token_hex(6)))
    with op.batch_alter_table("estimation_table") as b:
        b.alter_column("reference", existing_type=sa.String(40), nullable=False)
        b.create_unique_constraint("uq_estimation_table_reference", ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("estimation_table") as b:
        b.drop_constraint("uq_estimation_table_reference", type_="unique")
        b.drop_column("reference")

"""core: each audit entry's number among its organisation's entries (``org_seq``)

A reader who may read only its own organisation's entries is shown this number instead of the chain's
global ``seq``, whose gaps would count the other agencies' activity. Existing entries are numbered in
chain order, per organisation (entries without an organisation form one sequence of their own).

Revision ID: 0013_core_audit_org_seq
Revises: 0012_core_oidc
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_core_audit_org_seq"
down_revision = "0012_core_oidc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("org_seq", sa.Integer(), nullable=True))
    entry = sa.table("audit_entry", sa.column("id", sa.Integer()), sa.column("seq", sa.Integer()),
                     sa.column("organisation_id", sa.Integer()), sa.column("org_seq", sa.Integer()))
    numbered = (sa.select(entry.c.id, sa.func.row_number().over(partition_by=entry.c.organisation_id,
                                                                order_by=entry.c.seq).label("n"))
                .subquery())
    op.execute(entry.update().values(org_seq=sa.select(numbered.c.n).where(numbered.c.id == entry.c.id)
                                     .scalar_subquery()))
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("org_seq", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_audit_entry_organisation_id_org_seq", ["organisation_id", "org_seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_constraint("uq_audit_entry_organisation_id_org_seq", type_="unique")
        batch.drop_column("org_seq")

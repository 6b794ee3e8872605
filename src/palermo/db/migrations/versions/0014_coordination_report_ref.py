"""coordination: every liaison report gets a random reference (``lrp-…``), the name its readers see

Reports are shared at three levels (the network, the sending state, the sending agency only), so a reader
does not see every report: the gap between two row ids it sees counted the restricted reports of other
agencies filed in between. Existing reports get a reference each; the id stays internal.

Revision ID: 0014_coordination_report_ref
Revises: 0010_coordination_results
Create Date: 2026-12-01
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0014_coordination_report_ref"
down_revision = "0010_coordination_results"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coord_liaison_report") as b:
        b.add_column(sa.Column("reference", sa.String(40), nullable=True))
    report = sa.table("coord_liaison_report", sa.column("id", sa.Integer()), sa.column("reference", sa.String(40)))
    bind = op.get_bind()
    for (report_id,) in bind.execute(sa.select(report.c.id)).all():
        bind.execute(report.update().where(report.c.id == report_id).values(reference="lrp-" + secrets.token_hex(6)))
    with op.batch_alter_table("coord_liaison_report") as b:
        b.alter_column("reference", existing_type=sa.String(40), nullable=False)
        b.create_unique_constraint("uq_coord_liaison_report_reference", ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("coord_liaison_report") as b:
        b.drop_constraint("uq_coord_liaison_report_reference", type_="unique")
        b.drop_column("reference")

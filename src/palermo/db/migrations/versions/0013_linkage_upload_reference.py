"""linkage: every upload gets a random reference (``upl-…``), the name its organisation sees

The row id counted every agency's uploads: the gap between two of one's own told how many lists the others
uploaded in between. Existing uploads get a reference each; the id stays internal.

Revision ID: 0013_linkage_upload_reference
Revises: 0011_linkage_hit_levels
Create Date: 2026-12-01
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0013_linkage_upload_reference"
down_revision = "0011_linkage_hit_levels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_upload") as b:
        b.add_column(sa.Column("reference", sa.String(40), nullable=True))
    upload = sa.table("link_upload", sa.column("id", sa.Integer()), sa.column("reference", sa.String(40)))
    bind = op.get_bind()
    for (upload_id,) in bind.execute(sa.select(upload.c.id)).all():
        bind.execute(upload.update().where(upload.c.id == upload_id).values(reference="upl-" + secrets.token_hex(6)))
    with op.batch_alter_table("link_upload") as b:
        b.alter_column("reference", existing_type=sa.String(40), nullable=False)
        b.create_unique_constraint("uq_link_upload_reference", ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("link_upload") as b:
        b.drop_constraint("uq_link_upload_reference", type_="unique")
        b.drop_column("reference")

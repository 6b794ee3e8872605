"""core: every API token gets a random reference (``tok-…``), the name its organisation sees

The row id counted every agency's tokens: the gap between two of one's own told an admin how many tokens
the other agencies issued in between. Existing tokens get a reference each; the id stays internal.

Revision ID: 0014_core_token_reference
Revises: 0013_core_audit_org_seq
Create Date: 2026-12-01
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0014_core_token_reference"
down_revision = "0013_core_audit_org_seq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as b:
        b.add_column(sa.Column("reference", sa.String(40), nullable=True))
    token = sa.table("api_token", sa.column("id", sa.Integer()), sa.column("reference", sa.String(40)))
    bind = op.get_bind()
    for (token_id,) in bind.execute(sa.select(token.c.id)).all():
        bind.execute(token.update().where(token.c.id == token_id).values(reference="tok-" + secrets.token_hex(6)))
    with op.batch_alter_table("api_token") as b:
        b.alter_column("reference", existing_type=sa.String(40), nullable=False)
        b.create_unique_constraint("uq_api_token_reference", ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("api_token") as b:
        b.drop_constraint("uq_api_token_reference", type_="unique")
        b.drop_column("reference")

"""core: session version per user, login failures and lock-outs shared by every server process

Revision ID: 0008_core_sessions_throttle
Revises: 0001_core
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0008_core_sessions_throttle"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every web session carries the version it was opened under; bumping it ends them all at once.
    op.add_column("user_account", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        # Keyed digests: a username field often receives a mistyped password, which must not be kept.
        sa.Column("account", sa.String(64), nullable=False, index=True),
        sa.Column("client", sa.String(64), nullable=False, index=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), index=True),
        sa.Column("at", UTCDateTime(), nullable=False, index=True),
    )
    op.create_table(
        "login_lockout",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), index=True),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_lockout")
    op.drop_table("login_failure")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_version")

"""core: TOTP second factor and single-use recovery codes

Revision ID: 0011_core_mfa
Revises: 0008_core_sessions_throttle
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0011_core_mfa"
down_revision = "0008_core_sessions_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mfa_totp",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False, unique=True),
        # Encrypted with a key derived from the deployment's secret key: a copy of the database alone
        # does not give anyone the codes.
        sa.Column("secret", sa.String(300), nullable=False),
        sa.Column("confirmed_at", UTCDateTime()),
        sa.Column("last_step", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "mfa_recovery_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False, index=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("used_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mfa_recovery_code")
    op.drop_table("mfa_totp")

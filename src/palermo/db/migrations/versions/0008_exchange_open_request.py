"""exchange: at most one open (pending) request per hit and requesting organisation

Revision ID: 0008_exchange_open_request
Revises: 0004_exchange
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_exchange_open_request"
down_revision = "0004_exchange"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index("uq_xchg_request_open_per_hit", "xchg_request", ["match_reference", "requester_org_id"],
                    unique=True, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index("uq_xchg_request_open_per_hit", table_name="xchg_request")

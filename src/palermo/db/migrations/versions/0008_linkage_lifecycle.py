"""linkage lifecycle: upload status, expiry and key epoch; hit status; hit reviews; key epochs; purges

Revision ID: 0008_linkage_lifecycle
Revises: 0003_linkage
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0008_linkage_lifecycle"
down_revision = "0003_linkage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_upload") as b:
        b.alter_column("encodings", existing_type=sa.LargeBinary(), nullable=True)
        b.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="live"))
        b.add_column(sa.Column("key_epoch", sa.Integer(), nullable=False, server_default="1"))
        b.add_column(sa.Column("schema_digest", sa.String(64)))
        b.add_column(sa.Column("expires_at", UTCDateTime()))
        b.add_column(sa.Column("ended_at", UTCDateTime()))
        b.add_column(sa.Column("ended_reason", sa.String(300), nullable=False, server_default=""))
        b.create_index("ix_link_upload_status", ["status"])
        b.create_index("ix_link_upload_expires_at", ["expires_at"])
    with op.batch_alter_table("link_hit") as b:
        b.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="open"))
        b.add_column(sa.Column("ended_at", UTCDateTime()))
        b.create_index("ix_link_hit_status", ["status"])
        b.create_index("ix_link_hit_upload_a_id", ["upload_a_id"])
        b.create_index("ix_link_hit_upload_b_id", ["upload_b_id"])
    op.create_table(
        "link_hit_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hit_id", sa.Integer(), sa.ForeignKey("link_hit.id"), nullable=False, index=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(120), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("hit_id", "organisation_id", name="uq_link_hit_review_hit_org"),
    )
    op.create_table(
        "link_key_epoch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("list_kind", sa.String(20), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("accepted_until", sa.Date()),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("opened_by", sa.String(120), nullable=False),
        sa.UniqueConstraint("list_kind", "epoch", name="uq_link_key_epoch_kind_epoch"),
    )
    op.create_table(
        "link_purge",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("on_date", sa.Date(), nullable=False, index=True),
        sa.Column("ran_at", UTCDateTime(), nullable=False),
        sa.Column("ran_by", sa.String(120), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("link_purge")
    op.drop_table("link_key_epoch")
    op.drop_table("link_hit_review")
    with op.batch_alter_table("link_hit") as b:
        for ix in ("ix_link_hit_upload_b_id", "ix_link_hit_upload_a_id", "ix_link_hit_status"):
            b.drop_index(ix)
        for col in ("ended_at", "status"):
            b.drop_column(col)
    with op.batch_alter_table("link_upload") as b:
        b.drop_index("ix_link_upload_expires_at")
        b.drop_index("ix_link_upload_status")
        for col in ("ended_reason", "ended_at", "expires_at", "schema_digest", "key_epoch", "status"):
            b.drop_column(col)
        b.alter_column("encodings", existing_type=sa.LargeBinary(), nullable=False)

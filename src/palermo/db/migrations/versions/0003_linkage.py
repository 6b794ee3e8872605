"""linkage hub: uploads of encodings, match runs, hits

Revision ID: 0003_linkage
Revises: 0001_core
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0003_linkage"
down_revision = "0001_core"
branch_labels = ("linkage",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("list_kind", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("encodings", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
    )
    op.create_table(
        "link_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("link_upload.id"), nullable=False, index=True),
        sa.Column("compared", sa.JSON(), nullable=False),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
    )
    op.create_table(
        "link_hit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("link_run.id"), nullable=False, index=True),
        sa.Column("upload_a_id", sa.Integer(), sa.ForeignKey("link_upload.id"), nullable=False),
        sa.Column("record_a", sa.String(120), nullable=False),
        sa.Column("org_a_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("upload_b_id", sa.Integer(), sa.ForeignKey("link_upload.id"), nullable=False),
        sa.Column("record_b", sa.String(120), nullable=False),
        sa.Column("org_b_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("agreement", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for t in ("link_hit", "link_run", "link_upload"):
        op.drop_table(t)

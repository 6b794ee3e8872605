"""coordination: actors, networks, initiatives, liaison officers, instruments, action plans

Revision ID: 0005_coordination
Revises: 0001_core
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from palermo.db.types import UTCDateTime

revision = "0005_coordination"
down_revision = "0001_core"
branch_labels = ("coordination",)
depends_on = None


def _tracked() -> list[sa.Column]:
    return [sa.Column("updated_at", UTCDateTime(), nullable=False), sa.Column("updated_by", sa.String(120), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "coord_actor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(250), nullable=False, unique=True),
        sa.Column("acronym", sa.String(40)),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("actor_type", sa.String(40), nullable=False),
        sa.Column("country", sa.String(3)),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id")),
        *_tracked(),
    )
    op.create_table(
        "coord_network",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(250), nullable=False, unique=True),
        sa.Column("acronym", sa.String(40)),
        sa.Column("description", sa.Text(), nullable=False),
        *_tracked(),
    )
    op.create_table(
        "coord_network_member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("network_id", sa.Integer(), sa.ForeignKey("coord_network.id"), nullable=False, index=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("coord_actor.id"), nullable=False),
        sa.Column("presidency", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("network_id", "actor_id"),
    )
    op.create_table(
        "coord_initiative",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(120), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("start", sa.Date()),
        sa.Column("end", sa.Date()),
        sa.Column("budget", sa.Float()),
        sa.Column("currency", sa.String(3)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("update_every_days", sa.Integer(), nullable=False),
        *_tracked(),
    )
    op.create_table(
        "coord_participation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("coord_initiative.id"), nullable=False, index=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("coord_actor.id"), nullable=False, index=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.UniqueConstraint("initiative_id", "actor_id", "role"),
    )
    op.create_table(
        "coord_liaison_posting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("officer_ref", sa.String(80), nullable=False, unique=True),
        sa.Column("sending_state", sa.String(3), nullable=False),
        sa.Column("sending_actor_id", sa.Integer(), sa.ForeignKey("coord_actor.id"), nullable=False),
        sa.Column("host_country", sa.String(3), nullable=False, index=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date()),
        sa.Column("focus", sa.JSON(), nullable=False),
        *_tracked(),
    )
    op.create_table(
        "coord_liaison_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("posting_id", sa.Integer(), sa.ForeignKey("coord_liaison_posting.id"), nullable=False, index=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("event_place", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("sharing_level", sa.String(20), nullable=False),
        *_tracked(),
    )
    op.create_table(
        "coord_instrument",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("adopted", sa.Date()),
        sa.Column("binding", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "coord_instrument_party",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instrument_id", sa.Integer(), sa.ForeignKey("coord_instrument.id"), nullable=False, index=True),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("signature", sa.Date()),
        sa.Column("consent", sa.Date()),
        sa.Column("consent_kind", sa.String(20)),
        sa.Column("source", sa.String(300), nullable=False),
        sa.UniqueConstraint("instrument_id", "country"),
    )
    op.create_table(
        "coord_action_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False, unique=True),
        sa.Column("country", sa.String(3)),
        sa.Column("period_start", sa.Date()),
        sa.Column("period_end", sa.Date()),
        *_tracked(),
    )
    op.create_table(
        "coord_commitment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("coord_action_plan.id"), nullable=False, index=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responsible_actor_id", sa.Integer(), sa.ForeignKey("coord_actor.id"), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        *_tracked(),
    )


def downgrade() -> None:
    for t in ("coord_commitment", "coord_action_plan", "coord_instrument_party", "coord_instrument",
              "coord_liaison_report", "coord_liaison_posting", "coord_participation", "coord_initiative",
              "coord_network_member", "coord_network", "coord_actor"):
        op.drop_table(t)

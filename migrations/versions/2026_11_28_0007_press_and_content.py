"""Press contacts, the outreach log and marketing content (phase 4).

Revision ID: 20261128_07
Revises: 20261128_06
Create Date: 2026-11-28 00:50:00.784619
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sykkelturen.db import UTCDateTime

revision: str = "20261128_07"
down_revision: str | None = "20261128_06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "press_contact",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=2), nullable=False),
        sa.Column("outlet", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["county"], ["county.number"], name=op.f("fk_press_contact_county_county")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_press_contact")),
    )
    with op.batch_alter_table("press_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_press_contact_county"), ["county"], unique=False)

    op.create_table(
        "content_item",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("caption", sa.String(length=2000), nullable=True),
        sa.Column("credit", sa.String(length=200), nullable=True),
        sa.Column("consent_confirmed", sa.Boolean(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("published_where", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_content_item_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_item")),
    )
    with op.batch_alter_table("content_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_item_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "outreach",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("press_contact_id", sa.Integer(), nullable=True),
        sa.Column("contacted_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("offered", sa.String(length=2000), nullable=True),
        sa.Column("outcome", sa.String(length=2000), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["press_contact_id"],
            ["press_contact.id"],
            name=op.f("fk_outreach_press_contact_id_press_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stage.id"], name=op.f("fk_outreach_stage_id_stage"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach")),
    )
    with op.batch_alter_table("outreach", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outreach_stage_id"), ["stage_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outreach", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_stage_id"))

    op.drop_table("outreach")
    with op.batch_alter_table("content_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_item_stage_id"))

    op.drop_table("content_item")
    with op.batch_alter_table("press_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_press_contact_county"))

    op.drop_table("press_contact")

"""Calendar subscriptions (secret feed URLs), and each route version's own segments and
point times, so the GPX export keeps them.

Versions stored before this keep null in both: exported as one segment without times.

Revision ID: 20261202_08
Revises: 20261128_07
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sykkelturen.db import UTCDateTime

revision: str = "20261202_08"
down_revision: str | None = "20261128_07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("route_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("point_times", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("segment_starts", JSON, nullable=True))

    op.create_table(
        "calendar_subscription",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (stage_id IS NULL)",
            name=op.f("ck_calendar_subscription_person_or_stage"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_calendar_subscription_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_calendar_subscription_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_subscription")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_subscription_secret_hash")),
    )
    with op.batch_alter_table("calendar_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_subscription_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_subscription_stage_id"), ["stage_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_subscription_stage_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_subscription_person_id"))
    op.drop_table("calendar_subscription")
    with op.batch_alter_table("route_version", schema=None) as batch_op:
        batch_op.drop_column("segment_starts")
        batch_op.drop_column("point_times")

"""Routes and checkpoints: GPX route versions of a stage (original kept, stats, full and
simplified geometry, status draft → reported → final) and checkpoints snapped to the route.

Revision ID: 20261127_02
Revises: 20261127_01
Create Date: 2026-11-27 23:10:49.444264
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sykkelturen.db import UTCDateTime

revision: str = "20261127_02"
down_revision: str | None = "20261127_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "checkpoint",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("km", sa.Float(), nullable=True),
        sa.Column("offset_m", sa.Float(), nullable=True),
        sa.Column("dwell_minutes", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.String(length=5000), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_checkpoint_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoint")),
    )
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoint_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "route_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_gz", sa.LargeBinary(), nullable=False),
        sa.Column("original_size", sa.Integer(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("original_media_type", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("finalized_at", UTCDateTime(), nullable=True),
        sa.Column("finalized_by", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("stats", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.Column("map_line", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_route_version_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_version")),
        sa.UniqueConstraint("stage_id", "number", name=op.f("uq_route_version_stage_id_number")),
    )
    with op.batch_alter_table("route_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_version_stage_id"), ["stage_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("route_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_route_version_stage_id"))

    op.drop_table("route_version")
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoint_stage_id"))

    op.drop_table("checkpoint")

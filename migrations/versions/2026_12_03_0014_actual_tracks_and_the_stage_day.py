"""The track actually ridden on a stage, and the stage's day in short on the stage itself.

`actual_track`: one per stage (a replacement updates it, compare-and-set by `version`);
only the line is kept (lat, lon, ele, time as float64 rows), never the uploaded file, so
what else a bike computer records (heart rate: health data) is not stored.

`stage.log_entries` / `last_log_entry_id` / `ridden_m` / `day_changed_at`: what the stage's body shows of its
day-of log and actual track, kept by the log and the track in their own transactions, so
the stage's ETag (a digest of its body) changes with each entry. Existing logs are counted.

Revision ID: 20261203_live_tracks
Revises: 20261202_17
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sykkelturen.db import UTCDateTime

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "20261203_live_tracks"
down_revision: str | None = "20261202_17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actual_track",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("stats", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.Column("segment_starts", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_actual_track_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actual_track")),
        sa.UniqueConstraint("stage_id", name=op.f("uq_actual_track_stage_id")),
        sqlite_autoincrement=True,
    )
    # Plain ADD COLUMN on both databases (no table copy of `stage` on SQLite).
    op.add_column(
        "stage", sa.Column("log_entries", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("stage", sa.Column("last_log_entry_id", sa.Integer(), nullable=True))
    op.add_column("stage", sa.Column("ridden_m", sa.Float(), nullable=True))
    op.add_column("stage", sa.Column("day_changed_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE stage SET "
        "log_entries = (SELECT count(*) FROM stage_log_entry e WHERE e.stage_id = stage.id), "
        "last_log_entry_id = (SELECT max(e.id) FROM stage_log_entry e WHERE e.stage_id = stage.id), "
        "day_changed_at = (SELECT max(e.received_at) FROM stage_log_entry e "
        "WHERE e.stage_id = stage.id)"
    )


def downgrade() -> None:
    # SQLite ≥ 3.35 drops a plain column in place: no table copy of `stage` (whose copy
    # would cascade through every table referring to it).
    for column in ("day_changed_at", "ridden_m", "last_log_entry_id", "log_entries"):
        op.drop_column("stage", column)
    op.drop_table("actual_track")

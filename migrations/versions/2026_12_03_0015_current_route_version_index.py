"""An index holding every column the run sheet reads of a stage's current route version.

Every build of a run sheet reads, for every stage of the tour, its current route version's
key (id, number, status, sha256, upload, report and final times: `runsheet.gather`). On
SQLite a row keeps its columns in order, and those times come after the original file
(`original_gz`, hundreds of kilobytes): reading them from the row walks the file's whole
chain of overflow pages, in every row, on every build (300 routes of 600 KB: 37 ms a read
instead of 1.7). This index holds them all (with the rowid, the id), so the read never
touches a row. A plain CREATE INDEX on both databases: no table copy on SQLite.

Revision ID: 20261203_route_current
Revises: 20261203_live_tracks
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261203_route_current"
down_revision: str | None = "20261203_live_tracks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["stage_id", "number", "status", "sha256", "uploaded_at", "reported_at", "finalized_at"]


def upgrade() -> None:
    op.create_index("ix_route_version_current", "route_version", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_route_version_current", table_name="route_version")

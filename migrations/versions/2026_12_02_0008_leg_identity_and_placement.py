"""Legs named by their bounding checkpoints; places kept as given; invariants as constraints.

- checkpoint.other_passes: where else the route passes near the checkpoint's lat/lon.
- A measure or activity at a checkpoint keeps only the reference: its km (and lat/lon) is
  the checkpoint's, read when shown; the copies made when it was placed are cleared.

Revision ID: 20261202_12b
Revises: 20261128_07
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261202_12b"
down_revision: str | None = "20261128_07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "checkpoint",
        sa.Column("other_passes", JSON, nullable=False, server_default=sa.text("'[]'")),
    )
    op.execute(
        "UPDATE measure SET km = NULL, lat = NULL, lon = NULL WHERE checkpoint_id IS NOT NULL"
    )
    op.execute("UPDATE activity SET km = NULL WHERE checkpoint_id IS NOT NULL")


def downgrade() -> None:
    for column in ("km", "lat", "lon"):
        op.execute(
            f"UPDATE measure SET {column} = (SELECT {column} FROM checkpoint "  # noqa: S608
            "WHERE checkpoint.id = measure.checkpoint_id) WHERE checkpoint_id IS NOT NULL"
        )
    op.execute(
        "UPDATE activity SET km = (SELECT km FROM checkpoint "
        "WHERE checkpoint.id = activity.checkpoint_id) WHERE checkpoint_id IS NOT NULL"
    )
    with op.batch_alter_table("checkpoint") as batch_op:
        batch_op.drop_column("other_passes")

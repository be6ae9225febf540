"""Partners (samskaping) of a county; a measure may name a partner as responsible.

Revision ID: 20261127_05
Revises: 20261127_04
Create Date: 2026-11-28 00:32:29.426794
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sykkelturen.db import UTCDateTime

revision: str = "20261127_05"
down_revision: str | None = "20261127_04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("contact_person_id", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contributes", sa.String(length=2000), nullable=True),
        sa.Column("notes", sa.String(length=5000), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_person_id"],
            ["person.id"],
            name=op.f("fk_partner_contact_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["county"], ["county.number"], name=op.f("fk_partner_county_county")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
    )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_county"), ["county"], unique=False)

    # A plain column, no database reference: SQLite cannot add a foreign key to an existing
    # table without copying it (which `migrate --sql` cannot do), so the partner service
    # clears the column when a partner is deleted.
    op.add_column("measure", sa.Column("responsible_partner_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_column("responsible_partner_id")

    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_county"))

    op.drop_table("partner")

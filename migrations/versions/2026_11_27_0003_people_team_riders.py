"""People (personal data), stage teams and riders; audit entries name the person they concern
(for export and erasure).

Revision ID: 20261127_03
Revises: 20261127_02
Create Date: 2026-11-27 23:42:27.896203
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sykkelturen.db import UTCDateTime

revision: str = "20261127_03"
down_revision: str | None = "20261127_02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("pilot_trained", sa.Boolean(), nullable=False),
        sa.Column("pilot_trained_on", sa.Date(), nullable=True),
        sa.Column("consent_given_at", UTCDateTime(), nullable=True),
        sa.Column("consent_purpose", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.String(length=5000), nullable=True),
        sa.ForeignKeyConstraint(
            ["county"], ["county.number"], name=op.f("fk_person_county_county")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("county", "email", name=op.f("uq_person_county_email")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_county"), ["county"], unique=False)

    op.create_table(
        "rider",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("legs", JSON, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invited_by", sa.String(length=200), nullable=False),
        sa.Column("status_changed_at", UTCDateTime(), nullable=False),
        sa.Column("status_changed_by", sa.String(length=200), nullable=False),
        sa.Column("erased", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_rider_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stage.id"], name=op.f("fk_rider_stage_id_stage"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rider")),
    )
    with op.batch_alter_table("rider", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rider_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rider_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "team_member",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("responsibilities", sa.String(length=2000), nullable=True),
        sa.Column("legs", JSON, nullable=False),
        sa.Column("erased", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_team_member_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_team_member_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_team_member_stage_id"), ["stage_id"], unique=False)

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_entry_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_person_id"))
        batch_op.drop_column("person_id")

    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_member_stage_id"))
        batch_op.drop_index(batch_op.f("ix_team_member_person_id"))

    op.drop_table("team_member")
    with op.batch_alter_table("rider", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rider_stage_id"))
        batch_op.drop_index(batch_op.f("ix_rider_person_id"))

    op.drop_table("rider")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_county"))

    op.drop_table("person")

"""Stage outcomes (with partner contributions and audience per activity) and press
coverage (with the partners it mentions): phase 5, report.

Revision ID: 20261202_18
Revises: 20261202_13
Create Date: 2026-12-01 08:40:44
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sykkelturen.db import UTCDateTime

revision: str = "20261202_18"
down_revision: str | None = "20261202_13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stage_outcome",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cancel_reason", sa.String(length=1000), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column(
            "passengers_by_leg",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("pilots", sa.Integer(), nullable=True),
        sa.Column("cyclists", sa.Integer(), nullable=True),
        sa.Column("team_members", sa.Integer(), nullable=True),
        sa.Column("other_volunteers", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=5000), nullable=True),
        sa.Column("lessons_learnt", sa.String(length=5000), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_stage_outcome_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_outcome")),
        sa.UniqueConstraint("stage_id", name=op.f("uq_stage_outcome_stage_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "outcome_contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=500), nullable=False),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("in_kind", sa.String(length=500), nullable=True),
        sa.Column("thanked_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["stage_outcome.id"],
            name=op.f("fk_outcome_contribution_outcome_id_stage_outcome"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_outcome_contribution_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_contribution")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("outcome_contribution", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_contribution_outcome_id"), ["outcome_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outcome_contribution_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "press_coverage",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("outreach_id", sa.Integer(), nullable=True),
        sa.Column("outlet", sa.String(length=200), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("headline", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["outreach_id"],
            ["outreach.id"],
            name=op.f("fk_press_coverage_outreach_id_outreach"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_press_coverage_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_press_coverage")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("press_coverage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_press_coverage_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_press_coverage_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "outcome_audience",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("came", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_outcome_audience_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["stage_outcome.id"],
            name=op.f("fk_outcome_audience_outcome_id_stage_outcome"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_audience")),
        sa.UniqueConstraint(
            "outcome_id", "activity_id", name=op.f("uq_outcome_audience_outcome_id_activity_id")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("outcome_audience", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_audience_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outcome_audience_outcome_id"), ["outcome_id"], unique=False
        )

    op.create_table(
        "press_coverage_partner",
        sa.Column("coverage_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coverage_id"],
            ["press_coverage.id"],
            name=op.f("fk_press_coverage_partner_coverage_id_press_coverage"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_press_coverage_partner_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "coverage_id", "partner_id", name=op.f("pk_press_coverage_partner")
        ),
    )
    with op.batch_alter_table("press_coverage_partner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_press_coverage_partner_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("press_coverage_partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_press_coverage_partner_partner_id"))

    op.drop_table("press_coverage_partner")
    with op.batch_alter_table("outcome_audience", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_audience_outcome_id"))
        batch_op.drop_index(batch_op.f("ix_outcome_audience_activity_id"))

    op.drop_table("outcome_audience")
    with op.batch_alter_table("press_coverage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_press_coverage_stage_id"))
        batch_op.drop_index(batch_op.f("ix_press_coverage_outreach_id"))

    op.drop_table("press_coverage")
    with op.batch_alter_table("outcome_contribution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_contribution_partner_id"))
        batch_op.drop_index(batch_op.f("ix_outcome_contribution_outcome_id"))

    op.drop_table("outcome_contribution")
    op.drop_table("stage_outcome")

"""The day-of log of each stage, and stage-day tokens for stage leaders' phones.

The log is append-only (corrections are new rows naming the one they supersede), so its
rows carry no version. Ids order the live stream (`Last-Event-ID`), hence AUTOINCREMENT
on SQLite: an id is never handed out twice. A stage-day token names its stage; deleting
the stage deletes the token with it.

Revision ID: 20261202_17
Revises: 20261202_18
Create Date: 2026-12-01 08:44:31.489482
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from sykkelturen.db import UTCDateTime

revision: str = "20261202_17"
down_revision: str | None = "20261202_18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stage_log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("km", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("offset_m", sa.Float(), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoint.id"],
            name=op.f("fk_stage_log_entry_checkpoint_id_checkpoint"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["stage_log_entry.id"],
            name=op.f("fk_stage_log_entry_incident_id_stage_log_entry"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_stage_log_entry_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["stage_log_entry.id"],
            name=op.f("fk_stage_log_entry_supersedes_id_stage_log_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_log_entry")),
        sa.UniqueConstraint(
            "stage_id",
            "idempotency_key",
            name=op.f("uq_stage_log_entry_stage_id_idempotency_key"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("stage_log_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_log_entry_stage_id"), ["stage_id"], unique=False)

    if op.get_context().dialect.name == "sqlite" and context.is_offline_mode():
        # Offline --sql output cannot copy a table it cannot reflect: SQLite adds a nullable
        # column with its REFERENCES clause in place instead.
        op.execute(
            "ALTER TABLE token ADD COLUMN stage_id INTEGER "
            "CONSTRAINT fk_token_stage_id_stage REFERENCES stage (id) ON DELETE CASCADE"
        )
        return
    with op.batch_alter_table(
        "token", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("stage_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_token_stage_id_stage"), "stage", ["stage_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "token", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_token_stage_id_stage"), type_="foreignkey")
        batch_op.drop_column("stage_id")

    with op.batch_alter_table("stage_log_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_log_entry_stage_id"))

    op.drop_table("stage_log_entry")

"""Stable identities: ids never reused, references as real foreign keys, tombstones.

- SQLite hands a deleted newest row's id to the next row unless the table is declared
  AUTOINCREMENT; every table with an integer id becomes so (a table copy, batch mode).
  PostgreSQL's sequences never hand out a value twice already.
- A measure's responsible partner becomes a foreign key (ON DELETE SET NULL).
- An activity's responsible partners and people move from JSON lists of ids into join
  tables whose rows go with the partner, the person or the activity (ON DELETE CASCADE);
  ids that pointed at nothing any more are dropped on the way.
- `tombstone`: what was deleted, and when, for integrators that pull changes.
- Audit entries written before keep the people embedded in other resources by id only, as
  new entries do, so erasing a person leaves none of their data there.

Revision ID: 20261202_09
Revises: 20261202_08
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB

from sykkelturen.db import UTCDateTime

revision: str = "20261202_09"
down_revision: str | None = "20261202_08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table with an integer id, parents before children.
TABLES = (
    "tour",
    "tour_county",
    "token",
    "audit_entry",
    "person",
    "partner",
    "press_contact",
    "stage",
    "calendar_subscription",
    "route_version",
    "checkpoint",
    "team_member",
    "rider",
    "measure",
    "activity",
    "outreach",
    "content_item",
)

MEASURE_PARTNER_FK = "fk_measure_responsible_partner_id_partner"

# A person as team, rider, activity, measure and partner snapshots embedded them.
PERSON_SUMMARY = {"id", "name", "phone", "email", "organisation"}


def _people_by_id(value: Any) -> Any:
    if isinstance(value, dict):
        if value.keys() >= PERSON_SUMMARY:
            return {"id": value["id"]}
        return {key: _people_by_id(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_people_by_id(item) for item in value]
    return value


def _audit_names_people_by_id() -> None:
    if context.is_offline_mode():
        op.execute("-- audit entries: people inside other resources are reduced online only")
        return
    entry = sa.table(
        "audit_entry",
        sa.column("id", sa.Integer()),
        sa.column("resource_type", sa.String()),
        sa.column("changes", sa.JSON().with_variant(JSONB(), "postgresql")),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(entry.c.id, entry.c.changes).where(entry.c.resource_type != "person")
    ).all()
    for entry_id, changes in rows:
        reduced = _people_by_id(changes)
        if reduced != changes:
            bind.execute(entry.update().where(entry.c.id == entry_id).values(changes=reduced))


def _sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def _recreate_sqlite_tables(*, autoincrement: bool) -> None:
    """Copy each table into one declared (or no longer declared) AUTOINCREMENT.

    The copy reads each table's definition from the database, so it keeps whatever
    columns earlier migrations gave it; `--sql` cannot read, so there it is left out."""
    if context.is_offline_mode():
        op.execute(
            "-- SQLite: run `sykkelturen migrate` against the database to copy the tables "
            "into AUTOINCREMENT ones (a copy needs to read them); skipped in --sql output"
        )
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ) as batch_op:
            if table == "measure" and autoincrement:
                batch_op.create_foreign_key(
                    MEASURE_PARTNER_FK,
                    "partner",
                    ["responsible_partner_id"],
                    ["id"],
                    ondelete="SET NULL",
                )
            if table == "measure" and not autoincrement:
                batch_op.drop_constraint(MEASURE_PARTNER_FK, type_="foreignkey")


def upgrade() -> None:
    # A partner deleted before: its id may still be named by a measure.
    op.execute(
        "UPDATE measure SET responsible_partner_id = NULL WHERE responsible_partner_id IS NOT "
        "NULL AND responsible_partner_id NOT IN (SELECT id FROM partner)"
    )
    if _sqlite():
        _recreate_sqlite_tables(autoincrement=True)
    else:
        op.create_foreign_key(
            MEASURE_PARTNER_FK,
            "measure",
            "partner",
            ["responsible_partner_id"],
            ["id"],
            ondelete="SET NULL",
        )

    for name, other in (("activity_partner", "partner"), ("activity_person", "person")):
        op.create_table(
            name,
            sa.Column("activity_id", sa.Integer(), nullable=False),
            sa.Column(f"{other}_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["activity_id"],
                ["activity.id"],
                name=op.f(f"fk_{name}_activity_id_activity"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                [f"{other}_id"],
                [f"{other}.id"],
                name=op.f(f"fk_{name}_{other}_id_{other}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("activity_id", f"{other}_id", name=op.f(f"pk_{name}")),
        )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{name}_{other}_id"), [f"{other}_id"], unique=False
            )
        column = f"{other}_ids"
        if _sqlite():
            elements = (
                f"SELECT a.id, CAST(j.value AS INTEGER) FROM activity a, json_each(a.{column}) j"
            )
        else:
            elements = (
                f"SELECT a.id, CAST(j AS INTEGER) FROM activity a, "
                f"jsonb_array_elements_text(a.{column}) j"
            )
        op.execute(
            f"INSERT INTO {name} (activity_id, {other}_id) SELECT DISTINCT e.* FROM ({elements}) "
            f"AS e(activity_id, {other}_id) WHERE e.{other}_id IN (SELECT id FROM {other})"
            if not _sqlite()
            else f"INSERT OR IGNORE INTO {name} (activity_id, {other}_id) {elements} "
            f"WHERE CAST(j.value AS INTEGER) IN (SELECT id FROM {other})"
        )
        op.drop_column("activity", column)

    _audit_names_people_by_id()

    op.create_table(
        "tombstone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tour_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=2), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstone")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tombstone_tour_id_deleted_at", ["tour_id", "deleted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tombstone", schema=None) as batch_op:
        batch_op.drop_index("ix_tombstone_tour_id_deleted_at")
    op.drop_table("tombstone")

    for name, other in (("activity_person", "person"), ("activity_partner", "partner")):
        column = f"{other}_ids"
        json_type = sa.JSON().with_variant(JSONB(), "postgresql")
        op.add_column("activity", sa.Column(column, json_type, nullable=False, server_default="[]"))
        if _sqlite():
            gathered = (
                f"(SELECT json_group_array({other}_id) FROM {name} WHERE activity_id = activity.id)"
            )
        else:
            gathered = (
                f"(SELECT coalesce(jsonb_agg({other}_id), '[]'::jsonb) FROM {name} "
                f"WHERE activity_id = activity.id)"
            )
        op.execute(f"UPDATE activity SET {column} = {gathered}")
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_{other}_id"))
        op.drop_table(name)

    if _sqlite():
        _recreate_sqlite_tables(autoincrement=False)
    else:
        op.drop_constraint(MEASURE_PARTNER_FK, "measure", type_="foreignkey")

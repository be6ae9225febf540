"""Legs named by their bounding checkpoints; places kept as given; invariants as constraints.

- Legs named by their bounding checkpoints: riders and team members refer to stretches of
  legs in rider_leg / team_member_leg (key as assigned, and the handover checkpoints it
  names) instead of a JSON list of leg positions. Each old number is converted to what
  it meant when this runs; a number that meant no leg is kept as `leg-N` and shows as
  leg_changed.
- One start and one finish per stage, one holder of a role per person and stage: unique
  indexes. A stage that had two starts (or finishes) keeps the first; the others become
  kind `other`. A person twice in one role on a stage keeps the first place, with the
  others' responsibilities appended; the others are removed.
- checkpoint.other_passes: where else the route passes near the checkpoint's lat/lon.
- A measure or activity at a checkpoint keeps only the reference: its km (and lat/lon) is
  the checkpoint's, read when shown; the copies made when it was placed are cleared.

Revision ID: 20261202_12b
Revises: 20261202_09
Create Date: 2026-12-02 09:00:00
"""

import itertools
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261202_12b"
down_revision: str | None = "20261202_09"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    _leg_tables()
    _legs_to_keys()
    _one_start_one_finish()
    _one_holder_per_role()
    op.add_column(
        "checkpoint",
        sa.Column("other_passes", JSON, nullable=False, server_default=sa.text("'[]'")),
    )
    op.execute(
        "UPDATE measure SET km = NULL, lat = NULL, lon = NULL WHERE checkpoint_id IS NOT NULL"
    )
    op.execute("UPDATE activity SET km = NULL WHERE checkpoint_id IS NOT NULL")


def downgrade() -> None:
    op.drop_index("uq_team_member_stage_id_person_id_role", table_name="team_member")
    op.drop_index("uq_checkpoint_stage_id_start_finish", table_name="checkpoint")
    _keys_to_legs()
    for column in ("km", "lat", "lon"):
        op.execute(
            f"UPDATE measure SET {column} = (SELECT {column} FROM checkpoint "
            "WHERE checkpoint.id = measure.checkpoint_id) WHERE checkpoint_id IS NOT NULL"
        )
    op.execute(
        "UPDATE activity SET km = (SELECT km FROM checkpoint "
        "WHERE checkpoint.id = activity.checkpoint_id) WHERE checkpoint_id IS NOT NULL"
    )
    with op.batch_alter_table("checkpoint") as batch_op:
        batch_op.drop_column("other_passes")


def _leg_tables() -> None:
    for table, owner in (("rider_leg", "rider"), ("team_member_leg", "team_member")):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("key", sa.String(length=40), nullable=False),
            sa.Column("from_checkpoint_id", sa.Integer(), nullable=True),
            sa.Column("to_checkpoint_id", sa.Integer(), nullable=True),
            sa.Column(f"{owner}_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                ["from_checkpoint_id"],
                ["checkpoint.id"],
                name=op.f(f"fk_{table}_from_checkpoint_id_checkpoint"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["to_checkpoint_id"],
                ["checkpoint.id"],
                name=op.f(f"fk_{table}_to_checkpoint_id_checkpoint"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                [f"{owner}_id"],
                [f"{owner}.id"],
                name=op.f(f"fk_{table}_{owner}_id_{owner}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sqlite_autoincrement=True,
        )
        for column in ("from_checkpoint_id", "to_checkpoint_id", f"{owner}_id"):
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


# --- leg numbers (positions) to leg keys (bounding checkpoints) ------------------------
# Frozen here rather than imported: these are the rules as they were at this revision.


def _positions(connection: sa.Connection, stage_id: int) -> dict[int, tuple[str, str]] | None:
    """What each leg number meant under the old numbering, as (from, to) sides of the new
    keys; None when the stage has no route (then leg 1 was the whole stage)."""
    stats = connection.execute(
        sa.text("SELECT stats FROM route_version WHERE stage_id = :s ORDER BY number DESC LIMIT 1"),
        {"s": stage_id},
    ).scalar()
    if stats is None:
        return None
    total = float((json.loads(stats) if isinstance(stats, str) else stats)["distance_m"])
    rows = connection.execute(
        sa.text(
            "SELECT id, kind, km FROM checkpoint WHERE stage_id = :s AND km IS NOT NULL "
            "AND kind IN ('start', 'handover', 'finish') ORDER BY km, id"
        ),
        {"s": stage_id},
    ).all()
    bounds: list[tuple[int | None, str | None, float]] = [(r.id, r.kind, r.km * 1000) for r in rows]
    if not bounds or bounds[0][2] > 0:
        bounds.insert(0, (None, None, 0.0))
    if bounds[-1][2] < total and bounds[-1][1] != "finish":
        bounds.append((None, None, total))
    pairs = list(itertools.pairwise(bounds))
    meant = {}
    for number, (a, b) in enumerate(pairs, 1):
        if round(b[2] - a[2], 1) <= 0 and len(pairs) > 1:
            continue  # zero-length legs were not listed
        start = "start" if a[1] in (None, "start") else str(a[0]) if a[1] == "handover" else ""
        end = "end" if b[1] in (None, "finish") else str(b[0]) if b[1] == "handover" else ""
        if start and end:
            meant[number] = (start, end)
    return meant


def _convert(connection: sa.Connection, owner: str, table: str) -> None:
    owners = connection.execute(sa.text(f"SELECT id, stage_id, legs FROM {owner}")).all()
    cache: dict[int, dict[int, tuple[str, str]] | None] = {}
    for row in owners:
        numbers = sorted(set(json.loads(row.legs) if isinstance(row.legs, str) else row.legs))
        if not numbers:
            continue  # the whole stage
        if row.stage_id not in cache:
            cache[row.stage_id] = _positions(connection, row.stage_id)
        meant = cache[row.stage_id]
        if meant is None:  # no route: leg 1 was the whole stage
            keys = [] if numbers == [1] else [f"leg-{n}" for n in numbers]
        else:
            stretches: list[list[str]] = []
            keys = []
            for n in numbers:
                if n not in meant:
                    keys.append(f"leg-{n}")  # already pointed at no leg: flagged
                elif stretches and stretches[-1][1] == meant[n][0]:
                    stretches[-1][1] = meant[n][1]  # consecutive legs: one stretch
                else:
                    stretches.append(list(meant[n]))
            keys = [f"{a}-{b}" for a, b in stretches] + keys
        for leg_key in keys:
            start, _, end = leg_key.partition("-")
            connection.execute(
                sa.text(
                    f"INSERT INTO {table} ({owner}_id, key, from_checkpoint_id, to_checkpoint_id) "
                    "VALUES (:owner, :key, :start, :end)"
                ),
                {
                    "owner": row.id,
                    "key": leg_key,
                    "start": int(start) if start.isdigit() else None,
                    "end": int(end) if end.isdigit() else None,
                },
            )


def _convert_offline(owner: str, table: str) -> None:
    """Without a database to read there is no knowing what a number meant: every numbered
    leg is kept as `leg-N`, which shows as leg_changed until the county chooses again."""
    elements = (
        f"json_each({owner}.legs) AS element"
        if op.get_context().dialect.name == "sqlite"
        else f"jsonb_array_elements_text({owner}.legs) AS element(value)"
    )
    op.execute(
        f"INSERT INTO {table} ({owner}_id, key) "
        f"SELECT {owner}.id, 'leg-' || element.value FROM {owner}, {elements}"
    )


def _legs_to_keys() -> None:
    for owner, table in (("rider", "rider_leg"), ("team_member", "team_member_leg")):
        if op.get_context().as_sql:
            _convert_offline(owner, table)
        else:
            _convert(op.get_bind(), owner, table)
        # SQLite (3.35+) drops the column in place; batch mode would copy the table.
        op.drop_column(owner, "legs")


def _keys_to_legs() -> None:
    """Back to leg numbers: a stretch's position among today's legs."""
    connection = op.get_bind()
    for owner, table in (("rider", "rider_leg"), ("team_member", "team_member_leg")):
        op.add_column(
            owner, sa.Column("legs", JSON, nullable=False, server_default=sa.text("'[]'"))
        )
        rows = connection.execute(
            sa.text(
                f"SELECT o.id, o.stage_id, l.key FROM {owner} o "
                f"JOIN {table} l ON l.{owner}_id = o.id ORDER BY o.id, l.id"
            )
        ).all()
        numbers: dict[int, set[int]] = {}
        for row in rows:
            order = _sides(connection, row.stage_id)
            start, _, end = row.key.partition("-")
            if start in order and end in order and order.index(start) < order.index(end):
                span = range(order.index(start) + 1, order.index(end) + 1)
                numbers.setdefault(row.id, set()).update(span)
        for owner_id, legs in numbers.items():
            connection.execute(
                sa.text(f"UPDATE {owner} SET legs = :legs WHERE id = :id"),
                {"legs": json.dumps(sorted(legs)), "id": owner_id},
            )
        op.drop_table(table)


def _sides(connection: sa.Connection, stage_id: int) -> list[str]:
    rows = connection.execute(
        sa.text(
            "SELECT id, kind, km FROM checkpoint WHERE stage_id = :s AND km IS NOT NULL "
            "AND kind IN ('start', 'handover', 'finish') ORDER BY km, id"
        ),
        {"s": stage_id},
    ).all()
    low = next((r.km for r in rows if r.kind == "start"), 0.0)
    high = next((r.km for r in reversed(rows) if r.kind == "finish"), float("inf"))
    return [
        "start",
        *(str(r.id) for r in rows if r.kind == "handover" and low < r.km < high),
        "end",
    ]


START_OR_FINISH = "kind IN ('start', 'finish')"


def _one_start_one_finish() -> None:
    op.execute(
        f"UPDATE checkpoint SET kind = 'other' WHERE {START_OR_FINISH} AND id NOT IN "
        f"(SELECT min(id) FROM checkpoint WHERE {START_OR_FINISH} GROUP BY stage_id, kind)"
    )
    op.create_index(
        "uq_checkpoint_stage_id_start_finish",
        "checkpoint",
        ["stage_id", "kind"],
        unique=True,
        sqlite_where=sa.text(START_OR_FINISH),
        postgresql_where=sa.text(START_OR_FINISH),
    )


def _one_holder_per_role() -> None:
    first = (
        "SELECT min(id) FROM team_member WHERE person_id IS NOT NULL "
        "GROUP BY stage_id, person_id, role"
    )
    if not op.get_context().as_sql:
        connection = op.get_bind()
        rows = connection.execute(
            sa.text(
                "SELECT d.id, d.responsibilities, k.id AS kept FROM team_member d "
                "JOIN team_member k ON k.stage_id = d.stage_id AND k.person_id = d.person_id "
                f"AND k.role = d.role AND k.id IN ({first}) "
                f"WHERE d.person_id IS NOT NULL AND d.id NOT IN ({first}) ORDER BY d.id"
            )
        ).all()
        for row in rows:
            if row.responsibilities:
                connection.execute(
                    sa.text(
                        "UPDATE team_member SET responsibilities = substr(coalesce("
                        "responsibilities || '; ', '') || :more, 1, 2000) WHERE id = :kept"
                    ),
                    {"more": row.responsibilities, "kept": row.kept},
                )
    duplicates = f"person_id IS NOT NULL AND id NOT IN ({first})"
    op.execute(
        f"DELETE FROM team_member_leg WHERE team_member_id IN "
        f"(SELECT id FROM team_member WHERE {duplicates})"
    )
    op.execute(f"DELETE FROM team_member WHERE {duplicates}")
    op.create_index(
        "uq_team_member_stage_id_person_id_role",
        "team_member",
        ["stage_id", "person_id", "role"],
        unique=True,
    )

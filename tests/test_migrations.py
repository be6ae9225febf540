"""The schema is Alembic's: one head, reversible, and in step with the models."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from sykkelturen import schema_migrations
from sykkelturen.config import Settings
from tests.conftest import make_settings


@pytest.fixture
def fresh_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """An empty database of the kind under test, apart from the suite's own."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield make_settings(f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'm.db'}")
        return
    base = make_url(make_settings(url).database_url)
    name = f"{base.database}_migrations"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield make_settings(base.set(database=name).render_as_string(hide_password=False))
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_one_head(fresh_settings: Settings) -> None:
    assert (
        len(
            ScriptDirectory.from_config(
                schema_migrations.alembic_config(fresh_settings)
            ).get_heads()
        )
        == 1
    )


def test_upgrade_downgrade_upgrade_and_models_agree(fresh_settings: Settings) -> None:
    schema_migrations.upgrade(fresh_settings)
    schema_migrations.downgrade(fresh_settings, "base")
    engine = sa.create_engine(fresh_settings.database_url)
    with engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
    schema_migrations.upgrade(fresh_settings)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM county")).scalar_one() == 18
    engine.dispose()
    # Raises when the models need a migration that is not there.
    command.check(schema_migrations.alembic_config(fresh_settings))


def test_offline_sql(fresh_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    schema_migrations.upgrade(fresh_settings, sql=True)
    assert "CREATE TABLE stage" in capsys.readouterr().out


def test_leg_numbers_become_leg_keys(fresh_settings: Settings) -> None:
    """What each old leg number meant when the migration runs becomes a key; a number
    that meant no leg is kept as `leg-N` (shown as leg_changed), never as the whole stage."""
    schema_migrations.upgrade(fresh_settings, "20261128_07")
    engine = sa.create_engine(fresh_settings.database_url)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    stamps = {"version": 1, "created_at": now, "updated_at": now}
    tables = sa.MetaData()
    tables.reflect(engine)

    def insert(connection: sa.Connection, table: str, **values: object) -> int:
        columns = tables.tables[table].c
        row = {k: v for k, v in stamps.items() if k in columns} | values
        key = connection.execute(tables.tables[table].insert().values(row)).inserted_primary_key
        assert key is not None
        return int(key[0])

    with engine.begin() as c:
        tour = insert(
            c,
            "tour",
            name="T",
            start_date=now.date(),
            end_date=now.date(),
            time_zone="Europe/Oslo",
            speeds_kmh=[10],
        )
        insert(
            c,
            "tour_county",
            tour_id=tour,
            county="15",
            start_date=now.date(),
            end_date=now.date(),
            contacts=[],
        )
        stage_fields = {
            "tour_id": tour,
            "county": "15",
            "date": now.date(),
            "bikes": 1,
            "speeds_kmh": [10],
            "needs": {},
        }
        routed = insert(c, "stage", sequence=1, name="A", **stage_fields)
        bare = insert(c, "stage", sequence=2, name="B", **stage_fields)
        insert(
            c, "route_version", stage_id=routed, number=1, status="draft", sha256="0" * 64,
            original_gz=b"", original_size=0, original_media_type="application/gpx+xml",
            uploaded_at=now, uploaded_by="t", stats={"distance_m": 20_000.0}, warnings=[],
            geometry=b"", map_line=[],
        )  # fmt: skip
        point = {"stage_id": routed, "lat": 62.0, "lon": 7.0, "dwell_minutes": 0}
        insert(c, "checkpoint", name="Start", kind="start", km=0.0, **point)
        handover = insert(c, "checkpoint", name="Røra", kind="handover", km=10.0, **point)
        insert(c, "checkpoint", name="Mål", kind="finish", km=20.0, **point)
        person = insert(c, "person", county="15", name="P", pilot_trained=False)
        rider = {
            "person_id": person,
            "role": "cyclist",
            "status": "invited",
            "invited_by": "t",
            "status_changed_by": "t",
            "status_changed_at": now,
            "erased": False,
        }
        riders = {
            legs: insert(c, "rider", stage_id=routed, legs=list(legs), **rider)
            for legs in [(1,), (2,), (1, 2), (3,), ()]
        }
        bare_whole = insert(c, "rider", stage_id=bare, legs=[1], **rider)
        bare_other = insert(c, "rider", stage_id=bare, legs=[2], **rider)
        member = insert(
            c,
            "team_member",
            stage_id=routed,
            person_id=person,
            role="scout",
            legs=[2],
            erased=False,
        )

    schema_migrations.upgrade(fresh_settings)
    with engine.connect() as c:
        keys = {
            owner: [
                k
                for (k,) in c.execute(
                    sa.text("SELECT key FROM rider_leg WHERE rider_id = :r ORDER BY id"),
                    {"r": owner},
                )
            ]
            for owner in [*riders.values(), bare_whole, bare_other]
        }
        (member_key,) = c.execute(
            sa.text("SELECT key FROM team_member_leg WHERE team_member_id = :m"), {"m": member}
        ).scalars()
    engine.dispose()
    assert keys[riders[(1,)]] == [f"start-{handover}"]
    assert keys[riders[(2,)]] == [f"{handover}-end"]
    assert keys[riders[(1, 2)]] == ["start-end"]  # consecutive legs: one stretch
    assert keys[riders[(3,)]] == ["leg-3"]  # meant no leg already: flagged
    assert keys[riders[()]] == []  # the whole stage
    assert keys[bare_whole] == []  # leg 1 of a stage without a route was the whole stage
    assert keys[bare_other] == ["leg-2"]
    assert member_key == f"{handover}-end"


def test_old_audit_entries_keep_embedded_people_by_id(fresh_settings: Settings) -> None:
    """Entries written before the stable-identities revision copied a person's summary into
    other resources' snapshots; the revision reduces them to the id, as new entries are."""
    schema_migrations.upgrade(fresh_settings, "20261202_08")
    engine = sa.create_engine(fresh_settings.database_url)
    kari = {
        "id": 7,
        "name": "Kari",
        "phone": "+4791234567",
        "email": "k@x.no",
        "organisation": None,
    }
    changes = {"person": {"before": kari, "after": None}, "role": {"after": "host"}}
    person_changes = {"name": {"after": "Kari"}}
    entry = sa.table(
        "audit_entry",
        *(sa.column(c) for c in ("at", "actor_role", "actor_name", "action", "resource_type")),
        sa.column("resource_id"),
        sa.column("changes", sa.JSON()),
    )
    with engine.begin() as connection:
        for kind, body in (("team_member", changes), ("person", person_changes)):
            connection.execute(
                entry.insert().values(
                    at=datetime(2026, 11, 30, tzinfo=UTC),
                    actor_role="county",
                    actor_name="x",
                    action="update",
                    resource_type=kind,
                    resource_id="1",
                    changes=body,
                )
            )
    schema_migrations.upgrade(fresh_settings)
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.select(entry.c.resource_type, entry.c.changes)).all())
    engine.dispose()
    assert stored["team_member"] == {
        "person": {"before": {"id": 7}, "after": None},
        "role": {"after": "host"},
    }
    assert stored["person"] == person_changes  # the person's own entries: scrubbed at erasure

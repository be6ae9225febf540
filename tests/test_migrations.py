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

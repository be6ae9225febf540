"""Alembic, driven from code: the schema is owned by the migrations in `migrations/`."""

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from sykkelturen.config import Settings


def migrations_dir() -> Path:
    """The migrations: packaged inside the wheel, or the repository's own folder."""
    packaged = Path(__file__).parent / "migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database_url"] = settings.database_url
    return config


def upgrade(settings: Settings, revision: str = "head", *, sql: bool = False) -> None:
    command.upgrade(alembic_config(settings), revision, sql=sql)


def downgrade(settings: Settings, revision: str, *, sql: bool = False) -> None:
    command.downgrade(alembic_config(settings), revision, sql=sql)


class NotMigrated(Exception):
    """The database is not at the newest schema: a command would fail half-way on it."""


def require_migrated(settings: Settings) -> None:
    """Refuse a database that `sykkelturen migrate` has not brought to head, with one line
    that says which database was looked at (a common slip: another DATABASE_URL)."""
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    if settings.sqlite_path is not None and not settings.sqlite_path.exists():
        raise NotMigrated(f"no database at DATABASE_URL={shown}: run `sykkelturen migrate` first")
    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except sa.exc.SQLAlchemyError as error:
        raise NotMigrated(f"cannot open the database: {error.__class__.__name__}") from None
    finally:
        engine.dispose()
    if current != head:
        state = "is empty" if current is None else f"is at revision {current}, not {head}"
        raise NotMigrated(
            f"the database at DATABASE_URL={shown} {state}: run `sykkelturen migrate`, "
            "or set DATABASE_URL to the server's database"
        )

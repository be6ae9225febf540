"""Alembic, driven from code: the schema is owned by the migrations in `migrations/`."""

from pathlib import Path

from alembic import command
from alembic.config import Config

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

"""Settings from the environment, validated once at start.

Every setting is read from `SYKKELTUREN_<NAME>`; the database also from the conventional
`DATABASE_URL`, which wins when both are set.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./sykkelturen.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYKKELTUREN_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "SYKKELTUREN_DATABASE_URL"),
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed to call the API from a browser.",
    )
    max_body_bytes: int = Field(
        default=30 * 1024 * 1024, gt=0, description="Largest request body accepted, in bytes."
    )
    max_inflated_bytes: int = Field(
        default=200 * 1024 * 1024,
        gt=0,
        description="Largest GPX upload after gzip decompression; inflating stops there.",
    )
    max_route_points: int = Field(
        default=2_000_000, gt=1, description="Most points (track, route and waypoints) in one GPX."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=15_000, ge=0, description="How long a SQLite writer waits for the lock."
    )
    worker_start_timeout_s: int = Field(
        default=60,
        gt=0,
        description="How long `serve --workers N` waits for a new worker to answer its health "
        "check; importing the app takes seconds on a small, busy machine.",
    )
    live_heartbeat_s: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="How often the live stream sends a heartbeat comment when nothing happens.",
    )
    live_poll_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often a live stream on SQLite looks for new log entries (PostgreSQL "
        "wakes streams by LISTEN/NOTIFY and looks this often only as a safety net).",
    )
    log_level: str = Field(default="info", pattern="^(critical|error|warning|info|debug)$")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError(
                "must be sqlite:///<file> or postgresql+psycopg://<user>@<host>/<database>"
            )
        if value.startswith("postgresql:"):
            # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2.
            value = "postgresql+psycopg:" + value.removeprefix("postgresql:")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.removeprefix("sqlite:///"))


class SettingsError(Exception):
    """A setting from the environment is invalid; the message names it and why."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        lines = [
            f"  {'.'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        ]
        raise SettingsError("invalid configuration:\n" + "\n".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()

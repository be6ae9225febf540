"""The app on a database built by Alembic (SQLite file, or PostgreSQL from DATABASE_URL),
emptied between tests, and one client per kind of caller."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sykkelturen import schema_migrations
from sykkelturen.config import Settings
from sykkelturen.main import create_app
from sykkelturen.models import metadata
from sykkelturen.security import Role, system_actor
from sykkelturen.tokens import service as tokens
from sykkelturen.tokens.models import TokenCreate

# Seeded by the migration; everything else is emptied between tests.
REFERENCE_TABLES = {"county", "county_succession"}


def make_settings(database_url: str) -> Settings:
    return Settings.model_validate({"DATABASE_URL": database_url})


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = os.environ.get("DATABASE_URL")
    if url:
        settings = make_settings(url)
        reset_postgres(settings.database_url)
    else:
        settings = make_settings(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    schema_migrations.upgrade(settings)
    return settings


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> Engine:
    result: Engine = app.state.engine
    return result


@pytest.fixture(autouse=True)
def _empty_tables(engine: Engine) -> Iterator[None]:
    yield
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@dataclass
class Callers:
    """A client per kind of caller, all on one app."""

    anonymous: TestClient
    reader: TestClient
    reader_personal: TestClient
    county_15: TestClient
    county_50: TestClient
    national: TestClient


def _token(
    session: Session, name: str, role: Role, counties: list[str], personal: bool = False
) -> str:
    created = tokens.create_token(
        session,
        actor=system_actor("tests"),
        data=TokenCreate(name=name, role=role, counties=counties, personal_data=personal),
    )
    return created.token


@pytest.fixture
def callers(app: FastAPI, session: Session) -> Callers:
    secrets = {
        "reader": _token(session, "integrator", Role.reader, []),
        "reader_personal": _token(session, "integrator with grant", Role.reader, [], personal=True),
        "county_15": _token(session, "Møre og Romsdal contact", Role.county, ["15"]),
        "county_50": _token(session, "Trøndelag contact", Role.county, ["50"]),
        "national": _token(session, "NF", Role.national, []),
    }
    session.commit()
    clients = {
        name: TestClient(app, headers={"Authorization": f"Bearer {secret}"})
        for name, secret in secrets.items()
    }
    anonymous = TestClient(app)
    return Callers(anonymous=anonymous, **clients)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """An anonymous client that answers 500s instead of raising them."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


@pytest.fixture
def settings_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the command line at the test database."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)

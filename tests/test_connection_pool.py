"""PostgreSQL's pool tries a connection before use only after it sat idle (db._ping_after_idle):
one that the server closed meanwhile is replaced, not handed to a request."""

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from sykkelturen import db
from sykkelturen.config import Settings

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="PostgreSQL's server-side connections"
)

BACKEND = sa.text("SELECT pg_backend_pid()")


@pytest.fixture
def pooled(settings: Settings) -> Iterator[Engine]:
    engine = db.create_db_engine(settings)
    yield engine
    engine.dispose()


def terminate(settings: Settings, backend: int) -> None:
    """Close a connection from the server's side, as a restart or an idle timeout does."""
    admin = sa.create_engine(settings.database_url, poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    admin.dispose()


def test_a_connection_closed_while_idle_in_the_pool_is_replaced(
    pooled: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pooled.connect() as connection:
        backend = connection.execute(BACKEND).scalar_one()
    terminate(settings, backend)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # it has sat long enough
    with pooled.connect() as connection:
        assert connection.execute(BACKEND).scalar_one() != backend


def test_the_token_read_runs_outside_a_transaction(pooled: Engine) -> None:
    # One statement needs none: no BEGIN and ROLLBACK round trips (db.autocommit_engine).
    with db.autocommit_engine(pooled).connect() as connection:
        connection.execute(sa.text("SELECT 1"))
        status = connection.exec_driver_sql("SELECT now() = statement_timestamp()").scalar_one()
    assert status is True


def test_a_request_on_a_connection_the_server_closed_is_503_and_the_next_one_works(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A connection given back a moment ago is not tried before use; when the server has
    # closed it meanwhile (a restart, a failover), the request fails on it: a 503 to retry,
    # not a 500, and the pool connects anew for the next one.
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)  # however slow this machine is
    assert client.get("/api/v1/tours").status_code == 200
    admin = sa.create_engine(settings.database_url, poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()
    lost = client.get("/api/v1/tours")
    assert lost.status_code == 503
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["code"] == "database_unavailable"
    assert lost.headers["Retry-After"] == "1"
    assert client.get("/api/v1/tours").status_code == 200

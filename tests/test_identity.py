"""Ids are never reused, and references are real: deleting the newest row of any table never
hands its id to the next row, and no reference is left pointing at someone else."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sykkelturen import cli
from sykkelturen.models import metadata
from tests.conftest import Callers
from tests.factories import API, if_match, make_person, make_stage, ok, tour_with_counties

# Ids of these are natural keys or pairs of other ids.
WITHOUT_OWN_ID = {"county", "county_succession", "activity_partner", "activity_person"}


@contextmanager
def unchecked(engine: Engine) -> Iterator[Connection]:
    """A transaction, rolled back, with foreign keys unchecked: this is about how ids are
    handed out, and the newest row of a table is usually referenced by others."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a pragma, before the transaction begins
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin() as transaction:
                if not sqlite:
                    connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
                yield connection
                transaction.rollback()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def test_every_table_gives_a_new_id_after_its_newest_row_is_deleted(
    callers: Callers, settings_env: None, engine: Engine
) -> None:
    assert cli.main(["demo"]) == 0  # rows in nearly every table
    tour = ok(callers.anonymous.get(f"{API}/tours"))["items"][0]["id"]
    stages = ok(callers.anonymous.get(f"{API}/tours/{tour}/stages", params={"limit": 500}))
    checkpoints = next(
        found
        for s in stages["items"]
        if (found := ok(callers.anonymous.get(f"{API}/stages/{s['id']}/checkpoints"))["items"])
    )
    url = f"{API}/stages/{checkpoints[-1]['stage_id']}/checkpoints/{checkpoints[-1]['id']}"
    assert callers.national.delete(url, headers=if_match(callers.national, url)).status_code == 204

    tables = [t for t in metadata.sorted_tables if t.name not in WITHOUT_OWN_ID]
    assert {t.name for t in tables} | WITHOUT_OWN_ID == set(metadata.tables)
    for table in tables:
        with unchecked(engine) as connection:
            newest = connection.execute(
                sa.select(table).order_by(table.c.id.desc()).limit(1)
            ).first()
            assert newest is not None, f"no {table.name} to delete"
            connection.execute(table.delete().where(table.c.id == newest.id))
            copy = {k: v for k, v in newest._mapping.items() if k != "id"}
            new_id = connection.execute(
                table.insert().values(**copy).returning(table.c.id)
            ).scalar_one()
            assert new_id > newest.id, f"{table.name} handed out id {new_id} again"


def test_an_erased_persons_id_never_names_the_next_person(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    erased = make_person(callers.county_15, name="Eva Eriksen", email="eva@example.org")
    activity = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/activities",
            json={"kind": "activity", "title": "Kaffe", "person_ids": [erased["id"]]},
        ),
        201,
    )
    person_url = f"{API}/people/{erased['id']}"
    callers.county_15.delete(person_url, headers=if_match(callers.county_15, person_url))
    newcomer = make_person(callers.county_50, "50", name="Nina Ny", email="nina@example.org")
    assert newcomer["id"] > erased["id"]
    shown = ok(callers.national.get(f"{API}/stages/{stage['id']}/activities/{activity['id']}"))
    assert shown["people"] == []

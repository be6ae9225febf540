"""Tours and their counties: the rules of dates, windows and who may change them."""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from sykkelturen.audit import service as audit
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.counties.service import get_county, require_valid_in
from sykkelturen.db import utcnow
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.problems import InvalidDateRange, referenced
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.tours.models import (
    Tour,
    TourCounty,
    TourCountyCreate,
    TourCountyPublic,
    TourCountyUpdate,
    TourCreate,
    TourPublic,
    TourUpdate,
)
from sykkelturen.tours.problems import (
    CountyWindowsOutside,
    OutsideTourDates,
    TourCountyExists,
    TourCountyHasStages,
    TourCountyNotFound,
    TourHasStages,
    TourNameTaken,
    TourNotFound,
)
from sykkelturen.values import Contact

# --- tours -------------------------------------------------------------------------------


def tour_public(tour: Tour) -> TourPublic:
    return TourPublic.model_validate(tour, update={"year": tour.start_date.year})


def _resource(tour: Tour) -> audit.Resource:
    return audit.Resource(type="tour", id=str(tour.id), tour_id=tour.id)


def get_tour(session: Session, tour_id: int) -> Tour:
    tour = session.get(Tour, tour_id)
    if tour is None:
        raise _not_found(tour_id)
    return tour


# Built once (see `require_tour`).
_TOUR_ID = sa.select(col(Tour.id)).where(col(Tour.id) == sa.bindparam("tour_id"))


def require_tour(connection: sa.Connection, tour_id: int) -> None:
    """404 as `get_tour` unless the tour is there, for reads that show nothing of it: one
    column, no ORM object."""
    if connection.execute(_TOUR_ID, {"tour_id": tour_id}).scalar() is None:
        raise _not_found(tour_id)


def _not_found(tour_id: int) -> TourNotFound:
    return TourNotFound(f"There is no tour {tour_id}.")


def list_tours(
    session: Session, *, year: int | None, page: PageParams
) -> tuple[list[Tour], str | None]:
    statement = select(Tour)
    if year is not None:
        statement = statement.where(
            col(Tour.start_date) >= dt.date(year, 1, 1),
            col(Tour.start_date) <= dt.date(year, 12, 31),
        )
    return paginate(session, statement, page=page, order_by=[col(Tour.id)], key=lambda t: [t.id])


def _require_unique_name(session: Session, name: str, tour_id: int | None = None) -> None:
    existing = session.exec(select(Tour).where(Tour.name == name)).first()
    if existing is not None and existing.id != tour_id:
        raise TourNameTaken(f"Tour {existing.id} is already called {name!r}.")


def create_tour(session: Session, *, actor: Actor, data: TourCreate) -> Tour:
    _require_unique_name(session, data.name)
    tour = Tour.model_validate(data)
    session.add(tour)
    session.flush()
    audit.record(
        session, actor=actor, action="create", resource=_resource(tour), after=tour_public(tour)
    )
    return tour


def update_tour(
    session: Session, *, actor: Actor, tour: Tour, data: TourUpdate, if_match: str
) -> Tour:
    before = tour_public(tour)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is not None:
        _require_unique_name(session, changes["name"], tour.id)
    for required in ("name", "start_date", "end_date", "speeds_kmh"):
        if required in changes and changes[required] is None:
            del changes[required]
    tour.sqlmodel_update(changes)
    if tour.end_date < tour.start_date:
        raise InvalidDateRange(f"end_date {tour.end_date} is before start_date {tour.start_date}.")
    with session.no_autoflush:
        outside = session.exec(
            select(TourCounty).where(
                TourCounty.tour_id == tour.id,
                (col(TourCounty.start_date) < tour.start_date)
                | (col(TourCounty.end_date) > tour.end_date),
            )
        ).all()
    if outside:
        numbers = ", ".join(sorted(c.county for c in outside))
        raise CountyWindowsOutside(
            f"The windows of counties {numbers} fall outside {tour.start_date}–{tour.end_date}; "
            "change them first."
        )
    tour.updated_at = utcnow()
    session.add(tour)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_resource(tour),
        before=before,
        after=tour_public(tour),
    )
    return tour


def delete_tour(session: Session, *, actor: Actor, tour: Tour, if_match: str) -> None:
    before = tour_public(tour)
    check_if_match(if_match, etag_of(before))
    stages = session.exec(
        select(func.count()).select_from(Stage).where(Stage.tour_id == tour.id)
    ).one()
    if stages:
        raise TourHasStages(f"Tour {tour.id} has {stages} stages; delete them first.")
    for county in session.exec(select(TourCounty).where(TourCounty.tour_id == tour.id)).all():
        session.delete(county)
    session.flush()  # no ORM relationship orders these deletes: counties first
    session.delete(tour)
    session.flush()
    audit.record(session, actor=actor, action="delete", resource=_resource(tour), before=before)


# --- counties of a tour ---------------------------------------------------------------------


def tour_county_public(session: Session, tour_county: TourCounty, actor: Actor) -> TourCountyPublic:
    visible = actor.may_see_personal_data(tour_county.county)
    return TourCountyPublic(
        tour_id=tour_county.tour_id,
        number=tour_county.county,
        name=get_county(session, tour_county.county).name,
        start_date=tour_county.start_date,
        end_date=tour_county.end_date,
        contacts=[Contact.model_validate(c) for c in tour_county.contacts] if visible else None,
        version=tour_county.version,
        updated_at=tour_county.updated_at,
    )


def _county_resource(tour_county: TourCounty) -> audit.Resource:
    return audit.Resource(
        type="tour_county",
        id=f"{tour_county.tour_id}/{tour_county.county}",
        tour_id=tour_county.tour_id,
        county=tour_county.county,
    )


def list_tour_counties(
    session: Session, *, tour: Tour, page: PageParams
) -> tuple[list[TourCounty], str | None]:
    statement = select(TourCounty).where(TourCounty.tour_id == tour.id)
    return paginate(
        session, statement, page=page, order_by=[col(TourCounty.county)], key=lambda c: [c.county]
    )


def get_tour_county(session: Session, tour: Tour, number: str) -> TourCounty:
    tour_county = session.exec(
        select(TourCounty).where(TourCounty.tour_id == tour.id, TourCounty.county == number)
    ).first()
    if tour_county is None:
        raise TourCountyNotFound(f"County {number} is not part of tour {tour.id}.")
    return tour_county


def _require_window_in_tour(tour: Tour, tour_county: TourCounty) -> None:
    if tour_county.end_date < tour_county.start_date:
        raise InvalidDateRange(
            f"end_date {tour_county.end_date} is before start_date {tour_county.start_date}."
        )
    if tour_county.start_date < tour.start_date or tour_county.end_date > tour.end_date:
        raise OutsideTourDates(
            f"The window {tour_county.start_date}–{tour_county.end_date} must lie within the "
            f"tour's dates {tour.start_date}–{tour.end_date}."
        )


def add_tour_county(
    session: Session, *, actor: Actor, tour: Tour, data: TourCountyCreate
) -> TourCounty:
    with referenced("number"):
        require_valid_in(session, data.number, tour.start_date.year)
    existing = session.exec(
        select(TourCounty).where(TourCounty.tour_id == tour.id, TourCounty.county == data.number)
    ).first()
    if existing is not None:
        raise TourCountyExists(f"County {data.number} is already part of tour {tour.id}.")
    assert tour.id is not None
    tour_county = TourCounty(
        tour_id=tour.id,
        county=data.number,
        start_date=data.start_date,
        end_date=data.end_date,
        contacts=[c.model_dump(mode="json") for c in data.contacts],
    )
    _require_window_in_tour(tour, tour_county)
    session.add(tour_county)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        resource=_county_resource(tour_county),
        after=tour_county_public(session, tour_county, actor),
    )
    return tour_county


def _stages_outside(session: Session, tour_county: TourCounty) -> list[Stage]:
    return list(
        session.exec(
            select(Stage)
            .where(
                Stage.tour_id == tour_county.tour_id,
                Stage.county == tour_county.county,
                (col(Stage.date) < tour_county.start_date)
                | (col(Stage.date) > tour_county.end_date),
            )
            .order_by(col(Stage.sequence))
        ).all()
    )


def update_tour_county(
    session: Session,
    *,
    actor: Actor,
    tour: Tour,
    tour_county: TourCounty,
    data: TourCountyUpdate,
    if_match: str,
) -> TourCounty:
    before = tour_county_public(session, tour_county, actor)
    check_if_match(if_match, etag_of(before))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("start_date") is not None:
        tour_county.start_date = changes["start_date"]
    if changes.get("end_date") is not None:
        tour_county.end_date = changes["end_date"]
    if "contacts" in changes:
        tour_county.contacts = [c.model_dump(mode="json") for c in data.contacts or []]
    _require_window_in_tour(tour, tour_county)
    with session.no_autoflush:
        outside = _stages_outside(session, tour_county)
    if outside:
        names = ", ".join(f"{s.sequence} ({s.date})" for s in outside)
        raise TourCountyHasStages(
            f"Stages {names} would fall outside {tour_county.start_date}–{tour_county.end_date}; "
            "move them first."
        )
    tour_county.updated_at = utcnow()
    session.add(tour_county)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        resource=_county_resource(tour_county),
        before=before,
        after=tour_county_public(session, tour_county, actor),
    )
    return tour_county


def remove_tour_county(
    session: Session, *, actor: Actor, tour_county: TourCounty, if_match: str
) -> None:
    before = tour_county_public(session, tour_county, actor)
    check_if_match(if_match, etag_of(before))
    stages = session.exec(
        select(func.count())
        .select_from(Stage)
        .where(Stage.tour_id == tour_county.tour_id, Stage.county == tour_county.county)
    ).one()
    if stages:
        raise TourCountyHasStages(
            f"County {tour_county.county} has {stages} stages in this tour; delete them first."
        )
    session.delete(tour_county)
    session.flush()
    audit.record(
        session, actor=actor, action="delete", resource=_county_resource(tour_county), before=before
    )

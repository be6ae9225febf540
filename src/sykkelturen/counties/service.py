from sqlmodel import Session, col, or_, select

from sykkelturen.counties.models import County, CountyPublic, CountySuccession
from sykkelturen.counties.problems import CountyNotFound, CountyNotValidInYear
from sykkelturen.pagination import PageParams, paginate


def _public(session: Session, counties: list[County]) -> list[CountyPublic]:
    numbers = [c.number for c in counties]
    links = session.exec(
        select(CountySuccession).where(
            or_(
                col(CountySuccession.predecessor).in_(numbers),
                col(CountySuccession.successor).in_(numbers),
            )
        )
    ).all()
    return [
        CountyPublic(
            number=c.number,
            name=c.name,
            official_name=c.official_name,
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            preceded_by=sorted(link.predecessor for link in links if link.successor == c.number),
            succeeded_by=sorted(link.successor for link in links if link.predecessor == c.number),
        )
        for c in counties
    ]


def list_counties(
    session: Session, *, year: int | None, page: PageParams
) -> tuple[list[CountyPublic], str | None]:
    statement = select(County)
    if year is not None:
        statement = statement.where(
            col(County.valid_from) <= year,
            or_(col(County.valid_to).is_(None), col(County.valid_to) >= year),
        )
    rows, next_cursor = paginate(
        session, statement, page=page, order_by=[col(County.number)], key=lambda c: [c.number]
    )
    return _public(session, rows), next_cursor


def get_county(session: Session, number: str) -> County:
    county = session.get(County, number)
    if county is None:
        raise CountyNotFound(f"There is no county number {number!r} in the registry.")
    return county


def get_county_public(session: Session, number: str) -> CountyPublic:
    return _public(session, [get_county(session, number)])[0]


def require_valid_in(session: Session, number: str, year: int) -> County:
    county = get_county(session, number)
    if county.valid_from > year or (county.valid_to is not None and county.valid_to < year):
        successors = _public(session, [county])[0].succeeded_by
        hint = f" In {year} use one of: {', '.join(successors)}." if successors else ""
        raise CountyNotValidInYear(
            f"County {number} ({county.name}) is valid {county.valid_from}–"
            f"{county.valid_to or ''}, not in {year}.{hint}"
        )
    return county

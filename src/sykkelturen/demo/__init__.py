"""The demo tour, modelled on Sykkelturen 2022, shipped inside the package.

`load_demo` goes through the same services as the API (validation, audit), and is
idempotent: what already exists is left as it is.
"""

import json
from importlib.resources import files
from typing import Any

from sqlmodel import Session, select

from sykkelturen.security import system_actor
from sykkelturen.stages import service as stages
from sykkelturen.stages.models import Stage, StageCreate
from sykkelturen.tours import service as tours
from sykkelturen.tours.models import Tour, TourCounty, TourCountyCreate, TourCreate

DEMO_FILE = "sykkelturen_2022.json"


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files(__package__).joinpath(DEMO_FILE).read_text("utf-8"))
    return data


def load_demo(session: Session) -> Tour:
    """Create the demo tour, its counties and stages where missing; return the tour."""
    actor = system_actor("demo loader")
    data = demo_data()
    tour = session.exec(select(Tour).where(Tour.name == data["tour"]["name"])).first()
    if tour is None:
        tour = tours.create_tour(session, actor=actor, data=TourCreate.model_validate(data["tour"]))
    for county in data["counties"]:
        exists = session.exec(
            select(TourCounty).where(
                TourCounty.tour_id == tour.id, TourCounty.county == county["number"]
            )
        ).first()
        if exists is None:
            tours.add_tour_county(
                session, actor=actor, tour=tour, data=TourCountyCreate.model_validate(county)
            )
    for stage in data["stages"]:
        exists_stage = session.exec(
            select(Stage).where(Stage.tour_id == tour.id, Stage.sequence == stage["sequence"])
        ).first()
        if exists_stage is None:
            stages.create_stage(
                session, actor=actor, tour=tour, data=StageCreate.model_validate(stage)
            )
    return tour

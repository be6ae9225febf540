"""Norway's counties (fylker): the 2020–2023 set and the 2024 set, seeded by a migration."""

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

COUNTY_NUMBER_PATTERN = r"^[0-9]{2}$"


class County(SQLModel, table=True):
    number: str = SQLField(primary_key=True, max_length=2)
    name: str = SQLField(max_length=100)
    official_name: str = SQLField(max_length=200)
    valid_from: int
    valid_to: int | None = None
    # Bounding box in WGS84 (Kartverket, 2024; see the county_bounds migration).
    min_lat: float | None = None
    min_lon: float | None = None
    max_lat: float | None = None
    max_lon: float | None = None


class CountySuccession(SQLModel, table=True):
    """The 2024 split: a county number that ended, and one that took over part of it."""

    __tablename__ = "county_succession"

    predecessor: str = SQLField(foreign_key="county.number", primary_key=True, max_length=2)
    successor: str = SQLField(foreign_key="county.number", primary_key=True, max_length=2)


class CountyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str = Field(description="Official two-digit county number.", examples=["42"])
    name: str = Field(examples=["Agder"])
    official_name: str = Field(description="Full official name, with Sami and Kven forms.")
    valid_from: int = Field(description="First year of the county set this county belongs to.")
    valid_to: int | None = Field(description="Last year it was valid; null while current.")
    preceded_by: list[str] = Field(description="Numbers it took over from (2024 split).")
    succeeded_by: list[str] = Field(description="Numbers that took over from it (2024 split).")

"""Every table model, imported once: the one metadata Alembic and the tests work from."""

from sqlmodel import SQLModel

from sykkelturen.audit.models import AuditEntry
from sykkelturen.counties.models import County, CountySuccession
from sykkelturen.stages.models import Stage
from sykkelturen.tokens.models import Token
from sykkelturen.tours.models import Tour, TourCounty

metadata = SQLModel.metadata

__all__ = [
    "AuditEntry",
    "County",
    "CountySuccession",
    "Stage",
    "Token",
    "Tour",
    "TourCounty",
    "metadata",
]

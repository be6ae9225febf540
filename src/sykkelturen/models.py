"""Every table model, imported once: the one metadata Alembic and the tests work from."""

from sqlmodel import SQLModel

from sykkelturen.activities.models import Activity, ActivityPartner, ActivityPerson
from sykkelturen.audit.models import AuditEntry
from sykkelturen.calendars.models import CalendarSubscription
from sykkelturen.checkpoints.models import Checkpoint
from sykkelturen.content.models import ContentItem
from sykkelturen.counties.models import County, CountySuccession
from sykkelturen.coverage.models import Coverage, CoveragePartner
from sykkelturen.daylog.models import StageLogEntry
from sykkelturen.db import never_reuse_ids
from sykkelturen.measures.models import Measure
from sykkelturen.outcomes.models import OutcomeAudience, OutcomeContribution, StageOutcome
from sykkelturen.partners.models import Partner
from sykkelturen.people.models import Person
from sykkelturen.press.models import Outreach, PressContact
from sykkelturen.riders.models import Rider, RiderLeg
from sykkelturen.routes.models import RouteVersion
from sykkelturen.security import Token
from sykkelturen.stages.models import Stage
from sykkelturen.team.models import TeamMember, TeamMemberLeg
from sykkelturen.tombstones.models import Tombstone
from sykkelturen.tours.models import Tour, TourCounty

metadata = SQLModel.metadata
never_reuse_ids(metadata)

__all__ = [
    "Activity",
    "ActivityPartner",
    "ActivityPerson",
    "AuditEntry",
    "CalendarSubscription",
    "Checkpoint",
    "ContentItem",
    "County",
    "CountySuccession",
    "Coverage",
    "CoveragePartner",
    "Measure",
    "OutcomeAudience",
    "OutcomeContribution",
    "Outreach",
    "Partner",
    "Person",
    "PressContact",
    "Rider",
    "RiderLeg",
    "RouteVersion",
    "Stage",
    "StageLogEntry",
    "StageOutcome",
    "TeamMember",
    "TeamMemberLeg",
    "Token",
    "Tombstone",
    "Tour",
    "TourCounty",
    "metadata",
]

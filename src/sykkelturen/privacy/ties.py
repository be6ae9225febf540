"""What ties a stage to its county's own people: another county may neither see nor edit
them, so a stage moves to it only without them. It reads team, riders, measures,
activities, partners and press, so it lives above them."""

from sqlmodel import Session, col, select

from sykkelturen.activities.models import Activity, ActivityPartner, ActivityPerson
from sykkelturen.measures.models import Measure
from sykkelturen.partners.models import Partner
from sykkelturen.people.models import Person
from sykkelturen.press.models import Outreach, PressContact
from sykkelturen.riders.models import Rider
from sykkelturen.stages.models import Stage
from sykkelturen.team.models import TeamMember


def county_ties(session: Session, stage: Stage) -> list[str]:
    """What ties a stage to its county's own people, partners and press contacts: the team,
    riders, responsible people and partners of measures and activities, outreach. Another
    county may neither see nor edit these, so a stage moves to it only without them."""
    ties: list[str] = []
    for label, row_id, stage_id, person_id in (
        ("team member", TeamMember.id, TeamMember.stage_id, TeamMember.person_id),
        ("rider", Rider.id, Rider.stage_id, Rider.person_id),
        ("measure", Measure.id, Measure.stage_id, Measure.responsible_person_id),
    ):
        for found_id, name in session.exec(
            select(col(row_id), Person.name)
            .join(Person, col(Person.id) == col(person_id))
            .where(col(stage_id) == stage.id)
            .order_by(col(row_id))
        ).all():
            ties.append(f"{name} ({label} {found_id})")
    for activity_id, name in session.exec(
        select(Activity.id, Person.name)
        .join(ActivityPerson, col(ActivityPerson.activity_id) == col(Activity.id))
        .join(Person, col(Person.id) == col(ActivityPerson.person_id))
        .where(Activity.stage_id == stage.id)
        .order_by(col(Activity.id))
    ).all():
        ties.append(f"{name} (activity {activity_id})")
    for activity_id, name in session.exec(
        select(Activity.id, Partner.name)
        .join(ActivityPartner, col(ActivityPartner.activity_id) == col(Activity.id))
        .join(Partner, col(Partner.id) == col(ActivityPartner.partner_id))
        .where(Activity.stage_id == stage.id)
        .order_by(col(Activity.id))
    ).all():
        ties.append(f"partner {name} (activity {activity_id})")
    for measure_id, name in session.exec(
        select(Measure.id, Partner.name)
        .join(Partner, col(Partner.id) == col(Measure.responsible_partner_id))
        .where(Measure.stage_id == stage.id)
        .order_by(col(Measure.id))
    ).all():
        ties.append(f"partner {name} (measure {measure_id})")
    for outreach_id, outlet in session.exec(
        select(Outreach.id, PressContact.outlet)
        .join(PressContact, col(PressContact.id) == col(Outreach.press_contact_id))
        .where(Outreach.stage_id == stage.id)
        .order_by(col(Outreach.id))
    ).all():
        ties.append(f"press contact {outlet} (outreach {outreach_id})")
    return ties

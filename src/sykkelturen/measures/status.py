"""The review of a measure as one table: draft → submitted (county) → accepted or returned
(NF); a returned measure is edited and submitted again. Editing an accepted measure sends
it back to submitted."""

from sykkelturen.measures.models import MeasureStatus

FIRST = MeasureStatus.draft  # every new measure: its body has no status

TRANSITIONS: dict[tuple[MeasureStatus, str], MeasureStatus] = {
    (MeasureStatus.draft, "submit"): MeasureStatus.submitted,
    (MeasureStatus.returned, "submit"): MeasureStatus.submitted,
    (MeasureStatus.submitted, "accept"): MeasureStatus.accepted,
    (MeasureStatus.submitted, "return"): MeasureStatus.returned,
}

WHY_NOT: dict[tuple[MeasureStatus, str], str] = {
    (MeasureStatus.submitted, "submit"): "It is already submitted; NF reviews it next.",
    (MeasureStatus.accepted, "submit"): "It is accepted; edit it to send it for review again.",
    (MeasureStatus.draft, "accept"): "Only a submitted measure can be accepted.",
    (MeasureStatus.draft, "return"): "Only a submitted measure can be returned.",
    (MeasureStatus.accepted, "accept"): "It is already accepted.",
    (MeasureStatus.accepted, "return"): "It is accepted; edit it to send it for review again.",
    (MeasureStatus.returned, "accept"): "It was returned; the county submits it again first.",
    (MeasureStatus.returned, "return"): "It is already returned.",
}


def next_status(current: MeasureStatus, action: str) -> MeasureStatus | None:
    return TRANSITIONS.get((current, action))


def why_not(current: MeasureStatus, action: str) -> str:
    return WHY_NOT.get((current, action), f"Cannot {action} a {current} measure.")


def after_edit(current: MeasureStatus) -> MeasureStatus:
    return MeasureStatus.submitted if current == MeasureStatus.accepted else current

"""What a stage needs and whether it has it, pure: the one home of "pilots default to one
per bike" and of "staffed to need" (a role is short while fewer are confirmed than needed),
read by the stage service, staffing and the phase checklists alike."""

from collections.abc import Mapping

from sykkelturen.stages.models import StageNeeds


def pilots_needed(needs: StageNeeds, bikes: int) -> int:
    """The pilots asked for, or one per bike when the stage does not say."""
    return needs.pilots if needs.pilots is not None else bikes


def riders_needed(needs: StageNeeds, bikes: int) -> dict[str, int]:
    """Riders needed by role: pilots, cyclists, passengers."""
    return {
        "pilot": pilots_needed(needs, bikes),
        "cyclist": needs.cyclists,
        "passenger": needs.passengers,
    }


def team_needed(needs: StageNeeds) -> dict[str, int]:
    return {str(role): count for role, count in needs.team.items()}


def missing(needed: int, confirmed: int) -> int:
    """How many are still to be confirmed; more confirmed than needed is not a debt."""
    return max(needed - confirmed, 0)


def short(needed: Mapping[str, int], confirmed: Mapping[str, int]) -> tuple[str, ...]:
    """The roles not staffed to need, in the order `needed` lists them."""
    return tuple(role for role, count in needed.items() if missing(count, confirmed.get(role, 0)))

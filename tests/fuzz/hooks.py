"""Schemathesis checks of our own, loaded through `hooks` in schemathesis.toml."""

import json

import schemathesis
from schemathesis import Case, CheckContext, Response

# Our own validators (phone numbers, time zones, "lat and lon, or km") raise these; they
# check what JSON Schema cannot say. Every other validation error type is a constraint the
# document states, so a request generated from the document must never trip one.
RULE_ERROR_TYPES = {"value_error", "assertion_error"}


def _breaks_the_document(problem: dict[str, object]) -> bool:
    code = problem.get("code")
    if code is None or code == "malformed_json":
        return True
    if code != "validation_failed":
        return False  # a rule of the domain: a stale ETag, a date outside a county's week…
    errors = problem.get("errors")
    if not isinstance(errors, list):
        return True
    return any(error.get("type") not in RULE_ERROR_TYPES for error in errors)


@schemathesis.check
def refusals_of_valid_data_name_a_rule(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 412, 422):
        return None
    try:
        problem = json.loads(response.content)
    except ValueError:
        problem = {}
    if _breaks_the_document(problem):
        raise AssertionError(
            f"A request valid by the document was refused with {response.status_code}: "
            f"{response.content[:500]!r}"
        )
    return None

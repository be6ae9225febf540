"""Schemathesis checks of our own, loaded through `hooks` in schemathesis.toml."""

import json
from typing import Any

import schemathesis
from hypothesis import strategies as st
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


def _fed_a_null_by_a_link(case: Case[Any]) -> bool:
    """A stateful link copies a response field into a path: a null `stage_id` (a person's
    calendar subscription has none) becomes `/stages/null/…`, which no document allows."""
    return any(value in (None, "null") for value in (case.path_parameters or {}).values())


@schemathesis.check
def refusals_of_valid_data_name_a_rule(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or _made_hostile(case):
        return None
    if _fed_a_null_by_a_link(case):
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


# --- Hostile variants of generated requests (issue 13) ---------------------------------
# JSON Schema generation never nests deeper than the schema, never writes a date-time that
# overflows on its way to UTC, and respects the documented text patterns. A share of the
# generated cases is therefore made hostile here; the service must answer each with a 4xx
# problem (never a 5xx), which the checks above and Schemathesis's own then judge.

HOSTILE_TEXT = ["\x00", "\x1b[31m", "line\nbreak", "\x85", "\ufffe", "Første – Ålesund 日本"]
EXTREME_DATETIMES = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T00:00:00",
]
NESTING = 700  # 600–900 levels passed the parser and overflowed the stack after it


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _hostile_bodies(body: dict[str, Any]) -> list[dict[str, Any]]:
    texts = [key for key, value in body.items() if isinstance(value, str)]
    times = [key for key in body if key.endswith("_at")]
    variants = [body | {next(iter(body), "x"): _nested(NESTING)}]
    variants += [body | {key: text} for key in texts[:1] for text in HOSTILE_TEXT]
    variants += [body | {key: moment} for key in times[:1] for moment in EXTREME_DATETIMES]
    return variants


@schemathesis.hook
def flatmap_body(ctx: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict) or not body:
        return st.just(body)
    # Seven in ten cases as generated, so the valid paths keep their coverage.
    return st.integers(0, 9).flatmap(
        lambda n: st.just(body) if n < 7 else st.sampled_from(_hostile_bodies(body))
    )


def _hostile_queries(query: dict[str, Any]) -> list[dict[str, Any]]:
    variants = [query | {"countty": "15"}, query | {"note": "Første"}]
    variants += [query | {key: "x\x00"} for key in ("q", "organisation") if key in query]
    variants += [query | {key: m} for key in ("since", "until") for m in EXTREME_DATETIMES]
    return variants


@schemathesis.hook
def flatmap_query(ctx: schemathesis.HookContext, query: Any) -> st.SearchStrategy[Any]:
    if not isinstance(query, dict):
        return st.just(query)
    return st.integers(0, 9).flatmap(
        lambda n: st.just(query) if n < 8 else st.sampled_from(_hostile_queries(query))
    )


def _made_hostile(case: Case[Any]) -> bool:
    """A case the hooks above turned hostile is no longer valid by the document."""
    query = case.query or {}
    if any(key in query for key in ("countty", "note")) or any(
        value in EXTREME_DATETIMES or value == "x\x00" for value in query.values()
    ):
        return True
    body = case.body
    if not isinstance(body, dict):
        return False
    for value in body.values():
        if isinstance(value, str) and (value in HOSTILE_TEXT or value in EXTREME_DATETIMES):
            return True
        if isinstance(value, list) and value and isinstance(value[0], list):
            return True  # the deep nesting (no body of ours holds a list of lists)
    return False

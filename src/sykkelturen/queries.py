"""The query string of every API request, checked before the endpoint runs: each parameter
one the endpoint takes (a typo such as `?countty=15` would otherwise silently widen the
answer to everything), and each value free of control characters."""

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.params import Query
from fastapi.routing import APIRoute

from sykkelturen.problems import FieldError, UnknownQueryParameter, ValidationFailed
from sykkelturen.values import control_character


def known_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameters the route's endpoint and dependencies declare (kept on the
    route after the first request: routes are not hashable)."""
    known: frozenset[str] | None = getattr(route, "_sykkelturen_query_names", None)
    if known is None:
        known = frozenset(
            field.alias
            for field in get_flat_params(route.dependant)
            if isinstance(field.field_info, Query)
        )
        route._sykkelturen_query_names = known  # type: ignore[attr-defined]
    return known


async def check_query_string(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = known_parameters(route)
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        takes = ", ".join(f"`{name}`" for name in sorted(known)) or "no parameters"
        raise UnknownQueryParameter(
            f"Unknown query parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(f'`{name}`' for name in unknown)}; this endpoint takes {takes}.",
            errors=[
                FieldError(field=f"query.{name}", message="Unknown parameter", type="unknown")
                for name in unknown
            ],
        )
    errors = [
        FieldError(
            field=f"query.{name}",
            message=f"Value error, the value holds a control character ({bad})",
            type="value_error",
        )
        for name, value in request.query_params.multi_items()
        if (bad := control_character(value)) is not None
    ]
    if errors:
        raise ValidationFailed("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)

"""The base of every JSON request body: checked as strict JSON before pydantic's lax rules,
bounded in depth, and free of control characters in its text; how a PATCH body lands on a
row; the Content-Encoding a request body may come in."""

from collections.abc import Collection, Mapping
from functools import cache
from typing import Any, Self

from fastapi import Request
from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    TypeAdapter,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticSerializationError, to_json

from sykkelturen.problems import JsonTooDeep, UnsupportedContentEncoding
from sykkelturen.values import MULTILINE_FIELDS, declare_plain_text, refuse_control_characters

# Our bodies nest four levels at most. A deeper one is refused before anything walks it:
# JSON nested 600–900 levels passes the parser but not Python's recursion limit.
MAX_JSON_DEPTH = 32


def plain_text_fields(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """The check itself, for any model: one line of text unless the field is free text."""
    name = info.field_name or ""
    return refuse_control_characters(value, multiline=name in MULTILINE_FIELDS, where=name)


class RequestBody(BaseModel):
    """Base of every JSON request body: validated with JSON's own types as well.

    FastAPI hands pydantic the decoded body in Python mode, whose lax rules would take
    `false` for the integer 0 and `0` for 1970-01-01. Checking the same data as strict
    JSON first refuses what the OpenAPI document does not describe.
    """

    model_config = ConfigDict(json_schema_extra=declare_plain_text)

    @model_validator(mode="wrap")
    @classmethod
    def _as_strict_json(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if isinstance(data, dict):
            if _depth(data) > MAX_JSON_DEPTH:
                # A problem, not a ValueError: it passes pydantic untouched, before any
                # recursive walk (validation, error rendering) could overflow the stack.
                raise JsonTooDeep(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
            try:
                text = to_json(_integral_floats_as_ints(data))
            except PydanticSerializationError as error:  # e.g. a lone UTF-16 surrogate
                raise ValueError("the body is not valid Unicode JSON") from error
            _strict_twin(cls).validate_json(text, strict=True)
        return handler(data)

    _plain_text = field_validator("*", mode="after")(classmethod(plain_text_fields))


def _depth(value: Any) -> int:
    """How deep lists and objects nest, counted without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _integral_floats_as_ints(value: Any) -> Any:
    """JSON Schema counts 216.0 as an integer; strict pydantic would not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    return value


@cache
def _strict_twin(model: type[BaseModel]) -> TypeAdapter[Any]:
    """The model's fields, types and constraints on a plain pydantic model: SQLModel's
    own `__init__` re-validates in lax Python mode, so the model itself cannot check."""
    fields: dict[str, Any] = {
        name: (field.annotation, field) for name, field in model.model_fields.items()
    }
    twin = create_model(model.__name__, __config__=model.model_config, **fields)
    return TypeAdapter(twin)


# --- a PATCH body on a row ----------------------------------------------------------------


def apply_patch(row: object, changes: Mapping[str, Any], *, required: Collection[str]) -> None:
    """Write the fields a PATCH sent onto the row. `null` clears an optional field; on a
    field the row cannot be without (`required`) it leaves the value as it was."""
    for name, value in changes.items():
        if value is not None or name not in required:
            setattr(row, name, value)


# --- Content-Encoding of a request body ------------------------------------------------

# An endpoint that reads gzip bodies says so in its `openapi_extra` (the upload does).
ACCEPTS_CODINGS = "x-accepts-content-encoding"


def content_codings(request: Request) -> list[str]:
    """The body's content codings in the order applied, `identity` left out and `x-gzip`
    read as `gzip` (RFC 9110 §8.4.1.3)."""
    header = request.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    return ["gzip" if c == "x-gzip" else c for c in codings if c != "identity"]


async def check_content_encoding(request: Request) -> None:
    """415 for a body in a coding the endpoint cannot undo, rather than reading gzip or
    deflate bytes as if they were the body itself."""
    codings = content_codings(request)
    if not codings:
        return
    route = request.scope.get("route")
    extra = getattr(route, "openapi_extra", None) or {}
    accepted: list[str] = extra.get(ACCEPTS_CODINGS, [])
    if codings == ["gzip"] and "gzip" in accepted:
        return
    offered = ", ".join(accepted) or "none"
    raise UnsupportedContentEncoding(
        f"Content-Encoding {', '.join(codings)} is not accepted here (accepted: {offered}).",
        headers={"Accept-Encoding": ", ".join(accepted) or "identity"},
    )

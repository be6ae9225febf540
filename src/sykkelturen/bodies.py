"""The base of every JSON request body: checked as strict JSON before pydantic's lax rules."""

from functools import cache
from typing import Any, Self

from pydantic import (
    BaseModel,
    ModelWrapValidatorHandler,
    TypeAdapter,
    create_model,
    model_validator,
)
from pydantic_core import PydanticSerializationError, to_json


class RequestBody(BaseModel):
    """Base of every JSON request body: validated with JSON's own types as well.

    FastAPI hands pydantic the decoded body in Python mode, whose lax rules would take
    `false` for the integer 0 and `0` for 1970-01-01. Checking the same data as strict
    JSON first refuses what the OpenAPI document does not describe.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _as_strict_json(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if isinstance(data, dict):
            try:
                text = to_json(_integral_floats_as_ints(data))
            except PydanticSerializationError as error:  # e.g. a lone UTF-16 surrogate
                raise ValueError("the body is not valid Unicode JSON") from error
            _strict_twin(cls).validate_json(text, strict=True)
        return handler(data)


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

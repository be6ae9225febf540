"""How a PATCH body lands on a row (bodies.apply_patch), the rule every PATCH shares."""

from types import SimpleNamespace

from sykkelturen.bodies import apply_patch


def test_a_null_clears_an_optional_field_and_leaves_a_required_one() -> None:
    row = SimpleNamespace(name="Bygdelag", kind="association", notes="old", phone="123")
    apply_patch(row, {"name": None, "notes": None, "kind": "business"}, required=("name", "kind"))
    assert row == SimpleNamespace(name="Bygdelag", kind="business", notes=None, phone="123")

"""A stage's delete buries what its cascade takes, reading those tables by name: every kind
must name a table that has an id and a stage_id, or a renamed table would go unburied."""

import pytest
from sqlmodel import SQLModel

from sykkelturen import models  # noqa: F401  (every table, registered in the metadata)
from sykkelturen.tombstones.service import _CASCADED


@pytest.mark.parametrize("kind", _CASCADED, ids=str)
def test_each_cascaded_kind_names_a_table_of_the_stage(kind: str) -> None:
    table = SQLModel.metadata.tables[kind]
    assert {"id", "stage_id"} <= set(table.columns.keys())
    (foreign_key,) = (fk for fk in table.foreign_keys if fk.parent.name == "stage_id")
    assert foreign_key.column.table.name == "stage"
    assert foreign_key.ondelete == "CASCADE"

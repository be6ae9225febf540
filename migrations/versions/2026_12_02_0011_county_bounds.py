"""County bounding boxes, so an upload far outside its stage's county gets a warning.

Source: Kartverket, "Administrative enheter – fylker" (Basisdata_0000_Norge_25833_Fylker,
GeoJSON, valid from 2024-01-01, extracted 2023-12-15), CC BY 4.0. Each county's polygons
(sea areas included) were projected from EPSG:25833 to WGS84 with pyproj and their extent
rounded outwards to 0.01°. The 2020–2023 counties that were split in 2024 (30 Viken,
38 Vestfold og Telemark, 54 Troms og Finnmark) take the union of their successors' boxes.

Revision ID: 20261202_13
Revises: 20261202_12b
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261202_13"
down_revision: str | None = "20261202_12b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# number: (min_lat, min_lon, max_lat, max_lon)
BOUNDS = {
    "03": (59.80, 10.48, 60.14, 10.96),
    "11": (58.02, 4.45, 59.85, 7.22),
    "15": (61.92, 4.81, 63.77, 9.37),
    "18": (64.93, 10.57, 69.60, 18.16),
    "30": (58.76, 7.43, 61.10, 11.95),
    "31": (58.76, 10.53, 59.78, 11.83),
    "32": (59.45, 10.19, 60.61, 11.95),
    "33": (59.40, 7.43, 61.10, 10.61),
    "34": (59.84, 7.34, 62.70, 12.88),
    "38": (58.60, 7.09, 60.19, 10.68),
    "39": (58.72, 9.75, 59.68, 10.68),
    "40": (58.60, 7.09, 60.19, 9.97),
    "42": (57.75, 6.14, 59.68, 9.67),
    "46": (59.47, 4.08, 62.39, 8.33),
    "50": (62.25, 7.64, 65.48, 14.33),
    "54": (68.35, 15.59, 71.39, 31.77),
    "55": (68.35, 15.59, 70.71, 22.90),
    "56": (68.55, 20.47, 71.39, 31.77),
}
COLUMNS = ("min_lat", "min_lon", "max_lat", "max_lon")


def upgrade() -> None:
    with op.batch_alter_table("county", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
    county = sa.table(
        "county", sa.column("number", sa.String), *(sa.column(c, sa.Float) for c in COLUMNS)
    )
    for number, box in BOUNDS.items():
        op.execute(
            county.update()
            .where(county.c.number == number)
            .values(dict(zip(COLUMNS, box, strict=True)))
        )


def downgrade() -> None:
    with op.batch_alter_table("county", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

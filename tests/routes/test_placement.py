"""The placement rule as tables: km kept exactly and never past the end; a lat/lon snapped
to the nearest pass, or to the pass nearest `near_km`."""

import pytest

from sykkelturen.gpx.geometry import Snap
from sykkelturen.routes.placement import choose_pass, metres_along
from sykkelturen.routes.problems import KmBeyondRoute


@pytest.mark.parametrize(
    ("km", "length_m", "metres"),
    [
        (0, 27_600.0, 0.0),
        (13.8, 27_600.0, 13_800.0),
        (27.6, 27_600.0, 27_600.0),
        (27.6009, 27_600.0, 27_600.0),  # the finish, rounded to the metre
        (27.6, 27_599.4, 27_599.4),
    ],
)
def test_km_on_the_route_is_kept(km: float, length_m: float, metres: float) -> None:
    assert metres_along(km, length_m) == pytest.approx(metres)


@pytest.mark.parametrize(("km", "length_m"), [(27.602, 27_600.0), (40, 27_600.0), (0.5, 0.0)])
def test_km_past_the_end_is_refused(km: float, length_m: float) -> None:
    with pytest.raises(KmBeyondRoute):
        metres_along(km, length_m)


PASSES = [Snap(18.5, 40.0, 62.0, 7.0), Snap(62.0, 12.0, 62.0, 7.0), Snap(90.0, 150.0, 62.0, 7.0)]


@pytest.mark.parametrize(
    ("near_km", "chosen"),
    [(None, 62.0), (0.0, 18.5), (18.5, 18.5), (40.0, 18.5), (41.0, 62.0), (80.0, 90.0)],
)
def test_the_pass_chosen(near_km: float | None, chosen: float) -> None:
    assert choose_pass(PASSES, near_km).km == chosen

"""Where a place lies on a stage's route: one rule for checkpoints, measures and activities.

- Given as km, it stays exactly there: the point on the line at that distance, never
  re-projected (on a route that passes the same place twice, km 62.0 stays 62.0).
  More than KM_TOLERANCE_M past the route's end is refused (422 `km_beyond_route`), never
  clamped; within it (a km rounded to the metre at the finish) it is the end.
- Given as lat/lon, it snaps to the nearest point of the route. Where the route passes
  within FAR_FROM_ROUTE_M of the place more than once, `near_km` chooses the pass (the
  one nearest that km), and the other passes are kept with their km so the caller sees
  that there was a choice.

Pure: a route line in, a placement out; no database.
"""

from dataclasses import dataclass

from sykkelturen.gpx.geometry import Snap, SnapLine
from sykkelturen.routes.problems import KmBeyondRoute

FAR_FROM_ROUTE_M = 200.0
KM_TOLERANCE_M = 1.0


@dataclass(frozen=True)
class Pass:
    km: float
    offset_m: float


@dataclass(frozen=True)
class Placement:
    km: float
    offset_m: float
    lat: float
    lon: float
    other_passes: tuple[Pass, ...] = ()


def metres_along(km: float, length_m: float) -> float:
    """`km` as metres along a route `length_m` long; past the end is refused."""
    metres = km * 1000
    if metres > length_m + KM_TOLERANCE_M:
        raise KmBeyondRoute(
            f"km {km:g} is past the end of the route, which is {length_m / 1000:.3f} km long."
        )
    return min(metres, length_m)


def choose_pass(passes: list[Snap], near_km: float | None) -> Snap:
    """The nearest pass; with `near_km`, the pass nearest that km."""
    if near_km is None:
        return min(passes, key=lambda p: p.offset_m)
    return min(passes, key=lambda p: (abs(p.km - near_km), p.offset_m))


def by_km(line: SnapLine, km: float) -> Placement:
    metres = metres_along(km, line.length_m)
    lat, lon = line.at(metres)
    return Placement(km=metres / 1000, offset_m=0.0, lat=lat, lon=lon)


def by_point(line: SnapLine, lat: float, lon: float, *, near_km: float | None = None) -> Placement:
    passes = line.passes(lat, lon, within_m=FAR_FROM_ROUTE_M)
    chosen = choose_pass(passes, near_km)
    return Placement(
        km=chosen.km,
        offset_m=chosen.offset_m,
        lat=lat,
        lon=lon,
        other_passes=tuple(Pass(p.km, p.offset_m) for p in passes if p is not chosen),
    )

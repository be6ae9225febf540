"""A hardened, streaming GPX reader: untrusted bytes in, compact arrays out.

Never hands untrusted bytes to gpxpy (quadratic namespace regex, a process-wide prefix
table that only grows, exceptions that escape). lxml's iterparse streams the document
with entity resolution, DTD loading, network access and huge trees off, and any DOCTYPE
is refused before parsing. Each element is cleared after use, so memory stays near the
size of the arrays, not of the tree.
"""

import io
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from lxml import etree

MAX_DEPTH = 32
MAX_TEXT = 64 * 1024

_POINT_TAGS = {"trkpt": "track", "rtept": "route"}


class GpxRefused(Exception):
    # A refusal, answered as a 4xx problem by the route service.
    """The upload is not a GPX file we can plan on; `code` says why, stably."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ReadWarning:
    code: str
    message: str
    point_index: int | None = None


@dataclass(frozen=True)
class Waypoint:
    lat: float
    lon: float
    name: str | None
    kind: str | None
    description: str | None


@dataclass
class GpxLine:
    """The line to plan on, joined from the file's tracks (or routes), in file order."""

    lat: np.ndarray
    lon: np.ndarray
    ele: np.ndarray  # NaN where a point has no elevation
    time: np.ndarray  # seconds since the epoch, NaN where a point has no time
    source: str  # "track" or "route"
    name: str | None
    segment_starts: list[int] = field(default_factory=list)  # index of each segment's first point
    waypoints: list[Waypoint] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)

    @property
    def point_count(self) -> int:
        return int(self.lat.size)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _coordinate(element: etree._Element, name: str, low: float, high: float, index: int) -> float:
    raw = element.get(name)
    if raw is None:
        raise GpxRefused("coordinate_missing", f"Point {index} has no {name}.")
    try:
        value = float(raw)
    except ValueError:
        raise GpxRefused(
            "coordinate_invalid", f"Point {index}: {name}={raw[:40]!r} is not a number."
        ) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise GpxRefused(
            "coordinate_invalid", f"Point {index}: {name}={raw[:40]!r} is out of range."
        )
    return value


def _float_or_nan(text: str | None) -> float:
    if text is None or not text.strip():
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _epoch_or_nan(text: str | None) -> float:
    if text is None or not text.strip():
        return math.nan
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return math.nan
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # GPX times are UTC; a zone-less one is read so
    return moment.timestamp()


def _prepare(data: bytes) -> bytes:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (
        b"\x00\x00\xfe\xff",
        b"\xff\xfe\x00\x00",
    ):
        raise GpxRefused(
            "unsupported_encoding", "UTF-16 and UTF-32 files are not accepted; save as UTF-8."
        )
    if b"\x00" in data:
        raise GpxRefused("not_xml", "The file contains NUL bytes; it is not a GPX text file.")
    body = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not body.startswith(b"<"):
        raise GpxRefused("not_xml", "The file is not XML.")
    head = body[:4096].lower()
    if b"<html" in head or b"<!doctype html" in head:
        raise GpxRefused("not_gpx", "The file is an HTML page, not GPX.")
    if b"<!doctype" in body.lower() or b"<!entity" in body.lower():
        raise GpxRefused(
            "doctype_refused", "GPX files have no DOCTYPE; files with one are refused."
        )
    return body


class _Points:
    """Coordinates, elevations and times of one kind of line, with its segment starts."""

    def __init__(self) -> None:
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.ele: list[float] = []
        self.time: list[float] = []
        self.starts: list[int] = []

    def add(self, lat: float, lon: float, children: dict[str, str | None]) -> None:
        self.lat.append(lat)
        self.lon.append(lon)
        self.ele.append(_float_or_nan(children.get("ele")))
        self.time.append(_epoch_or_nan(children.get("time")))


class _Collector:
    """The state of one streaming read: what each start and end event adds."""

    def __init__(self, *, max_points: int, track: int | None) -> None:
        self.max_points = max_points
        self.track = track
        self.track_index = -1
        self.tracks = _Points()
        self.routes = _Points()
        self.waypoints: list[Waypoint] = []
        self.names: list[str] = []
        self.depth = 0
        self.root_seen = False
        self.points_seen = 0

    def wanted(self) -> bool:
        return self.track is None or self.track == self.track_index

    def start(self, name: str) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise GpxRefused("too_deep", f"Elements are nested deeper than {MAX_DEPTH} levels.")
        if not self.root_seen:
            self.root_seen = True
            if name != "gpx":
                raise GpxRefused("not_gpx", f"The root element is <{name}>, not <gpx>.")
        if name == "trk":
            self.track_index += 1
        elif name == "trkseg" and self.wanted():
            self.tracks.starts.append(len(self.tracks.lat))
        elif name == "rte":
            self.routes.starts.append(len(self.routes.lat))

    def end(self, element: etree._Element, name: str) -> None:
        self.depth -= 1
        if element.text is not None and len(element.text) > MAX_TEXT:
            raise GpxRefused("text_too_long", f"<{name}> holds more than {MAX_TEXT:,} characters.")
        if name in _POINT_TAGS or name == "wpt":
            self.point(element, name)
        elif name == "name" and element.text and element.text.strip():
            parent = element.getparent()
            owner = _local(parent.tag) if parent is not None else ""
            if owner == "rte" or (owner == "trk" and self.wanted()):
                self.names.append(element.text.strip())
        if name in _POINT_TAGS or name in ("wpt", "trkseg", "trk", "rte", "metadata"):
            # Free what has been read so memory stays flat however long the file.
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]

    def point(self, element: etree._Element, name: str) -> None:
        self.points_seen += 1
        if self.points_seen > self.max_points:
            raise GpxRefused(
                "too_many_points", f"The file has more than {self.max_points:,} points."
            )
        index = self.points_seen - 1
        lat = _coordinate(element, "lat", -90.0, 90.0, index)
        lon = _coordinate(element, "lon", -180.0, 180.0, index)
        children = {_local(child.tag): child.text for child in element}
        if name == "wpt":
            self.waypoints.append(
                Waypoint(
                    lat=lat,
                    lon=lon,
                    name=(children.get("name") or "").strip() or None,
                    kind=(children.get("type") or "").strip() or None,
                    description=(children.get("desc") or "").strip() or None,
                )
            )
        elif name == "trkpt":
            if self.wanted():
                self.tracks.add(lat, lon, children)
        else:
            self.routes.add(lat, lon, children)

    def line(self) -> GpxLine:
        if self.track is not None and self.track > self.track_index:
            raise GpxRefused(
                "track_not_found",
                f"The file has {self.track_index + 1} tracks; there is no track {self.track}.",
            )
        points, source = self.tracks, "track"
        if not points.lat and self.routes.lat:
            points, source = self.routes, "route"
        if not points.lat:
            what = "only waypoints" if self.waypoints else "no track or route"
            raise GpxRefused("no_line", f"The file has {what}; a stage needs a line to plan on.")
        line = GpxLine(
            lat=np.asarray(points.lat, dtype=np.float64),
            lon=np.asarray(points.lon, dtype=np.float64),
            ele=np.asarray(points.ele, dtype=np.float64),
            time=np.asarray(points.time, dtype=np.float64),
            source=source,
            name=self.names[0] if self.names else None,
            segment_starts=sorted({s for s in points.starts if s < len(points.lat)}) or [0],
            waypoints=self.waypoints,
        )
        if np.unique(np.stack([line.lat, line.lon], axis=1), axis=0).shape[0] < 2:
            raise GpxRefused("too_few_points", "The line has fewer than two distinct points.")
        if source == "route":
            line.warnings.append(
                ReadWarning("route_only", "The file has no track; its route points are used.")
            )
        if self.track is None and self.track_index > 0:
            line.warnings.append(
                ReadWarning(
                    "tracks_joined",
                    f"{self.track_index + 1} tracks joined in file order; ?track=N picks one.",
                )
            )
        return line


def read_gpx(data: bytes, *, max_points: int, track: int | None = None) -> GpxLine:
    """Read the line to plan on. `track` picks one `<trk>` (0-based); default: all joined.

    Raises GpxRefused with a stable code for anything that is not a usable GPX file.
    """
    body = _prepare(data)
    collector = _Collector(max_points=max_points, track=track)
    events = etree.iterparse(
        io.BytesIO(body),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for event, element in events:
            name = _local(element.tag)
            if event == "start":
                collector.start(name)
            else:
                collector.end(element, name)
    except etree.XMLSyntaxError as error:
        raise GpxRefused(
            "malformed_xml", f"The file is not well-formed XML: {error.msg}."
        ) from None
    except (UnicodeDecodeError, LookupError) as error:
        raise GpxRefused(
            "bad_encoding", f"The bytes do not match the declared encoding: {error}."
        ) from None
    return collector.line()

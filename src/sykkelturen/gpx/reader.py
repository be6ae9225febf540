"""A hardened, streaming GPX reader: untrusted bytes in, compact arrays out.

Never hands untrusted bytes to gpxpy (quadratic namespace regex, a process-wide prefix
table that only grows, exceptions that escape). lxml's iterparse streams the document
with entity resolution, DTD loading, network access and huge trees off, and any DOCTYPE
is refused before parsing. Each element is cleared after use, so memory stays near the
size of the arrays, not of the tree.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from lxml import etree

# Only name, ele and time texts are read; longer ones are refused. libxml2 itself (huge_tree
# off) refuses text nodes over 10 MB and nesting deeper than 256 anywhere in the file.
MAX_TEXT = 64 * 1024

_DECLARATION = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
_EVENT_TAGS = ("{*}trk", "{*}trkseg", "{*}rte", "{*}trkpt", "{*}rtept", "{*}wpt", "{*}name")


class GpxRefused(Exception):
    """The upload is not a GPX file we can plan on; `code` says why, stably. The route
    service answers it as a 422 problem."""

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
    times_known: int  # how many points carry a time
    first_time: float | None  # seconds since the epoch, of the first and last timed point
    last_time: float | None
    source: str  # "track" or "route"
    name: str | None
    segment_starts: list[int] = field(default_factory=list)  # index of each segment's first point
    # Seconds since the epoch of each point (NaN where it has none); None when no point has.
    times: np.ndarray | None = None
    waypoints: list[Waypoint] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)

    @property
    def point_count(self) -> int:
        return int(self.lat.size)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: etree._Element) -> str | None:
    text: str | None = element.text
    if text is not None and len(text) > MAX_TEXT:
        raise GpxRefused(
            "text_too_long", f"<{_local(element.tag)}> holds more than {MAX_TEXT:,} characters."
        )
    return text


def _free(element: etree._Element) -> None:
    """Drop what has been read so memory stays flat however long the file."""
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]


def _epoch(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # GPX times are UTC; a zone-less one is read so
    try:
        return moment.timestamp()
    except (OverflowError, ValueError):
        return None


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
    if _DECLARATION.search(body):
        raise GpxRefused(
            "doctype_refused", "GPX files have no DOCTYPE; files with one are refused."
        )
    return body


class _Points:
    """Coordinates and elevations of one kind of line (track or route), with its segment
    starts; coordinates stay text until the end, when numpy converts them all at once."""

    def __init__(self) -> None:
        self.lat: list[str | None] = []
        self.lon: list[str | None] = []
        self.ele: list[str | None] = []
        self.time: list[str | None] = []
        self.first_time: str | None = None
        self.last_time: str | None = None
        self.times = 0
        self.starts: list[int] = []
        self.closed = 0  # points in the segments already closed

    def close_segment(self) -> None:
        if len(self.lat) > self.closed:
            self.starts.append(self.closed)
        self.closed = len(self.lat)

    def add(self, element: etree._Element, ele_tag: str, time_tag: str) -> None:
        """The hot path: one call per point, so tags are compared whole, not parsed."""
        self.lat.append(element.get("lat"))
        self.lon.append(element.get("lon"))
        ele = time = None
        for child in element:
            tag = child.tag
            if tag == ele_tag:
                ele = child.text
            elif tag == time_tag:
                time = child.text
        if ele is not None and len(ele) > MAX_TEXT:
            raise GpxRefused("text_too_long", f"<ele> holds more than {MAX_TEXT:,} characters.")
        self.ele.append(ele)
        self.time.append(time)
        if time:
            if len(time) > MAX_TEXT:
                raise GpxRefused(
                    "text_too_long", f"<time> holds more than {MAX_TEXT:,} characters."
                )
            self.times += 1
            self.last_time = time
            if self.first_time is None:
                self.first_time = time


def _coordinates(raw: list[str | None], name: str, low: float, high: float) -> np.ndarray:
    """All of one coordinate as floats, refusing missing, non-numeric, NaN, infinite or
    out-of-range values with the index of the first bad point."""
    for index, value in enumerate(raw):
        if value is None:
            raise GpxRefused("coordinate_missing", f"Point {index} has no {name}.")
    try:
        values = np.array(raw, dtype=np.float64)
    except ValueError:
        index = next(i for i, v in enumerate(raw) if not _is_number(v))
        raise GpxRefused(
            "coordinate_invalid", f"Point {index}: {name}={str(raw[index])[:40]!r} is not a number."
        ) from None
    bad = ~(np.isfinite(values) & (values >= low) & (values <= high))
    if bad.any():
        index = int(np.argmax(bad))
        raise GpxRefused(
            "coordinate_invalid", f"Point {index}: {name}={str(raw[index])[:40]!r} is out of range."
        )
    return values


def _is_number(value: str | None) -> bool:
    try:
        float(value or "")
    except ValueError:
        return False
    return True


def _times(raw: list[str | None]) -> np.ndarray:
    """Seconds since the epoch per point, NaN where a time is missing or unreadable."""
    return np.array([_epoch(text) if text else np.nan for text in raw], dtype=np.float64)


def _elevations(raw: list[str | None]) -> np.ndarray:
    values = np.full(len(raw), np.nan)
    for index, text in enumerate(raw):
        if text:
            try:
                values[index] = float(text)
            except ValueError:
                continue
    values[~np.isfinite(values)] = np.nan
    return values


class _Collector:
    """The state of one streaming read. Only end events are read (a start event per point
    would double the work), so a point's track is the number of tracks ended before it."""

    def __init__(self, *, max_points: int, track: int | None) -> None:
        self.max_points = max_points
        self.track = track
        self.tracks_ended = 0
        self.tracks = _Points()
        self.routes = _Points()
        self.waypoints: list[Waypoint] = []
        self.names: list[str] = []
        self.points_seen = 0
        self.namespace(None)

    def namespace(self, root_tag: str | None) -> None:
        """Whole tag names in the root's namespace, for the per-point comparisons."""
        prefix = (
            root_tag[: root_tag.index("}") + 1] if root_tag and root_tag.startswith("{") else ""
        )
        self.trkpt_tag, self.ele_tag, self.time_tag = (
            prefix + "trkpt",
            prefix + "ele",
            prefix + "time",
        )

    def wanted(self) -> bool:
        return self.track is None or self.track == self.tracks_ended

    def count_point(self) -> None:
        self.points_seen += 1
        if self.points_seen > self.max_points:
            raise GpxRefused(
                "too_many_points", f"The file has more than {self.max_points:,} points."
            )

    def track_point(self, element: etree._Element) -> None:
        """The hot path, one call per track point."""
        self.count_point()
        if self.track is None or self.track == self.tracks_ended:
            self.tracks.add(element, self.ele_tag, self.time_tag)
        _free(element)

    def end(self, element: etree._Element, name: str) -> None:
        if name == "trkpt":  # in a namespace other than the root's
            self.track_point(element)
            return
        if name == "name":
            self.line_name(element)
            return  # its parent is still being read
        if name == "rtept":
            self.count_point()
            self.routes.add(element, self.ele_tag, self.time_tag)
        elif name == "wpt":
            self.count_point()
            self.waypoint(element)
        elif name == "trkseg":
            if self.wanted():
                self.tracks.close_segment()
        elif name == "trk":
            self.tracks_ended += 1
        elif name == "rte":
            self.routes.close_segment()
        _free(element)

    def line_name(self, element: etree._Element) -> None:
        text = _text(element)
        parent = element.getparent()
        owner = _local(parent.tag) if parent is not None else ""
        if text and text.strip() and (owner == "rte" or (owner == "trk" and self.wanted())):
            self.names.append(text.strip())

    def waypoint(self, element: etree._Element) -> None:
        children = {_local(child.tag): _text(child) for child in element}
        lat = _coordinates([element.get("lat")], "lat", -90.0, 90.0)[0]
        lon = _coordinates([element.get("lon")], "lon", -180.0, 180.0)[0]
        self.waypoints.append(
            Waypoint(
                lat=float(lat),
                lon=float(lon),
                name=(children.get("name") or "").strip() or None,
                kind=(children.get("type") or "").strip() or None,
                description=(children.get("desc") or "").strip() or None,
            )
        )

    def line(self) -> GpxLine:
        if self.track is not None and self.track >= self.tracks_ended:
            raise GpxRefused(
                "track_not_found",
                f"The file has {self.tracks_ended} tracks; there is no track {self.track}.",
            )
        points, source = self.tracks, "track"
        if not points.lat and self.routes.lat:
            points, source = self.routes, "route"
        if not points.lat:
            what = "only waypoints" if self.waypoints else "no track or route"
            raise GpxRefused("no_line", f"The file has {what}; a stage needs a line to plan on.")
        lat = _coordinates(points.lat, "lat", -90.0, 90.0)
        lon = _coordinates(points.lon, "lon", -180.0, 180.0)
        line = GpxLine(
            lat=lat,
            lon=lon,
            ele=_elevations(points.ele),
            times_known=points.times,
            first_time=_epoch(points.first_time),
            last_time=_epoch(points.last_time),
            source=source,
            name=self.names[0] if self.names else None,
            segment_starts=sorted({s for s in points.starts if s < lat.size}) or [0],
            times=_times(points.time) if points.times else None,
            waypoints=self.waypoints,
        )
        if not np.any((line.lat != line.lat[0]) | (line.lon != line.lon[0])):
            raise GpxRefused("too_few_points", "The line has fewer than two distinct points.")
        if source == "route":
            line.warnings.append(
                ReadWarning("route_only", "The file has no track; its route points are used.")
            )
        if self.track is None and self.tracks_ended > 1:
            line.warnings.append(
                ReadWarning(
                    "tracks_joined",
                    f"{self.tracks_ended} tracks joined in file order; ?track=N picks one.",
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
        events=("end",),
        tag=_EVENT_TAGS,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root_checked = False
    try:
        for _event, element in events:
            if not root_checked:
                # Refuse a KML or an HTML page before reading any of it as points.
                root = element.getroottree().getroot()
                _require_gpx_root(root)
                collector.namespace(root.tag)
                root_checked = True
            if element.tag == collector.trkpt_tag:
                collector.track_point(element)
            else:
                collector.end(element, _local(element.tag))
        _require_gpx_root(events.root)
    except etree.XMLSyntaxError as error:
        message = error.msg or "unreadable"
        if "Excessive depth" in message:
            raise GpxRefused("too_deep", "Elements are nested too deeply.") from None
        if "too long" in message or "Huge" in message:
            raise GpxRefused(
                "text_too_long", "The file holds a text node too long to read."
            ) from None
        raise GpxRefused("malformed_xml", f"The file is not well-formed XML: {message}.") from None
    except (UnicodeDecodeError, LookupError) as error:
        raise GpxRefused(
            "bad_encoding", f"The bytes do not match the declared encoding: {error}."
        ) from None
    return collector.line()


def _require_gpx_root(root: etree._Element | None) -> None:
    name = _local(root.tag) if root is not None and isinstance(root.tag, str) else ""
    if name != "gpx":
        raise GpxRefused("not_gpx", f"The root element is <{name or '?'}>, not <gpx>.")

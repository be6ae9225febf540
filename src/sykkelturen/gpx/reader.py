"""A hardened, streaming GPX reader: untrusted bytes in, compact arrays out.

Never hands untrusted bytes to gpxpy (quadratic namespace regex, a process-wide prefix
table that only grows, exceptions that escape). libxml2 is fed the document a piece at a
time with entity resolution, DTD loading, network access and huge trees off, and any
DOCTYPE is refused before parsing. Structure arrives as parser events; the points of
each segment are taken out in bulk (XPath lists, numpy conversion: no Python work per
point in the common case) and everything finished is deleted after each piece, so memory
stays near the size of the arrays, not of the tree.
"""

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from lxml import etree

# Only name, ele and time texts are read; longer ones are refused. libxml2 itself (huge_tree
# off) refuses text nodes over 10 MB and nesting deeper than 256 anywhere in the file.
MAX_TEXT = 64 * 1024

_DECLARATION = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
# Parser events come for structure only; points are taken from their segments in bulk.
_EVENT_TAGS = ("{*}gpx", "{*}trk", "{*}trkseg", "{*}rte", "{*}wpt", "{*}name")


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
    waypoints: list[Waypoint] = field(default_factory=list)  # the first KEPT_WAYPOINTS
    waypoint_count: int = 0  # all of them
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


# C0 controls XML 1.0 allows (tab, LF, CR) are whitespace; DEL and the C1 controls it
# allows too, but nothing else reads them: a name or description never keeps any.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(text: str | None) -> str | None:
    """A name from a file as the service keeps it: one line, no control characters."""
    if text is None:
        return None
    return " ".join(_INVISIBLE.sub("", text).split()) or None


def free_text(text: str | None) -> str | None:
    """A description from a file: its lines kept, control characters dropped."""
    if text is None:
        return None
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip() or None


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
    if b"!" in body and _DECLARATION.search(body):  # memchr first: the regex is slow
        raise GpxRefused(
            "doctype_refused", "GPX files have no DOCTYPE; files with one are refused."
        )
    return body


# The document is handed to libxml2 this many bytes at a time. After each piece the
# points it completed are taken out in bulk (XPath per segment, numpy per coordinate)
# and deleted, so the tree never holds more than about one piece: memory is the
# arrays (24 bytes a point, 32 with times) plus a tree of CHUNK bytes of XML.
CHUNK = 256 * 1024  # fastest of 64 KB…1 MB, measured with bench/ingest.py
# Waypoints kept as objects (a few hundred bytes each); more are counted, not kept.
KEPT_WAYPOINTS = 1_000

# Elevations on Earth's land and roads lie well inside this; values outside are receiver
# errors or "no data" markers (-9999, -32768) and are read as unknown.
LOWEST_ELEVATION_M = -500.0
HIGHEST_ELEVATION_M = 9_000.0


class _Paths:
    """The XPath expressions that take one kind of point (`trkpt` or `rtept`) out of
    its segment in bulk, in the namespace of the file's root. Each list has one entry
    per point that has the value, in document order; a list is used as it is only when
    it has exactly one entry per point, otherwise the points are read one by one."""

    def __init__(self, point: str, namespace: str | None) -> None:
        prefix, namespaces = ("g:", {"g": namespace}) if namespace else ("", None)

        def path(expression: str) -> etree.XPath:
            return etree.XPath(expression, namespaces=namespaces, smart_strings=False)

        step = f"{prefix}{point}"
        self.count = path(f"count({step})")
        self.points = path(step)
        self.lat = path(f"{step}/@lat")
        self.lon = path(f"{step}/@lon")
        # What a point's `last <ele>`.text is: its first child node, if that is text.
        # (Adjacent text is one node: comments are dropped and CDATA is read as text.)
        self.ele = path(f"{step}/{prefix}ele[last()]/node()[1][self::text()]")
        self.time = path(f"{step}/{prefix}time[last()]/node()[1][self::text()]")
        self.tag = f"{{{namespace}}}{point}" if namespace else point
        self.ele_tag = f"{{{namespace}}}ele" if namespace else "ele"
        self.time_tag = f"{{{namespace}}}time" if namespace else "time"

    @staticmethod
    def last_text(point: etree._Element, tag: str) -> str:
        """The text of a point's last `tag` child ("" for none), as the lists above
        read it."""
        text = None
        for child in point:
            if child.tag == tag:
                text = child.text
        return text or ""


@functools.lru_cache(maxsize=16)
def _paths(point: str, namespace: str | None) -> _Paths:
    """Compiled once per namespace (compiling costs more than reading a small file); lxml
    serialises evaluations of one XPath object, so threads may share them."""
    return _Paths(point, namespace)


@dataclass(frozen=True)
class _Batch:
    """Points of one segment as text, one entry per point ("" where a point has no
    elevation or time); `ele` or `time` empty when no point has one."""

    lat: list[str | None]
    lon: list[str | None]
    ele: list[str]
    time: list[str]


class _Points:
    """Coordinates, elevations and times of one kind of line (track or route), with its
    segment starts, as float arrays made a batch of points at a time."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]] = []
        self.size = 0
        self.first_time: str | None = None
        self.last_time: str | None = None
        self.times = 0  # points with a time
        self.starts: list[int] = []
        self.closed = 0  # points in the segments already closed
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None] | None = None

    def close_segment(self) -> None:
        if self.size > self.closed:
            self.starts.append(self.closed)
        self.closed = self.size

    def extend(self, batch: _Batch) -> None:
        """Add a batch of points as read."""
        count = len(batch.lat)
        ele, time = batch.ele, batch.time
        if ele and max(map(len, ele)) > MAX_TEXT:
            raise GpxRefused("text_too_long", f"<ele> holds more than {MAX_TEXT:,} characters.")
        times = None
        known = len(time) - time.count("")
        if known:
            self.times += known
            self.last_time = next(text for text in reversed(time) if text)
            if self.first_time is None:
                self.first_time = next(text for text in time if text)
            # Times cost a parse per point: only for batches that have any.
            times = _times(time)
        self.parts.append(
            (
                _coordinates(batch.lat, "lat", -90.0, 90.0, self.size),
                _coordinates(batch.lon, "lon", -180.0, 180.0, self.size),
                _elevations(ele) if ele else np.full(count, np.nan),
                times,
            )
        )
        self.size += count

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """Latitudes, longitudes, elevations (NaN where unknown) and times (seconds since
        the epoch, NaN where unknown; None when no point has one) of every point."""
        if self._arrays is None:
            parts = self.parts
            times = None
            if self.times:
                times = np.concatenate(
                    [t if t is not None else np.full(lat.size, np.nan) for lat, _, _, t in parts]
                )
            if not parts:
                self._arrays = (np.empty(0), np.empty(0), np.empty(0), None)
            else:
                self._arrays = (
                    np.concatenate([p[0] for p in parts]),
                    np.concatenate([p[1] for p in parts]),
                    np.concatenate([p[2] for p in parts]),
                    times,
                )
            self.parts = []
        return self._arrays


def _coordinates(
    raw: list[str | None], name: str, low: float, high: float, offset: int = 0
) -> np.ndarray:
    """All of one coordinate as floats, refusing missing, non-numeric, NaN, infinite or
    out-of-range values with the index of the first bad point (`offset` is the index of
    the first in `raw`)."""
    try:
        values = np.array(raw, dtype=np.float64)  # None becomes NaN: see below
    except ValueError:
        _require_present(raw, name, offset)
        index = next(i for i, v in enumerate(raw) if not _is_number(v))
        raise GpxRefused(
            "coordinate_invalid",
            f"Point {offset + index}: {name}={str(raw[index])[:40]!r} is not a number.",
        ) from None
    bad = ~(np.isfinite(values) & (values >= low) & (values <= high))
    if bad.any():
        _require_present(raw, name, offset)
        index = int(np.argmax(bad))
        raise GpxRefused(
            "coordinate_invalid",
            f"Point {offset + index}: {name}={str(raw[index])[:40]!r} is out of range.",
        )
    return values


def _require_present(raw: list[str | None], name: str, offset: int) -> None:
    if None in raw:
        raise GpxRefused("coordinate_missing", f"Point {offset + raw.index(None)} has no {name}.")


def _distinct(points: _Points) -> bool:
    """At least two points with different coordinates."""
    if points.size < 2:
        return False
    lat, lon, _, _ = points.arrays()
    return bool(np.any((lat != lat[0]) | (lon != lon[0])))


def _is_number(value: str | None) -> bool:
    try:
        float(value or "")
    except ValueError:
        return False
    return True


def _elevations(raw: list[str]) -> np.ndarray:
    """The elevations, NaN where unknown or unreadable."""
    try:
        # The common case in one pass: every point has a number (float() as below).
        values = np.fromiter(map(float, raw), dtype=np.float64, count=len(raw))
    except ValueError:
        values = np.full(len(raw), np.nan)
        for index, text in enumerate(raw):
            if text:
                try:
                    values[index] = float(text)
                except ValueError:
                    continue
    values[~np.isfinite(values)] = np.nan
    return values


# Times written the way GPS devices and apps write them, UTC: 2026-06-05T04:00:00Z,
# with a fraction of up to 6 digits or not, with the Z or not. Per layout (its width and
# whether it ends in Z), the lowest and highest character of each position ("0"…"9"
# for digits), and a line break after it.
def _clock_layouts() -> dict[tuple[int, bool], tuple[np.ndarray, np.ndarray]]:
    layouts = {}
    for fraction in ["", *("." + "0" * digits for digits in range(1, 7))]:
        for zone in ("", "Z"):
            low = f"0000-00-00T00:00:00{fraction}{zone}\n"
            high = f"9999-99-99T99:99:99{fraction.replace('0', '9')}{zone}\n"
            layouts[len(low) - 1, bool(zone)] = (
                np.frombuffer(low.encode(), np.uint8),
                np.frombuffer(high.encode(), np.uint8),
            )
    return layouts


_CLOCK_LAYOUTS = _clock_layouts()
_LARGEST_EXACT_US = 2**53  # microseconds that float64 holds exactly (about ±285 years)


def _times(raw: list[str]) -> np.ndarray:
    """Seconds since the epoch per point, NaN where a time is missing or unreadable."""
    bulk = _uniform_times(raw)
    if bulk is not None:
        return bulk
    if max(map(len, raw)) > MAX_TEXT:
        raise GpxRefused("text_too_long", f"<time> holds more than {MAX_TEXT:,} characters.")
    return np.array([_epoch(text) if text else np.nan for text in raw], dtype=np.float64)


def _uniform_times(texts: list[str]) -> np.ndarray | None:
    """The times in one numpy pass when all are written in one of `_CLOCK_LAYOUTS`,
    giving exactly what `_epoch` gives; None for anything else, read one by one."""
    rows = _clock_rows(texts)
    if rows is None:
        return None
    clock = len(texts[0]) - texts[0].endswith("Z")
    try:
        micros = rows.astype(f"S{clock}").astype("datetime64[us]").astype(np.int64)
    except ValueError:
        return None  # a day, hour, minute or second out of range: read one by one
    if np.any(np.abs(micros) >= _LARGEST_EXACT_US):
        return None
    # As datetime.timestamp() computes it: whole microseconds over 10**6, rounded once.
    return micros.astype(np.float64) / 1e6


def _clock_rows(texts: list[str]) -> np.ndarray | None:
    """The times as fixed-width byte strings when every one is in the first one's layout."""
    width = len(texts[0])
    layout = _CLOCK_LAYOUTS.get((width, texts[0].endswith("Z")))
    if layout is None:
        return None
    try:
        joined = ("\n".join(texts) + "\n").encode("ascii")
    except UnicodeEncodeError:
        return None
    if len(joined) != len(texts) * (width + 1):
        return None
    # Every row in the layout, its line break included, means every text is one row:
    # the only line breaks are the ones put between them.
    chars = np.frombuffer(joined, dtype=np.uint8).reshape(len(texts), width + 1)
    low, high = layout
    in_layout = np.all((chars >= low) & (chars <= high))
    year_zero = np.any(np.all(chars[:, :4] == ord("0"), axis=1))  # datetime refuses it
    return chars.view(f"S{width + 1}").ravel() if in_layout and not year_zero else None


def _drop_implausible(values: np.ndarray) -> int:
    """Read elevations outside what Earth has as unknown; how many there were."""
    implausible = (values < LOWEST_ELEVATION_M) | (values > HIGHEST_ELEVATION_M)
    count = int(np.count_nonzero(implausible))
    if count:
        values[implausible] = np.nan
    return count


# Elements whose contents are read when they end: the tidying after each piece of the
# document leaves them whole.
_READ_AT_END = frozenset({"trkpt", "rtept", "wpt", "name"})


class _Collector:
    """The state of one streaming read. Structure (tracks, segments, routes, waypoints,
    names) comes as parser events; points are taken from their segments in bulk."""

    def __init__(self, *, max_points: int, track: int | None) -> None:
        self.max_points = max_points
        self.track = track
        self.tracks_ended = 0
        self.tracks = _Points()
        self.routes = _Points()
        self.waypoints: list[Waypoint] = []
        self.waypoint_count = 0
        self.names: list[str] = []
        self.misplaced: list[str] = []  # parents of tracks or routes not directly in <gpx>
        self.points_seen = 0
        self.namespace(None)

    def namespace(self, root_tag: str | None) -> None:
        """Points are read in the root's namespace (a file has one GPX namespace)."""
        namespace = root_tag[1 : root_tag.index("}")] if root_tag and root_tag[0] == "{" else None
        self.track_paths = _paths("trkpt", namespace)
        self.route_paths = _paths("rtept", namespace)

    def wanted(self) -> bool:
        return self.track is None or self.track == self.tracks_ended

    def count_points(self, count: int) -> None:
        self.points_seen += count
        if self.points_seen > self.max_points:
            raise GpxRefused(
                "too_many_points", f"The file has more than {self.max_points:,} points."
            )

    def take(self, segment: etree._Element, name: str, *, ended: bool) -> None:
        """Read and delete the points of a `<trkseg>` or `<rte>` that the parser has
        finished: all of them once it has ended, else all but the last child (which
        may still be arriving)."""
        children = len(segment)
        done = children if ended else children - 1
        if done <= 0:
            return
        paths, points = (
            (self.track_paths, self.tracks) if name == "trkseg" else (self.route_paths, self.routes)
        )
        last = None if ended else segment[-1]
        if last is not None and last.tag != paths.tag:
            last = None  # the unfinished child is not a point: every point is finished
        count = int(paths.count(segment)) - (last is not None)
        if count:
            self.count_points(count)
            if name == "rte" or self.wanted():
                points.extend(self.batch(segment, paths, count, last))
        del segment[:done]

    def batch(
        self, segment: etree._Element, paths: _Paths, count: int, last: etree._Element | None
    ) -> _Batch:
        """Latitudes, longitudes, elevations and times (as text) of the first `count`
        points of a segment; `last` is a point after them still being parsed."""
        lat: list[str | None] = paths.lat(segment)
        lon: list[str | None] = paths.lon(segment)
        ele: list[str] = paths.ele(segment)
        time: list[str] = paths.time(segment)
        if last is not None:  # its entries, if it has them yet, come last
            lat = lat[: len(lat) - (last.get("lat") is not None)]
            lon = lon[: len(lon) - (last.get("lon") is not None)]
            ele = ele[: len(ele) - bool(paths.last_text(last, paths.ele_tag))]
            time = time[: len(time) - bool(paths.last_text(last, paths.time_tag))]
        # A list with one entry per point is used as it is, an empty one means no point
        # has the value; any other needs the points one by one.
        uneven_ele, uneven_time = (len(values) not in (0, count) for values in (ele, time))
        if len(lat) != count or len(lon) != count or uneven_ele or uneven_time:
            points = paths.points(segment)[:count]
            if len(lat) != count:
                lat = [point.get("lat") for point in points]
            if len(lon) != count:
                lon = [point.get("lon") for point in points]
            if uneven_ele:
                ele = [paths.last_text(point, paths.ele_tag) for point in points]
            if uneven_time:
                time = [paths.last_text(point, paths.time_tag) for point in points]
        return _Batch(lat, lon, ele, time)

    def end(self, element: etree._Element, name: str) -> None:
        if name == "name":
            self.line_name(element)
        elif name == "wpt":
            self.count_points(1)
            self.waypoint_count += 1
            if self.waypoint_count <= KEPT_WAYPOINTS:
                self.waypoint(element)
        elif name == "trkseg":
            self.take(element, name, ended=True)
            if self.wanted():
                self.tracks.close_segment()
        elif name == "trk":
            self.tracks_ended += 1
            self.check_placement(element)
        elif name == "rte":
            self.take(element, name, ended=True)
            self.routes.close_segment()
            self.check_placement(element)

    def tidy(self, root: etree._Element) -> None:
        """After each piece: take the finished points of the open segment and delete
        everything finished along the open path, so memory stays flat however long
        the file (whatever is in it: extensions, unknown elements, misplaced points)."""
        element = root
        while True:
            tag = element.tag
            name = _local(tag) if isinstance(tag, str) else ""
            if name in ("trkseg", "rte"):
                self.take(element, name, ended=False)
                return
            if name in _READ_AT_END or len(element) == 0:
                return
            if len(element) > 1:
                del element[:-1]
            element = element[0]

    def check_placement(self, element: etree._Element) -> None:
        parent = element.getparent()
        if parent is not None and _local(parent.tag) != "gpx":
            self.misplaced.append(f"<{_local(element.tag)}> inside <{_local(parent.tag)}>")

    def line_name(self, element: etree._Element) -> None:
        text = _text(element)
        parent = element.getparent()
        owner = _local(parent.tag) if parent is not None else ""
        name = one_line(text)
        if name and not self.names and (owner == "rte" or (owner == "trk" and self.wanted())):
            self.names.append(name)  # only the first counts: a file may name a million

    def waypoint(self, element: etree._Element) -> None:
        children = {_local(child.tag): _text(child) for child in element}
        lat = _coordinates([element.get("lat")], "lat", -90.0, 90.0)[0]
        lon = _coordinates([element.get("lon")], "lon", -180.0, 180.0)[0]
        self.waypoints.append(
            Waypoint(
                lat=float(lat),
                lon=float(lon),
                name=one_line(children.get("name")),
                kind=one_line(children.get("type")),
                description=free_text(children.get("desc")),
            )
        )

    def line(self) -> GpxLine:
        if self.track is not None and self.track >= self.tracks_ended:
            raise GpxRefused(
                "track_not_found",
                f"The file has {self.tracks_ended} tracks; there is no track {self.track}.",
            )
        points, source = self.tracks, "track"
        warnings: list[ReadWarning] = []
        if not points.size and self.routes.size:
            points, source = self.routes, "route"
        elif not _distinct(points) and _distinct(self.routes):
            points, source = self.routes, "route"
            warnings.append(
                ReadWarning(
                    "track_unusable",
                    "The track has fewer than two distinct points; the file's route is used.",
                )
            )
        if not points.size:
            what = "only waypoints" if self.waypoints else "no track or route"
            raise GpxRefused("no_line", f"The file has {what}; a stage needs a line to plan on.")
        lat, lon, ele, times = points.arrays()
        implausible = _drop_implausible(ele)
        if implausible:
            warnings.append(
                ReadWarning(
                    "elevation_implausible",
                    f"{implausible} elevations lie outside {LOWEST_ELEVATION_M:,.0f}…"
                    f"{HIGHEST_ELEVATION_M:,.0f} m and are read as unknown.",
                )
            )
        if self.misplaced:
            warnings.append(
                ReadWarning(
                    "misplaced_track",
                    f"A line nested where GPX has none is read: {self.misplaced[0]}"
                    + (f" (and {len(self.misplaced) - 1} more)" if len(self.misplaced) > 1 else "")
                    + ".",
                )
            )
        line = GpxLine(
            lat=lat,
            lon=lon,
            ele=ele,
            times_known=points.times,
            first_time=_epoch(points.first_time),
            last_time=_epoch(points.last_time),
            source=source,
            name=self.names[0] if self.names else None,
            segment_starts=sorted({s for s in points.starts if s < lat.size}) or [0],
            times=times,
            waypoints=self.waypoints,
            waypoint_count=self.waypoint_count,
            warnings=warnings,
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


_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    # Whitespace between elements is not kept: fewer nodes to build, search and free.
    # (Text that is only whitespace next to an element inside <name> or <ele> is lost;
    # every text read is stripped anyway.)
    "remove_blank_text": True,
}


def read_gpx(data: bytes, *, max_points: int, track: int | None = None) -> GpxLine:
    """Read the line to plan on. `track` picks one `<trk>` (0-based); default: all joined.

    Raises GpxRefused with a stable code for anything that is not a usable GPX file.
    """
    body = _prepare(data)
    collector = _Collector(max_points=max_points, track=track)
    parser = etree.XMLPullParser(events=("start", "end"), tag=_EVENT_TAGS, **_PARSER_OPTIONS)
    root: etree._Element | None = None
    try:
        for offset in range(0, len(body), CHUNK):
            parser.feed(body[offset : offset + CHUNK])
            root = _handle_events(parser, collector, root)
            if root is not None:
                collector.tidy(root)
        whole = parser.close()
        root = _handle_events(parser, collector, root)  # what the last bytes completed
        _require_gpx_root(root if root is not None else whole)
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


def _handle_events(
    parser: etree.XMLPullParser, collector: _Collector, root: etree._Element | None
) -> etree._Element | None:
    """Feed the collector what the parser finished; the root once it is known."""
    for event, element in parser.read_events():
        if root is None:
            # Refuse a KML or an HTML page before reading any of it as points.
            root = element.getroottree().getroot()
            _require_gpx_root(root)
            collector.namespace(root.tag)
        if event == "end":
            collector.end(element, _local(element.tag))
    return root


def _require_gpx_root(root: etree._Element | None) -> None:
    name = _local(root.tag) if root is not None and isinstance(root.tag, str) else ""
    if name != "gpx":
        raise GpxRefused("not_gpx", f"The root element is <{name or '?'}>, not <gpx>.")

"""Route versions: ingest an upload, keep its original and geometry, measure it, move its
status, and export it."""

import gzip
import hashlib
import io
import itertools
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from sykkelturen.audit import service as audit
from sykkelturen.checkpoints import service as checkpoints
from sykkelturen.checkpoints.models import Checkpoint, CheckpointKind
from sykkelturen.concurrency import check_if_match, etag_of
from sykkelturen.db import utcnow
from sykkelturen.gpx import geometry
from sykkelturen.gpx.reader import GpxLine, GpxRefused, Waypoint, read_gpx
from sykkelturen.gpx.svg import Mark, profile_svg
from sykkelturen.gpx.writer import NamedPlace, Track, line_feature, positions, to_gpx
from sykkelturen.pagination import PageParams, paginate
from sykkelturen.problems import ContentTooLarge
from sykkelturen.routes.measurement import encode_line, measure
from sykkelturen.routes.models import (
    Bounds,
    Handover,
    HazardPublic,
    Hazards,
    Profile,
    ProfilePoint,
    RouteStats,
    RouteStatus,
    RouteVersion,
    RouteVersionPublic,
    RouteWarning,
    UploadResult,
)
from sykkelturen.routes.problems import (
    GpxRejected,
    IllegalRouteTransition,
    RouteNeedsStartAndFinish,
)
from sykkelturen.routes.status import next_status, why_not
from sykkelturen.routes.versions import (
    Line,
    current_version,
    current_versions,
    load_line,
    require_current,
)
from sykkelturen.security import Actor
from sykkelturen.stages.models import Stage
from sykkelturen.stages.problems import StageNotFound
from sykkelturen.texts import Lang, label, phrase
from sykkelturen.tours.models import Tour

SIMPLIFY_MAP_M = 5.0
HANDOVER_GAP_M = 500.0  # a finish farther than this from the next start needs a transfer
GZIP_MAGIC = b"\x1f\x8b"
INFLATE_PIECE = 256 * 1024  # at most what one call to zlib is handed, and gives back


GPX_MEDIA_TYPE = "application/gpx+xml"
# Waypoints a file may bring as checkpoints (`?waypoints=import`): far more than a stage
# has places, few enough that the import stays a short write.
MAX_IMPORTED_WAYPOINTS = 200


@dataclass(frozen=True)
class Upload:
    """An upload as received: the bytes exactly as sent, and where they came from."""

    raw: bytes
    filename: str | None
    note: str | None
    gzip_encoded: bool


def inflate(raw: bytes, *, limit: int, gzip_encoded: bool) -> bytes:
    """The GPX bytes: gunzipped when sent gzip-encoded or starting with the gzip magic,
    member after member (RFC 1952 allows several), refusing (413) as soon as the output
    would pass `limit` and refusing anything after the last member.

    zlib is handed the upload and asked for its text a piece at a time, and the pieces are
    written into one growing buffer that becomes the result without a copy: asked for
    everything at once, zlib gathers its output in blocks and then joins them, holding the
    text twice. (zlib copies what it has not read yet after each call, hence the input is
    handed over in pieces too.)"""
    if not gzip_encoded and not raw.startswith(GZIP_MAGIC):
        return raw
    view = memoryview(raw)
    text = io.BytesIO()
    size = 0
    start = 0  # where the member being inflated begins
    while True:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        fed = start  # how far into `raw` zlib has been handed
        unread: bytes | memoryview = b""
        while not inflater.eof:
            if not unread and fed < len(raw):
                unread = view[fed : fed + INFLATE_PIECE]
                fed += len(unread)
            try:
                piece = inflater.decompress(unread, min(INFLATE_PIECE, limit - size + 1))
            except zlib.error as error:
                raise GpxRejected(
                    f"The gzip data is corrupt: {error}.", code="gpx_bad_gzip"
                ) from None
            size += len(piece)
            if size > limit:
                raise ContentTooLarge(
                    f"The file inflates past the {limit:,} bytes accepted.",
                    code="inflated_too_large",
                )
            text.write(piece)
            unread = inflater.unconsumed_tail
            if not (piece or unread or inflater.eof) and fed == len(raw):
                raise GpxRejected("The gzip data is truncated.", code="gpx_bad_gzip")
        start = fed - len(inflater.unused_data)
        if start == len(raw):
            return text.getvalue()  # the buffer itself, cut to size
        if not raw.startswith(GZIP_MAGIC, start):
            raise GpxRejected(
                f"{len(raw) - start:,} bytes follow the gzip data; send the file alone.",
                code="gpx_bad_gzip",
            )


def version_public(version: RouteVersion) -> RouteVersionPublic:
    return RouteVersionPublic(
        **version.stats,
        version=version.number,
        status=RouteStatus(version.status),
        name=version.name,
        note=version.note,
        sha256=version.sha256,
        original_size=version.original_size,
        original_filename=version.original_filename,
        uploaded_at=version.uploaded_at,
        uploaded_by=version.uploaded_by,
        reported_at=version.reported_at,
        reported_by=version.reported_by,
        finalized_at=version.finalized_at,
        finalized_by=version.finalized_by,
        warnings=[RouteWarning.model_validate(w) for w in version.warnings],
    )


def _resource(stage: Stage, version: RouteVersion) -> audit.Resource:
    return audit.Resource(
        type="route_version",
        id=f"{stage.id}/{version.number}",
        tour_id=stage.tour_id,
        county=stage.county,
    )


def list_versions(
    session: Session, stage: Stage, page: PageParams
) -> tuple[list[RouteVersion], str | None]:
    statement = select(RouteVersion).where(RouteVersion.stage_id == stage.id)
    return paginate(
        session,
        statement,
        page=page,
        order_by=[col(RouteVersion.number)],
        key=lambda v: [v.number],
        descending=True,
    )


_WAYPOINT_KINDS = {kind.value: kind for kind in CheckpointKind}


MAX_NAME = 200  # as every name the service keeps: a checkpoint's, a stage's
MAX_NOTES = 5000  # a checkpoint's notes, where a waypoint's <desc> goes


def _require_importable(waypoints: list[Waypoint], count: int) -> None:
    """Waypoints become checkpoints: they must fit what a checkpoint holds, on every
    database alike (422 here, never a database error)."""
    if count > MAX_IMPORTED_WAYPOINTS:
        raise GpxRejected(
            f"The file has {count:,} waypoints; at most "
            f"{MAX_IMPORTED_WAYPOINTS} are imported as checkpoints.",
            code="gpx_too_many_waypoints",
        )
    for index, waypoint in enumerate(waypoints):
        for element, text, limit in (
            ("name", waypoint.name, MAX_NAME),
            ("type", waypoint.kind, MAX_NAME),
            ("desc", waypoint.description, MAX_NOTES),
        ):
            if text is not None and len(text) > limit:
                raise GpxRejected(
                    f"Waypoint {index}: its <{element}> has {len(text):,} characters; at most "
                    f"{limit:,} fit a checkpoint.",
                    code="gpx_waypoint_text_too_long",
                )


@dataclass(frozen=True)
class PreparedRoute:
    """An upload read, checked and measured: everything a new version needs but its
    number. Made before any database transaction starts."""

    digest: str
    line: GpxLine
    stats: RouteStats
    warnings: list[RouteWarning]
    distance: np.ndarray
    original_gz: bytes
    original_size: int
    filename: str | None
    # What the stored version holds, encoded here rather than while the row lock (or, on
    # SQLite, the database's write lock) is held: the line, its times, the map line, and
    # the snapping index that places checkpoints on it.
    encoded_line: bytes
    point_times: bytes | None
    map_line: list[list[float]]
    snapper: geometry.SnapLine


def prepare_upload(
    upload: Upload,
    *,
    max_inflated_bytes: int,
    max_points: int,
    track: int | None,
    import_waypoints: bool,
    county: str | None = None,
    county_box: Bounds | None = None,
) -> PreparedRoute:
    """Inflate, read and measure an upload: CPU work only, no database."""
    data = inflate(upload.raw, limit=max_inflated_bytes, gzip_encoded=upload.gzip_encoded)
    try:
        line = read_gpx(data, max_points=max_points, track=track)
    except GpxRefused as refused:
        raise GpxRejected(refused.message, code=f"gpx_{refused.code}") from None
    if line.name is not None and len(line.name) > MAX_NAME:
        raise GpxRejected(
            f"The line's <name> has {len(line.name):,} characters; at most {MAX_NAME} are "
            "accepted. Shorten it in the file.",
            code="gpx_name_too_long",
        )
    if import_waypoints:
        _require_importable(line.waypoints, line.waypoint_count)
    stats, warnings, distance = measure(line, county=county, county_box=county_box)
    # The original is kept as the GPX file it is: a gzip upload (already checked whole by
    # `inflate`) is stored as sent, anything else compressed here.
    gzipped = data is not upload.raw
    return PreparedRoute(
        encoded_line=encode_line(line, distance),
        point_times=zlib.compress(line.times.astype("<f8").tobytes(), 1)
        if line.times is not None
        else None,
        map_line=geometry.simplify(line.lat, line.lon, line.ele, SIMPLIFY_MAP_M),
        snapper=geometry.SnapLine(line.lat, line.lon, distance),
        digest=hashlib.sha256(data).hexdigest(),
        line=line,
        stats=stats,
        warnings=warnings,
        distance=distance,
        original_gz=upload.raw if gzipped else gzip.compress(upload.raw, 6),
        original_size=len(data),
        filename=gpx_filename(upload.filename),
    )


def gpx_filename(filename: str | None) -> str | None:
    """The name of the file as it is served: the GPX itself, never its gzip."""
    if not filename:
        return None
    for suffix in (".gz", ".gzip"):
        if filename.lower().endswith(suffix):
            filename = filename[: -len(suffix)]
    return filename or None


def store_upload(
    session: Session,
    *,
    actor: Actor,
    stage_id: int,
    prepared: PreparedRoute,
    note: str | None,
    track: int | None,
    import_waypoints: bool,
    resnap: checkpoints.ResnapPlan | None = None,
) -> UploadResult:
    """The write itself: a short transaction that checks and stores what was prepared
    (`resnap`: where the stage's checkpoints land on the new line, found beforehand)."""
    # Two contacts uploading at once: on PostgreSQL the second waits here until the first
    # commits, then numbers its version after it. (SQLite writers already queue.)
    stage = session.exec(
        select(Stage).where(col(Stage.id) == stage_id).with_for_update()
    ).one_or_none()
    if stage is None:
        raise StageNotFound(f"There is no stage {stage_id}.")
    actor.require_county_write(stage.county)
    current = current_version(session, stage)
    if (
        current is not None
        and current.sha256 == prepared.digest
        and current.stats.get("track") == track
    ):
        result = version_public(current)
        return UploadResult(**result.model_dump(), created=False, checkpoints_imported=0)
    line = prepared.line
    version = RouteVersion(
        stage_id=stage_id,
        number=(current.number + 1) if current is not None else 1,
        sha256=prepared.digest,
        original_gz=prepared.original_gz,
        original_size=prepared.original_size,
        original_filename=prepared.filename,
        original_media_type=GPX_MEDIA_TYPE,
        note=note,
        uploaded_by=actor.name,
        name=line.name,
        stats=prepared.stats.model_dump(mode="json") | {"track": track},
        warnings=[w.model_dump(mode="json") for w in prepared.warnings],
        geometry=prepared.encoded_line,
        point_times=prepared.point_times,
        segment_starts=line.segment_starts,
        map_line=prepared.map_line,
    )
    session.add(version)
    session.flush()
    snapper = prepared.snapper
    checkpoints.resnap_all(session, stage=stage, line=snapper, plan=resnap)
    imported = 0
    if import_waypoints:
        for waypoint in line.waypoints:
            checkpoints.add_checkpoint(
                session,
                actor=actor,
                stage=stage,
                line=snapper,
                name=waypoint.name or waypoint.kind or "Waypoint",
                kind=_WAYPOINT_KINDS.get((waypoint.kind or "").lower(), CheckpointKind.other),
                lat=waypoint.lat,
                lon=waypoint.lon,
                notes=waypoint.description,
            )
            imported += 1
    public = version_public(version)
    audit.record(
        session, actor=actor, action="upload", resource=_resource(stage, version), after=public
    )
    return UploadResult(**public.model_dump(), created=True, checkpoints_imported=imported)


def original_bytes(version: RouteVersion) -> bytes:
    """The GPX file exactly as uploaded, without any gzip it was sent in."""
    data = gzip.decompress(version.original_gz)
    if data.startswith(GZIP_MAGIC):
        # Versions stored before originals were kept as GPX hold the gzip upload itself.
        data = gzip.decompress(data)
    return data


def change_status(
    session: Session, *, actor: Actor, stage: Stage, action: str, if_match: str
) -> RouteVersion:
    """report or finalize the current version: a versioned write based on the ETag of the
    route (`GET …/route`) the caller read, so nobody reports a version they have not seen."""
    actor.require_county_write(stage.county)
    # Serialised with uploads (see upload_route): the version checked is the one changed.
    session.exec(select(Stage.id).where(col(Stage.id) == stage.id).with_for_update())
    version = require_current(session, stage)
    before = version_public(version)
    check_if_match(if_match, etag_of(before))
    status = RouteStatus(version.status)
    new = next_status(status, action)
    if new is None:
        raise IllegalRouteTransition(why_not(status, action))
    if new == RouteStatus.final:
        kinds = {
            c.kind
            for c in session.exec(select(Checkpoint).where(Checkpoint.stage_id == stage.id)).all()
        }
        missing = [k for k in ("start", "finish") if k not in kinds]
        if missing:
            raise RouteNeedsStartAndFinish(
                f"A final route needs start and finish checkpoints; add: {', '.join(missing)}."
            )
    version.status = new
    if new == RouteStatus.reported:
        version.reported_at, version.reported_by = utcnow(), actor.name
    else:
        version.finalized_at, version.finalized_by = utcnow(), actor.name
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        resource=_resource(stage, version),
        before=before,
        after=version_public(version),
    )
    return version


# --- exports and analysis ---------------------------------------------------------------


def _places(session: Session, stage: Stage) -> list[NamedPlace]:
    return [
        NamedPlace(name=c.name, kind=c.kind, lat=c.lat, lon=c.lon, description=c.notes)
        for c in checkpoints.ordered(session, stage)
    ]


def route_gpx(session: Session, stage: Stage, version: RouteVersion) -> str:
    """The stage's name (never the file's own), its segments as uploaded, times kept."""
    line = load_line(version)
    return to_gpx(
        name=phrase("stage", Lang.nb, sequence=stage.sequence, name=stage.name),
        description=f"Ruteversjon {version.number} "
        f"({label('route_status', version.status, Lang.nb)})",
        tracks=[
            Track(
                name=stage.name,
                lat=line.lat,
                lon=line.lon,
                ele=line.ele,
                times=line.times,
                segment_starts=tuple(line.segment_starts),
            )
        ],
        places=_places(session, stage),
    )


def route_geojson(stage: Stage, version: RouteVersion, simplify_m: float | None) -> dict[str, Any]:
    line = load_line(version)
    if simplify_m:
        coordinates = geometry.simplify(line.lat, line.lon, line.ele, simplify_m)
    else:
        coordinates = positions(line.lat, line.lon, line.ele)
    stats = version_public(version).model_dump(mode="json", exclude={"warnings", "name"})
    # The map shows the stage's own name; the uploaded file's `<name>` is kept apart.
    properties = stats | {
        "stage_id": stage.id,
        "sequence": stage.sequence,
        "name": stage.name,
        "file_name": version.name,
    }
    return line_feature(coordinates, properties)


def profile(version: RouteVersion, points: int) -> Profile:
    line = load_line(version)
    pairs = geometry.downsample_profile(line.distance, line.ele, points)
    return Profile(
        version=version.number,
        distance_m=version.stats["distance_m"],
        min_elevation_m=version.stats["min_elevation_m"],
        max_elevation_m=version.stats["max_elevation_m"],
        points=[ProfilePoint(km=round(d / 1000, 3), ele=round(e, 1)) for d, e in pairs],
    )


def profile_picture(
    session: Session, stage: Stage, version: RouteVersion, lang: Lang, *, public_only: bool = False
) -> str:
    """The elevation profile in Norwegian; `public_only` leaves out hazard places (the
    press sheet's picture)."""
    line = load_line(version)
    pairs = geometry.downsample_profile(line.distance, line.ele, 800)
    stats = version.stats
    km = f"{stats['distance_m'] / 1000:.1f}".replace(".", ",")
    status = label("route_status", version.status, lang)
    if pairs:
        subtitle = phrase(
            "profile_subtitle",
            lang,
            km=km,
            up=f"{stats['ascent_m']:.0f}",
            down=f"{stats['descent_m']:.0f}",
            version=version.number,
            status=status,
        )
    else:
        subtitle = phrase(
            "profile_subtitle_flat",
            lang,
            km=km,
            missing=phrase("no_elevation", lang),
            version=version.number,
            status=status,
        )
    return profile_svg(
        title=phrase("stage", lang, sequence=stage.sequence, name=stage.name),
        subtitle=subtitle,
        distance_km=stats["distance_m"] / 1000,
        points=[(d / 1000, e) for d, e in pairs],
        marks=[
            Mark(km=c.km, label=c.name)
            for c in checkpoints.ordered(session, stage)
            if c.km is not None and not (public_only and c.kind == CheckpointKind.hazard)
        ],
        no_elevation=phrase("no_elevation_long", lang),
    )


def hazards(version: RouteVersion) -> Hazards:
    return Hazards(
        version=version.number,
        threshold_percent=geometry.HAZARD_GRADE * 100,
        window_m=geometry.HAZARD_WINDOW_M,
        min_length_m=geometry.HAZARD_MIN_LENGTH_M,
        items=hazard_items(load_line(version)),
    )


def hazard_items(line: Line) -> list[HazardPublic]:
    """The steep climbs and descents of a route line."""
    return [
        HazardPublic(
            kind=h.kind,
            km_from=round(h.from_m / 1000, 3),
            km_to=round(h.to_m / 1000, 3),
            length_m=round(h.length_m, 1),
            average_grade_percent=round(h.average_grade * 100, 1),
            steepest_grade_percent=round(h.steepest_grade * 100, 1),
        )
        for h in geometry.hazards(line.distance, line.ele)
    ]


def handovers(session: Session, tour: Tour) -> list[Handover]:
    stages = session.exec(
        select(Stage).where(Stage.tour_id == tour.id).order_by(col(Stage.sequence))
    ).all()
    versions = current_versions(session, tour.id)
    result = []
    for before, after in itertools.pairwise(stages):
        assert before.id is not None
        assert after.id is not None
        first, second = versions.get(before.id), versions.get(after.id)
        result.append(
            handover(
                before=HandoverSide(before.id, before.sequence, first.stats if first else None),
                after=HandoverSide(after.id, after.sequence, second.stats if second else None),
                transfer=before.transfer_after,
            )
        )
    return result


@dataclass(frozen=True)
class HandoverSide:
    """A stage at a handover: its id, sequence and current route's stats (None: no route)."""

    stage_id: int
    sequence: int
    stats: dict[str, Any] | None


def handover(
    *, before: HandoverSide, after: HandoverSide, transfer: dict[str, Any] | None
) -> Handover:
    """The gap from one stage's finish to the next one's start, and whether a transfer
    covers it."""
    gap: float | None = None
    reason: str | None = None
    if before.stats is None or after.stats is None:
        reason = "A stage has no route yet."
    else:
        end, start = before.stats["end"], after.stats["start"]
        _, _, metres = geometry.GEOD.inv(end["lon"], end["lat"], start["lon"], start["lat"])
        gap = round(float(metres), 1)
    flagged = gap is not None and gap > HANDOVER_GAP_M and transfer is None
    if flagged:
        reason = f"{gap:,.0f} m between finish and next start, and no transfer is declared."
    return Handover(
        from_stage_id=before.stage_id,
        from_sequence=before.sequence,
        to_stage_id=after.stage_id,
        to_sequence=after.sequence,
        gap_m=gap,
        transfer=transfer,
        flagged=flagged,
        reason=reason,
    )

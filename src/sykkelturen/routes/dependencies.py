"""Reading an upload off the wire, before any database transaction: which stage it is for
(a short read of its own), and its bytes, bounded."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlmodel import Session
from starlette.datastructures import UploadFile

from sykkelturen.bodies import content_codings
from sykkelturen.counties.models import County
from sykkelturen.problems import (
    FieldError,
    UnsupportedContentEncoding,
    UnsupportedMediaType,
    ValidationFailed,
)
from sykkelturen.routes.models import Bounds
from sykkelturen.routes.problems import MissingFile
from sykkelturen.routes.service import Upload
from sykkelturen.security import CountyWriter
from sykkelturen.stages import service as stages
from sykkelturen.values import MAX_ID, control_character

RAW_MEDIA_TYPES = {
    "application/gpx+xml",
    "application/xml",
    "text/xml",
    "application/octet-stream",
    "application/gzip",
    "application/x-gzip",
}


@dataclass(frozen=True)
class UploadTarget:
    stage_id: int
    county: str
    county_box: Bounds | None


def stage_to_upload_to(
    request: Request, actor: CountyWriter, stage_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> UploadTarget:
    """404 or 403 before the body is read, from a read that ends at once: on SQLite the
    request's own transaction would hold the write lock while the body arrives."""
    with Session(request.app.state.engine) as session:
        stage = stages.get_stage(session, stage_id)
        actor.require_county_write(stage.county)
        county = session.get(County, stage.county)
    box = None
    if county is not None and county.min_lat is not None:
        box = Bounds(
            min_lat=county.min_lat,
            min_lon=county.min_lon,
            max_lat=county.max_lat,
            max_lon=county.max_lon,
        )
    return UploadTarget(stage_id=stage_id, county=stage.county, county_box=box)


UploadTargetDep = Annotated[UploadTarget, Depends(stage_to_upload_to)]


def _refuse_control_characters(field: str, text: str) -> None:
    bad = control_character(text)
    if bad is not None:
        message = f"Value error, the text holds a control character or line break ({bad})"
        raise ValidationFailed(
            f"{field}: {message}",
            errors=[FieldError(field=field, message=message, type="value_error")],
        )


async def read_upload(
    request: Request,
    note: Annotated[str | None, Query(max_length=2000, description="Why this version.")] = None,
) -> Upload:
    """The upload's bytes exactly as sent. The app-wide body limit has already bounded them;
    the (CPU-bound) parse happens later, in the endpoint's worker thread."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    codings = content_codings(request)
    if media_type == "multipart/form-data":
        if codings:
            # A Content-Encoding covers the whole body (RFC 9110 §8.4), the multipart
            # framing too, which is read only as it is; a gzip file inside the part is
            # recognised by its magic bytes.
            raise UnsupportedContentEncoding(
                f"Content-Encoding {', '.join(codings)} would cover the whole multipart "
                "body, which is read only as it is: send it unencoded (a gzip file in the "
                "`file` part is recognised by its magic bytes).",
                headers={"Accept-Encoding": "identity"},
            )
        async with request.form(max_files=1, max_fields=5) as form:
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise MissingFile("Send the GPX file in the multipart field `file`.")
            filename = file.filename or None
            if filename is not None:
                _refuse_control_characters("body.file.filename", filename)
            form_note = form.get("note")
            if isinstance(form_note, str) and form_note:
                _refuse_control_characters("body.note", form_note)
            return Upload(
                raw=await file.read(),
                # The part's own Content-Type says nothing the service trusts: a GPX
                # original is served as GPX whatever the browser labelled it.
                filename=filename and filename[:255],
                note=note
                or (form_note[:2000] if isinstance(form_note, str) and form_note else None),
                gzip_encoded=False,
            )
    if media_type not in RAW_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Send the GPX file as {', '.join(sorted(RAW_MEDIA_TYPES))} or multipart/form-data "
            f"with a `file` field, not {media_type or 'no Content-Type'}."
        )
    return Upload(
        raw=await request.body(), filename=None, note=note, gzip_encoded=codings == ["gzip"]
    )


UploadDep = Annotated[Upload, Depends(read_upload)]

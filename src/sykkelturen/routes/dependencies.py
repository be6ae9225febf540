"""Reading an upload off the wire: a raw GPX body or a multipart `file`, bounded."""

from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.datastructures import UploadFile

from sykkelturen.problems import UnsupportedMediaType
from sykkelturen.routes.problems import MissingFile
from sykkelturen.routes.service import Upload

RAW_MEDIA_TYPES = {
    "application/gpx+xml",
    "application/xml",
    "text/xml",
    "application/octet-stream",
    "application/gzip",
    "application/x-gzip",
}


async def read_upload(
    request: Request,
    note: Annotated[str | None, Query(max_length=2000, description="Why this version.")] = None,
) -> Upload:
    """The upload's bytes exactly as sent. The app-wide body limit has already bounded them;
    the (CPU-bound) parse happens later, in the endpoint's worker thread."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    gzip_encoded = request.headers.get("content-encoding", "").strip().lower() == "gzip"
    if media_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=5) as form:
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise MissingFile("Send the GPX file in the multipart field `file`.")
            form_note = form.get("note")
            return Upload(
                raw=await file.read(),
                media_type=(file.content_type or "application/gpx+xml").split(";")[0],
                filename=(file.filename or None) and file.filename[:255],
                note=note
                or (form_note[:2000] if isinstance(form_note, str) and form_note else None),
                gzip_encoded=gzip_encoded,
            )
    if media_type not in RAW_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Send the GPX file as {', '.join(sorted(RAW_MEDIA_TYPES))} or multipart/form-data "
            f"with a `file` field, not {media_type or 'no Content-Type'}."
        )
    return Upload(
        raw=await request.body(),
        media_type=media_type,
        filename=None,
        note=note,
        gzip_encoded=gzip_encoded,
    )


UploadDep = Annotated[Upload, Depends(read_upload)]

"""Evidence: the list and upload page, one exhibit, and its content for viewing.

Uploads arrive one file per request as the raw body (no multipart: Starlette would
spool a large part to a temp file, in plaintext). The body is handed, piece by piece,
to the blob store running in a worker thread through :class:`BodyPipe`, which holds
at most a few MiB: whatever the file's size, nothing but ciphertext reaches the disk.
File name and details travel URL-encoded in headers, never in the query string,
which servers write to their access logs.

Recordings of many gigabytes are normal evidence, so the size cap is generous (4 GiB per
file unless ``serve --max-upload`` says otherwise) and counted while the body streams in, so
a sender that lies about its length or sends none is stopped at the limit too. A file is
also refused before any of it is read when the disk does not have room for it.

Viewing streams decrypted bytes straight from the blob (HTTP Range for seeking in
audio and video). Only images, audio, video and PDF are ever shown inline; anything
else (HTML, SVG, text, unknown) is sent as an ``application/octet-stream`` download,
so a hostile file can never run inside SafeTrail's pages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from functools import partial
from typing import Any, BinaryIO, cast

import anyio
from fastapi import APIRouter, Depends, Request
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response, StreamingResponse

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.services import evidence
from safetrail.storage.records import Record
from safetrail.web.deps import CASE_ROUTES, Case, case_provider, local_time
from safetrail.web.security import require_csrf
from safetrail.web.state import AppState
from safetrail.web.streams import (
    BodyPipe,
    Unsatisfiable,
    byte_range,
    content_length,
    disposition,
    header_text,
    modified_at,
    too_large_error,
)
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

DRAIN_LIMIT = 16 * 1024 * 1024  # a refused upload this small is read to the end first


# -- pages ------------------------------------------------------------------------------


@router.get("/evidence")
def evidence_page(request: Request, ctx: Case) -> Response:
    items = evidence.list_with_incidents(ctx)
    # from "Add a photo … to I-0012" after a quick record: the upload form names it already
    chosen = (request.query_params.get("incident") or "").strip()[:40]
    return render(
        request,
        "evidence.html",
        title_key="evidence",
        items=items,
        incident=chosen,
        size_text=evidence.human_size,
        local_time=local_time,
    )


@router.get("/evidence/{ref}")
def evidence_item(request: Request, ctx: Case, ref: str) -> Response:
    detail = evidence.evidence_detail(ctx, ref)
    return render(
        request,
        "evidence_item.html",
        title_key="evidence_item",
        item=detail,
        size_text=evidence.human_size,
        local_time=local_time,
    )


# -- upload -----------------------------------------------------------------------------


def _error(exc: SafetrailError, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=status)


@router.post("/evidence/upload", dependencies=[Depends(require_csrf)])
async def upload(request: Request, vault: Case) -> Response:
    state: AppState = request.app.state.safetrail
    headers = request.headers
    name = header_text(headers, "x-file-name") or ""
    incident = header_text(headers, "x-incident")
    details = evidence.IntakeDetails(
        source_device=header_text(headers, "x-source-device"),
        acquisition_method=evidence.UPLOAD_METHOD,
        description=header_text(headers, "x-description"),
    )
    size = content_length(headers)
    if size is not None and size > state.upload_limit:
        return _error(too_large_error(state.upload_limit), status=413)
    try:
        incident = await anyio.to_thread.run_sync(evidence.check_intake, vault, incident, size)
    except SafetrailError as exc:
        if size is not None and size <= DRAIN_LIMIT:  # so the browser surely sees the answer
            with contextlib.suppress(ClientDisconnect):
                async for _piece in request.stream():
                    pass
        return _error(exc)
    pipe = BodyPipe(evidence.clean_file_name(name), max_bytes=state.upload_limit)
    # False once the case is closed (locked); while bytes keep arriving the session is active
    alive = partial(case_provider(request).alive, vault)
    feeder = asyncio.ensure_future(pipe.feed(request.stream(), alive))
    add = partial(
        evidence.add_evidence_stream,
        vault,
        cast(BinaryIO, pipe),  # read() is all the blob store uses
        name,
        details,
        incident,
        modified_at(headers.get("x-file-modified")),
    )
    try:
        intake = await anyio.to_thread.run_sync(add)
    except (SafetrailError, OSError) as exc:
        if pipe.over_limit:  # whatever the blob store made of the stopped stream
            return _error(too_large_error(state.upload_limit), status=413)
        if isinstance(exc, SafetrailError):
            return _error(exc)
        return _write_failed(exc)
    finally:
        pipe.close()
        if not feeder.done():
            feeder.cancel()
        await asyncio.gather(feeder, return_exceptions=True)
    return JSONResponse(_uploaded(intake.record, intake.existing, incident))


def _write_failed(exc: OSError) -> JSONResponse:
    """The disk filled up or failed while writing."""
    reason = exc.strerror or str(exc)
    return _error(
        SafetrailError(
            _("SafeTrail could not save this file: {reason}.").format(reason=reason),
            _("Nothing from it was kept. Check that the disk has free space, then try again."),
        ),
        status=500,
    )


def _uploaded(record: Record, already_stored: bool, incident: str | None) -> dict[str, Any]:
    data = record.data
    return {
        "ref": record.ref,
        "url": f"/evidence/{record.ref}",
        "name": data["original_name"],
        "media_type": data["media_type"],
        "size": data["size"],
        "size_text": evidence.human_size(data["size"]),
        "added": local_time(data["acquired_at"], data.get("device_timezone")),
        "sha256": data["sha256"],
        "incident": incident,
        "already_stored": already_stored,
    }


# -- content ----------------------------------------------------------------------------


@router.get("/evidence/{ref}/raw")
def evidence_raw(request: Request, vault: Case, ref: str, download: str | None = None) -> Response:
    record, reader = evidence.open_evidence(vault, ref)
    data = record.data
    inline = evidence.viewer_for(data.get("media_type")) is not None
    # A copy saved as a file leaves the vault: a whole one is recorded in the custody log.
    wants_file = download not in (None, "", "0") or not inline
    etag = f'"{data["sha256"]}"'
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Content-Disposition": disposition(
            "attachment" if wants_file else "inline", data["original_name"]
        ),
    }
    media_type = data["media_type"] if inline else "application/octet-stream"
    if_range = request.headers.get("if-range")
    try:
        wanted = byte_range(
            request.headers.get("range") if if_range in (None, etag) else None, reader.size
        )
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{reader.size}"
        return Response(status_code=416, headers=headers)
    body: Iterator[bytes]
    if wanted is None:
        status = 200
        headers["Content-Length"] = str(reader.size)
        body = evidence.download_stream(vault, record, reader) if wants_file else iter(reader)
    else:
        start, end = wanted
        status = 206
        headers["Content-Length"] = str(end - start)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{reader.size}"
        body = reader.read_range(start, end)
    return StreamingResponse(body, status_code=status, headers=headers, media_type=media_type)

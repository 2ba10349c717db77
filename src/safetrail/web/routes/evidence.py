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
import re
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, BinaryIO, cast
from urllib.parse import quote, unquote

import anyio
from fastapi import APIRouter, Depends, Request
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response, StreamingResponse

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.services import evidence
from safetrail.storage.records import Record
from safetrail.web.deps import CASE_ROUTES, Case, case_provider, local_time
from safetrail.web.security import require_csrf
from safetrail.web.state import AppState
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

PIPE_LIMIT = 1024 * 1024  # bytes of upload held in memory at most (plus one piece)
DRAIN_LIMIT = 16 * 1024 * 1024  # a refused upload this small is read to the end first
MAX_HEADER_TEXT = 2000  # the form's fields allow no more


# -- pages ------------------------------------------------------------------------------


@router.get("/evidence")
def evidence_page(request: Request, ctx: Case) -> Response:
    items = evidence.list_with_incidents(ctx)
    return render(
        request,
        "evidence.html",
        title_key="evidence",
        items=items,
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


class UploadStopped(OSError):
    """The upload ended before the whole file arrived (the reason is in ``strerror``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(0, reason)


class UploadTooLarge(UploadStopped):
    """More bytes arrived than the upload limit allows."""


def too_large_error(limit: int) -> SafetrailError:
    return SafetrailError(
        _("This file is larger than SafeTrail accepts in one upload ({limit}).").format(
            limit=evidence.human_size(limit)
        ),
        _(
            "Nothing from it was kept. Add it from the terminal with 'safetrail evidence add "
            "FILE', which has no limit, or start SafeTrail with a higher --max-upload."
        ),
    )


class BodyPipe:
    """A file-like ``read()`` for a worker thread, fed from the event loop.

    ``feed`` runs on the event loop and adds the request's pieces; the blob store reads
    them in its thread. At most ``limit`` bytes wait in between (plus one piece): when
    the reader is slower, ``feed`` stops taking more of the body until there is room.
    """

    def __init__(self, name: str, limit: int = PIPE_LIMIT, max_bytes: int | None = None) -> None:
        self.name = name
        self._limit = limit
        self._max_bytes = max_bytes
        self._received = 0
        self.over_limit = False
        self._pieces: deque[bytes] = deque()
        self._held = 0
        self._ended = False
        self._error: BaseException | None = None
        self._closed = False
        self._rest = memoryview(b"")
        self._cond = threading.Condition()

    # event-loop side

    async def feed(self, pieces: AsyncIterator[bytes], alive: Callable[[], bool]) -> None:
        try:
            async for piece in pieces:
                if not piece:
                    continue
                if not alive():
                    raise UploadStopped(_("the vault was locked, so the upload was stopped"))
                self._received += len(piece)
                if self._max_bytes is not None and self._received > self._max_bytes:
                    self.over_limit = True
                    raise UploadTooLarge(_("the file is larger than the upload limit"))
                while not self._offer(piece):
                    await anyio.to_thread.run_sync(self._wait_for_room)
                if self._closed:
                    return
        except BaseException as exc:
            self._end(exc)
            raise
        self._end(None)

    def _offer(self, piece: bytes) -> bool:
        with self._cond:
            if self._closed:
                return True  # nobody reads any more: drop it
            if self._held >= self._limit:
                return False
            self._pieces.append(piece)
            self._held += len(piece)
            self._cond.notify_all()
            return True

    def _wait_for_room(self) -> None:
        with self._cond:
            while not self._closed and self._held >= self._limit:
                self._cond.wait(0.5)

    def _end(self, error: BaseException | None) -> None:
        with self._cond:
            self._ended = True
            self._error = error
            self._cond.notify_all()

    # worker-thread side

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left if negative); fewer only at the end."""
        want = size if size >= 0 else 1 << 62
        parts: list[memoryview] = []
        got = 0
        while got < want:
            if not self._rest:
                piece = self._next()
                if piece is None:
                    break
                self._rest = memoryview(piece)
            take = self._rest[: want - got]
            parts.append(take)
            self._rest = self._rest[len(take) :]
            got += len(take)
        return b"".join(parts)  # the one copy

    def _next(self) -> bytes | None:
        with self._cond:
            while not self._pieces and not self._ended:
                self._cond.wait(0.5)
            if self._error is not None:
                if isinstance(self._error, UploadStopped):
                    raise self._error
                raise UploadStopped(_("the upload stopped before the whole file arrived"))
            if not self._pieces:
                return None
            piece = self._pieces.popleft()
            self._held -= len(piece)
            self._cond.notify_all()
            return piece

    def close(self) -> None:
        """The reader is done (or gave up): drop what is held and release ``feed``."""
        with self._cond:
            self._closed = True
            self._pieces.clear()
            self._held = 0
            self._cond.notify_all()


def _header_text(headers: Headers, name: str) -> str | None:
    raw = headers.get(name)
    if raw is None:
        return None
    text = unquote(raw, errors="replace").strip()
    return text[:MAX_HEADER_TEXT] or None


def _modified_at(raw: str | None) -> str | None:
    """The browser's ``File.lastModified`` (milliseconds since 1970) as ISO time."""
    if raw is None or not raw.strip().isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw) / 1000, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _content_length(headers: Headers) -> int | None:
    raw = headers.get("content-length", "")
    return int(raw) if raw.isdigit() else None


def _error(exc: SafetrailError, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=status)


@router.post("/evidence/upload", dependencies=[Depends(require_csrf)])
async def upload(request: Request, vault: Case) -> Response:
    state: AppState = request.app.state.safetrail
    headers = request.headers
    name = _header_text(headers, "x-file-name") or ""
    incident = _header_text(headers, "x-incident")
    details = evidence.IntakeDetails(
        source_device=_header_text(headers, "x-source-device"),
        acquisition_method=evidence.UPLOAD_METHOD,
        description=_header_text(headers, "x-description"),
    )
    size = _content_length(headers)
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
        _modified_at(headers.get("x-file-modified")),
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

_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII | re.IGNORECASE)


class Unsatisfiable(Exception):
    """The Range asks only for bytes past the end of the file."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` asked for by a single-range ``Range`` header, or None for the
    whole file (no header, several ranges, or a malformed one: RFC 9110 says ignore it).
    Raise :class:`Unsatisfiable` when the range lies outside the file."""
    if not header:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(int(last) + 1, size) if last else size


def _disposition(kind: str, name: str) -> str:
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name)
    return f"{kind}; filename=\"{fallback or 'evidence'}\"; filename*=UTF-8''{quote(name)}"


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
        "Content-Disposition": _disposition(
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

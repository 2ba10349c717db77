"""HTTP plumbing for evidence: the upload body streamed to the blob store's worker thread
(:class:`BodyPipe`), the upload's headers, and byte ranges and dispositions for viewing.

Uploads arrive one file per request as the raw body (no multipart: Starlette would
spool a large part to a temp file, in plaintext). The body is handed, piece by piece,
to the blob store running in a worker thread through :class:`BodyPipe`, which holds
at most a few MiB: whatever the file's size, nothing but ciphertext reaches the disk.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from urllib.parse import quote, unquote

import anyio
from starlette.datastructures import Headers

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.services import evidence

PIPE_LIMIT = 1024 * 1024  # bytes of upload held in memory at most (plus one piece)
MAX_HEADER_TEXT = 2000  # the form's fields allow no more


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


def header_text(headers: Headers, name: str) -> str | None:
    raw = headers.get(name)
    if raw is None:
        return None
    text = unquote(raw, errors="replace").strip()
    return text[:MAX_HEADER_TEXT] or None


def modified_at(raw: str | None) -> str | None:
    """The browser's ``File.lastModified`` (milliseconds since 1970) as ISO time."""
    if raw is None or not raw.strip().isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw) / 1000, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def content_length(headers: Headers) -> int | None:
    raw = headers.get("content-length", "")
    return int(raw) if raw.isdigit() else None


# -- viewing ----------------------------------------------------------------------------

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


def disposition(kind: str, name: str) -> str:
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name)
    return f"{kind}; filename=\"{fallback or 'evidence'}\"; filename*=UTF-8''{quote(name)}"

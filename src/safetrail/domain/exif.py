"""What a photo says about itself: when it was taken, where, and with what camera.

Evidence files come from anywhere (a stalker may even send them), so reading their metadata
must never fail: corrupt, truncated, non-image or hostile input gives an ``ExifInfo`` with
``problems`` filled in instead of an exception. exifread reads only what it needs, but a bad
length field can make it ask for gigabytes, so it only sees a bounded view of the file: at
most ``max_bytes`` are ever read, however it seeks.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO, Final, TypeVar, cast

import exifread

from safetrail.i18n import _

__all__ = ["DEFAULT_MAX_BYTES", "ExifInfo", "read_exif"]

# EXIF lives near the start of JPEG, TIFF, PNG, WebP and HEIC files; 16 MiB is far more than
# any real metadata block and still bounded for a multi-gigabyte video.
DEFAULT_MAX_BYTES: Final = 16 * 1024 * 1024
_MAX_PROBLEMS: Final = 20
_MAX_TEXT: Final = 200
_EXIF_MARKER: Final = b"Exif\x00\x00"
_MARKER_SCAN: Final = 64 * 1024

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ExifInfo:
    taken_at: str | None = None
    """ISO 8601 local time from DateTimeOriginal, with OffsetTimeOriginal when present."""
    latitude: float | None = None
    longitude: float | None = None
    make: str | None = None
    model: str | None = None
    problems: list[str] = field(default_factory=list)


class _BoundedView:
    """Read-only, seekable window onto a file that hands out at most ``budget`` bytes.

    Offsets are absolute positions in the underlying file (exifread seeks to 0 itself).
    """

    def __init__(self, raw: BinaryIO, budget: int) -> None:
        self._raw = raw
        self._position = 0
        self._budget = budget
        self.exhausted = False

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._position + offset
        else:
            # The end of a file may be gigabytes away; nothing exifread needs is found there.
            raise OSError("seeking from the end is not supported")
        if target < 0:
            raise OSError("negative seek position")
        self._position = target
        return target

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._budget
        wanted = min(size, self._budget)
        if wanted < size:
            self.exhausted = True
        if wanted <= 0:
            return b""
        self._raw.seek(self._position)
        data = self._raw.read(wanted)
        self._position += len(data)
        self._budget -= len(data)
        return data


# exifread reports damage it steps over through its logger, not through exceptions. A handler
# collects those warnings for the read in progress (a context variable keeps concurrent reads
# apart); having a handler also stops them being printed by logging's last-resort handler.
_log_sink: ContextVar[list[str] | None] = ContextVar("safetrail_exif_log_sink", default=None)


class _Collector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sink = _log_sink.get()
        # Warnings from the IFD reader mean damaged data; the others only say "no EXIF here".
        if sink is None or record.levelno < logging.WARNING or record.module != "exif_header":
            return
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        if message not in sink:
            sink.append(message)


_exifread_logger = logging.getLogger("exifread")
if not any(isinstance(h, _Collector) for h in _exifread_logger.handlers):
    _exifread_logger.addHandler(_Collector())


@contextmanager
def _collect_warnings() -> Iterator[list[str]]:
    sink: list[str] = []
    token = _log_sink.set(sink)
    try:
        yield sink
    finally:
        _log_sink.reset(token)


def _open_view(fileobj: BinaryIO, max_bytes: int) -> tuple[_BoundedView, int | None]:
    """A bounded view, and the caller's position to restore (None if not seekable)."""
    try:
        position: int | None = fileobj.tell()
        fileobj.seek(0)
    except (OSError, ValueError, AttributeError):
        position = None
    if position is None:
        # A pipe or other stream: keep the first max_bytes in memory instead.
        buffered = io.BytesIO(fileobj.read(max_bytes))
        return _BoundedView(buffered, max_bytes), None
    return _BoundedView(fileobj, max_bytes), position


def read_exif(fileobj: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ExifInfo:
    """Metadata of the image in ``fileobj`` (binary, ideally seekable). Never raises.

    Reads at most ``max_bytes`` bytes; the file position is restored afterwards.
    """
    problems: list[str] = []
    position: int | None = None
    tags: Mapping[str, Any] = {}
    view: _BoundedView | None = None
    try:
        view, position = _open_view(fileobj, max_bytes)
        with _collect_warnings() as warnings:
            try:
                tags = exifread.process_file(
                    cast(BinaryIO, view), details=False, extract_thumbnail=False
                )
            except Exception as error:
                problems.append(
                    _(
                        "The photo metadata is damaged and could not be read fully ({error})."
                    ).format(error=type(error).__name__)
                )
        problems.extend(
            _("The photo metadata looks damaged: {detail}.").format(detail=w) for w in warnings
        )
        if not tags and _has_exif_marker(view):
            problems.append(_("The file has a photo metadata block, but it could not be read."))
        if view.exhausted:
            problems.append(
                _("Stopped after reading {size} bytes; some metadata may be missing.").format(
                    size=max_bytes
                )
            )
    except Exception as error:
        problems.append(
            _("The file could not be read for photo metadata ({error}).").format(
                error=type(error).__name__
            )
        )
    finally:
        if position is not None:
            try:
                fileobj.seek(position)
            except Exception:
                problems.append(_("The file could not be rewound after reading its metadata."))
    info = _interpret(tags if isinstance(tags, Mapping) else {}, problems)
    del info.problems[_MAX_PROBLEMS:]
    return info


def _has_exif_marker(view: _BoundedView) -> bool:
    try:
        view.seek(0)
        return _EXIF_MARKER in view.read(_MARKER_SCAN)
    except Exception:
        return False


# --- turning tags into values ---------------------------------------------------------


def _interpret(tags: Mapping[str, Any], problems: list[str]) -> ExifInfo:
    taken_at = _guarded(lambda: _taken_at(tags, problems), problems, _("the date taken"))
    position = _guarded(lambda: _position(tags, problems), problems, _("the GPS position"))
    make = _guarded(lambda: _text(tags.get("Image Make")), problems, _("the camera make"))
    model = _guarded(lambda: _text(tags.get("Image Model")), problems, _("the camera model"))
    latitude, longitude = position if position is not None else (None, None)
    return ExifInfo(
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        make=make,
        model=model,
        problems=problems,
    )


def _guarded(read: Callable[[], _T | None], problems: list[str], what: str) -> _T | None:
    try:
        return read()
    except Exception:
        problems.append(_("Could not read {what} from the photo metadata.").format(what=what))
        return None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _raw_text(tag: Any) -> str | None:
    if tag is None:
        return None
    values = getattr(tag, "values", tag)
    if isinstance(values, bytes):
        values = values.decode("utf-8", errors="replace")
    if not isinstance(values, str):
        return None
    return values


def _text(tag: Any) -> str | None:
    """Printable, trimmed text of an ASCII tag; None when empty."""
    raw = _raw_text(tag)
    if raw is None:
        return None
    cleaned = " ".join(_CONTROL.sub(" ", raw.split("\x00", 1)[0]).split())
    return cleaned[:_MAX_TEXT] or None


_EXIF_DATETIME = re.compile(
    r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII
)
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})", re.ASCII)
_SUBSECONDS = re.compile(r"\d{1,9}", re.ASCII)


def _taken_at(tags: Mapping[str, Any], problems: list[str]) -> str | None:
    raw = _text(tags.get("EXIF DateTimeOriginal"))
    if raw is None:
        if "Image ExifOffset" in tags and not any(key.startswith("EXIF ") for key in tags):
            problems.append(_("The photo says it has capture details, but they could not be read."))
        return None
    match = _EXIF_DATETIME.fullmatch(raw)
    try:
        if match is None:
            raise ValueError(raw)
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        taken = datetime(year, month, day, hour, minute, second)
    except ValueError:
        problems.append(
            _("The date the photo was taken is blank or not a real date ('{raw}').").format(raw=raw)
        )
        return None
    subseconds = _text(tags.get("EXIF SubSecTimeOriginal"))
    if subseconds is not None and _SUBSECONDS.fullmatch(subseconds):
        taken = taken.replace(microsecond=int(subseconds[:6].ljust(6, "0")))
    offset_text = _text(tags.get("EXIF OffsetTimeOriginal"))
    if offset_text is None:
        return taken.isoformat()
    offset = _EXIF_OFFSET.fullmatch(offset_text)
    try:
        if offset is None:
            raise ValueError(offset_text)
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
        return taken.replace(tzinfo=timezone(delta)).isoformat()
    except ValueError:
        problems.append(
            _("The photo's time zone offset '{raw}' is not valid; it was left out.").format(
                raw=offset_text
            )
        )
        return taken.isoformat()


def _number(value: Any) -> float | None:
    """A rational, integer or float tag value as a float; None for 0/0 or garbage."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        numerator = getattr(value, "numerator", None)
        denominator = getattr(value, "denominator", None)
        if isinstance(value, tuple) and len(value) == 2:
            numerator, denominator = value
        if not isinstance(numerator, int) or not isinstance(denominator, int) or not denominator:
            return None
        number = numerator / denominator
    return number if math.isfinite(number) else None


def _degrees(tag: Any) -> float | None:
    """Degrees, minutes, seconds (any of them possibly fractional) as decimal degrees."""
    values = getattr(tag, "values", None)
    if not isinstance(values, list | tuple) or not 1 <= len(values) <= 3:
        return None
    parts = [_number(value) for value in values]
    if any(part is None or part < 0 for part in parts):
        return None
    numbers = [part for part in parts if part is not None] + [0.0, 0.0]
    return numbers[0] + numbers[1] / 60 + numbers[2] / 3600


def _reference(tag: Any) -> str | None:
    text = _text(tag)
    return text[0].upper() if text else None


def _position(tags: Mapping[str, Any], problems: list[str]) -> tuple[float, float] | None:
    lat_tag, lon_tag = tags.get("GPS GPSLatitude"), tags.get("GPS GPSLongitude")
    if lat_tag is None and lon_tag is None:
        unreadable = "Image GPSInfo" in tags and not any(key.startswith("GPS ") for key in tags)
        half_there = "GPS GPSLatitudeRef" in tags or "GPS GPSLongitudeRef" in tags
        if unreadable or half_there:
            # The GPS block is cut off or damaged (a block without a fix has neither).
            problems.append(_("The photo says it has GPS data, but it could not be read."))
        return None
    latitude, longitude = _degrees(lat_tag), _degrees(lon_tag)
    lat_ref, lon_ref = (
        _reference(tags.get("GPS GPSLatitudeRef")),
        _reference(tags.get("GPS GPSLongitudeRef")),
    )
    if (
        latitude is None
        or longitude is None
        or lat_ref not in ("N", "S")
        or lon_ref not in ("E", "W")
        or latitude > 90
        or longitude > 180
    ):
        problems.append(_("The photo has a GPS position, but it is incomplete or not valid."))
        return None
    if latitude == 0 and longitude == 0:
        problems.append(_("The photo's GPS position is 0, 0, which cameras use as a blank."))
        return None
    return (
        -latitude if lat_ref == "S" else latitude,
        -longitude if lon_ref == "W" else longitude,
    )

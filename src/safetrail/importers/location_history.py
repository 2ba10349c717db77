"""Google Location History: where the person themselves was (a private track).

Three shapes, all JSON, read one entry at a time (the files can be hundreds of megabytes):

* ``Records.json`` (Takeout, "Location History"): ``{"locations": [...]}``, each with
  ``latitudeE7`` / ``longitudeE7`` (degrees × 10⁷) and ``timestamp`` (ISO 8601) or, in
  older files, ``timestampMs`` (epoch milliseconds as a string); ``accuracy`` in metres.
  Older files list the newest first.
* Semantic Location History (Takeout, ``Semantic Location History/2024/2024_MAY.json``):
  ``{"timelineObjects": [...]}``; a ``placeVisit`` has ``location`` (``latitudeE7``,
  ``longitudeE7``, ``name``, ``address``) and ``duration`` (``startTimestamp``,
  ``endTimestamp``, or ``…Ms`` in older files); an ``activitySegment`` (travelling
  between places) gives its start and end points.
* The phone's own Timeline export (Google Maps → Your Timeline → Export, since 2024):
  ``{"semanticSegments": [...]}``; a ``visit`` has ``topCandidate.placeLocation.latLng``
  ("51.5072°, -0.1276°") between ``startTime`` and ``endTime``; ``timelinePath`` has
  ``point`` and ``time`` pairs.

Each place is a :class:`Place`: a point or a stay, never a communication. Points outside
the valid range and entries without a time are skipped with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from safetrail.i18n import N_, _
from safetrail.importers.base import ImportFormatError, Skipped
from safetrail.importers.jsonstream import (
    BadValue,
    JsonDamage,
    JsonReader,
    damage_skip,
    epoch_datetime,
    iso_datetime,
    looks_like_json_object,
)

__all__ = ["Place", "detect_places", "read_places"]

NOT_PLACES = N_(
    "This file is not a Google location history: it has no 'locations', "
    "'timelineObjects' or 'semanticSegments' list."
)
NO_TIME = N_("This entry has no readable time, so it was not read.")
NO_POINT = N_("This entry has no readable position, so it was not read.")
BAD_ENTRY = N_("This entry is damaged in the file and could not be read.")

_KEYS = {"locations": "records", "timelineObjects": "semantic", "semanticSegments": "timeline"}
_LATLNG = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*°?\s*,\s*(-?\d+(?:\.\d+)?)\s*°?\s*")


@dataclass(frozen=True, slots=True)
class Place:
    """Where the person was: ``start`` (and ``end`` for a stay), aware times."""

    position: str
    kind: str  # "point", "visit", "travel"
    start: datetime
    end: datetime | None
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    accuracy: int | None = None


def detect_places(head: bytes) -> float:
    """How sure it is that ``head`` starts a location history file."""
    if not looks_like_json_object(head):
        return 0.0
    if b'"latitudeE7"' in head and b'"locations"' in head:
        return 0.95
    if b'"timelineObjects"' in head:
        return 0.95
    if b'"semanticSegments"' in head:
        return 0.95
    return 0.0


def _obj(value: dict[str, Any], key: str) -> dict[str, Any]:
    """``value[key]`` when it is an object, else an empty one."""
    found = value.get(key)
    return found if isinstance(found, dict) else {}


def _when(value: object) -> datetime | None:
    if isinstance(value, str) and value.strip().isdigit():
        return epoch_datetime(value, scale=1000)
    found = iso_datetime(value)
    return found if found is not None and found.tzinfo is not None else None


def _e7(entry: dict[str, Any]) -> tuple[float, float] | None:
    lat, lon = entry.get("latitudeE7"), entry.get("longitudeE7")
    if not isinstance(lat, int) or not isinstance(lon, int):
        return None
    return _checked(lat / 1e7, lon / 1e7)


def _checked(lat: float, lon: float) -> tuple[float, float] | None:
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    return None


def _latlng(text: object) -> tuple[float, float] | None:
    if not isinstance(text, str):
        return None
    found = _LATLNG.fullmatch(text.replace("geo:", ""))
    if found is None:
        return None
    return _checked(float(found[1]), float(found[2]))


def read_places(stream: BinaryIO) -> Iterator[Place | Skipped]:
    """Every place in the file, in file order (ImportFormatError when it is no location
    history at all)."""
    reader = JsonReader(stream)
    number = 0
    found = False
    try:
        for key in reader.arrays(_KEYS):
            shape = _KEYS[key]
            found = True
            for _item in reader.items():
                number += 1
                position = _("entry {n}").format(n=number)
                try:
                    value = reader.value()
                except BadValue:
                    yield Skipped(position, _(BAD_ENTRY))
                    continue
                if not isinstance(value, dict):
                    yield Skipped(position, _(BAD_ENTRY))
                    continue
                yield from _entry(shape, value, position)
    except JsonDamage as damage:
        if not found:
            raise ImportFormatError(_(NOT_PLACES)) from None
        yield damage_skip(_("entry {n}").format(n=number + 1), damage)
        return
    if not found:
        raise ImportFormatError(_(NOT_PLACES))


def _entry(shape: str, value: dict[str, Any], position: str) -> Iterator[Place | Skipped]:
    if shape == "records":
        at = _when(value.get("timestamp") or value.get("timestampMs"))
        point = _e7(value)
        if at is None:
            yield Skipped(position, _(NO_TIME))
        elif point is None:
            yield Skipped(position, _(NO_POINT))
        else:
            accuracy = value.get("accuracy")
            yield Place(
                position, "point", at, None, *point,
                accuracy=accuracy if isinstance(accuracy, int) else None,
            )  # fmt: skip
        return
    if shape == "semantic":
        visit, travel = value.get("placeVisit"), value.get("activitySegment")
        part: dict[str, Any] | None = (
            visit if isinstance(visit, dict) else travel if isinstance(travel, dict) else None
        )
        if part is None:
            yield Skipped(position, _(NO_POINT))
            return
        duration = _obj(part, "duration")
        start = _when(duration.get("startTimestamp") or duration.get("startTimestampMs"))
        end = _when(duration.get("endTimestamp") or duration.get("endTimestampMs"))
        if start is None:
            yield Skipped(position, _(NO_TIME))
            return
        if isinstance(visit, dict):
            location = _obj(part, "location")
            point = _e7(location)
            if point is None:
                yield Skipped(position, _(NO_POINT))
                return
            name, address = location.get("name"), location.get("address")
            yield Place(
                position, "visit", start, end, *point,
                name=name if isinstance(name, str) else None,
                address=address if isinstance(address, str) else None,
            )  # fmt: skip
            return
        begin = _obj(part, "startLocation")
        point = _e7(begin)
        if point is None:
            yield Skipped(position, _(NO_POINT))
            return
        yield Place(position, "travel", start, end, *point)
        return
    start = _when(value.get("startTime"))
    end = _when(value.get("endTime"))
    visit = value.get("visit")
    if isinstance(visit, dict):
        candidate = _obj(visit, "topCandidate")
        where = candidate.get("placeLocation")
        point = _latlng(where.get("latLng") if isinstance(where, dict) else where)
        if start is None:
            yield Skipped(position, _(NO_TIME))
        elif point is None:
            yield Skipped(position, _(NO_POINT))
        else:
            kind = candidate.get("semanticType")
            yield Place(
                position, "visit", start, end, *point,
                name=kind if isinstance(kind, str) and kind != "UNKNOWN" else None,
            )  # fmt: skip
        return
    path = value.get("timelinePath")
    if isinstance(path, list):
        for step, piece in enumerate(path, start=1):
            where = f"{position}, point {step}"
            if not isinstance(piece, dict):
                yield Skipped(where, _(BAD_ENTRY))
                continue
            at = _when(piece.get("time"))
            point = _latlng(piece.get("point"))
            if at is None:
                yield Skipped(where, _(NO_TIME))
            elif point is None:
                yield Skipped(where, _(NO_POINT))
            else:
                yield Place(where, "point", at, None, *point)
        return
    if start is None:
        yield Skipped(position, _(NO_TIME))
    else:
        yield Skipped(position, _(NO_POINT))

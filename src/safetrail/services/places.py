"""The person's own places from Google location history: a private track.

"I was at the gym at 19:05": where the person themselves was can matter next to an
incident. :func:`import_places` reads a location history file
(:mod:`safetrail.importers.location_history`), keeps the file itself encrypted in the
vault's blobs (not as an exhibit, so it never goes into a shared output unless chosen),
and stores each place once (a place is known by its kind, start time and position, so
importing the same or an overlapping file again adds only what is new). Rows are written
in batches; each batch's SHA-256 over its rows' content hashes is a ledger entry
("places.batch"), and ``verify`` recomputes them. :func:`places_near` lists where the
person was around a time, e.g. an incident's.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from safetrail.case import CaseContext
from safetrail.domain.when import OccurredAt
from safetrail.errors import InputFileError
from safetrail.i18n import _
from safetrail.importers.base import Skipped
from safetrail.importers.location_history import Place, read_places
from safetrail.services.incidents import show_incident
from safetrail.storage import ledger
from safetrail.storage.comm_tables import own_places
from safetrail.storage.records import utc_stamp

__all__ = [
    "BATCH_KIND",
    "PlaceRow",
    "PlacesReport",
    "import_places",
    "place_digest",
    "places_batch_digest",
    "places_near",
    "places_near_incident",
]

BATCH_KIND = "places.batch"
BATCH_SIZE = 5000
#: the columns a place's content hash covers, in this order
HASHED = (
    "source_sha256", "place_key", "position", "kind", "start_at", "end_at", "latitude",
    "longitude", "name", "address", "accuracy",
)  # fmt: skip


@dataclass
class PlacesReport:
    source_sha256: str = ""
    places: int = 0
    new: int = 0
    duplicates: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    first_at: str | None = None
    last_at: str | None = None


@dataclass(frozen=True)
class PlaceRow:
    kind: str
    start_at: str
    end_at: str | None
    latitude: float
    longitude: float
    name: str | None
    address: str | None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def place_digest(values: Sequence[object]) -> str:
    """A place row's content hash over :data:`HASHED` values, in that order."""
    return hashlib.sha256(repr(tuple(values)).encode("utf-8")).hexdigest()


def places_batch_digest(batch_no: int, hashes: Sequence[str]) -> str:
    digest = hashlib.sha256(f"places\x1f{batch_no}\n".encode())
    for value in hashes:
        digest.update(value.encode("ascii") + b"\n")
    return digest.hexdigest()


def _row(place: Place, source_sha256: str) -> dict[str, Any]:
    start = _stamp(place.start)
    key = f"{place.kind}|{start}|{place.latitude:.7f}|{place.longitude:.7f}"
    row: dict[str, Any] = {
        "source_sha256": source_sha256,
        "place_key": key,
        "position": place.position,
        "kind": place.kind,
        "start_at": start,
        "end_at": _stamp(place.end) if place.end else None,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "name": place.name,
        "address": place.address,
        "accuracy": place.accuracy,
    }
    row["content_sha256"] = place_digest([row[name] for name in HASHED])
    return row


def _write(
    conn: Connection, rows: list[dict[str, Any]], now: datetime, actor: str = ledger.OWNER
) -> int:
    keys = [r["place_key"] for r in rows]
    known = {
        k
        for (k,) in conn.execute(
            select(own_places.c.place_key).where(own_places.c.place_key.in_(keys))
        )
    }
    fresh: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in rows:
        if row["place_key"] in known or row["place_key"] in seen:
            continue
        seen.add(row["place_key"])
        fresh.append(row)
    if not fresh:
        return 0
    batch_no = (
        int(conn.execute(select(func.coalesce(func.max(own_places.c.batch_no), 0))).scalar_one())
        + 1
    )
    for row in fresh:
        row["batch_no"] = batch_no
    conn.execute(own_places.insert(), fresh)
    digest = places_batch_digest(batch_no, [r["content_sha256"] for r in fresh])
    ledger.append(conn, BATCH_KIND, None, batch_no, digest, utc_stamp(now), actor)
    return len(fresh)


def import_places(vault: CaseContext, path: Path) -> PlacesReport:
    """Read a location history file into the private track (see the module docstring)."""
    if not path.is_file():
        raise InputFileError(_("There is no file at {path}.").format(path=path))
    stored = vault.blobs.put_file(path)
    report = PlacesReport(source_sha256=stored.sha256)
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        if pending:
            with vault.write() as conn:
                added = _write(conn, pending, vault.store.clock(), vault.actor)
            report.new += added
            report.duplicates += len(pending) - added
            pending.clear()

    with path.open("rb") as stream:
        for item in read_places(stream):
            if isinstance(item, Skipped):
                report.skipped[item.reason] += 1
                continue
            row = _row(item, stored.sha256)
            report.places += 1
            stamp = row["start_at"]
            report.first_at = min(report.first_at or stamp, stamp)
            report.last_at = max(report.last_at or stamp, stamp)
            pending.append(row)
            if len(pending) >= BATCH_SIZE:
                flush()
    flush()
    return report


def places_near(
    vault: CaseContext,
    start: datetime,
    end: datetime | None = None,
    margin: timedelta | None = None,
) -> list[PlaceRow]:
    """Where the person was from ``start - margin`` to ``end + margin`` (one hour by
    default): stays that overlap that span and points inside it, oldest first."""
    margin = timedelta(hours=1) if margin is None else margin
    lo = _stamp(start - margin)
    hi = _stamp((end or start) + margin)
    c = own_places.c
    query = (
        select(c.kind, c.start_at, c.end_at, c.latitude, c.longitude, c.name, c.address)
        .where(
            c.start_at <= hi,
            or_(c.start_at >= lo, and_(c.end_at.isnot(None), c.end_at >= lo)),
        )
        .order_by(c.start_at, c.id)
    )
    with vault.read() as conn:
        return [PlaceRow(*row) for row in conn.execute(query)]


def places_near_incident(
    vault: CaseContext, ref: str, margin: timedelta | None = None
) -> tuple[str, list[PlaceRow]]:
    """Where the person was around an incident's time: (the incident's reference, places)."""
    record, _history = show_incident(vault, ref)
    occurred = OccurredAt.from_json(record.data["occurred"])
    return record.ref, places_near(vault, occurred.start, occurred.end, margin)

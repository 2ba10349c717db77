"""Opening a phone's message database read-only, and what its readers share.

A database on disk is opened through an SQLite URI with ``mode=ro&immutable=1``: SQLite
then never writes, locks or creates files beside it. One inside a .zip (no path) is read
into memory (at most :data:`MAX_BYTES`) and handed to ``deserialize``. Either way the
connection is hardened for a file that may have been made to attack the reader: no
functions from the schema (``trusted_schema``), no temporary files (sorts stay in
memory instead of spilling evidence to disk), checked cell sizes, text that is not UTF-8
decoded with replacement characters instead of stopping the import.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from safetrail.i18n import N_, _
from safetrail.importers.base import ImportFormatError, Source

__all__ = [
    "MAX_BYTES",
    "SQLITE_HEADER",
    "Grouped",
    "apple_time",
    "columns",
    "int_value",
    "open_database",
    "tables",
    "text_value",
    "unix_time",
]

SQLITE_HEADER = b"SQLite format 3\x00"
MAX_BYTES = 1024**3

_TOO_BIG = N_(
    "This database is larger than 1 GB, too large to read from inside an archive. Unpack "
    "it and import the database file itself."
)
_NOT_SQLITE = N_(
    "This file is not a message database SafeTrail can read: SQLite reports \u201c{problem}\u201d."
)

APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Apple dates above this are nanoseconds (1e11 seconds would be the year 5170)
_NANOS_ABOVE = 100_000_000_000
#: Unix dates below this are seconds, not milliseconds (1e11 ms is March 1973)
_SECONDS_BELOW = 100_000_000_000


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _local_path(source: Source) -> Path | None:
    local = getattr(source, "local_path", None)
    if not callable(local):
        return None
    path = local()
    return path if isinstance(path, Path) else None


def _read_bounded(source: Source) -> bytearray:
    if source.size > MAX_BYTES:
        raise ImportFormatError(_(_TOO_BIG))
    data = bytearray()
    with source.open() as stream:
        while piece := stream.read(1024 * 1024):
            data += piece
            if len(data) > MAX_BYTES:
                raise ImportFormatError(_(_TOO_BIG))
    # A database left in WAL mode cannot be opened from memory; the flag lives in bytes
    # 18-19 of the header of this private copy, and the journal is not there anyway.
    if len(data) >= 100 and data[:16] == SQLITE_HEADER and (data[18] == 2 or data[19] == 2):
        data[18] = data[19] = 1
    return data


def open_database(source: Source) -> sqlite3.Connection:
    """A read-only, hardened connection; ImportFormatError when it is no SQLite file."""
    path = _local_path(source)
    connection: sqlite3.Connection | None = None
    try:
        if path is not None:
            uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            data = _read_bounded(source)
            connection = sqlite3.connect(":memory:", check_same_thread=False)
            connection.deserialize(data)
            del data
        connection.text_factory = _decode
        for pragma in (
            "PRAGMA query_only = ON",
            "PRAGMA trusted_schema = OFF",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA cell_size_check = ON",
            "PRAGMA mmap_size = 0",
        ):
            connection.execute(pragma)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, OverflowError, MemoryError, ValueError) as exc:
        if connection is not None:
            connection.close()
        raise ImportFormatError(_(_NOT_SQLITE).format(problem=str(exc)[:200])) from None
    return connection


def tables(connection: sqlite3.Connection) -> dict[str, str]:
    """Lower-cased table name → the name as the database spells it."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(name).lower(): str(name) for (name,) in rows if isinstance(name, str)}


def columns(connection: sqlite3.Connection, table: str) -> set[str]:
    """Lower-cased column names of ``table`` (a name returned by :func:`tables`)."""
    quoted = '"' + table.replace('"', '""') + '"'
    return {str(row[1]).lower() for row in connection.execute(f"PRAGMA table_info({quoted})")}


def _number(value: Any) -> int | float | None:
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            try:
                number = float(value.strip())
            except ValueError:
                return None
            return number if math.isfinite(number) else None
    return None


def apple_time(value: Any) -> datetime | None:
    """iOS/macOS ``date``: seconds (older) or nanoseconds (newer) since 2001-01-01 UTC."""
    number = _number(value)
    if number is None or number <= 0:
        return None
    try:
        if number > _NANOS_ABOVE:
            if isinstance(number, int):
                return APPLE_EPOCH + timedelta(microseconds=number // 1000)
            return APPLE_EPOCH + timedelta(microseconds=number / 1000)
        return APPLE_EPOCH + timedelta(seconds=number)
    except OverflowError:
        return None


def unix_time(value: Any) -> datetime | None:
    """Android ``date``: milliseconds since 1970 (seconds in the MMS table)."""
    number = _number(value)
    if number is None or number <= 0:
        return None
    try:
        if number < _SECONDS_BELOW:
            return UNIX_EPOCH + timedelta(seconds=number)
        return UNIX_EPOCH + timedelta(milliseconds=number)
    except OverflowError:
        return None


def text_value(value: Any) -> str | None:
    """A column value as text (None for NULL and empty strings)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value)
    return text or None


def int_value(value: Any) -> int | None:
    number = _number(value)
    if number is None:
        return None
    try:
        return int(number)
    except (OverflowError, ValueError):
        return None


class Grouped:
    """Rows ordered by their first column (an integer message id), taken one id at a time
    while the messages are read in the same order: a merge join that holds one row."""

    def __init__(self, rows: Iterator[tuple[Any, ...]] | None) -> None:
        self._rows = rows
        self._next = next(rows, None) if rows is not None else None

    def take(self, key: int) -> list[tuple[Any, ...]]:
        if self._rows is None:
            return []
        found: list[tuple[Any, ...]] = []
        row = self._next
        while row is not None and row[0] < key:
            row = next(self._rows, None)
        while row is not None and row[0] == key:
            found.append(row)
            row = next(self._rows, None)
        self._next = row
        return found

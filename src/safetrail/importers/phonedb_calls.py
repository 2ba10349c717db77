"""Android call log: ``calllog.db`` (Android 7 and later) or ``contacts2.db`` (earlier), the
contacts provider's databases, both with a ``calls`` table.

One row per call (in row order): ``number`` as the phone showed it, ``date`` in epoch
milliseconds, ``duration`` in seconds, ``type`` 1 incoming, 2 outgoing, 3 missed,
4 voicemail, 5 rejected, 6 blocked, 7 answered on another device; ``name`` the contact's
name when the phone knew it; ``presentation`` 2 (restricted) or 3 (unknown), or an empty
or negative ``number``, is a withheld number. An outgoing call with a duration was
answered.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    CallOutcome,
    Direction,
    ImportFormatError,
    Item,
    ParsedRecord,
    Skipped,
)
from safetrail.importers.phonedb_ios import UNREADABLE
from safetrail.importers.phonedb_sql import columns, int_value, text_value, unix_time

__all__ = ["read_android_calls"]

NO_CALL_DATE = N_("This call has no readable time, so it was not read.")
MISSING_CALLS = N_(
    "This database has a '{table}' table without the column(s) {columns}, so SafeTrail "
    "cannot tell who called or when."
)

_REQUIRED = ("number", "date", "duration", "type")
_TYPES: dict[int | None, tuple[Direction, CallOutcome | None]] = {
    1: ("incoming", "answered"),
    2: ("outgoing", None),
    3: ("incoming", "missed"),
    4: ("incoming", "voicemail"),
    5: ("incoming", "rejected"),
    6: ("incoming", "blocked"),
    7: ("incoming", "answered"),
}
_HIDDEN_NUMBERS = frozenset({"", "-1", "-2", "-3", "-4"})
_HIDDEN_PRESENTATION = frozenset({2, 3})


def read_android_calls(connection: sqlite3.Connection, names: dict[str, str]) -> Iterator[Item]:
    """Every row of the ``calls`` table (ImportFormatError when its columns do not fit)."""
    table = names["calls"]
    have = columns(connection, table)
    missing = [c for c in _REQUIRED if c not in have]
    if missing:
        raise ImportFormatError(_(MISSING_CALLS).format(table=table, columns=", ".join(missing)))
    name = "name" if "name" in have else "NULL"
    presentation = "presentation" if "presentation" in have else "NULL"
    quoted = '"' + table.replace('"', '""') + '"'
    rows = connection.execute(
        f"SELECT rowid, number, date, duration, type, {name}, {presentation} "
        f"FROM {quoted} ORDER BY rowid"
    )
    for row in rows:
        position = f"call row {row[0]}"
        try:
            yield _call(row, position)
        except Exception:  # one bad row must not stop the file
            yield Skipped(position, _(UNREADABLE))


def _call(row: tuple[Any, ...], position: str) -> Item:
    _rowid, raw_number, raw_date, raw_duration, raw_type, raw_name, raw_presentation = row
    at = unix_time(raw_date)
    if at is None:
        return Skipped(position, _(NO_CALL_DATE))
    direction, outcome = _TYPES.get(int_value(raw_type), (None, None))
    duration = int_value(raw_duration)
    if duration is not None and duration < 0:
        duration = None
    if direction == "outgoing" and duration:
        outcome = "answered"
    number = (text_value(raw_number) or "").strip()
    withheld = number in _HIDDEN_NUMBERS or int_value(raw_presentation) in _HIDDEN_PRESENTATION
    return ParsedRecord(
        position=position,
        kind="call",
        channel="phone",
        at=at,
        direction=direction,
        counterpart=None if withheld else number,
        counterpart_name=text_value(raw_name),
        duration=duration,
        outcome=outcome,
        withheld=withheld,
    )

"""Time for the scheduler: one injected clock, never ``sleep`` in the logic.

A ``Clock`` is any callable returning an aware UTC ``datetime``. Production uses
the system clock; tests hand in a clock they move forward by hand, so deadlines,
back-off and leases are tested without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from safetrail.storage.records import utc_stamp

Clock = Callable[[], datetime]

__all__ = ["Clock", "minutes", "parse_stamp", "stamp", "system_clock"]


def system_clock() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """Fixed-width UTC text (sorts as text on every backend), as the record store uses."""
    return utc_stamp(moment)


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)

"""Local clock readings for many UTC instants at once, exact across daylight-saving changes.

Counting "per day" or "by hour of the day" must use the local calendar: an incident at
00:30 in London in July happened on the local day after its UTC date. Calling
``astimezone`` a million times is slow, so the zone's offset is looked up once per UTC day
that holds data; on the rare days when the offset changes, the exact second of the change
is found by bisection and the instants are split around it.

Local days are counted from 1970-01-01 (day 0, a Thursday); weekday 0 is Monday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DAY",
    "EPOCH_DAY",
    "LocalClock",
    "day_number",
    "day_of",
    "month_number",
    "month_of",
    "utc_offsets",
]

DAY = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset_at(second: int, where: ZoneInfo) -> int:
    moment = (EPOCH + timedelta(seconds=second)).astimezone(where)
    offset = moment.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _change_within(start: int, end: int, where: ZoneInfo) -> int:
    """The first second in (start, end] whose offset differs from the offset at ``start``."""
    before = _offset_at(start, where)
    low, high = start, end
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(middle, where) == before:
            low = middle
        else:
            high = middle
    return high


def utc_offsets(epoch: NDArray[np.int64], tz: str) -> NDArray[np.int64]:
    """The zone's UTC offset in seconds at each instant (``epoch``: UTC seconds)."""
    if epoch.size == 0:
        return np.zeros(0, dtype=np.int64)
    where = _zone(tz)
    days = np.floor_divide(epoch, DAY)
    unique_days, inverse = np.unique(days, return_inverse=True)
    offsets = np.empty(unique_days.shape[0], dtype=np.int64)
    changes: list[tuple[int, int, int]] = []  # (unique-day index, change second, new offset)
    for i, day in enumerate(unique_days.tolist()):
        first = day * DAY
        at_start = _offset_at(first, where)
        at_end = _offset_at(first + DAY - 1, where)
        offsets[i] = at_start
        if at_end != at_start:
            changes.append((i, _change_within(first, first + DAY - 1, where), at_end))
    result = offsets[inverse]
    for index, change, after in changes:
        on_day = inverse == index
        result[on_day & (epoch >= change)] = after
    return result


class LocalClock:
    """Local day, weekday, hour and month for each of a batch of local clock readings."""

    def __init__(self, local: NDArray[np.int64]) -> None:
        self.seconds: NDArray[np.int64] = local
        self.day: NDArray[np.int64] = np.floor_divide(local, DAY)
        self.weekday: NDArray[np.int64] = np.mod(self.day + 3, 7)  # 1970-01-01 was a Thursday
        self.hour: NDArray[np.int64] = np.floor_divide(np.mod(local, DAY), 3600)
        self.month: NDArray[np.int64] = (
            self.day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        )

    @classmethod
    def in_zone(cls, epoch: NDArray[np.int64], tz: str) -> LocalClock:
        return cls(epoch + utc_offsets(epoch, tz))

    @classmethod
    def in_zones(
        cls, epoch: NDArray[np.int64], zones: NDArray[np.int64], names: list[str]
    ) -> LocalClock:
        """Each instant in its own zone: ``zones`` holds indexes into ``names``."""
        if len(names) == 1:
            return cls.in_zone(epoch, names[0])
        offsets = np.zeros(epoch.shape[0], dtype=np.int64)
        for code, name in enumerate(names):
            chosen = zones == code
            if np.any(chosen):
                offsets[chosen] = utc_offsets(epoch[chosen], name)
        return cls(epoch + offsets)


def day_number(day: date) -> int:
    """``day`` as a count of days from 1970-01-01."""
    return day.toordinal() - EPOCH_DAY


@lru_cache(maxsize=65536)
def day_of(number: int) -> date:
    return date.fromordinal(number + EPOCH_DAY)


def month_number(day: date) -> int:
    """Months from January 1970."""
    return (day.year - 1970) * 12 + day.month - 1


def month_of(number: int) -> date:
    """The first day of the month ``number`` months after January 1970."""
    year, month = divmod(number, 12)
    return date(1970 + year, month + 1, 1)

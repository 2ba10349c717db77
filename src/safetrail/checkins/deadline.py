"""Reading "expected back by" as typed: "21:30", "in 2h", "tomorrow 08:00", a date and time.

Times without an offset are local times in the vault's time zone. A wall-clock time
that already passed today means the next day. Local times that the clocks skip are
refused (they do not exist); times that occur twice mean the first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safetrail.errors import ValidationError
from safetrail.i18n import _

MAX_AHEAD = timedelta(days=14)
_RELATIVE = re.compile(
    r"^(?:in\s+|\+)?(?:(?P<h>\d{1,3})\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<m>\d{1,4})\s*m(?:in(?:utes?|s)?)?)?$"
)
_CLOCK = re.compile(r"^(?P<day>today|tomorrow)?\s*(?P<h>\d{1,2})[:.](?P<m>\d{2})$")
_DATETIME = re.compile(
    r"^(?P<d>\d{4}-\d{2}-\d{2})[t ](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?$"
)


def _examples() -> str:
    return _("For example: 21:30, in 2h, in 45m, tomorrow 08:00, or 2026-11-01 21:30.")


def _local(day: date, clock: time, zone: ZoneInfo, text: str) -> datetime:
    naive = datetime.combine(day, clock)
    local = naive.replace(tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise ValidationError(
            _("{text} does not exist in your time zone: the clocks change then.").format(text=text),
            _("Choose a time an hour earlier or later."),
        )
    return local.astimezone(UTC)


def parse_expected(text: str, tz: str, now: datetime) -> datetime:
    """The instant (UTC) meant by ``text``; ValidationError if unreadable or not ahead."""
    original = text.strip()
    if not original:
        raise ValidationError(_("Say by when you expect to check in."), _examples())
    cleaned = " ".join(original.lower().split())
    zone = ZoneInfo(tz)
    found: datetime | None = None
    relative = _RELATIVE.match(cleaned) if cleaned else None
    if relative and (relative.group("h") or relative.group("m")):
        found = now + timedelta(
            hours=int(relative.group("h") or 0), minutes=int(relative.group("m") or 0)
        )
    elif match := _CLOCK.match(cleaned):
        hour, minute = int(match.group("h")), int(match.group("m"))
        if hour > 23 or minute > 59:
            raise ValidationError(_("{text} is not a time of day.").format(text=original))
        today = now.astimezone(zone).date()
        day = today + timedelta(days=1) if match.group("day") == "tomorrow" else today
        found = _local(day, time(hour, minute), zone, original)
        if match.group("day") is None and found <= now:
            found = _local(today + timedelta(days=1), time(hour, minute), zone, original)
    elif match := _DATETIME.match(cleaned):
        try:
            day = date.fromisoformat(match.group("d"))
            clock = time(int(match.group("h")), int(match.group("m")), int(match.group("s") or 0))
        except ValueError:
            raise ValidationError(
                _("{text} is not a date and time.").format(text=original), _examples()
            ) from None
        found = _local(day, clock, zone, original)
    else:
        try:
            given = datetime.fromisoformat(original)
        except ValueError:
            given = None
        if given is None or given.tzinfo is None:
            raise ValidationError(
                _("SafeTrail could not read '{text}' as a time.").format(text=original),
                _examples(),
            )
        found = given.astimezone(UTC)
    if found <= now:
        raise ValidationError(
            _("{text} has already passed.").format(text=original),
            _("Give the time you expect to be back, in the future."),
        )
    if found - now > MAX_AHEAD:
        raise ValidationError(
            _("{text} is more than 14 days away.").format(text=original),
            _("A check-in covers one outing: a few hours, or at most a few days."),
        )
    return found

"""When something happened: an instant or a period, in a time zone, with an honest precision.

People often do not know the exact minute ("sometime in March", "about 2 pm yesterday"), and a
log that invents precision is weaker evidence than one that says what is known. So
``OccurredAt`` holds:

* ``start`` and, for periods, ``end`` (exclusive): aware datetimes, normalised to UTC so
  that comparing two of them always compares instants (Python compares datetimes that share
  a zone by wall clock, which is wrong in the repeated autumn hour); ``local_start`` and
  ``local_end`` give them in the vault zone;
* ``tz``: the IANA zone used to show the time (the instant itself is zone-independent);
* ``precision``: "exact" (seconds given), "minute", "hour", "day", "month", "year", or
  "approximate" (the person said "about"; the range shape still tells how coarse it is).

Points ("exact", "minute", and approximate points) have no end; "hour", "day", "month" and
"year" cover the whole period, from its local start to the local start of the next one.

Local times that the clocks skip (e.g. 01:30 in London on the last Sunday of March) are
refused with an explanation; times that occur twice (the autumn change) mean the first
occurrence, and ``display()`` names the zone abbreviation so the reader can tell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from safetrail.domain.natural_when import read_natural
from safetrail.errors import ValidationError
from safetrail.i18n import N_, _, current_language, format_clock, format_day, format_month

__all__ = [
    "PRECISIONS",
    "OccurredAt",
    "Precision",
    "parse_when",
    "zone",
]

Precision = Literal["exact", "minute", "hour", "day", "month", "year", "approximate"]
PRECISIONS: Final[tuple[Precision, ...]] = get_args(Precision)

# Finest to coarsest; a range takes the coarser precision of its two ends.
_GRANULARITY: Final[tuple[Precision, ...]] = ("exact", "minute", "hour", "day", "month", "year")
_TIME_OF_DAY: Final = frozenset({"exact", "minute", "hour"})
# Typing a time a few minutes ahead of the device clock is normal; further is a mistake.
_FUTURE_TOLERANCE: Final = timedelta(minutes=5)

_EXAMPLES: Final = N_(
    "For example: now, today 14:30, yesterday, 2026-03-03 14:05, 2026-03-03, 2026-03, "
    "~2026-03-03 14:00, or a range 2026-03-01/2026-03-03."
)

# An en dash between the two ends of a range.
_RANGE: Final = N_("{start} \u2013 {end}")

_MONTHS: Final = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
_MONTHS_SHORT: Final = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May (short)"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


def _short_month(month: int) -> str:
    text = _(_MONTHS_SHORT[month - 1])
    # "May" is the same word long and short in English; the msgid carries a note for
    # translators, so untranslated English falls back to the plain word.
    return "May" if text == "May (short)" else text


def zone(tz_name: str) -> ZoneInfo:
    """The IANA zone ``tz_name``; ValidationError if there is no such zone."""
    try:
        if not tz_name or tz_name != tz_name.strip():
            raise ValueError(tz_name)
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(
            _("'{tz}' is not a time zone SafeTrail knows.").format(tz=tz_name),
            _("Use a zone name such as Europe/London, Asia/Tokyo, Asia/Seoul or America/Chicago."),
        ) from None


@dataclass(frozen=True, slots=True)
class OccurredAt:
    start: datetime
    end: datetime | None
    tz: str
    precision: Precision

    def __post_init__(self) -> None:
        zone(self.tz)
        if self.precision not in PRECISIONS:
            raise ValidationError(
                _("'{precision}' is not a known precision.").format(precision=self.precision),
                _("Use one of: {valid}.").format(valid=", ".join(PRECISIONS)),
            )
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValidationError(_("The start time has no time zone."))
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        if self.end is not None:
            if self.end.tzinfo is None or self.end.utcoffset() is None:
                raise ValidationError(_("The end time has no time zone."))
            object.__setattr__(self, "end", self.end.astimezone(UTC))
            if self.end <= self.start:
                raise ValidationError(
                    _("The end of the time range is not after its start."),
                    _("Put the earlier time first, e.g. 2026-03-01/2026-03-03."),
                )

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(zone(self.tz))

    @property
    def local_end(self) -> datetime | None:
        return None if self.end is None else self.end.astimezone(zone(self.tz))

    # -- storage ---------------------------------------------------------------------

    def to_json(self) -> dict[str, str | None]:
        """Canonical form: UTC instants ("...Z"), the zone name and the precision."""
        return {
            "start": _utc_iso(self.start),
            "end": None if self.end is None else _utc_iso(self.end),
            "tz": self.tz,
            "precision": self.precision,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OccurredAt:
        """Inverse of ``to_json``; ValidationError if a field is missing or malformed."""
        try:
            start_text, end_text = data["start"], data.get("end")
            tz, precision = data["tz"], data["precision"]
        except (KeyError, TypeError, AttributeError):
            raise _bad_stored(data) from None
        if not isinstance(tz, str) or not isinstance(precision, str):
            raise _bad_stored(data)
        if precision not in PRECISIONS:
            raise _bad_stored(data)
        start = _parse_stored_instant(start_text, data)
        end = None if end_text is None else _parse_stored_instant(end_text, data)
        checked: Precision = next(p for p in PRECISIONS if p == precision)
        return cls(start=start, end=end, tz=tz, precision=checked)

    # -- showing ---------------------------------------------------------------------

    def display(self) -> str:
        """Readable local text that says no more than is known.

        "3 Mar 2026, 14:05 (Europe/London)", "March 2026", "about 3 Mar 2026, 14:00
        (Europe/London)", "1 Mar 2026 - 3 Mar 2026" (with an en dash).
        """
        start, end = self.local_start, self.local_end
        unit = self.precision if self.precision != "approximate" else _shape_unit(start, end)
        if unit in _TIME_OF_DAY:
            text = _display_times(start, end, unit)
            text = _("{when} ({tz})").format(when=text, tz=self.tz)
        else:
            text = _display_period(start, end, unit)
        if self.precision == "approximate":
            text = _("about {when}").format(when=text)
        return text


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _bad_stored(data: object) -> ValidationError:
    return ValidationError(
        _("A stored time could not be read: {data!r}.").format(data=data),
        _("The record may be damaged; run 'safetrail verify'."),
    )


def _parse_stored_instant(text: object, data: object) -> datetime:
    if not isinstance(text, str):
        raise _bad_stored(data)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _bad_stored(data) from None
    if moment.tzinfo is None:
        raise _bad_stored(data)
    return moment


# --- local time arithmetic ------------------------------------------------------------


def _exists(naive: datetime, where: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=where, fold=0)
    return aware.astimezone(UTC).astimezone(where).replace(tzinfo=None) == naive


def _is_ambiguous(local: datetime) -> bool:
    naive = local.replace(tzinfo=None, fold=0)
    tzinfo = local.tzinfo
    if not isinstance(tzinfo, ZoneInfo) or not _exists(naive, tzinfo):
        return False
    first = naive.replace(tzinfo=tzinfo, fold=0).utcoffset()
    second = naive.replace(tzinfo=tzinfo, fold=1).utcoffset()
    return first != second


def _lenient(naive: datetime, where: ZoneInfo) -> datetime:
    """Attach the zone; a skipped time becomes the moment the clocks changed.

    Used for period boundaries (a midnight that does not exist in some zones): fold=0 reads
    a skipped time with the old offset, which lands exactly on the change.
    """
    return naive.replace(tzinfo=where, fold=0).astimezone(UTC)


def _clock_change(naive: datetime, where: ZoneInfo) -> tuple[datetime, datetime]:
    """For a skipped local time: the local clock readings just before and after the change."""
    old = naive.replace(tzinfo=where, fold=0).utcoffset() or timedelta(0)
    new = naive.replace(tzinfo=where, fold=1).utcoffset() or timedelta(0)
    low = (naive - new).replace(tzinfo=UTC)  # before the change
    high = (naive - old).replace(tzinfo=UTC)  # after it
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(where).utcoffset() == old:
            low = middle
        else:
            high = middle
    change = high.replace(microsecond=0)
    return (change + old).replace(tzinfo=None), (change + new).replace(tzinfo=None)


def _strict(naive: datetime, where: ZoneInfo, tz_name: str) -> datetime:
    """Attach the zone to a time the person typed; refuse one the clocks skipped."""
    if not _exists(naive, where):
        before, after = _clock_change(naive, where)
        raise ValidationError(
            _(
                "{time} did not exist in {tz}: the clocks went forward from {before} to {after}."
            ).format(
                time=naive.strftime("%Y-%m-%d %H:%M"),
                tz=tz_name,
                before=before.strftime("%H:%M"),
                after=after.strftime(
                    "%H:%M" if after.date() == before.date() else "%Y-%m-%d %H:%M"
                ),
            ),
            _(
                "Check the time. If you are sure of it, give the offset from UTC as well, "
                "e.g. {example}."
            ).format(example=naive.strftime("%Y-%m-%dT%H:%M") + "+00:00"),
        )
    return naive.replace(tzinfo=where, fold=0).astimezone(UTC)


def _after(moment: datetime, step: timedelta) -> datetime:
    """Elapsed-time addition (aware arithmetic in one zone would be wall-clock arithmetic)."""
    return moment.astimezone(UTC) + step


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


# --- parsing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    start: datetime
    end: datetime | None
    precision: Precision


_APPROX = re.compile(
    r"(?:~|about\s+|around\s+|approx\.?\s+|approximately\s+|circa\s+|ca?\.\s*"
    r"|約|だいたい|大体|およそ|약\s|대략)\s*",
    re.IGNORECASE,
)
# Japanese and Korean say "about" after the time: 21時ごろ, 9시쯤.
_APPROX_AFTER = re.compile(r"\s*(?:頃|ごろ|くらい|ぐらい|쯤|경|정도)$")
_RANGE_DOTS = re.compile(r"\s*\.\.\s*")
_YEAR = re.compile(r"(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CLOCK = r"(\d{1,2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:t|\s+)" + _CLOCK + r"\s*(z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_TIME_ONLY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_RELATIVE = re.compile(
    r"(today|yesterday)(?:\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?", re.IGNORECASE
)


def _unknown(text: str) -> ValidationError:
    return ValidationError(
        _("'{text}' is not a date or time SafeTrail understands.").format(text=text),
        _(_EXAMPLES),
    )


def _impossible(text: str) -> ValidationError:
    return ValidationError(
        _("'{text}' is not a real date or time (check the day, month and hour).").format(text=text),
        _(_EXAMPLES),
    )


def _make_date(text: str, year: str, month: str, day: str = "1") -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _impossible(text) from None


def _make_time(text: str, hour: str, minute: str | None, second: str | None) -> time:
    try:
        return time(int(hour), int(minute or 0), int(second or 0))
    except ValueError:
        raise _impossible(text) from None


def _day_span(day: date, where: ZoneInfo) -> _Span:
    start = _lenient(datetime.combine(day, time()), where)
    end = _lenient(datetime.combine(day + timedelta(days=1), time()), where)
    return _Span(start, end, "day")


def _clock_precision(minute: str | None, second: str | None, fraction: str | None) -> Precision:
    if second is not None or fraction is not None:
        return "exact"
    return "minute" if minute is not None else "hour"


def _local_point(naive: datetime, precision: Precision, where: ZoneInfo, tz_name: str) -> _Span:
    start = _strict(naive, where, tz_name)
    end = _after(start, timedelta(hours=1)) if precision == "hour" else None
    return _Span(start, end, precision)


def _parse_datetime(text: str, match: re.Match[str], where: ZoneInfo, tz_name: str) -> _Span:
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    moment = datetime.combine(
        _make_date(text, year, month, day), _make_time(text, hour, minute, second)
    )
    if fraction is not None:
        moment = moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    precision = _clock_precision(minute, second, fraction)
    if offset is None:
        return _local_point(moment, precision, where, tz_name)
    offset_delta = _parse_offset(text, offset)
    start = moment.replace(tzinfo=timezone(offset_delta)).astimezone(UTC)
    end = _after(start, timedelta(hours=1)) if precision == "hour" else None
    return _Span(start, end, precision)


def _parse_offset(text: str, offset: str) -> timedelta:
    if offset.upper() == "Z":
        return timedelta(0)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise _impossible(text)
    return sign * timedelta(hours=hours, minutes=minutes)


def _parse_point(text: str, where: ZoneInfo, tz_name: str, now: datetime) -> _Span:
    """One side of a range (or the whole input), without "about"."""
    if text.casefold() in ("", "now"):
        start = now.astimezone(where).replace(second=0, microsecond=0).astimezone(UTC)
        return _Span(start, None, "minute")
    if relative := _RELATIVE.fullmatch(text):
        word, hour, minute, second = relative.groups()
        day = now.astimezone(where).date()
        if word.casefold() == "yesterday":
            day -= timedelta(days=1)
        if hour is None:
            return _day_span(day, where)
        clock = _make_time(text, hour, minute, second)
        precision: Precision = "exact" if second is not None else "minute"
        return _local_point(datetime.combine(day, clock), precision, where, tz_name)
    if match := _DATETIME.fullmatch(text):
        return _parse_datetime(text, match, where, tz_name)
    if match := _DAY.fullmatch(text):
        return _day_span(_make_date(text, *match.groups()), where)
    if match := _MONTH.fullmatch(text):
        first = _make_date(text, *match.groups())
        start = _lenient(datetime.combine(first, time()), where)
        end = _lenient(datetime.combine(_next_month(first.year, first.month), time()), where)
        return _Span(start, end, "month")
    if match := _YEAR.fullmatch(text):
        first = _make_date(text, match.group(1), "1")
        start = _lenient(datetime.combine(first, time()), where)
        end = _lenient(datetime.combine(first.replace(year=first.year + 1), time()), where)
        return _Span(start, end, "year")
    if natural := read_natural(text, now.astimezone(where).date()):
        if natural.hour is None:
            return _day_span(natural.day, where)
        clock = time(natural.hour, natural.minute)
        return _local_point(datetime.combine(natural.day, clock), "minute", where, tz_name)
    raise _unknown(text)


def _strip_approx(text: str) -> tuple[str, bool]:
    after = _APPROX_AFTER.search(text)
    if after is not None:
        return _strip_approx(text[: after.start()].strip())[0], True
    match = _APPROX.match(text)
    if match is None:
        return text, False
    return text[match.end() :].strip(), True


def _split_range(text: str) -> list[str]:
    if ".." in text:
        return _RANGE_DOTS.split(text)
    if "/" in text:
        return [part.strip() for part in text.split("/")]
    return [text]


def _coarser(first: Precision, second: Precision) -> Precision:
    return max(first, second, key=_GRANULARITY.index)


def _range_end(text: str, start: _Span, where: ZoneInfo, tz_name: str, now: datetime) -> _Span:
    """The second half of a range; a bare "16:30" means that time on the start's day."""
    clock = _TIME_ONLY.fullmatch(text)
    if clock is None:
        return _parse_point(text, where, tz_name, now)
    if start.precision not in _TIME_OF_DAY:
        raise ValidationError(
            _("'{text}' needs a date: the start of the range has no time of day.").format(
                text=text
            ),
            _("Write both ends in full, e.g. 2026-03-03 14:00 .. 2026-03-03 16:30."),
        )
    hour, minute, second = clock.groups()
    naive = datetime.combine(
        start.start.astimezone(where).date(), _make_time(text, hour, minute, second)
    )
    precision: Precision = "exact" if second is not None else "minute"
    return _local_point(naive, precision, where, tz_name)


def parse_when(text: str, tz_name: str, now: datetime | None = None) -> OccurredAt:
    """Read what a person typed for "when did it happen?" in the vault zone ``tz_name``.

    Accepted: "" or "now"; "today" / "yesterday", optionally with "HH:MM"; ISO 8601 date-times
    with "T" or a space, with or without seconds, with "Z" or an offset (the instant is kept)
    or without (local time in ``tz_name``); "YYYY-MM-DD"; "YYYY-MM"; "YYYY"; ranges "A/B" or
    "A .. B" (B may be just "HH:MM" on A's day); a leading "~" or "about" for approximate.
    ``now`` (aware) defaults to the current time. Times in the future are refused.
    """
    where = zone(tz_name)
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    original = text.strip()
    body, approximate = _strip_approx(" ".join(original.split()))
    parts = _split_range(body)
    if len(parts) > 2 or any(not part for part in parts[1:]) or (len(parts) == 2 and not parts[0]):
        raise _unknown(original)
    sides = [_strip_approx(part) for part in parts]
    approximate = approximate or any(flag for _part, flag in sides)
    first = _parse_point(sides[0][0], where, tz_name, now)
    if len(sides) == 1:
        start, end, precision = first.start, first.end, first.precision
    else:
        second = _range_end(sides[1][0], first, where, tz_name, now)
        start = first.start
        end = second.end if second.end is not None else second.start
        precision = _coarser(first.precision, second.precision)
        if end <= start:
            raise ValidationError(
                _("In '{text}' the end is not after the start.").format(text=original),
                _("Put the earlier time first, e.g. 2026-03-01/2026-03-03."),
            )
    if start > now + _FUTURE_TOLERANCE:
        raise ValidationError(
            _("'{text}' is in the future.").format(text=original),
            _("Check the date and time, and that the vault's time zone ({tz}) is right.").format(
                tz=tz_name
            ),
        )
    return OccurredAt(
        start=start, end=end, tz=tz_name, precision="approximate" if approximate else precision
    )


# --- display --------------------------------------------------------------------------


def _shape_unit(start: datetime, end: datetime | None) -> Precision:
    """How coarse an approximate time is, read from the shape of its range."""
    if end is not None and start.time() == time() and end.time() == time():
        if start.day == 1 and end.day == 1:
            if start.month == 1 and end.month == 1:
                return "year"
            return "month"
        return "day"
    if start.second or start.microsecond:
        return "exact"
    return "minute"


def _display_date(moment: datetime) -> str:
    if current_language() != "en":
        return format_day(moment)  # 2026年8月1日(土), 2026년 8월 1일 (토)
    return _("{day} {month} {year}").format(
        day=moment.day, month=_short_month(moment.month), year=moment.year
    )


def _display_clock(moment: datetime, unit: Precision) -> str:
    if current_language() != "en":
        text = format_clock(moment, seconds=unit == "exact")  # 21:40, 오후 9:40
    else:
        text = moment.strftime("%H:%M:%S" if unit == "exact" else "%H:%M")
    if _is_ambiguous(moment):
        text = f"{text} {moment.tzname()}"
    return text


def _display_times(start: datetime, end: datetime | None, unit: Precision) -> str:
    first = _("{date}, {time}").format(date=_display_date(start), time=_display_clock(start, unit))
    if end is None:
        return first
    if end.date() == start.date():
        last = _display_clock(end, unit)
    else:
        last = _("{date}, {time}").format(date=_display_date(end), time=_display_clock(end, unit))
    return _(_RANGE).format(start=first, end=last)


def _display_period(start: datetime, end: datetime | None, unit: Precision) -> str:
    # Periods end at the start of the next one; show the last one that is included.
    last = start if end is None else end - timedelta(microseconds=1)
    if unit == "year":
        first_text, last_text = str(start.year), str(last.year)
    elif unit == "month" and current_language() != "en":
        first_text, last_text = format_month(start), format_month(last)
    elif unit == "month":
        first_text = _("{month} {year}").format(month=_(_MONTHS[start.month - 1]), year=start.year)
        last_text = _("{month} {year}").format(month=_(_MONTHS[last.month - 1]), year=last.year)
    else:
        first_text, last_text = _display_date(start), _display_date(last)
    if first_text == last_text:
        return first_text
    return _(_RANGE).format(start=first_text, end=last_text)

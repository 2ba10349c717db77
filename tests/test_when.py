from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetrail.domain.when import OccurredAt, parse_when
from safetrail.errors import ValidationError

LONDON = "Europe/London"
NOW = datetime(2026, 11, 1, 12, 0, 42, 123456, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "tz", "start", "end", "precision", "shown"),
    [
        # local times in winter and summer
        (
            "2026-03-03 14:05",
            LONDON,
            utc(2026, 3, 3, 14, 5),
            None,
            "minute",
            "3 Mar 2026, 14:05 (Europe/London)",
        ),
        (
            "2026-07-03T14:05",
            LONDON,
            utc(2026, 7, 3, 13, 5),
            None,
            "minute",
            "3 Jul 2026, 14:05 (Europe/London)",
        ),
        (
            "2026-03-03 14:05:30",
            "Asia/Tokyo",
            utc(2026, 3, 3, 5, 5, 30),
            None,
            "exact",
            "3 Mar 2026, 14:05:30 (Asia/Tokyo)",
        ),
        (
            "2026-03-03T09:00",
            "America/New_York",
            utc(2026, 3, 3, 14, 0),
            None,
            "minute",
            "3 Mar 2026, 09:00 (America/New_York)",
        ),
        # with an offset: the instant is kept and shown in the vault zone
        (
            "2026-03-03T14:05:30Z",
            LONDON,
            utc(2026, 3, 3, 14, 5, 30),
            None,
            "exact",
            "3 Mar 2026, 14:05:30 (Europe/London)",
        ),
        (
            "2026-03-03T14:05+09:00",
            LONDON,
            utc(2026, 3, 3, 5, 5),
            None,
            "minute",
            "3 Mar 2026, 05:05 (Europe/London)",
        ),
        (
            "2026-03-03t23:30-0500",
            "Asia/Seoul",
            utc(2026, 3, 4, 4, 30),
            None,
            "minute",
            "4 Mar 2026, 13:30 (Asia/Seoul)",
        ),
        # the autumn hour that happens twice: the first one, labelled
        (
            "2026-10-25 01:30",
            LONDON,
            utc(2026, 10, 25, 0, 30),
            None,
            "minute",
            "25 Oct 2026, 01:30 BST (Europe/London)",
        ),
        (
            "2026-10-25T01:30+00:00",
            LONDON,
            utc(2026, 10, 25, 1, 30),
            None,
            "minute",
            "25 Oct 2026, 01:30 GMT (Europe/London)",
        ),
        # hour, day, month, year
        (
            "2026-03-03T14",
            LONDON,
            utc(2026, 3, 3, 14),
            utc(2026, 3, 3, 15),
            "hour",
            "3 Mar 2026, 14:00 \u2013 15:00 (Europe/London)",
        ),
        ("2026-03-03", LONDON, utc(2026, 3, 3), utc(2026, 3, 4), "day", "3 Mar 2026"),
        ("2026-07-03", LONDON, utc(2026, 7, 2, 23), utc(2026, 7, 3, 23), "day", "3 Jul 2026"),
        ("2026-03-29", LONDON, utc(2026, 3, 29), utc(2026, 3, 29, 23), "day", "29 Mar 2026"),
        ("2026-05-09", "Asia/Tokyo", utc(2026, 5, 8, 15), utc(2026, 5, 9, 15), "day", "9 May 2026"),
        ("2026-03", LONDON, utc(2026, 3, 1), utc(2026, 3, 31, 23), "month", "March 2026"),
        ("2025", LONDON, utc(2025, 1, 1), utc(2026, 1, 1), "year", "2025"),
        # ranges
        (
            "2026-03-01/2026-03-03",
            LONDON,
            utc(2026, 3, 1),
            utc(2026, 3, 4),
            "day",
            "1 Mar 2026 \u2013 3 Mar 2026",
        ),
        (
            "2026-03-03 14:00 .. 16:30",
            LONDON,
            utc(2026, 3, 3, 14),
            utc(2026, 3, 3, 16, 30),
            "minute",
            "3 Mar 2026, 14:00 \u2013 16:30 (Europe/London)",
        ),
        (
            "2026-03-03 22:00..2026-03-04 01:15",
            LONDON,
            utc(2026, 3, 3, 22),
            utc(2026, 3, 4, 1, 15),
            "minute",
            "3 Mar 2026, 22:00 \u2013 4 Mar 2026, 01:15 (Europe/London)",
        ),
        (
            "2026-01 .. 2026-03",
            LONDON,
            utc(2026, 1, 1),
            utc(2026, 3, 31, 23),
            "month",
            "January 2026 \u2013 March 2026",
        ),
        # approximate
        (
            "~2026-03-03 14:00",
            LONDON,
            utc(2026, 3, 3, 14),
            None,
            "approximate",
            "about 3 Mar 2026, 14:00 (Europe/London)",
        ),
        (
            "about 2026-03-03",
            LONDON,
            utc(2026, 3, 3),
            utc(2026, 3, 4),
            "approximate",
            "about 3 Mar 2026",
        ),
        (
            "About 2026-03",
            LONDON,
            utc(2026, 3, 1),
            utc(2026, 3, 31, 23),
            "approximate",
            "about March 2026",
        ),
        ("~ 2025", LONDON, utc(2025, 1, 1), utc(2026, 1, 1), "approximate", "about 2025"),
        (
            "2026-03-01 .. ~2026-03-03",
            LONDON,
            utc(2026, 3, 1),
            utc(2026, 3, 4),
            "approximate",
            "about 1 Mar 2026 \u2013 3 Mar 2026",
        ),
        # relative to now (12:00 UTC on 1 Nov 2026, which is 12:00 GMT in London)
        ("now", LONDON, utc(2026, 11, 1, 12), None, "minute", "1 Nov 2026, 12:00 (Europe/London)"),
        ("", LONDON, utc(2026, 11, 1, 12), None, "minute", "1 Nov 2026, 12:00 (Europe/London)"),
        ("today", LONDON, utc(2026, 11, 1), utc(2026, 11, 2), "day", "1 Nov 2026"),
        ("Yesterday", LONDON, utc(2026, 10, 31), utc(2026, 11, 1), "day", "31 Oct 2026"),
        (
            "yesterday 23:10",
            LONDON,
            utc(2026, 10, 31, 23, 10),
            None,
            "minute",
            "31 Oct 2026, 23:10 (Europe/London)",
        ),
        (
            "today 9:15",
            "Asia/Tokyo",
            utc(2026, 11, 1, 0, 15),
            None,
            "minute",
            "1 Nov 2026, 09:15 (Asia/Tokyo)",
        ),
        (
            "~yesterday at 14:00",
            LONDON,
            utc(2026, 10, 31, 14),
            None,
            "approximate",
            "about 31 Oct 2026, 14:00 (Europe/London)",
        ),
    ],
)
def test_parse_when(
    text: str, tz: str, start: datetime, end: datetime | None, precision: str, shown: str
) -> None:
    when = parse_when(text, tz, now=NOW)
    assert (when.start, when.end, when.tz, when.precision) == (start, end, tz, precision)
    assert when.start.tzinfo is UTC
    assert when.local_start.tzinfo == ZoneInfo(tz)
    assert when.display() == shown
    assert OccurredAt.from_json(when.to_json()) == when


def test_today_depends_on_the_vault_zone() -> None:
    late = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)  # already 2 Nov, 01:00 in Tokyo
    assert parse_when("today", "Asia/Tokyo", now=late).display() == "2 Nov 2026"
    assert parse_when("yesterday", "Asia/Tokyo", now=late).display() == "1 Nov 2026"
    assert parse_when("today", "America/Los_Angeles", now=late).display() == "1 Nov 2026"


def test_skipped_hour_is_refused_with_an_explanation() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when("2026-03-29 01:30", LONDON, now=NOW)
    assert caught.value.message == (
        "2026-03-29 01:30 did not exist in Europe/London: "
        "the clocks went forward from 01:00 to 02:00."
    )
    assert caught.value.hint == (
        "Check the time. If you are sure of it, give the offset from UTC as well, "
        "e.g. 2026-03-29T01:30+00:00."
    )
    # with the offset it is accepted, as the instant it names
    assert parse_when("2026-03-29T01:30+00:00", LONDON, now=NOW).start == utc(2026, 3, 29, 1, 30)


def test_skipped_hour_in_new_york() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when("2026-03-08 02:15", "America/New_York", now=NOW)
    assert "the clocks went forward from 02:00 to 03:00" in caught.value.message


def test_skipped_midnight_starts_the_day_when_the_clocks_change() -> None:
    # Chile moves its clocks at midnight: 2026-09-06 00:00 does not exist in Santiago.
    day = parse_when("2026-09-06", "America/Santiago", now=NOW)
    assert day.start == utc(2026, 9, 6, 4)
    assert day.end is not None and day.end - day.start == timedelta(hours=23)


EXAMPLE_HINT = (
    "For example: now, today 14:30, yesterday, 2026-03-03 14:05, 2026-03-03, 2026-03, "
    "~2026-03-03 14:00, or a range 2026-03-01/2026-03-03."
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("next tuesday", "'next tuesday' is not a date or time SafeTrail understands."),
        ("3/3/2026", "'3/3/2026' is not a date or time SafeTrail understands."),
        ("14:30", "'14:30' is not a date or time SafeTrail understands."),
        ("2026-03-03 .. 2026-03-04 .. 2026-03-05", None),
        ("2026-03-03/", None),
        ("about", "'about' is not a date or time SafeTrail understands."),
        ("2026-02-30", "'2026-02-30' is not a real date or time (check the day, month and hour)."),
        ("2026-13", "'2026-13' is not a real date or time (check the day, month and hour)."),
        ("2026-03-03 24:00", None),
        ("2026-03-03T14:05+25:00", None),
        ("today 25:00", None),
    ],
)
def test_unreadable_input(text: str, message: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when(text, LONDON, now=NOW)
    if message is not None:
        assert caught.value.message == message
    assert caught.value.hint == EXAMPLE_HINT


def test_range_must_go_forward() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when("2026-03-03/2026-03-01", LONDON, now=NOW)
    assert caught.value.message == "In '2026-03-03/2026-03-01' the end is not after the start."
    with pytest.raises(ValidationError):
        parse_when("2026-03-03 16:00 .. 14:00", LONDON, now=NOW)
    with pytest.raises(ValidationError):
        parse_when("2026-03-03 16:00 .. 16:00", LONDON, now=NOW)


def test_bare_time_as_range_end_needs_a_time_on_the_start() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when("2026-03-03 .. 16:30", LONDON, now=NOW)
    assert (
        caught.value.message == "'16:30' needs a date: the start of the range has no time of day."
    )


def test_future_is_refused_but_small_clock_drift_is_not() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when("2026-11-02", LONDON, now=NOW)
    assert caught.value.message == "'2026-11-02' is in the future."
    assert parse_when("today 12:04", LONDON, now=NOW).start == utc(2026, 11, 1, 12, 4)
    with pytest.raises(ValidationError):
        parse_when("today 12:06", LONDON, now=NOW)


def test_unknown_time_zone() -> None:
    for bad in ("Mars/Olympus", "", "../etc/passwd", "Europe", " Europe/London"):
        with pytest.raises(ValidationError) as caught:
            parse_when("2026-03-03", bad, now=NOW)
        assert caught.value.hint.startswith("Use a zone name such as Europe/London")


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("now", LONDON, now=datetime(2026, 1, 1))


def test_default_now_is_the_current_time() -> None:
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    when = parse_when("now", LONDON)
    assert before <= when.start <= datetime.now(UTC)


def test_json_form() -> None:
    when = parse_when("~2026-03-03T14:05:30.25+09:00 .. 2026-03-03T06:00Z", LONDON, now=NOW)
    assert when.to_json() == {
        "start": "2026-03-03T05:05:30.250000Z",
        "end": "2026-03-03T06:00:00Z",
        "tz": "Europe/London",
        "precision": "approximate",
    }


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"start": "2026-03-03T14:05:00Z", "tz": LONDON},
        {"start": "2026-03-03T14:05:00", "end": None, "tz": LONDON, "precision": "minute"},
        {"start": "yesterday", "end": None, "tz": LONDON, "precision": "minute"},
        {"start": 12, "end": None, "tz": LONDON, "precision": "minute"},
        {"start": "2026-03-03T14:05:00Z", "end": None, "tz": LONDON, "precision": "week"},
        {"start": "2026-03-03T14:05:00Z", "end": None, "tz": "Nowhere", "precision": "day"},
        {
            "start": "2026-03-03T14:05:00Z",
            "end": "2026-03-03T14:00:00Z",
            "tz": LONDON,
            "precision": "minute",
        },
    ],
)
def test_from_json_refuses_bad_data(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OccurredAt.from_json(data)


def test_direct_construction_is_checked_and_normalised_to_utc() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    when = OccurredAt(datetime(2026, 7, 1, 21, tzinfo=tokyo), None, "Asia/Tokyo", "exact")
    assert when.start == utc(2026, 7, 1, 12) and when.start.tzinfo is UTC
    assert when.local_start.hour == 21 and when.local_start.tzinfo == tokyo
    assert when.local_end is None
    with pytest.raises(ValidationError):
        OccurredAt(datetime(2026, 7, 1, 12), None, LONDON, "exact")
    with pytest.raises(ValidationError):
        OccurredAt(utc(2026, 7, 1, 12), utc(2026, 7, 1, 11), LONDON, "exact")
    with pytest.raises(ValidationError):
        OccurredAt(utc(2026, 7, 1, 12), None, LONDON, "fortnight")  # type: ignore[arg-type]


ZONES = ["Europe/London", "Asia/Tokyo", "Asia/Seoul", "America/New_York", "Australia/Lord_Howe"]


@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2026, 10, 1), timezones=st.just(UTC)
    ),
    tz=st.sampled_from(ZONES),
)
def test_any_instant_round_trips_through_iso_text_and_json(moment: datetime, tz: str) -> None:
    text = moment.isoformat()
    when = parse_when(text, tz, now=NOW)
    assert when.start == moment
    assert when.precision == "exact"
    assert OccurredAt.from_json(when.to_json()) == when
    assert when.display().endswith(f" ({tz})")


@given(
    local=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 10, 1)),
    tz=st.sampled_from(ZONES),
)
def test_local_minutes_parse_to_that_wall_clock_time_or_are_refused(
    local: datetime, tz: str
) -> None:
    local = local.replace(second=0, microsecond=0)
    try:
        when = parse_when(local.strftime("%Y-%m-%d %H:%M"), tz, now=NOW)
    except ValidationError as error:
        assert "did not exist" in error.message
        return
    shown = when.local_start
    assert shown.replace(tzinfo=None) == local
    assert shown.fold == 0

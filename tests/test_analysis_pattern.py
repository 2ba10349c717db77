"""The pattern in a log: counts, windows, heatmap, gaps, streaks, places; time zones and DST.

Every expected figure below is worked out by hand from the fixture log.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from safetrail.analysis import charts
from safetrail.analysis.case import analyse
from safetrail.analysis.facts import CommunicationLog, epoch_seconds
from safetrail.analysis.localtime import LocalClock, day_number, utc_offsets
from safetrail.analysis.places import place_key, place_kind
from safetrail.analysis.timeline import COARSE, DAY, HOUR, MONTH, ContactTable, IncidentTable
from tests.test_analysis_fixtures import Log, utc


def basic() -> Log:
    log = Log()
    log.add(utc(2026, 3, 2, 9, 15), tactics=["unwanted_calls"], channel="phone_call", fear=1)
    log.add(utc(2026, 3, 2, 21, 40), tactics=["unwanted_messages"], channel="text_message", fear=2)
    log.add(
        utc(2026, 3, 4, 18, 5),
        tactics=["following"],
        channel="in_person",
        fear=3,
        place="outside work, Mill Lane",
    )
    log.add("2026-03-10", tactics=["watching"], people=["p2"], place="Outside Work,  Mill Lane.")
    log.add("2026-02", tactics=["other"], people=[])
    log.add(
        utc(2026, 3, 16, 23, 30), tactics=["showing_up"], channel="in_person", fear=4, place="home"
    )
    return log


def test_counts_windows_and_tallies() -> None:
    found = analyse(basic().facts(), date(2026, 3, 20))
    p = found.pattern
    assert p.incidents == 6
    assert p.contacts == 0
    # First and last are the first and last incidents known to the day ("2026-02" is not).
    assert (p.first, p.first_ref) == (date(2026, 3, 2), "I-0001")
    assert (p.last, p.last_ref) == (date(2026, 3, 16), "I-0006")

    days = {d: n for d, n, _c in p.days.rows() if n}
    assert days == {
        date(2026, 3, 2): 2,
        date(2026, 3, 4): 1,
        date(2026, 3, 10): 1,
        date(2026, 3, 16): 1,
    }
    assert p.days.starts[0] == date(2026, 3, 2)
    assert p.days.starts[-1] == date(2026, 3, 20)  # the series runs up to today
    assert len(p.days.starts) == 19
    assert p.days.left_out == 1  # the month-only incident

    assert [(d, n) for d, n, _c in p.weeks.rows()] == [
        (date(2026, 3, 2), 3),
        (date(2026, 3, 9), 1),
        (date(2026, 3, 16), 1),
    ]
    assert [(d, n) for d, n, _c in p.months.rows()] == [
        (date(2026, 2, 1), 1),
        (date(2026, 3, 1), 5),
    ]
    assert p.months.left_out == 0

    assert [(t.key, t.incidents) for t in p.by_tactic] == [
        ("unwanted_calls", 1),
        ("unwanted_messages", 1),
        ("following", 1),
        ("watching", 1),
        ("showing_up", 1),
        ("other", 1),
    ]
    assert [(t.key, t.incidents) for t in p.by_channel] == [
        ("in_person", 2),
        ("phone_call", 1),
        ("text_message", 1),
    ]
    assert [(t.label, t.incidents) for t in p.by_person] == [
        ("P-001 · Mark", 4),
        ("P-002 · Lisa", 1),
    ]
    assert p.unnamed_incidents == 1


def test_heatmap_gap_and_streaks() -> None:
    p = analyse(basic().facts(), date(2026, 3, 20)).pattern
    expected = np.zeros((7, 24), dtype=np.int64)
    expected[0, 9] = 1  # Monday 09:15 (GMT)
    expected[0, 21] = 1  # Monday 21:40
    expected[2, 18] = 1  # Wednesday 18:05
    expected[0, 23] = 1  # Monday 23:30
    assert np.array_equal(p.heatmap, expected)
    assert p.heatmap_left_out == 2  # the day-only and the month-only incidents
    assert p.longest_gap is not None
    # Active days 2, 4, 10, 16 March: the first of the two 5-day quiet stretches.
    assert (p.longest_gap.days, p.longest_gap.after, p.longest_gap.before) == (
        5,
        date(2026, 3, 4),
        date(2026, 3, 10),
    )
    assert p.days_since_last == 4
    assert p.streak_days == 0  # nothing on 19 or 20 March
    assert p.streak_weeks == 3  # the weeks of 2, 9 and 16 March
    assert p.longest_streak_days == 1


def test_places_grouped_by_name_and_kind() -> None:
    p = analyse(basic().facts(), date(2026, 3, 20)).pattern
    assert [(g.label, g.kind, g.count, g.refs) for g in p.places] == [
        ("outside work, Mill Lane", "work", 2, ["I-0003", "I-0004"]),
        ("home", "home", 1, ["I-0006"]),
    ]
    assert p.places[0].first == date(2026, 3, 4)
    assert p.places[0].last == date(2026, 3, 10)
    assert p.place_kinds == {"work": 2, "home": 1}


def test_places_by_coordinates() -> None:
    log = Log()
    log.add(utc(2026, 3, 2, 9), latitude=51.50101, longitude=-0.14201)
    log.add(utc(2026, 3, 3, 9), latitude=51.50139, longitude=-0.14259)  # same 0.001° cell
    log.add(utc(2026, 3, 4, 9), latitude=51.51, longitude=-0.14)
    log.add(utc(2026, 3, 5, 9), place="Gym", latitude=51.52, longitude=-0.1)
    p = analyse(log.facts(), date(2026, 3, 20)).pattern
    groups = [(g.label, g.count, g.latitude, g.longitude) for g in p.places]
    assert groups == [
        ("51.5012, -0.1423", 2, 51.5012, -0.1423),
        ("51.5100, -0.1400", 1, 51.51, -0.14),
        ("Gym", 1, 51.52, -0.1),
    ]


def test_empty_log() -> None:
    found = analyse(Log().facts(), date(2026, 3, 20))
    p = found.pattern
    assert (p.incidents, p.first, p.last, p.longest_gap, p.days_since_last) == (
        0,
        None,
        None,
        None,
        None,
    )
    assert p.days.starts == () and p.weeks.starts == () and p.months.starts == ()
    assert found.signals == ()
    assert int(p.heatmap.sum()) == 0


# --- local time --------------------------------------------------------------------------


def test_offsets_across_both_london_changes() -> None:
    instants = np.array(
        [
            epoch_seconds(utc(2026, 3, 29, 0, 59, 59)),
            epoch_seconds(utc(2026, 3, 29, 1, 0, 0)),
            epoch_seconds(utc(2026, 10, 25, 0, 59, 59)),
            epoch_seconds(utc(2026, 10, 25, 1, 0, 0)),
        ],
        dtype=np.int64,
    )
    assert utc_offsets(instants, "Europe/London").tolist() == [0, 3600, 3600, 0]
    clock = LocalClock.in_zone(instants, "Europe/London")
    assert clock.hour.tolist() == [0, 2, 1, 1]  # 01:00-02:00 never happens in spring
    assert clock.weekday.tolist() == [6, 6, 6, 6]


def test_offsets_far_zones_and_half_hours() -> None:
    moment = np.array([epoch_seconds(utc(2026, 1, 15, 12, 0))], dtype=np.int64)
    assert utc_offsets(moment, "Asia/Kolkata").tolist() == [19800]
    assert utc_offsets(moment, "Australia/Lord_Howe").tolist() == [39600]
    assert utc_offsets(moment, "America/St_Johns").tolist() == [-12600]
    assert utc_offsets(np.zeros(0, dtype=np.int64), "UTC").tolist() == []


def test_dst_edges_in_counts_and_heatmap() -> None:
    log = Log()
    spring_before = log.add(utc(2026, 3, 29, 0, 30))  # 00:30 GMT, Sunday
    spring_after = log.add(utc(2026, 3, 29, 1, 30))  # 02:30 BST, Sunday
    summer_midnight = log.add(utc(2026, 7, 1, 23, 30))  # 00:30 BST on Thursday 2 July
    autumn_first = log.add(utc(2026, 10, 25, 0, 30))  # the first 01:30 (BST)
    autumn_second = log.add(utc(2026, 10, 25, 1, 30))  # the second 01:30 (GMT)
    tokyo = log.add(utc(2026, 3, 2, 15, 30), tz="Asia/Tokyo")  # 00:30 on Tuesday 3 March, JST
    short_day = log.add("2026-03-29")  # a 23-hour day
    long_day = log.add("2026-10-25")  # a 25-hour day
    table = IncidentTable.build(log.facts().incidents)
    by_ref = {f.ref: i for i, f in enumerate(table.facts)}

    def local(ref: str) -> tuple[int, int, int, int]:
        i = by_ref[ref]
        return (
            int(table.clock.day[i]) - day_number(date(2026, 1, 1)),
            int(table.clock.weekday[i]),
            int(table.clock.hour[i]),
            int(table.level[i]),
        )

    assert local(spring_before) == (87, 6, 0, HOUR)
    assert local(spring_after) == (87, 6, 2, HOUR)
    assert local(summer_midnight) == (182, 3, 0, HOUR)  # 2 July, not 1 July
    assert local(autumn_first) == (297, 6, 1, HOUR)
    assert local(autumn_second) == (297, 6, 1, HOUR)
    assert local(tokyo) == (61, 1, 0, HOUR)
    assert local(short_day)[3] == DAY
    assert local(long_day)[3] == DAY

    p = analyse(log.facts(), date(2026, 11, 1)).pattern
    assert int(p.heatmap[6, 1]) == 2  # both 01:30s on Sunday 25 October
    assert int(p.heatmap[3, 0]) == 1
    counts = {d: n for d, n, _c in p.days.rows() if n}
    assert counts[date(2026, 3, 29)] == 3  # two times of day and the whole-day incident
    assert counts[date(2026, 7, 2)] == 1 and date(2026, 7, 1) not in counts
    assert counts[date(2026, 10, 25)] == 3


def test_precision_levels() -> None:
    log = Log()
    refs = {
        "minute": log.add("2026-03-03 14:05"),
        "hour": log.add("2026-03-03 14"),
        "about": log.add("~2026-03-03 14:00"),
        "afternoon": log.add("2026-03-03 14:00/16:30"),
        "day": log.add("2026-03-03"),
        "two days": log.add("2026-03-03/2026-03-04"),
        "month": log.add("2026-03"),
        "two months": log.add("2026-03/2026-04"),
        "year": log.add("2025"),
    }
    table = IncidentTable.build(log.facts().incidents)
    level = {f.ref: int(table.level[i]) for i, f in enumerate(table.facts)}
    assert {name: level[ref] for name, ref in refs.items()} == {
        "minute": HOUR,
        "hour": HOUR,
        "about": HOUR,
        "afternoon": DAY,
        "day": DAY,
        "two days": MONTH,
        "month": MONTH,
        "two months": COARSE,
        "year": COARSE,
    }
    p = analyse(log.facts(), date(2026, 4, 30)).pattern
    assert p.days.left_out == 4
    assert p.months.left_out == 2
    assert p.heatmap_left_out == 6
    assert int(p.heatmap[1, 14]) == 3


def test_contacts_are_incoming_from_people_in_the_case() -> None:
    log = Log()
    log.message(utc(2026, 3, 2, 8, 0))
    log.message(utc(2026, 3, 2, 9, 0), person="p2", channel="email")
    log.message(utc(2026, 3, 2, 10, 0), direction="outgoing")  # the person's own reply
    log.message(utc(2026, 3, 2, 11, 0), person=None)  # a number not linked to anyone
    log.message(utc(2026, 3, 2, 12, 0), person="stranger")  # not in the case
    log.message(utc(2026, 3, 30, 23, 30))  # 00:30 BST on Tuesday 31 March
    facts = log.facts()
    contacts = ContactTable.build(facts)
    assert len(contacts) == 3
    p = analyse(facts, date(2026, 4, 1)).pattern
    assert p.contacts == 3
    assert [(t.key, t.incidents, t.contacts) for t in p.by_channel] == [
        ("text_message", 0, 2),
        ("email", 0, 1),
    ]
    assert [(t.label, t.contacts) for t in p.by_person] == [
        ("P-001 · Mark", 2),
        ("P-002 · Lisa", 1),
    ]
    assert int(p.contact_heatmap[1, 0]) == 1
    assert {d: c for d, _n, c in p.days.rows() if c} == {date(2026, 3, 2): 2, date(2026, 3, 31): 1}


def test_communication_log_sorts_and_codes_columns() -> None:
    log = CommunicationLog.from_columns(
        [30, 10, 20],
        [True, False, True],
        ["email", "sms", "email"],
        ["b", None, "a"],
        ["c", "a", "b"],
    )
    assert log.epoch.tolist() == [10, 20, 30]
    assert list(log.texts) == ["a", "b", "c"]
    assert log.channels == ("email", "sms")
    assert log.people == ("a", "b")
    assert log.person.tolist() == [-1, 0, 1]
    assert log.incoming.tolist() == [False, True, True]
    with pytest.raises(ValueError):
        CommunicationLog.from_columns([1, 2], [True], ["sms"], [None], ["x"])
    assert len(CommunicationLog.empty()) == 0


@pytest.mark.parametrize(
    ("location", "description", "kind"),
    [
        ("outside work, Mill Lane", None, "work"),
        ("School gates, St Mary's", None, "school"),
        ("home, front door", None, "home"),
        ("my parents' house", None, None),
        ("Tesco car park", None, None),
        ("自宅前", None, "home"),
        ("会社の入口", None, "work"),
        ("학교 앞", None, "school"),
        ("우리 집 현관", None, "home"),
        (None, "He was waiting outside my house at 6 pm", "home"),
        (None, "I was at home when he called", None),
        (None, "He stood by my office door", "work"),
        (None, "彼が家の前に立っていた", "home"),
        (None, "회사 앞에서 기다리고 있었다", "work"),
    ],
)
def test_place_kinds(location: str | None, description: str | None, kind: str | None) -> None:
    assert place_kind(location, description) == kind


def test_place_key_ignores_case_spacing_and_edges() -> None:
    assert place_key("  Outside Work,  Mill Lane. ") == place_key("outside work, mill lane")


def test_incidents_at_the_same_instant_are_ordered_by_reference() -> None:
    log = Log()
    at = utc(2026, 3, 2, 9, 0)
    for _ in range(11):
        log.add(at)
    facts = list(log.facts().incidents)
    table = IncidentTable.build(reversed(facts))
    assert [f.ref for f in table.facts] == [f"I-{n:04d}" for n in range(1, 12)]


def test_tactics_chart_text_names_one_period_without_a_range() -> None:
    found = analyse(basic().facts(), date(2026, 3, 20))
    text = charts.tactics_alt(found)
    assert charts.tactic_grid(found).unit == "week"
    # each kind happened within one week: no "from X to X"
    assert text == (
        "Dot chart of kinds of behaviour per week, from least to most serious. "
        "Unwanted calls: 1 in the week of 2 Mar 2026. "
        "Unwanted messages or email: 1 in the week of 2 Mar 2026. "
        "Following: 1 in the week of 2 Mar 2026. "
        "Watching or waiting: 1 in the week of 9 Mar 2026. "
        "Showing up: 1 in the week of 16 Mar 2026."
    )

"""Escalation signals raised and not raised, with the evidence behind them; order breaches.

Windows end on "today" (inclusive). With the default 4 weeks and today 1 June 2026, the
recent window is the 28 days from 5 May to 1 June and the one before it runs from 7 April
to 4 May. Each test states its dates so the counts can be checked by hand.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from safetrail.analysis.case import analyse
from safetrail.analysis.escalation import EVIDENCE_KEPT, Rules
from safetrail.domain.vocab import SeverityTier
from tests.test_analysis_fixtures import Log, utc

TODAY = date(2026, 6, 1)
RECENT = TODAY - timedelta(days=27)  # 5 May: first day of the recent window
PREVIOUS = TODAY - timedelta(days=55)  # 7 April: first day of the window before


def kinds(log: Log, today: date = TODAY) -> list[str]:
    return [s.kind for s in analyse(log.facts(), today).signals]


def refs(signal: object) -> list[str]:
    return [e.ref for e in signal.evidence if e.kind == "incident"]  # type: ignore[attr-defined]


# --- rising rate ---------------------------------------------------------------------------


def test_rising_rate_with_its_evidence() -> None:
    log = Log()
    log.daily(PREVIOUS, [0, 10], tactics=["unwanted_calls"])  # 2 in the earlier window
    recent = log.daily(RECENT, [1, 5, 9, 14, 20, 26], tactics=["unwanted_calls"])
    found = analyse(log.facts(), TODAY)
    signal = found.signal("rising_rate")
    assert signal is not None
    assert signal.detail == (
        "6 incidents in the last 4 weeks, on 6 different days; 2 in the 4 weeks before."
    )
    assert refs(signal) == recent
    assert signal.evidence_total == 6
    assert signal.recent and not signal.urgent


@pytest.mark.parametrize(
    ("earlier", "later", "raised"),
    [
        ([0, 10], [1, 5, 9, 14], True),  # 4 vs 2: at least 4, on 3+ days, x1.5, +2
        ([0, 5, 10], [1, 5, 9, 14], False),  # 4 vs 3: not one and a half times as many
        ([0], [1, 5, 9], False),  # 3 vs 1: fewer than 4
        ([0, 1, 2, 3], [1, 2, 3, 4, 5], False),  # 5 vs 4: not half as many again
        ([], [1, 1, 1, 2, 2, 2], False),  # 6 on 2 days: not enough different days
    ],
)
def test_rising_rate_thresholds(earlier: list[int], later: list[int], raised: bool) -> None:
    log = Log()
    log.add("2026-03-01 12:00")  # the log reaches back over both windows
    log.daily(PREVIOUS, earlier)
    log.daily(RECENT, later)
    assert ("rising_rate" in kinds(log)) is raised


def test_a_single_busy_day_is_not_escalation() -> None:
    log = Log()
    log.daily(PREVIOUS, [0, 12])
    log.daily(RECENT, [3] * 10)  # ten incidents, all on 8 May
    found = analyse(log.facts(), TODAY)
    assert found.signal("rising_rate") is None
    assert found.pattern.days.busiest() == (RECENT + timedelta(days=3), 10)


def test_slow_steady_contact_is_not_escalation() -> None:
    log = Log()
    log.daily(
        TODAY - timedelta(days=7 * 19), [7 * n for n in range(20)], tactics=["unwanted_calls"]
    )
    found = analyse(log.facts(), TODAY)
    assert found.signals == ()
    assert found.rate_marks == ()
    assert found.pattern.streak_weeks == 20


def test_quiet_period_raises_nothing() -> None:
    log = Log()
    log.daily(date(2026, 1, 5), [0, 1, 2, 3, 4, 5], tactics=["unwanted_calls"])
    found = analyse(log.facts(), TODAY)
    assert found.signals == ()
    assert found.pattern.days_since_last == (TODAY - date(2026, 1, 10)).days


def test_a_new_log_is_not_a_rise_from_nothing() -> None:
    log = Log()
    log.daily(RECENT, [1, 5, 9, 14, 20])  # everything in the last four weeks
    found = analyse(log.facts(), TODAY)
    assert found.signal("rising_rate") is None
    assert found.rate_marks == ()


def test_rate_marks_show_when_the_rise_began() -> None:
    log = Log()
    log.add("2026-03-01 12:00")
    log.daily(PREVIOUS, [0, 10])
    log.daily(RECENT, [1, 5, 9, 14])
    found = analyse(log.facts(), TODAY)
    # The windows move day by day. On 14 May the 28 days back to 17 April hold 4 incidents
    # (17 April, 6, 10 and 14 May) against 1 before (7 April): the test holds. On 15 May
    # 17 April drops out (3), so it stops; on 19 May it holds again: 6, 10, 14 and 19 May
    # against 7 and 17 April.
    assert found.rate_marks == (date(2026, 5, 14), date(2026, 5, 19))


def test_rising_contacts() -> None:
    log = Log()
    log.message(utc(2026, 3, 1, 9))
    for day in range(0, 20, 5):  # 4 in the earlier window
        log.message(utc(2026, 4, 8 + day, 9))
    for day in range(12):  # 12, one a day, in the recent window
        log.message(utc(2026, 5, 10 + day, 9))
    found = analyse(log.facts(), TODAY)
    signal = found.signal("rising_contacts")
    assert signal is not None
    assert signal.evidence_total == 12
    assert [e.kind for e in signal.evidence] == ["contacts"] * 12
    assert found.signal("rising_rate") is None


# --- severity, new behaviour, places -------------------------------------------------------


def test_sudden_approach_after_months_of_calls() -> None:
    log = Log()
    log.daily(date(2026, 2, 2), [7 * n for n in range(15)], tactics=["unwanted_calls"])
    approach = log.add(
        "2026-05-28 08:10", tactics=["showing_up"], channel="in_person", place="outside my house"
    )
    found = analyse(log.facts(), TODAY)
    assert [s.kind for s in found.signals] == [
        "approach_places",
        "new_tier",
        "new_tactics",
        "new_channels",
    ]
    tier = found.signal("new_tier")
    assert tier is not None and refs(tier) == [approach]
    assert [(s.tier, s.previous, s.ref) for s in found.tier_steps] == [
        (SeverityTier.APPROACH, SeverityTier.CONTACT, approach)
    ]
    assert not tier.urgent  # approach is serious; violence would be urgent
    new = found.signal("new_tactics")
    assert new is not None and new.detail == "First recorded in the last 4 weeks: Showing up."
    places = found.signal("approach_places")
    assert places is not None and places.urgent and refs(places) == [approach]


def test_violence_is_urgent_and_every_step_is_listed() -> None:
    log = Log()
    log.add("2026-01-05 10:00", tactics=["rumours"])
    log.add("2026-02-05 10:00", tactics=["unwanted_messages"])
    log.add("2026-02-06 10:00", tactics=["unwanted_messages", "rumours"])
    log.add("2026-03-05 10:00", tactics=["following"])
    last = log.add("2026-05-20 10:00", tactics=["violence"])
    found = analyse(log.facts(), TODAY)
    assert [(int(s.tier), int(s.previous)) for s in found.tier_steps] == [(2, 1), (3, 2), (5, 3)]
    tier = found.signal("new_tier")
    assert tier is not None and tier.urgent and len(tier.lines) == 3
    assert refs(tier) == ["I-0002", "I-0004", last]


def test_new_tactics_need_history_before_the_window() -> None:
    log = Log()
    log.daily(RECENT, [1, 2], tactics=["unwanted_calls"])
    log.daily(RECENT, [5], tactics=["following"])
    assert "new_tactics" not in kinds(log)  # everything is new in a new log


def test_new_channel_from_communications() -> None:
    log = Log()
    log.add("2026-03-02 10:00", tactics=["unwanted_calls"], channel="phone_call")
    log.message(utc(2026, 3, 3, 9), channel="text_message")
    log.message(utc(2026, 5, 20, 9), channel="email")
    found = analyse(log.facts(), TODAY)
    signal = found.signal("new_channels")
    assert signal is not None
    assert signal.detail == "First used in the last 4 weeks: Email."
    assert [(e.kind, e.on, e.count) for e in signal.evidence] == [
        ("contacts", date(2026, 5, 20), 1)
    ]


def test_places_need_someone_to_come_there() -> None:
    log = Log()
    log.add("2026-05-10 10:00", tactics=["unwanted_calls"], channel="phone_call", place="home")
    log.add("2026-05-11 10:00", text="He was waiting outside my house", tactics=["watching"])
    log.add("2026-05-12 10:00", tactics=["approaching"], place="office car park, work")
    log.add("2026-05-13 10:00", text="He came to my school gates", people=[])
    found = analyse(log.facts(), TODAY)
    signal = found.signal("approach_places")
    assert signal is not None
    assert refs(signal) == ["I-0002", "I-0003", "I-0004"]
    assert signal.lines == (
        "At or near home: 1 time, most recently 11 May 2026",
        "At or near work: 1 time, most recently 12 May 2026",
        "At or near school: 1 time, most recently 13 May 2026",
    )


# --- threats and fear ----------------------------------------------------------------------


def test_threats_from_tactics_notes_and_messages() -> None:
    log = Log()
    recorded = log.add("2026-05-01 10:00", text="He shouted at me.", tactics=["threats"])
    noted = log.add("2026-05-02 10:00", text="He said he would kill me if I went to the police.")
    log.add("2026-05-03 10:00", text="He asked where I was.")
    log.message(utc(2026, 5, 4, 9), text="I know where you live")
    log.message(utc(2026, 5, 4, 10), text="good morning")
    found = analyse(log.facts(), TODAY)
    signal = found.signal("threats")
    assert signal is not None
    assert signal.urgent  # a threat to kill
    assert refs(signal) == [recorded, noted]
    assert signal.evidence_total == 3
    notes = [e.note for e in signal.evidence]
    assert notes[0] == "recorded as a threat"
    assert notes[1].startswith("to kill: “")
    assert notes[2].startswith("knowing where you are: “i know where you live")
    assert signal.detail == (
        "2 incidents include threats. 1 message contains threatening words. "
        "Threats found: to kill; knowing where you are."
    )


def test_no_threat_signal_for_ordinary_words() -> None:
    log = Log()
    log.add("2026-05-02 10:00", text="He said he was dying to see me.")
    log.message(utc(2026, 5, 4, 9), text="this heat is killing me")
    assert "threats" not in kinds(log)


@pytest.mark.parametrize(
    ("ratings", "raised"),
    [
        ([1, 1, 1, 1, 1, 3, 3, 3, 3, 4], True),  # 1.0 then 3.2
        ([1, 2, 1, 2, 2, 2], False),  # 1.33 then 2.0: less than a step
        ([0, 0, 4, 4], False),  # only two ratings each side: too few to compare
        ([4, 4, 4, 1, 1, 1], False),  # falling
    ],
)
def test_rising_fear(ratings: list[int], raised: bool) -> None:
    log = Log()
    for i, fear in enumerate(ratings):
        log.add(f"2026-05-{i + 1:02d} 10:00", fear=fear)
    found = analyse(log.facts(), TODAY)
    signal = found.signal("rising_fear")
    assert (signal is not None) is raised
    if signal is not None:
        assert signal.urgent  # the latest ratings include "terrified"
        assert len(signal.evidence) == 5


# --- notices and orders --------------------------------------------------------------------


def test_contact_after_notice_counts_from_the_next_day() -> None:
    log = Log()
    log.notice("2026-05-10")
    log.add("2026-05-10 23:00")  # the same day: maybe before the notice, not counted
    after = [log.add("2026-05-11 08:00"), log.add("2026-05-15 08:00")]
    log.add("2026-05-12 08:00", people=["p2"])  # someone else
    log.add("2026-05-13 08:00", people=[])  # names no one
    log.message(utc(2026, 5, 10, 22))  # 23:00 BST on the notice day
    log.message(utc(2026, 5, 11, 9))
    log.message(utc(2026, 5, 11, 10))
    log.message(utc(2026, 5, 12, 9), person="p2")
    found = analyse(log.facts(), TODAY)
    signal = found.signal("after_notice")
    assert signal is not None
    assert refs(signal) == after
    assert signal.evidence_total == 4
    assert [(e.on, e.count) for e in signal.evidence if e.kind == "contacts"] == [
        (date(2026, 5, 11), 2)
    ]
    assert signal.detail == (
        "Since you told them to stop on 10 May 2026 (N-001): 2 incidents, 2 calls or messages. "
        "1 more incident since then names no one; if it was them, add them to it so it counts "
        "here."
    )


def test_notice_without_a_person_counts_everything() -> None:
    log = Log()
    log.notice("2026-05-10", person=None)
    log.add("2026-05-11 08:00", people=["p2"])
    log.add("2026-05-12 08:00", people=[])
    signal = analyse(log.facts(), TODAY).signal("after_notice")
    assert signal is not None and signal.evidence_total == 2


def test_order_breaches_for_the_report() -> None:
    log = Log()
    log.order("2026-03-01", "2026-03-31")
    log.add("2026-03-01 20:00")  # the day it was made: not counted
    inside = [log.add("2026-03-02 08:00"), log.add("2026-03-31 22:00")]  # the last day counts
    log.add("2026-04-01 08:00")  # after it ended
    log.add("2026-03-10 08:00", people=["p2"])  # someone the order does not name
    marked = log.add("2026-04-05 08:00", tactics=["order_breach"])  # no order in force
    for hour in (9, 10, 11):
        log.message(utc(2026, 3, 5, hour))
    found = analyse(log.facts(), TODAY)
    rows = [
        (b.on, b.order_ref, b.source, b.ref, b.count, b.recorded_as_breach) for b in found.breaches
    ]
    assert rows == [
        (date(2026, 3, 2), "O-001", "incident", inside[0], 1, False),
        (date(2026, 3, 5), "O-001", "contacts", None, 3, False),
        (date(2026, 3, 31), "O-001", "incident", inside[1], 1, False),
        (date(2026, 4, 5), None, "incident", marked, 1, True),
    ]
    signal = found.signal("order_breach")
    assert signal is not None and signal.urgent
    assert signal.evidence_total == 6
    assert signal.lines == (
        "O-001 (Restraining order): 2 incidents and 3 calls or messages while it was in force",
        "1 incident you recorded as breaking an order",
    )


def test_open_ended_order_runs_to_today() -> None:
    log = Log()
    log.order("2026-05-01")
    log.add("2026-05-31 08:00")
    assert [b.source for b in analyse(log.facts(), TODAY).breaches] == ["incident"]


def test_evidence_keeps_the_first_and_the_latest() -> None:
    log = Log()
    log.notice("2025-01-01")
    refs_all = log.daily(date(2025, 1, 2), range(500))
    signal = analyse(log.facts(), TODAY).signal("after_notice")
    assert signal is not None
    assert signal.evidence_total == 500
    assert len(signal.evidence) == EVIDENCE_KEPT
    assert signal.evidence_left_out == 300
    kept = refs(signal)
    assert kept[:2] == refs_all[:2] and kept[-1] == refs_all[-1]


def test_custom_rules_change_the_window() -> None:
    log = Log()
    log.add("2026-05-01 12:00")
    log.daily(TODAY - timedelta(days=13), [0])
    log.daily(TODAY - timedelta(days=6), [0, 1, 2, 3])
    assert "rising_rate" not in kinds(log)
    found = analyse(log.facts(), TODAY, Rules(window_days=7))
    assert found.signal("rising_rate") is not None

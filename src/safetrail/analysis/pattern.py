"""The shape of the log: how often, when, what kind, how, by whom and where.

Counts cover incidents and, separately, contacts (incoming communications from people in
the case), so a thousand messages never drown out one incident of being followed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from safetrail.analysis.facts import CaseFacts
from safetrail.analysis.localtime import day_number, day_of, month_of
from safetrail.analysis.places import PlaceGroup, group_places, place_kind
from safetrail.analysis.timeline import DAY, HOUR, MONTH, ContactTable, IncidentTable
from safetrail.domain import vocab
from safetrail.errors import ValidationError

__all__ = ["Pattern", "QuietGap", "Series", "Tally", "Unit", "count_pattern", "label_channel"]

Unit = Literal["day", "week", "month"]
PLACES_SHOWN = 50


@dataclass(frozen=True)
class Series:
    """Counts per period, with every empty period in between (for charts and tables)."""

    unit: Unit
    starts: tuple[date, ...]
    incidents: NDArray[np.int64]
    contacts: NDArray[np.int64]
    left_out: int  # incidents whose time is too vague for this unit

    def rows(self) -> list[tuple[date, int, int]]:
        return list(zip(self.starts, self.incidents.tolist(), self.contacts.tolist(), strict=True))

    def busiest(self) -> tuple[date, int] | None:
        if not self.starts or int(self.incidents.max(initial=0)) == 0:
            return None
        i = int(np.argmax(self.incidents))
        return self.starts[i], int(self.incidents[i])


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    incidents: int
    contacts: int = 0


@dataclass(frozen=True)
class QuietGap:
    """The longest stretch of days with nothing recorded, between two days with something."""

    days: int
    after: date  # the last day with something before the gap
    before: date  # the first day with something after it


@dataclass(frozen=True)
class Pattern:
    today: date
    incidents: int
    contacts: int
    first: date | None
    last: date | None
    first_ref: str | None
    last_ref: str | None
    days: Series
    weeks: Series
    months: Series
    by_tactic: tuple[Tally, ...]
    by_channel: tuple[Tally, ...]
    by_person: tuple[Tally, ...]
    unnamed_incidents: int  # incidents that name no one
    heatmap: NDArray[np.int64]  # 7 x 24, Monday first: incidents with a time of day
    contact_heatmap: NDArray[np.int64]
    heatmap_left_out: int
    longest_gap: QuietGap | None
    days_since_last: int | None
    streak_days: int
    streak_weeks: int
    longest_streak_days: int
    places: tuple[PlaceGroup, ...]
    places_total: int
    place_kinds: dict[str, int]


def label_channel(slug: str) -> str:
    try:
        return vocab.channel(slug).label_text()
    except ValidationError:
        return slug


def _series(
    unit: Unit,
    incident_keys: NDArray[np.int64],
    contact_keys: NDArray[np.int64],
    today_key: int,
    left_out: int,
    to_date: Callable[[int], date],
) -> Series:
    keys = np.concatenate([incident_keys, contact_keys])
    if keys.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Series(unit, (), empty, empty, left_out)
    low = int(keys.min())
    high = max(int(keys.max()), today_key)
    step = 7 if unit == "week" else 1
    size = (high - low) // step + 1
    incidents = np.bincount((incident_keys - low) // step, minlength=size).astype(np.int64)
    contacts = np.bincount((contact_keys - low) // step, minlength=size).astype(np.int64)
    starts = tuple(to_date(low + i * step) for i in range(size))
    return Series(unit, starts, incidents, contacts, left_out)


def _streaks(active_days: NDArray[np.int64], today: int) -> tuple[int, int, int]:
    """(current run of active days, current run of active weeks, longest run of days)."""
    days = np.unique(active_days)
    if days.size == 0:
        return 0, 0, 0
    breaks = np.flatnonzero(np.diff(days) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [days.size - 1]])
    lengths = ends - starts + 1
    longest = int(lengths.max())
    current = int(lengths[-1]) if int(days[-1]) >= today - 1 else 0
    weeks = np.unique(days - np.mod(days + 3, 7))
    this_week = today - (today + 3) % 7
    run = 0
    expected = this_week if int(weeks[-1]) == this_week else this_week - 7
    for week in weeks[::-1].tolist():
        if week != expected:
            break
        run += 1
        expected -= 7
    return current, run, longest


def _gap(active_days: NDArray[np.int64]) -> QuietGap | None:
    days = np.unique(active_days)
    if days.size < 2:
        return None
    steps = np.diff(days)
    i = int(np.argmax(steps))
    if int(steps[i]) <= 1:
        return None
    return QuietGap(int(steps[i]) - 1, day_of(int(days[i])), day_of(int(days[i + 1])))


def count_pattern(
    facts: CaseFacts, table: IncidentTable, contacts: ContactTable, today: date
) -> Pattern:
    today_n = day_number(today)
    clock = table.clock
    dated = table.level <= DAY
    monthly = table.level <= MONTH
    timed = table.level == HOUR
    contact_days = contacts.clock.day
    week_start = clock.day - clock.weekday
    contact_weeks = contact_days - contacts.clock.weekday
    today_week = today_n - (today_n + 3) % 7
    today_month = (today.year - 1970) * 12 + today.month - 1

    days = _series("day", clock.day[dated], contact_days, today_n, int((~dated).sum()), day_of)
    weeks = _series(
        "week", week_start[dated], contact_weeks, today_week, int((~dated).sum()), day_of
    )
    months = _series(
        "month",
        clock.month[monthly],
        contacts.clock.month,
        today_month,
        int((~monthly).sum()),
        month_of,
    )

    heat = np.bincount(clock.weekday[timed] * 24 + clock.hour[timed], minlength=168).reshape(7, 24)
    contact_heat = np.bincount(
        contacts.clock.weekday * 24 + contacts.clock.hour, minlength=168
    ).reshape(7, 24)

    facts_ = table.facts
    tactic_counts = Counter(chain.from_iterable(f.tactics for f in facts_))
    channel_counts = Counter(f.channel for f in facts_ if f.channel)
    person_counts = Counter(chain.from_iterable(f.people for f in facts_))
    unnamed = sum(1 for f in facts_ if not f.people)
    contact_channels = Counter(
        {
            contacts.log.channels[code]: int(n)
            for code, n in enumerate(np.bincount(contacts.channel, minlength=0).tolist())
            if n
        }
    )
    contact_people = Counter(
        {
            contacts.person_ids[code]: int(n)
            for code, n in enumerate(np.bincount(contacts.person, minlength=0).tolist())
            if n
        }
    )
    order = {t.slug: i for i, t in enumerate(vocab.TACTICS)}
    by_tactic = tuple(
        Tally(slug, _tactic_label(slug), n)
        for slug, n in sorted(tactic_counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))
    )
    channels = set(channel_counts) | set(contact_channels)
    by_channel = tuple(
        sorted(
            (
                Tally(slug, label_channel(slug), channel_counts[slug], contact_channels[slug])
                for slug in channels
            ),
            key=lambda t: (-t.incidents, -t.contacts, t.key),
        )
    )
    people = {p.id: p for p in facts.people}
    by_person = tuple(
        sorted(
            (
                Tally(
                    pid,
                    f"{people[pid].ref} · {people[pid].name}" if pid in people else pid,
                    person_counts[pid],
                    contact_people[pid],
                )
                for pid in set(person_counts) | set(contact_people)
            ),
            key=lambda t: (-t.incidents, -t.contacts, t.label),
        )
    )

    active = np.concatenate([clock.day[dated], contact_days])
    current, weekly, longest = _streaks(active, today_n)
    places, kinds = _places(table)
    last_day = int(active.max()) if active.size else None
    # First and last among incidents known to the day: "sometime in 2025" is no first date.
    known = np.flatnonzero(dated)
    first_i = int(known[0]) if known.size else None
    last_i = int(known[known.size - 1 - np.argmax(clock.day[known][::-1])]) if known.size else None
    return Pattern(
        today=today,
        incidents=len(table),
        contacts=len(contacts),
        first=day_of(int(clock.day[first_i])) if first_i is not None else None,
        last=day_of(int(clock.day[last_i])) if last_i is not None else None,
        first_ref=table.facts[first_i].ref if first_i is not None else None,
        last_ref=table.facts[last_i].ref if last_i is not None else None,
        days=days,
        weeks=weeks,
        months=months,
        by_tactic=by_tactic,
        by_channel=by_channel,
        by_person=by_person,
        unnamed_incidents=unnamed,
        heatmap=heat,
        contact_heatmap=contact_heat,
        heatmap_left_out=int((~timed).sum()),
        longest_gap=_gap(active),
        days_since_last=None if last_day is None else max(0, today_n - last_day),
        streak_days=current,
        streak_weeks=weekly,
        longest_streak_days=longest,
        places=tuple(places[:PLACES_SHOWN]),
        places_total=len(places),
        place_kinds=kinds,
    )


def _tactic_label(slug: str) -> str:
    try:
        return vocab.tactic(slug).label_text()
    except ValidationError:
        return slug


def _places(table: IncidentTable) -> tuple[list[PlaceGroup], dict[str, int]]:
    facts = table.facts
    texts = [f.place for f in facts]
    kinds = Counter(kind for text in texts if text and (kind := place_kind(text)))
    groups = group_places(
        [f.ref for f in facts],
        [day_of(d) for d in table.clock.day.tolist()],
        texts,
        [f.latitude for f in facts],
        [f.longitude for f in facts],
    )
    return groups, dict(kinds)

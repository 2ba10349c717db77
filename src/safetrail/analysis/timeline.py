"""Incidents and contacts as columns on the local calendar: what every other analysis counts.

An incident's time is read in its own zone (the zone it was recorded in), so "Tuesday,
18:00" stays what the person lived even if the vault's zone changes later; communications
carry no zone and are read in the vault's zone.

People do not always know when something happened, and counting must not invent
precision. Each incident gets a *level*: ``HOUR`` (a point, or a range of an hour at most),
``DAY`` (within one local day), ``MONTH`` (within one local month) or ``COARSE``. Counts by
hour need ``HOUR``; by day and week, ``DAY`` or finer; by month, ``MONTH`` or finer. Every
count says how many incidents it had to leave out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from safetrail.analysis.facts import CaseFacts, CommunicationLog, IncidentFact
from safetrail.analysis.localtime import LocalClock
from safetrail.domain import vocab

__all__ = ["COARSE", "DAY", "HOUR", "MONTH", "ContactTable", "IncidentTable", "tier_of"]

HOUR, DAY, MONTH, COARSE = 0, 1, 2, 3

_TIERS = {t.slug: int(t.tier) for t in vocab.TACTICS}


def tier_of(tactics: Iterable[str]) -> int:
    """The highest severity tier among ``tactics`` (0 when none is known)."""
    return max((_TIERS.get(slug, 0) for slug in tactics), default=0)


def _runs(ties: NDArray[np.int64]) -> list[tuple[int, int]]:
    """Index ranges (first, last) of runs of equal neighbours, from positions i where
    item i equals item i + 1."""
    runs: list[tuple[int, int]] = []
    for i in ties.tolist():
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _natural(ref: str) -> tuple[str, int, str]:
    head = ref.rstrip("0123456789")
    tail = ref[len(head) :]
    return head, int(tail) if tail else -1, ref


@dataclass(frozen=True)
class IncidentTable:
    """Incidents in time order (ties broken by reference) with per-incident columns."""

    facts: tuple[IncidentFact, ...]
    epoch: NDArray[np.int64]
    clock: LocalClock
    level: NDArray[np.int8]
    tier: NDArray[np.int8]
    fear: NDArray[np.int8]  # -1 where no fear level was recorded

    def __len__(self) -> int:
        return len(self.facts)

    @classmethod
    def build(cls, incidents: Iterable[IncidentFact]) -> IncidentTable:
        given = list(incidents)
        count = len(given)
        # Float seconds are exact enough here (whole seconds of this era fit in 53 bits).
        stamps = np.fromiter((f.start.timestamp() for f in given), np.float64, count)
        order = np.argsort(stamps, kind="stable")
        facts = tuple(given[i] for i in order.tolist())
        stamps = stamps[order]
        ties = np.flatnonzero(np.diff(stamps) == 0)
        if ties.size:  # same instant: order by reference, I-0009 before I-0010
            listed = list(facts)
            for low, high in _runs(ties):
                listed[low : high + 1] = sorted(
                    listed[low : high + 1], key=lambda f: _natural(f.ref)
                )
            facts = tuple(listed)
        epoch = np.floor(stamps).astype(np.int64)
        # Last instant inside the incident's span; a point ends where it starts.
        ends = np.fromiter(
            (f.end.timestamp() if f.end is not None else -1.0 for f in facts), np.float64, count
        )
        last = np.floor(ends).astype(np.int64) - 1
        last = np.where(last < epoch, epoch, last)
        zones = sorted({f.tz for f in facts}) or ["UTC"]
        zone_index = {name: i for i, name in enumerate(zones)}
        codes = np.fromiter((zone_index[f.tz] for f in facts), np.int64, count)
        clock = LocalClock.in_zones(epoch, codes, zones)
        end_clock = LocalClock.in_zones(last, codes, zones)
        level = np.full(count, COARSE, dtype=np.int8)
        level[end_clock.month == clock.month] = MONTH
        level[end_clock.day == clock.day] = DAY
        level[(last - epoch) < 3600] = HOUR
        tier = np.fromiter((tier_of(f.tactics) for f in facts), np.int8, count)
        fear = np.fromiter((f.fear if f.fear is not None else -1 for f in facts), np.int8, count)
        return cls(facts, epoch, clock, level, tier, fear)


@dataclass(frozen=True)
class ContactTable:
    """Incoming communications from people in the case (what counts as contact from them)."""

    log: CommunicationLog
    index: NDArray[np.int64]  # positions in ``log``
    person_ids: tuple[str, ...]  # by code, as in ``person``
    person: NDArray[np.int32]
    channel: NDArray[np.int16]  # codes into ``log.channels``
    epoch: NDArray[np.int64]
    clock: LocalClock

    def __len__(self) -> int:
        return int(self.index.shape[0])

    @classmethod
    def build(cls, facts: CaseFacts) -> ContactTable:
        log = facts.communications
        known = {p.id for p in facts.people}
        in_case = np.array([pid in known for pid in log.people], dtype=np.bool_)
        mask = log.incoming & (log.person >= 0)
        if in_case.size:
            mask &= in_case[np.maximum(log.person, 0)]
        else:
            mask &= False
        index = np.flatnonzero(mask).astype(np.int64)
        epoch = log.epoch[index]
        return cls(
            log=log,
            index=index,
            person_ids=log.people,
            person=log.person[index],
            channel=log.channel[index],
            epoch=epoch,
            clock=LocalClock.in_zone(epoch, facts.timezone),
        )

    def text(self, position: int) -> str | None:
        """The text of the ``position``-th contact (not the position in the whole log)."""
        i = int(self.index[position])
        return self.log.texts[i] if self.log.texts else None

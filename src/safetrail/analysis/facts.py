"""What analysis reads: plain, immutable facts, built by ``loader`` from a vault or by anyone else.

Analysis functions take these and nothing else, so they are pure and can be fed synthetic
data (tests, benchmarks) or, later, data from importers and a server.

* ``IncidentFact``: one incident as the person recorded it (no private note: analysis never
  sees it, so nothing derived from it can leak into a shared output).
* ``CommunicationLog``: many communications in columns (numpy arrays plus a list of texts),
  because a phone backup holds hundreds of thousands of them; ``CommunicationFact`` is the
  one-at-a-time form it can be built from.
* ``EventFact``: a no-contact notice or a protective order, a dated event to count from.
* ``PersonFact``: someone in the case.
* ``ArrangementFact``: contact the person is allowed or required to have (shared care of
  children); ``CaseFacts.inside`` names the records the person confirmed fell inside one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ArrangementFact",
    "CaseFacts",
    "CommunicationFact",
    "CommunicationLog",
    "EventFact",
    "IncidentFact",
    "PersonFact",
    "epoch_seconds",
    "paused_gc",
]

Direction = Literal["incoming", "outgoing"]
EventKind = Literal["notice", "order"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build many small objects without the cycle collector running every few hundred.

    Facts hold no reference cycles, so pausing collection loses nothing; with 100,000
    incidents it roughly halves the time to build them. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since 1970-01-01 UTC (floored), for an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("analysis needs aware datetimes")
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400 + delta.seconds


class IncidentFact(NamedTuple):
    """One incident. ``start``/``end`` are aware; ``end`` is exclusive and None for a point.

    A named tuple, not a dataclass: a vault of 100,000 incidents builds 100,000 of these,
    and a tuple is several times quicker to make (and just as immutable).
    """

    id: str
    ref: str
    start: datetime
    end: datetime | None
    tz: str
    text: str
    tactics: tuple[str, ...] = ()
    channel: str | None = None
    people: tuple[str, ...] = ()
    fear: int | None = None
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    impacts: tuple[str, ...] = ()
    police_reported: bool | None = None


@dataclass(frozen=True, slots=True)
class CommunicationFact:
    """One call, message or email. ``person_id`` is the counterpart, when they are known."""

    at: datetime
    direction: Direction
    channel: str
    person_id: str | None
    text: str | None = None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class EventFact:
    """A no-contact notice (``starts_on``) or an order (``starts_on`` to ``ends_on``)."""

    id: str
    ref: str
    kind: EventKind
    starts_on: date
    ends_on: date | None = None
    person_id: str | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class PersonFact:
    id: str
    ref: str
    name: str
    relationship: str | None = None
    role: str = "offender"


@dataclass(frozen=True, slots=True)
class ArrangementFact:
    """A permitted contact arrangement: with whom, in plain words, and its dates."""

    id: str
    ref: str
    person_id: str
    summary: str  # channels and windows, as the report prints them
    starts_on: date | None = None
    ends_on: date | None = None
    source: str = "agreement"


def _empty_texts() -> tuple[str | None, ...]:
    return ()


@dataclass(frozen=True)
class CommunicationLog:
    """Communications as columns, sorted by time.

    ``epoch`` holds UTC seconds; ``channel`` and ``person`` are codes into ``channels`` and
    ``people`` (person -1: a counterpart not linked to anyone in the case); ``texts`` and
    ``refs`` line up with the arrays. Build one with ``from_facts`` or ``from_columns``.
    """

    epoch: NDArray[np.int64]
    incoming: NDArray[np.bool_]
    channel: NDArray[np.int16]
    person: NDArray[np.int32]
    channels: tuple[str, ...]
    people: tuple[str, ...]
    texts: Sequence[str | None] = field(default_factory=_empty_texts)
    refs: Sequence[str | None] = field(default_factory=_empty_texts)

    def __len__(self) -> int:
        return int(self.epoch.shape[0])

    @classmethod
    def empty(cls) -> CommunicationLog:
        return cls.from_columns([], [], [], [], [])

    @classmethod
    def from_facts(cls, facts: Iterable[CommunicationFact]) -> CommunicationLog:
        items = list(facts)
        return cls.from_columns(
            [epoch_seconds(f.at) for f in items],
            [f.direction == "incoming" for f in items],
            [f.channel for f in items],
            [f.person_id for f in items],
            [f.text for f in items],
            [f.ref for f in items],
        )

    @classmethod
    def from_columns(
        cls,
        epoch: Sequence[int] | NDArray[np.int64],
        incoming: Sequence[bool] | NDArray[np.bool_],
        channels: Sequence[str],
        people: Sequence[str | None],
        texts: Sequence[str | None],
        refs: Sequence[str | None] | None = None,
    ) -> CommunicationLog:
        """Columns of equal length, in any order; channel and person ids are coded here."""
        times = np.asarray(epoch, dtype=np.int64)
        count = int(times.shape[0])
        lengths = {len(incoming), len(channels), len(people), len(texts)}
        if refs is not None:
            lengths.add(len(refs))
        if lengths != {count} and count:
            raise ValueError("communication columns differ in length")
        channel_names, channel_codes = _codes(channels)
        person_names, person_codes = _codes(people)
        order = np.argsort(times, kind="stable")
        in_order = bool(count < 2 or np.all(order == np.arange(count)))
        text_list: Sequence[str | None] = texts
        ref_list: Sequence[str | None] = refs if refs is not None else ()
        if not in_order:
            text_list = [texts[i] for i in order.tolist()]
            if refs is not None:
                ref_list = [refs[i] for i in order.tolist()]
        return cls(
            epoch=times[order],
            incoming=np.asarray(incoming, dtype=np.bool_)[order] if count else np.zeros(0, bool),
            channel=channel_codes[order].astype(np.int16),
            person=person_codes[order].astype(np.int32),
            channels=channel_names,
            people=person_names,
            texts=text_list,
            refs=ref_list,
        )

    def ref_of(self, index: int) -> str | None:
        return self.refs[index] if self.refs else None

    def subset(self, keep: NDArray[np.bool_]) -> CommunicationLog:
        """The rows where ``keep`` is true (codes and their names are kept as they are)."""
        if bool(keep.all()):
            return self
        rows = np.flatnonzero(keep).tolist()
        return replace(
            self,
            epoch=self.epoch[keep],
            incoming=self.incoming[keep],
            channel=self.channel[keep],
            person=self.person[keep],
            texts=[self.texts[i] for i in rows] if self.texts else (),
            refs=[self.refs[i] for i in rows] if self.refs else (),
        )


def _codes(values: Sequence[str | None]) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """Distinct non-empty values (sorted) and each value's index among them (-1 for None)."""
    names = tuple(sorted({v for v in values if v is not None}))
    index = {name: i for i, name in enumerate(names)}
    codes = np.fromiter(
        (index[v] if v is not None else -1 for v in values), dtype=np.int64, count=len(values)
    )
    return names, codes


@dataclass(frozen=True)
class CaseFacts:
    """Everything one analysis reads. ``timezone`` is the vault's zone (for communications)."""

    incidents: tuple[IncidentFact, ...]
    communications: CommunicationLog
    events: tuple[EventFact, ...]
    people: tuple[PersonFact, ...]
    country: str
    timezone: str
    arrangements: tuple[ArrangementFact, ...] = ()
    # Records confirmed inside an arrangement: incident ids and communication refs ("C-12"),
    # each with the arrangement's reference. They never count as contact after a notice or
    # during an order; threat flags still see them.
    inside: Mapping[str, str] = field(default_factory=dict)

    def person(self, person_id: str) -> PersonFact | None:
        for p in self.people:
            if p.id == person_id:
                return p
        return None

    def within(
        self,
        incident_ids: frozenset[str] | None = None,
        person_ids: frozenset[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> CaseFacts:
        """The part of the case a report covers: only these incidents, only contact from
        these people (and notices and orders about them), communications in [since, until)
        UTC seconds. None keeps everything."""
        chosen = self.incidents
        if incident_ids is not None:
            chosen = tuple(f for f in chosen if f.id in incident_ids)
        persons = self.people
        events = self.events
        arranged = self.arrangements
        if person_ids is not None:
            persons = tuple(p for p in persons if p.id in person_ids)
            events = tuple(e for e in events if e.person_id is None or e.person_id in person_ids)
            arranged = tuple(a for a in arranged if a.person_id in person_ids)
        log = self.communications
        if since is not None or until is not None:
            keep = np.ones(len(log), dtype=np.bool_)
            if since is not None:
                keep &= log.epoch >= since
            if until is not None:
                keep &= log.epoch < until
            log = log.subset(keep)
        return replace(
            self,
            incidents=chosen,
            communications=log,
            events=events,
            people=persons,
            arrangements=arranged,
        )

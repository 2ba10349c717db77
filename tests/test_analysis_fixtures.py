"""Builders for analysis tests: small cases whose expected figures can be worked out by hand.

(No tests here; the other ``test_analysis_*`` modules import these helpers.)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from safetrail.analysis.facts import (
    CaseFacts,
    CommunicationFact,
    CommunicationLog,
    EventFact,
    IncidentFact,
    PersonFact,
)
from safetrail.domain.when import parse_when

LONDON = "Europe/London"
LATER = datetime(2030, 1, 1, tzinfo=UTC)  # "now" for parse_when, so no time is in the future
MARK = PersonFact("p1", "P-001", "Mark", "former partner", "offender")
LISA = PersonFact("p2", "P-002", "Lisa", None, "associate")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Log:
    """Incidents numbered I-0001, I-0002 ... in the order they are added."""

    def __init__(self, tz: str = LONDON) -> None:
        self.tz = tz
        self.incidents: list[IncidentFact] = []
        self.events: list[EventFact] = []
        self.comms: list[CommunicationFact] = []

    def add(
        self,
        when: str | datetime,
        text: str = "It happened again.",
        tactics: Iterable[str] = (),
        channel: str | None = None,
        people: Iterable[str] = ("p1",),
        fear: int | None = None,
        place: str | None = None,
        tz: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        impacts: Iterable[str] = (),
        police: bool | None = None,
    ) -> str:
        zone = tz or self.tz
        if isinstance(when, datetime):
            start, end = when, None
        else:
            moment = parse_when(when, zone, now=LATER)
            start, end = moment.start, moment.end
        ref = f"I-{len(self.incidents) + 1:04d}"
        self.incidents.append(
            IncidentFact(
                id=f"id-{ref}",
                ref=ref,
                start=start,
                end=end,
                tz=zone,
                text=text,
                tactics=tuple(tactics),
                channel=channel,
                people=tuple(people),
                fear=fear,
                place=place,
                latitude=latitude,
                longitude=longitude,
                impacts=tuple(impacts),
                police_reported=police,
            )
        )
        return ref

    def daily(self, first: date, days: Iterable[int], **kwargs: object) -> list[str]:
        """One incident at 18:00 local on each of ``first + n`` days."""
        return [
            self.add(f"{(first + timedelta(days=n)).isoformat()} 18:00", **kwargs)  # type: ignore[arg-type]
            for n in days
        ]

    def notice(self, on: str, person: str | None = "p1") -> str:
        ref = f"N-{len([e for e in self.events if e.kind == 'notice']) + 1:03d}"
        self.events.append(
            EventFact(f"id-{ref}", ref, "notice", date.fromisoformat(on), None, person, "Letter")
        )
        return ref

    def order(self, on: str, ends: str | None = None, person: str | None = "p1") -> str:
        ref = f"O-{len([e for e in self.events if e.kind == 'order']) + 1:03d}"
        self.events.append(
            EventFact(
                f"id-{ref}",
                ref,
                "order",
                date.fromisoformat(on),
                date.fromisoformat(ends) if ends else None,
                person,
                "Restraining order",
            )
        )
        return ref

    def message(
        self,
        at: datetime,
        text: str | None = "hi",
        person: str | None = "p1",
        direction: str = "incoming",
        channel: str = "text_message",
    ) -> None:
        self.comms.append(
            CommunicationFact(at, direction, channel, person, text)  # type: ignore[arg-type]
        )

    def facts(self, country: str = "GB") -> CaseFacts:
        return CaseFacts(
            tuple(self.incidents),
            CommunicationLog.from_facts(self.comms),
            tuple(self.events),
            (MARK, LISA),
            country,
            self.tz,
        )

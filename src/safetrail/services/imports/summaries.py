"""Imported contacts from a person in the case, summarised as incidents per episode.

An episode is a run of communications from one person with no quiet gap of three hours
or more, and never longer than a day. Its incident says what happened in numbers
("23 calls (15 unanswered, 6 from a withheld number), 41 messages, between 22:00 and
03:00") and is linked to every communication it counts. Calls from a withheld number
during an episode (or within half an hour of it) are counted with it, and said to be
withheld: they cannot be attributed to anyone for certain.

Summaries are recomputed for the time span an import touched: an episode whose incident
already says the same is left alone; one that grew gets a new version of its incident;
an incident left with no communications (after an undo) is voided.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, delete, or_, select

from safetrail.case import CaseContext
from safetrail.domain.when import OccurredAt
from safetrail.i18n import _
from safetrail.storage.comm_tables import communication_incidents, communications
from safetrail.storage.tables import records

__all__ = ["EPISODE_GAP", "Span", "resummarise"]

EPISODE_GAP = timedelta(hours=3)
EPISODE_MAX = timedelta(hours=24)
WITHHELD_MARGIN = timedelta(minutes=30)

_CHANNEL_SLUG = {
    "phone": "phone_call",
    "sms": "text_message",
    "mms": "text_message",
    "imessage": "text_message",
    "whatsapp": "messaging_app",
    "telegram": "messaging_app",
    "discord": "messaging_app",
    "messenger": "messaging_app",
    "instagram": "social_media",
    "google-chat": "messaging_app",
    "hangouts": "messaging_app",
    "email": "email",
}
_UNANSWERED = {"missed", "rejected", "voicemail", "blocked"}


@dataclass
class Span:
    """The time range an import touched for one person (UTC stamps)."""

    first: str
    last: str

    def widen(self, stamp: str) -> None:
        self.first = min(self.first, stamp)
        self.last = max(self.last, stamp)


@dataclass(slots=True)
class _Comm:
    id: int
    at: datetime
    kind: str
    channel: str
    direction: str | None
    outcome: str | None
    withheld: bool
    attachments: list[str] = field(default_factory=list)


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _episodes(comms: list[_Comm]) -> list[list[_Comm]]:
    groups: list[list[_Comm]] = []
    for comm in comms:
        if groups:
            current = groups[-1]
            if comm.at - current[-1].at < EPISODE_GAP and comm.at - current[0].at < EPISODE_MAX:
                current.append(comm)
                continue
        groups.append([comm])
    return groups


def _rows(conn: Connection, condition: Any) -> list[_Comm]:
    found = []
    query = (
        select(
            communications.c.id,
            communications.c.at,
            communications.c.kind,
            communications.c.channel,
            communications.c.direction,
            communications.c.outcome,
            communications.c.withheld,
            communications.c.attachments,
        )
        .where(condition, communications.c.undone.is_(False), communications.c.system.is_(False))
        .order_by(communications.c.at, communications.c.id)
    )
    parse = datetime.fromisoformat
    for comm_id, at, kind, channel, direction, outcome, withheld, attachments in conn.execute(
        query
    ):
        evidence_ids = (
            [a["evidence_id"] for a in json.loads(attachments) if a.get("evidence_id")]
            if attachments
            else []
        )
        found.append(
            _Comm(
                comm_id,
                parse(at[:19]).replace(tzinfo=UTC),
                kind,
                channel,
                direction,
                outcome,
                bool(withheld),
                evidence_ids,
            )
        )
    return found


def _hour(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def describe(episode: Sequence[_Comm], zone: ZoneInfo) -> str:
    """The incident text for one episode, in plain words."""
    incoming = [c for c in episode if c.direction != "outgoing"]
    calls = [c for c in incoming if c.kind == "call"]
    messages = [c for c in incoming if c.kind == "message"]
    replies = len(episode) - len(incoming)
    parts: list[str] = []
    if calls:
        details = []
        unanswered = sum(1 for c in calls if c.outcome in _UNANSWERED)
        withheld = sum(1 for c in calls if c.withheld)
        if unanswered:
            details.append(_("{n} unanswered").format(n=unanswered))
        if withheld:
            details.append(_("{n} from a withheld number").format(n=withheld))
        text = _("1 call") if len(calls) == 1 else _("{n} calls").format(n=len(calls))
        parts.append(f"{text} ({', '.join(details)})" if details else text)
    if messages:
        parts.append(
            _("1 message") if len(messages) == 1 else _("{n} messages").format(n=len(messages))
        )
    if not parts:
        parts.append(_("no incoming contact"))
    start, end = episode[0].at, episode[-1].at
    if end - start >= timedelta(minutes=1):
        when = _("between {a} and {b}").format(a=_hour(start, zone), b=_hour(end, zone))
    else:
        when = _("at {a}").format(a=_hour(start, zone))
    channels = sorted({c.channel for c in episode})
    sentence = _("Imported records: {what}, {when} ({channels}).").format(
        what=", ".join(parts), when=when, channels=", ".join(channels)
    )
    if replies:
        sentence += " " + (
            _("You sent 1 reply.") if replies == 1 else _("You sent {n} replies.").format(n=replies)
        )
    return sentence


def _incident_data(
    episode: list[_Comm], person_id: str, import_id: str, zone: ZoneInfo, tz: str
) -> dict[str, Any]:
    start, end = episode[0].at, episode[-1].at
    occurred = OccurredAt(start, end if end > start else None, tz, "exact")
    incoming = [c for c in episode if c.direction != "outgoing"]
    tactics = set()
    if any(c.kind == "call" for c in incoming):
        tactics.add("unwanted_calls")
    if any(c.kind == "message" for c in incoming):
        tactics.add("unwanted_messages")
    slugs = Counter(_CHANNEL_SLUG.get(c.channel, "other") for c in incoming or episode)
    evidence_ids = sorted({e for c in episode for e in c.attachments})
    return {
        "occurred": occurred.to_json(),
        "location": {"text": None, "latitude": None, "longitude": None},
        "what_happened": describe(episode, zone),
        "tactics": sorted(tactics),
        "channel": slugs.most_common(1)[0][0],
        "offender_ids": [person_id],
        "witnesses": [],
        "fear": None,
        "impacts": [],
        "police": {"reported": None, "reference": None, "officer": None, "badge": None},
        "evidence_ids": evidence_ids,
        "private_note": None,
        "imported": {
            "import_id": import_id,
            "communications": len(episode),
            "first_communication": episode[0].id,
            "last_communication": episode[-1].id,
        },
    }


def _linked(conn: Connection, comm_ids: list[int]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for start in range(0, len(comm_ids), 900):
        chunk = comm_ids[start : start + 900]
        for comm_id, incident_id in conn.execute(
            select(
                communication_incidents.c.communication_id, communication_incidents.c.incident_id
            ).where(communication_incidents.c.communication_id.in_(chunk))
        ):
            found.setdefault(incident_id, set()).add(comm_id)
    return found


def _all_links(conn: Connection, incident_ids: Sequence[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {i: set() for i in incident_ids}
    for comm_id, incident_id in conn.execute(
        select(
            communication_incidents.c.communication_id, communication_incidents.c.incident_id
        ).where(communication_incidents.c.incident_id.in_(list(incident_ids)))
    ):
        found[incident_id].add(comm_id)
    return found


def resummarise(
    vault: CaseContext,
    conn: Connection,
    person_id: str,
    span: Span,
    import_id: str,
    tz: str,
    reason: str,
) -> tuple[int, int, int]:
    """Bring this person's summary incidents in ``span`` up to date.

    Returns (created, amended, voided)."""
    zone = ZoneInfo(tz)
    lo = (_parse(span.first) - EPISODE_MAX).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    hi = (_parse(span.last) + EPISODE_MAX).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    in_span = and_(communications.c.at >= lo, communications.c.at <= hi)
    mine = _rows(conn, and_(in_span, communications.c.person_id == person_id))
    withheld = _rows(
        conn,
        and_(in_span, communications.c.withheld.is_(True), communications.c.person_id.is_(None)),
    )
    episodes = _episodes(mine)
    for episode in episodes:
        start = episode[0].at - WITHHELD_MARGIN
        end = episode[-1].at + WITHHELD_MARGIN
        extra = [c for c in withheld if start <= c.at <= end and c.kind == "call"]
        if extra:
            episode.extend(extra)
            episode.sort(key=lambda c: (c.at, c.id))
    # every incident linked to any communication of this person in the span (live or undone)
    all_ids = [
        row[0]
        for row in conn.execute(
            select(communications.c.id).where(
                in_span,
                or_(communications.c.person_id == person_id, communications.c.withheld.is_(True)),
            )
        )
    ]
    links = _linked(conn, all_ids)
    live = (
        {
            row[0]
            for row in conn.execute(
                select(records.c.id).where(
                    records.c.id.in_(list(links)), records.c.voided.is_(False)
                )
            )
        }
        if links
        else set()
    )
    owned: dict[str, set[int]] = {}
    for incident_id in live:
        record = vault.store.get(conn, incident_id)
        if person_id in record.data.get("offender_ids", []) and "imported" in record.data:
            owned[incident_id] = set()
    owned.update({k: v for k, v in _all_links(conn, list(owned)).items()})
    created = amended = voided = 0
    used: set[str] = set()
    for episode in episodes:
        ids = {c.id for c in episode}
        candidates = sorted(
            (i for i in owned if i not in used and owned[i] & ids),
            key=lambda i: -len(owned[i] & ids),
        )
        data = _incident_data(episode, person_id, import_id, zone, tz)
        if candidates:
            target = candidates[0]
            used.add(target)
            current = vault.store.get(conn, target)
            unchanged = {k: v for k, v in current.data.items() if k != "imported"} == {
                k: v for k, v in data.items() if k != "imported"
            }
            if not unchanged:
                data["imported"]["import_id"] = import_id
                vault.store.amend(conn, target, data, reason)
                amended += 1
            missing = ids - owned[target]
            stale = owned[target] - ids
        else:
            target = vault.store.create(conn, "incident", data).id
            created += 1
            missing, stale = ids, set()
        if stale:
            conn.execute(
                delete(communication_incidents).where(
                    communication_incidents.c.incident_id == target,
                    communication_incidents.c.communication_id.in_(sorted(stale)),
                )
            )
        if missing:
            conn.execute(
                communication_incidents.insert(),
                [{"communication_id": c, "incident_id": target} for c in sorted(missing)],
            )
    for incident_id in owned:
        if incident_id not in used:
            vault.store.void(conn, incident_id, reason)
            voided += 1
    return created, amended, voided

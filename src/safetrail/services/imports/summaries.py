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

The rows are read in one pass per import (:func:`resummarise_all`): the communications of
every person summarised and every call from a withheld number in the union of their spans,
in one query, then shared out per person in memory (the old way walked every unmatched row
in each person's span, and scanned the table once per person for the links).
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, or_, select

from safetrail.case import CaseContext
from safetrail.domain.when import OccurredAt
from safetrail.i18n import _
from safetrail.storage.comm_tables import communication_incidents, communications
from safetrail.storage.tables import records

__all__ = ["EPISODE_GAP", "Span", "SpanRows", "resummarise", "resummarise_all"]

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


def _bounds(span: Span) -> tuple[str, str]:
    """The stamps to read for ``span``: a day either side (an episode may reach that far)."""
    lo = (_parse(span.first) - EPISODE_MAX).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    hi = (_parse(span.last) + EPISODE_MAX).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return lo, hi


def _comm(row: Any) -> _Comm:
    comm_id, _person, at, kind, channel, direction, outcome, withheld, attachments = row[:9]
    evidence_ids = (
        [a["evidence_id"] for a in json.loads(attachments) if a.get("evidence_id")]
        if attachments
        else []
    )
    return _Comm(
        comm_id,
        datetime.fromisoformat(at[:19]).replace(tzinfo=UTC),
        kind,
        channel,
        direction,
        outcome,
        bool(withheld),
        evidence_ids,
    )


# positions in a row of SpanRows
_ID, _PERSON, _AT, _WITHHELD, _UNDONE, _SYSTEM = 0, 1, 2, 7, 9, 10


class SpanRows:
    """What summaries read, in one query for all the people of an import: in the union of
    their spans, each one's communications and every communication from a withheld
    number (live or undone, system lines too: links are looked up for all of them)."""

    def __init__(self, conn: Connection, spans: dict[str, Span]) -> None:
        bounds = [_bounds(span) for span in spans.values()]
        lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
        c = communications.c
        query = (
            select(
                c.id,
                c.person_id,
                c.at,
                c.kind,
                c.channel,
                c.direction,
                c.outcome,
                c.withheld,
                c.attachments,
                c.undone,
                c.system,
            )
            .where(
                c.at >= lo,
                c.at <= hi,
                or_(c.person_id.in_(sorted(spans)), c.withheld.is_(True)),
            )
            .order_by(c.at, c.id)
        )
        #: per person, and every withheld one (whoever it is matched to), in (at, id) order
        self.by_person: dict[str, list[Any]] = {}
        self.withheld: list[Any] = []
        # plain tuples, with one copy of each repeated value (person, kind, channel, …):
        # a million-record import may hold a few hundred thousand of them here
        share: dict[Any, Any] = {}
        one = share.setdefault
        for found in conn.execute(query):
            rid, person, at, kind, channel, direction, outcome, withheld, *rest = found
            row = (
                rid,
                one(person, person),
                at,
                one(kind, kind),
                one(channel, channel),
                one(direction, direction),
                one(outcome, outcome),
                withheld,
                *rest,
            )
            if withheld:
                self.withheld.append(row)
            if person in spans:
                self.by_person.setdefault(person, []).append(row)

    def of(self, person_id: str, span: Span) -> tuple[list[_Comm], list[_Comm], list[int]]:
        """For ``person_id`` in ``span``: their live non-system communications, the live
        non-system ones from a withheld number nobody is known for, and the ids of all
        their communications and all withheld ones (to find the incidents linked)."""
        lo, hi = _bounds(span)
        theirs = _within(self.by_person.get(person_id, []), lo, hi)
        withheld = _within(self.withheld, lo, hi)
        ids = [row[_ID] for row in theirs]
        ids += [row[_ID] for row in withheld if row[_PERSON] != person_id]
        live = [_comm(row) for row in theirs if not (row[_UNDONE] or row[_SYSTEM])]
        nobody = [
            _comm(row)
            for row in withheld
            if row[_PERSON] is None and not (row[_UNDONE] or row[_SYSTEM])
        ]
        return live, nobody, ids


def _within(rows: list[Any], lo: str, hi: str) -> list[Any]:
    """The rows (in time order) stamped from ``lo`` to ``hi``, both included."""
    start = bisect.bisect_left(rows, lo, key=lambda row: row[_AT])
    end = bisect.bisect_right(rows, hi, key=lambda row: row[_AT])
    return rows[start:end]


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


def _link(conn: Connection, pairs: list[tuple[int, str]]) -> None:
    """Insert (communication id, incident id) links in one statement: plain values, so
    straight to the driver (no per-row dictionaries)."""
    if not pairs:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO communication_incidents (communication_id, incident_id) "
        f"VALUES ({mark}, {mark})",
        pairs,
    )


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
    rows: SpanRows | None = None,
) -> tuple[int, int, int]:
    """Bring this person's summary incidents in ``span`` up to date (``rows``: read
    already for the whole import, see :class:`SpanRows`).

    Returns (created, amended, voided)."""
    zone = ZoneInfo(tz)
    if rows is None:
        rows = SpanRows(conn, {person_id: span})
    mine, withheld, all_ids = rows.of(person_id, span)
    episodes = _episodes(mine)
    for episode in episodes:
        start = episode[0].at - WITHHELD_MARGIN
        end = episode[-1].at + WITHHELD_MARGIN
        extra = [c for c in withheld if start <= c.at <= end and c.kind == "call"]
        if extra:
            episode.extend(extra)
            episode.sort(key=lambda c: (c.at, c.id))
    # every incident linked to any communication of this person in the span (live or undone)
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
    new_links: list[tuple[int, str]] = []  # written together after the loop
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
        new_links += [(c, target) for c in sorted(missing)]
    _link(conn, new_links)
    for incident_id in owned:
        if incident_id not in used:
            vault.store.void(conn, incident_id, reason)
            voided += 1
    return created, amended, voided


def resummarise_all(
    vault: CaseContext,
    conn: Connection,
    spans: dict[str, Span],
    import_id: str,
    tz: str,
    reason: str,
) -> tuple[int, int, int]:
    """:func:`resummarise` for each person in ``spans`` (in id order), their rows read in
    one pass. Returns the totals (created, amended, voided)."""
    if not spans:
        return 0, 0, 0
    rows = SpanRows(conn, spans)
    created = amended = voided = 0
    for person_id, span in sorted(spans.items()):
        made, changed, gone = resummarise(vault, conn, person_id, span, import_id, tz, reason, rows)
        created, amended, voided = created + made, amended + changed, voided + gone
    return created, amended, voided

"""Imported messages and calls as reports show them, each with where it came from.

* ``communications_section`` — every message and call from the report's people in its
  date range (the summary table, the optional appendix and communications.csv).
* ``quoted_messages`` — given communication references (``C-123``), the rows in full with
  their provenance: the export's exhibit number and SHA-256, the importer, the position
  in the export, and the summary incident that covers the message.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from safetrail.case import CaseContext
from safetrail.reports.model import CaseData
from safetrail.services.communications import channel_slug
from safetrail.storage.comm_tables import communication_incidents
from safetrail.storage.comm_tables import communications as comms
from safetrail.storage.records import format_ref
from safetrail.storage.tables import records, versions

__all__ = [
    "REPORT_LIMIT",
    "CommunicationRow",
    "CommunicationsSection",
    "QuotedMessage",
    "communications_section",
    "quoted_messages",
]

#: the report lists at most this many communications in full (the summary covers all)
REPORT_LIMIT = 50_000
_CHUNK = 500  # ids per query (SQLite's limit on bound parameters is far above this)


@dataclass(frozen=True)
class CommunicationRow:
    at: str  # UTC ISO 8601
    direction: str  # "incoming", "outgoing", "missed", ...
    channel: str  # a channel slug
    counterpart: str  # phone in E.164, email or handle
    person_ref: str | None  # the person whose identifier matched, e.g. "P-001"
    text: str
    attachments: tuple[str, ...] = ()  # exhibit references
    source_sha256: str = ""  # the imported file
    importer: str = ""  # name and version
    position: str = ""  # where in the source file


@dataclass(frozen=True)
class CommunicationsSection:
    rows: list[CommunicationRow] = field(default_factory=list)

    def summary(self) -> list[tuple[str, str, str, int, str, str]]:
        """(counterpart, channel, direction, count, first, last) per group."""
        groups: Counter[tuple[str, str, str]] = Counter()
        first: dict[tuple[str, str, str], str] = {}
        last: dict[tuple[str, str, str], str] = {}
        for row in sorted(self.rows, key=lambda r: r.at):
            key = (row.counterpart, row.channel, row.direction)
            groups[key] += 1
            first.setdefault(key, row.at)
            last[key] = row.at
        return [(*key, n, first[key], last[key]) for key, n in sorted(groups.items())]


@dataclass(frozen=True)
class QuotedMessage:
    """One imported message quoted word for word, with everything needed to find it again."""

    ref: str  # C-123
    at: str  # UTC ISO 8601
    sender: str  # the sender's name as the export wrote it
    identifier: str  # phone in E.164, email or handle ("" when the export had none)
    channel: str  # the imported channel ("whatsapp", "sms", ...)
    text: str
    exhibit_ref: str  # the export file's exhibit number ("" when it was not kept)
    exhibit_id: str
    source_name: str
    source_sha256: str
    importer: str
    import_ref: str
    position: str
    incident_id: str | None  # the summary incident that covers it
    incident_ref: str | None


def _import_sources(conn: Connection) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    rows = conn.execute(
        select(records.c.id, records.c.ref_no, versions.c.data)
        .join(versions, versions.c.record_id == records.c.id)
        .where(records.c.kind == "import", versions.c.version == records.c.head_version)
    )
    for record_id, ref_no, data in rows:
        found[record_id] = (format_ref("import", ref_no), json.loads(data).get("sources", []))
    return found


def _evidence_refs(conn: Connection) -> dict[str, str]:
    return {
        record_id: format_ref("evidence", ref_no)
        for record_id, ref_no in conn.execute(
            select(records.c.id, records.c.ref_no).where(records.c.kind == "evidence")
        )
    }


def _source(
    sources: dict[str, tuple[str, list[dict[str, Any]]]], import_id: str, source_no: int
) -> tuple[str, dict[str, Any]]:
    ref, files = sources.get(import_id, ("", []))
    return ref, (files[source_no - 1] if 0 < source_no <= len(files) else {})


def _stamp(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _bounds(case: CaseData) -> tuple[str | None, str | None]:
    zone = ZoneInfo(case.timezone)
    lo = hi = None
    if case.options.from_day:
        lo = _stamp(datetime.fromisoformat(case.options.from_day).replace(tzinfo=zone))
    if case.options.to_day:
        end = datetime.fromisoformat(case.options.to_day).replace(tzinfo=zone)
        hi = _stamp(end + timedelta(days=1))
    return lo, hi


def _rows(conn: Connection, case: CaseData) -> Iterator[CommunicationRow]:
    offenders = [p.id for p in case.people if p.role == "offender"]
    if case.options.offenders:
        chosen = set(case.options.offenders)
        offenders = [p.id for p in case.people if p.ref in chosen]
    if not offenders:
        return
    lo, hi = _bounds(case)
    query = select(comms).where(
        comms.c.undone.is_(False), comms.c.system.is_(False), comms.c.person_id.in_(offenders)
    )
    if lo:
        query = query.where(comms.c.at >= lo)
    if hi:
        query = query.where(comms.c.at < hi)
    sources = _import_sources(conn)
    evidence_refs = _evidence_refs(conn)
    person_refs = {p.id: p.ref for p in case.people}
    for row in conn.execute(query.order_by(comms.c.at, comms.c.id).limit(REPORT_LIMIT)):
        ref, source = _source(sources, row.import_id, row.source_no)
        attachments = tuple(
            evidence_refs.get(a.get("evidence_id", ""), a.get("name", ""))
            for a in json.loads(row.attachments or "[]")
        )
        direction = row.direction or "incoming"
        if row.kind == "call" and row.outcome and row.outcome != "answered":
            direction = row.outcome
        yield CommunicationRow(
            at=row.at,
            direction=direction,
            channel=channel_slug(row.channel),
            counterpart=row.counterpart or row.counterpart_raw or row.sender or "",
            person_ref=person_refs.get(row.person_id),
            text=row.text or row.subject or "",
            attachments=attachments,
            source_sha256=str(source.get("sha256") or ""),
            importer=f"{source.get('importer', '')} ({ref})".strip(),
            position=row.position,
        )


def communications_section(vault: CaseContext, case: CaseData) -> CommunicationsSection:
    """The communications from the report's people in the report's date range."""
    with vault.read() as conn:
        return CommunicationsSection(list(_rows(conn, case)))


def _ids(refs: Iterable[str]) -> list[int]:
    return sorted({int(r[2:]) for r in refs if r.startswith("C-") and r[2:].isdigit()})


def quoted_messages(vault: CaseContext, refs: Sequence[str]) -> list[QuotedMessage]:
    """The communications ``refs`` names, oldest first, each with its provenance."""
    ids = _ids(refs)
    if not ids:
        return []
    found: list[QuotedMessage] = []
    with vault.read() as conn:
        sources = _import_sources(conn)
        evidence_ids = {ref: record_id for record_id, ref in _evidence_refs(conn).items()}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            query = (
                select(
                    comms,
                    communication_incidents.c.incident_id.label("incident_id"),
                    records.c.ref_no.label("incident_no"),
                )
                .outerjoin(
                    communication_incidents,
                    communication_incidents.c.communication_id == comms.c.id,
                )
                .outerjoin(records, records.c.id == communication_incidents.c.incident_id)
                .where(comms.c.id.in_(chunk))
            )
            seen: set[int] = set()
            for row in conn.execute(query):
                if row.id in seen:  # one message, one quote, even if two incidents cover it
                    continue
                seen.add(row.id)
                import_ref, source = _source(sources, row.import_id, row.source_no)
                exhibit_ref = str(source.get("evidence_ref") or "")
                exhibit_id = evidence_ids.get(exhibit_ref, "")
                found.append(
                    QuotedMessage(
                        ref=f"C-{row.id}",
                        at=row.at,
                        sender=row.sender or row.counterpart_name or "",
                        identifier=row.counterpart or row.counterpart_raw or "",
                        channel=row.channel,
                        text=row.text or row.subject or "",
                        exhibit_ref=exhibit_ref if exhibit_id else "",
                        exhibit_id=exhibit_id,
                        source_name=str(source.get("name") or ""),
                        source_sha256=str(source.get("sha256") or ""),
                        importer=str(source.get("importer") or ""),
                        import_ref=import_ref,
                        position=row.position,
                        incident_id=row.incident_id,
                        incident_ref=format_ref("incident", row.incident_no)
                        if row.incident_no is not None
                        else None,
                    )
                )
    found.sort(key=lambda m: (m.at, int(m.ref[2:])))
    return found

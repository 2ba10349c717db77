"""Imported communications as the rest of SafeTrail reads them (analysis and reports)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, select

from safetrail.analysis.facts import CommunicationLog
from safetrail.reports.adapters import CommunicationRow, CommunicationsSection
from safetrail.services.imports.summaries import _CHANNEL_SLUG
from safetrail.services.vault import Vault
from safetrail.storage.comm_tables import communications as comms
from safetrail.storage.records import format_ref
from safetrail.storage.tables import records, versions

__all__ = ["REPORT_LIMIT", "channel_slug", "for_report", "load_log"]

#: the report lists at most this many communications in full (the summary covers all)
REPORT_LIMIT = 50_000


def channel_slug(channel: str) -> str:
    """The incident channel an imported channel belongs to ("sms" → "text_message")."""
    return _CHANNEL_SLUG.get(channel, "other")


def load_log(conn: Connection) -> CommunicationLog:
    """Every live, non-system communication as columns (for analysis)."""
    rows = conn.execute(
        select(
            comms.c.id,
            comms.c.at,
            comms.c.direction,
            comms.c.channel,
            comms.c.person_id,
            comms.c.text,
        )
        .where(comms.c.undone.is_(False), comms.c.system.is_(False))
        .order_by(comms.c.at, comms.c.id)
    ).all()
    if not rows:
        return CommunicationLog.empty()
    ids, stamps, directions, channels, people, texts = zip(*rows, strict=True)
    epoch = np.array([s[:19] for s in stamps], dtype="datetime64[s]").astype(np.int64)
    slugs = {c: channel_slug(c) for c in set(channels)}
    return CommunicationLog.from_columns(
        epoch,
        [d != "outgoing" for d in directions],
        [slugs[c] for c in channels],
        list(people),
        list(texts),
        [f"C-{i}" for i in ids],
    )


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


def _bounds(case: Any) -> tuple[str | None, str | None]:
    zone = ZoneInfo(case.timezone)
    lo = hi = None
    if case.options.from_day:
        start = datetime.fromisoformat(case.options.from_day).replace(tzinfo=zone)
        lo = start.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if case.options.to_day:
        end = datetime.fromisoformat(case.options.to_day).replace(tzinfo=zone) + timedelta(days=1)
        hi = end.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return lo, hi


def _rows(conn: Connection, case: Any) -> Iterator[CommunicationRow]:
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
    evidence_refs: dict[str, str] = {}
    for record_id, ref_no in conn.execute(
        select(records.c.id, records.c.ref_no).where(records.c.kind == "evidence")
    ):
        evidence_refs[record_id] = format_ref("evidence", ref_no)
    person_refs = {p.id: p.ref for p in case.people}
    for row in conn.execute(query.order_by(comms.c.at, comms.c.id).limit(REPORT_LIMIT)):
        ref, files = sources.get(row.import_id, ("", []))
        source = files[row.source_no - 1] if 0 < row.source_no <= len(files) else {}
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


def for_report(vault: Vault, case: Any) -> CommunicationsSection:
    """The communications from the report's offenders in the report's date range."""
    with vault.read() as conn:
        return CommunicationsSection(list(_rows(conn, case)))

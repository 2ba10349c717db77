"""Read a vault into ``CaseFacts``: the projection tables by SQL, JSON only where needed.

Everything analysis counts is in the projection tables (``incidents``, ``incident_tactics``,
``incident_people``, ``events``, ``people``), so a 100,000-incident vault is read in a few
queries without decoding any version JSON. Only effects on the person's life (impacts) and
the labels of notices and orders live only in the JSON; they are read when asked for.

Private notes are never read here, so nothing derived from analysis can reveal one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from safetrail.analysis.facts import (
    ArrangementFact,
    CaseFacts,
    CommunicationLog,
    EventFact,
    IncidentFact,
    PersonFact,
    paused_gc,
)
from safetrail.case import CaseContext
from safetrail.services import settings
from safetrail.services.events import method_label
from safetrail.storage.columns import content_searchable_in_sql
from safetrail.storage.records import format_ref
from safetrail.storage.tables import (
    events,
    incident_people,
    incident_tactics,
    incidents,
    people,
    records,
    versions,
)

__all__ = ["load_case", "load_communications"]


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _links(conn: Connection, table: Any, column: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    rows = conn.execute(
        select(table.c.incident_id, table.c[column])
        .join(incidents, incidents.c.record_id == table.c.incident_id)
        .where(incidents.c.voided.is_(False))
        .order_by(table.c.incident_id, table.c[column])
    )
    for incident_id, value in rows:
        found[str(incident_id)].append(str(value))
    return found


def _impacts(conn: Connection) -> dict[str, tuple[str, ...]]:
    """Impacts of live incidents; only versions with a non-empty list are decoded."""
    import json

    conditions = [records.c.kind == "incident", records.c.voided.is_(False)]
    if content_searchable_in_sql():  # encrypted (a server case): all are decoded instead
        # Canonical JSON writes an empty list as "impacts":[] and a quote inside a text
        # value is always escaped, so this skips exactly the incidents with no impacts.
        conditions.append(versions.c.data.like('%"impacts":["%'))
    rows = conn.execute(
        select(versions.c.record_id, versions.c.data)
        .join(
            records,
            and_(
                records.c.id == versions.c.record_id,
                records.c.head_version == versions.c.version,
            ),
        )
        .where(*conditions)
    )
    found = ((str(rid), tuple(json.loads(data).get("impacts", ()))) for rid, data in rows)
    return {rid: impacts for rid, impacts in found if impacts}


def load_communications(vault: CaseContext, conn: Connection) -> CommunicationLog:
    """Imported communications (live, non-system), as columns."""
    del vault
    from safetrail.services.communications import load_log

    return load_log(conn)


def load_case(vault: CaseContext, with_impacts: bool = False) -> CaseFacts:
    """The case as analysis sees it (live records only; withdrawn ones are left out)."""
    place = settings.current(vault)
    with paused_gc(), vault.read() as conn:
        tactics = _links(conn, incident_tactics, "tactic")
        offenders = _links(conn, incident_people, "person_id")
        impacts = _impacts(conn) if with_impacts else {}
        rows = conn.execute(
            select(
                incidents.c.record_id,
                records.c.ref_no,
                incidents.c.occurred_start,
                incidents.c.occurred_end,
                incidents.c.tz,
                incidents.c.location,
                incidents.c.latitude,
                incidents.c.longitude,
                incidents.c.what_happened,
                incidents.c.channel,
                incidents.c.fear,
                incidents.c.police_reported,
            )
            .join(records, records.c.id == incidents.c.record_id)
            .where(incidents.c.voided.is_(False))
        ).all()
        facts = tuple(
            IncidentFact(
                str(record_id),
                format_ref("incident", ref_no),
                _stamp(start),
                _stamp(end) if end else None,
                tz,
                text,
                tuple(tactics.get(str(record_id), ())),
                channel,
                tuple(offenders.get(str(record_id), ())),
                fear,
                place,
                latitude,
                longitude,
                impacts.get(str(record_id), ()),
                reported,
            )
            for (
                record_id,
                ref_no,
                start,
                end,
                tz,
                place,
                latitude,
                longitude,
                text,
                channel,
                fear,
                reported,
            ) in rows
        )
        person_rows = conn.execute(
            select(
                people.c.record_id,
                records.c.ref_no,
                people.c.display_name,
                people.c.relationship,
                people.c.role,
            ).join(records, records.c.id == people.c.record_id)
        ).all()
        persons = tuple(
            PersonFact(
                str(r.record_id),
                format_ref("person", r.ref_no),
                r.display_name,
                r.relationship,
                r.role,
            )
            for r in person_rows
        )
        event_rows = conn.execute(
            select(events.c.record_id, events.c.kind)
            .where(events.c.voided.is_(False))
            .order_by(events.c.starts_on)
        ).all()
        loaded = vault.store.load(conn, [str(r.record_id) for r in event_rows])
        comms = load_communications(vault, conn)
        arranged, inside = _arrangements(vault, conn)
    happened = tuple(_event(record.id, record.ref, record.kind, record.data) for record in loaded)
    return CaseFacts(
        facts, comms, happened, persons, place.country, place.timezone, arranged, inside
    )


def _arrangements(
    vault: CaseContext, conn: Connection
) -> tuple[tuple[ArrangementFact, ...], dict[str, str]]:
    """Live arrangements, and the records confirmed inside one (target → arrangement ref)."""
    from safetrail.services.arrangements import arrangement_summary

    rows = conn.execute(
        select(records.c.id, records.c.kind)
        .where(
            records.c.kind.in_(("arrangement", "arrangement_mark")),
            records.c.voided.is_(False),
        )
        .order_by(records.c.kind, records.c.ref_no)
    ).all()
    if not rows:
        return (), {}
    loaded = vault.store.load(conn, [str(r.id) for r in rows])
    facts = []
    refs: dict[str, str] = {}
    for record in loaded:
        if record.kind != "arrangement":
            continue
        data = record.data
        refs[record.id] = record.ref
        facts.append(
            ArrangementFact(
                record.id,
                record.ref,
                str(data["person_id"]),
                arrangement_summary(data),
                date.fromisoformat(data["starts_on"]) if data.get("starts_on") else None,
                date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None,
                str(data.get("source") or "agreement"),
            )
        )
    inside = {
        str(m.data["target"]): refs[m.data["arrangement_id"]]
        for m in loaded
        if m.kind == "arrangement_mark"
        and m.data.get("inside")
        and m.data.get("arrangement_id") in refs
    }
    inside.update(_summaries_inside(conn, inside))
    return tuple(facts), inside


def _summaries_inside(conn: Connection, inside: dict[str, str]) -> dict[str, str]:
    """Import summary incidents whose every message is inside one arrangement: they are
    inside it too (a day mixing permitted and other messages stays outside)."""
    from safetrail.storage.comm_tables import communication_incidents as links

    wanted = [int(k[2:]) for k in inside if k.startswith("C-")]
    if not wanted:
        return {}
    touched = select(links.c.incident_id).where(links.c.communication_id.in_(wanted))
    covered: dict[str, set[str | None]] = defaultdict(set)
    for incident_id, comm_id in conn.execute(
        select(links.c.incident_id, links.c.communication_id).where(
            links.c.incident_id.in_(touched)
        )
    ):
        covered[str(incident_id)].add(inside.get(f"C-{comm_id}"))
    found_inside: dict[str, str] = {}
    for incident_id, found in covered.items():
        only = next(iter(found)) if len(found) == 1 else None
        if only is not None and incident_id not in inside:
            found_inside[incident_id] = only
    return found_inside


def _event(record_id: str, ref: str, kind: str, data: dict[str, Any]) -> EventFact:
    ends = data.get("ends_on")
    if kind == "order":
        label = str(data.get("order_type") or "")
    else:
        label = method_label(str(data.get("method") or ""))
    return EventFact(
        id=record_id,
        ref=ref,
        kind="order" if kind == "order" else "notice",
        starts_on=date.fromisoformat(data["starts_on"]),
        ends_on=date.fromisoformat(ends) if ends else None,
        person_id=data.get("person_id"),
        label=label,
    )

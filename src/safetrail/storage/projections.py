"""Current-state rows derived from a record's head version.

``rows_for`` is a pure function of (kind, id, data, voided); ``apply`` replaces a
record's rows with it and ``verify`` compares the stored rows against it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete

from safetrail.storage import tables as t

Rows = dict[Table, list[dict[str, Any]]]

# Which projection tables hold a record of each kind, and the column naming the record.
TABLES: dict[str, list[tuple[Table, str]]] = {
    "incident": [
        (t.incidents, "record_id"),
        (t.incident_tactics, "incident_id"),
        (t.incident_people, "incident_id"),
        (t.incident_evidence, "incident_id"),
    ],
    "person": [(t.people, "record_id"), (t.person_identifiers, "person_id")],
    "evidence": [(t.evidence, "record_id")],
    "notice": [(t.events, "record_id")],
    "order": [(t.events, "record_id")],
}


def stamp(value: str | None) -> str | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _incident(record_id: str, data: dict[str, Any], voided: bool) -> Rows:
    occurred = data["occurred"]
    location = data.get("location") or {}
    police = data.get("police") or {}
    return {
        t.incidents: [
            {
                "record_id": record_id,
                "occurred_start": stamp(occurred["start"]),
                "occurred_end": stamp(occurred.get("end")),
                "tz": occurred["tz"],
                "precision": occurred["precision"],
                "location": location.get("text"),
                "latitude": location.get("latitude"),
                "longitude": location.get("longitude"),
                "what_happened": data["what_happened"],
                "channel": data.get("channel"),
                "fear": data.get("fear"),
                "police_reported": police.get("reported"),
                "police_reference": police.get("reference"),
                "voided": voided,
            }
        ],
        t.incident_tactics: [
            {"incident_id": record_id, "tactic": slug} for slug in sorted(set(data["tactics"]))
        ],
        t.incident_people: [
            {"incident_id": record_id, "person_id": pid}
            for pid in sorted(set(data.get("offender_ids", [])))
        ],
        t.incident_evidence: [
            {"incident_id": record_id, "evidence_id": eid}
            for eid in sorted(set(data.get("evidence_ids", [])))
        ],
    }


def _person(record_id: str, data: dict[str, Any], voided: bool) -> Rows:
    identifiers = {(i["kind"], i["normalised"]) for i in data.get("identifiers", [])}
    return {
        t.people: [
            {
                "record_id": record_id,
                "display_name": data["names"][0],
                "relationship": data.get("relationship"),
                "role": data.get("role", "offender"),
                "voided": voided,
            }
        ],
        t.person_identifiers: [
            {"person_id": record_id, "kind": kind, "normalised": value}
            for kind, value in sorted(identifiers)
        ],
    }


def _evidence(record_id: str, data: dict[str, Any], voided: bool) -> Rows:
    return {
        t.evidence: [
            {
                "record_id": record_id,
                "blob_address": data["blob_address"],
                "sha256": data["sha256"],
                "size": data["size"],
                "original_name": data["original_name"],
                "media_type": data.get("media_type"),
                "acquired_at": stamp(data["acquired_at"]),
                "voided": voided,
            }
        ]
    }


def _event(kind: str) -> Any:
    def build(record_id: str, data: dict[str, Any], voided: bool) -> Rows:
        return {
            t.events: [
                {
                    "record_id": record_id,
                    "kind": kind,
                    "starts_on": data["starts_on"],
                    "ends_on": data.get("ends_on"),
                    "person_id": data.get("person_id"),
                    "voided": voided,
                }
            ]
        }

    return build


BUILDERS = {
    "incident": _incident,
    "person": _person,
    "evidence": _evidence,
    "notice": _event("notice"),
    "order": _event("order"),
}


def rows_for(kind: str, record_id: str, data: dict[str, Any], voided: bool) -> Rows:
    builder = BUILDERS.get(kind)
    return builder(record_id, data, voided) if builder else {}


def apply(conn: Connection, kind: str, record_id: str, data: dict[str, Any], voided: bool) -> None:
    for table, key in TABLES.get(kind, []):
        conn.execute(delete(table).where(table.c[key] == record_id))
    for table, rows in rows_for(kind, record_id, data, voided).items():
        if rows:
            conn.execute(table.insert(), rows)

"""The documented schema of the JSON export (``safetrail export json``, ``log.json`` in a
case bundle), as JSON Schema 2020-12.

Incidents do not allow properties beyond those listed, so the schema itself rules out a
private note. Times are ISO 8601; "occurred" instants are UTC with the zone they were
recorded in; references ("I-0003", "P-001", "EX-0002", "N-001", "O-001") are what the
report prints.
"""

from __future__ import annotations

from typing import Any

_TEXT = {"type": ["string", "null"]}
_REFS = {"type": "array", "items": {"type": "string"}}
_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

_RECORD: dict[str, Any] = {
    "ref": {"type": "string", "description": "Human reference, e.g. I-0003."},
    "id": {"type": "string", "description": "Stable record id (UUID)."},
    "created_at": {"type": "string", "description": "When it was first written (UTC)."},
    "version": {"type": "integer", "minimum": 1, "description": "Current version number."},
    "voided": {"type": "boolean", "description": "Withdrawn by the person (kept in history)."},
    "void_reason": _TEXT,
}
_RECORD_REQUIRED = ["ref", "id", "created_at", "version", "voided"]


def _record(properties: dict[str, Any], required: list[str], closed: bool) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "type": "object",
        "properties": {**_RECORD, **properties},
        "required": [*_RECORD_REQUIRED, *required],
    }
    if closed:
        shape["additionalProperties"] = False
    return shape


INCIDENT = _record(
    {
        "occurred": {
            "type": "object",
            "description": "When it happened, no more precisely than the person knew.",
            "properties": {
                "start": {"type": "string"},
                "end": _TEXT,
                "tz": {"type": "string", "description": "IANA time zone, e.g. Europe/London."},
                "precision": {
                    "enum": ["exact", "minute", "hour", "day", "month", "year", "approximate"]
                },
            },
            "required": ["start", "tz", "precision"],
        },
        "location": {
            "type": "object",
            "properties": {
                "text": _TEXT,
                "latitude": {"type": ["number", "null"]},
                "longitude": {"type": ["number", "null"]},
            },
        },
        "what_happened": {"type": "string"},
        "tactics": {"type": "array", "items": {"type": "string"}, "description": "Tactic slugs."},
        "channel": _TEXT,
        "offender_refs": _REFS,
        "witnesses": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "contact": _TEXT},
                "required": ["name"],
            },
        },
        "fear": {"type": ["integer", "null"], "minimum": 0, "maximum": 4},
        "impacts": {"type": "array", "items": {"type": "string"}},
        "police": {
            "type": "object",
            "properties": {
                "reported": {"type": ["boolean", "null"]},
                "reference": _TEXT,
                "officer": _TEXT,
                "badge": _TEXT,
            },
        },
        "evidence_refs": _REFS,
    },
    ["occurred", "what_happened", "tactics"],
    closed=True,
)

PERSON = _record(
    {
        "names": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "relationship": _TEXT,
        "role": {"enum": ["offender", "associate"]},
        "identifiers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string"},
                    "value": {"type": "string"},
                    "normalised": {"type": "string"},
                },
                "required": ["kind", "value"],
            },
        },
        "vehicles": {"type": "array", "items": {"type": "object"}},
        "notes": _TEXT,
        "photo_evidence_ref": _TEXT,
    },
    ["names", "role"],
    closed=True,
)

EVIDENCE = _record(
    {
        "original_name": {"type": "string"},
        "size": {"type": "integer", "minimum": 0},
        "sha256": {**_SHA256, "description": "SHA-256 of the original file, at intake."},
        "blob_address": {"type": "string"},
        "media_type": _TEXT,
        "file_modified_at": _TEXT,
        "acquired_at": {"type": "string"},
        "device_timezone": _TEXT,
        "source_device": _TEXT,
        "source_account": _TEXT,
        "acquisition_method": _TEXT,
        "tool": _TEXT,
        "performer": _TEXT,
        "parent_ref": _TEXT,
        "description": _TEXT,
        "exif": {"type": "object"},
    },
    ["original_name", "size", "sha256", "acquired_at"],
    closed=False,
)

NOTICE = _record(
    {
        "starts_on": {"type": "string", "description": "Date the notice was given."},
        "method": {"type": "string"},
        "person_ref": _TEXT,
        "summary": _TEXT,
        "evidence_refs": _REFS,
    },
    ["starts_on", "method"],
    closed=False,
)

ORDER = _record(
    {
        "order_type": {"type": "string"},
        "starts_on": {"type": "string"},
        "ends_on": _TEXT,
        "issuer": _TEXT,
        "reference": _TEXT,
        "conditions": _TEXT,
        "person_ref": _TEXT,
        "evidence_refs": _REFS,
        "breach_incident_refs": {**_REFS, "description": "Incidents recorded as breaches."},
    },
    ["order_type", "starts_on"],
    closed=False,
)

EXPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "SafeTrail export, format version 1",
    "description": (
        "An incident log with its people, evidence, notices and orders. Private notes are "
        "never included. 'ledger.head_hash' is the hash-chain head when the file was made. "
        "The CSV files (incidents.csv, communications.csv and the CSV exports) hold the same "
        "text with one difference: a cell that begins with =, +, -, @, a tab or a carriage "
        "return has an apostrophe (') added in front, so that a spreadsheet shows it as text "
        "and never runs it as a formula. Remove that one apostrophe to get the exact text; "
        "this JSON file never adds it."
    ),
    "type": "object",
    "properties": {
        "format": {"const": "safetrail-export"},
        "format_version": {"const": 1},
        "generated_at": {"type": "string"},
        "software": {"type": "string"},
        "country": {"type": "string"},
        "timezone": {"type": "string"},
        "scope": {"enum": ["all", "selection"]},
        "ledger": {
            "type": "object",
            "properties": {
                "head_hash": _SHA256,
                "entries": {"type": "integer", "minimum": 0},
                "public_key": {"type": "string"},
            },
            "required": ["head_hash", "entries", "public_key"],
        },
        "people": {"type": "array", "items": PERSON},
        "incidents": {"type": "array", "items": INCIDENT},
        "evidence": {"type": "array", "items": EVIDENCE},
        "notices": {"type": "array", "items": NOTICE},
        "orders": {"type": "array", "items": ORDER},
    },
    "required": [
        "format",
        "format_version",
        "generated_at",
        "software",
        "ledger",
        "people",
        "incidents",
        "evidence",
        "notices",
        "orders",
    ],
}

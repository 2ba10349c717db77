"""JSON and CSV exports of the log. Private notes never leave the vault this way.

Every export is itself recorded (format, counts, SHA-256 of the file written)
so the ledger shows what was handed out and when.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safetrail import __version__
from safetrail.case import CaseContext
from safetrail.errors import ReadOnlyVault, ValidationError
from safetrail.fsutil import atomic_write
from safetrail.i18n import _
from safetrail.reports import csvsafe
from safetrail.services import settings
from safetrail.storage import ledger
from safetrail.storage.records import Record

KINDS = ("person", "incident", "evidence", "notice", "order")
PRIVATE_FIELDS = {"incident": ("private_note",)}


@dataclass(frozen=True)
class ExportScope:
    """Which records an export holds (None: all of that kind) and whether witnesses'
    contact details go with them. Reports and case bundles export what they show."""

    incident_ids: frozenset[str] | None = None
    person_ids: frozenset[str] | None = None
    evidence_ids: frozenset[str] | None = None
    notice_ids: frozenset[str] | None = None
    order_ids: frozenset[str] | None = None
    witness_contacts: bool = True

    def keeps(self, record: Record) -> bool:
        chosen = {
            "incident": self.incident_ids,
            "person": self.person_ids,
            "evidence": self.evidence_ids,
            "notice": self.notice_ids,
            "order": self.order_ids,
        }.get(record.kind)
        return chosen is None or record.id in chosen


def _public(record: Record, refs: dict[str, str], witness_contacts: bool = True) -> dict[str, Any]:
    data = {k: v for k, v in record.data.items() if k not in PRIVATE_FIELDS.get(record.kind, ())}
    if not witness_contacts and "witnesses" in data:
        data["witnesses"] = [{**w, "contact": None} for w in data["witnesses"]]
    for key in ("offender_ids", "evidence_ids", "breach_incident_ids"):
        if key in data:
            data[key.replace("_ids", "_refs")] = [refs.get(i, i) for i in data.pop(key)]
    for key in ("person_id", "evidence_id", "parent_id", "photo_evidence_id"):
        if key in data:
            data[key.replace("_id", "_ref")] = refs.get(data.pop(key) or "")
    return {
        "ref": record.ref,
        "id": record.id,
        "created_at": record.created_at,
        "version": record.head.version,
        "voided": record.voided,
        "void_reason": record.head.reason if record.voided else None,
        **data,
    }


def collect(vault: CaseContext) -> dict[str, list[Record]]:
    with vault.read() as conn:
        return {kind: vault.store.load(conn, vault.store.list_ids(conn, kind)) for kind in KINDS}


def build_json(vault: CaseContext, scope: ExportScope | None = None) -> dict[str, Any]:
    """The log as one JSON document; its shape is documented in ``safetrail.reports.schema``."""
    chosen = scope or ExportScope()
    everything = collect(vault)
    refs = {r.id: r.ref for items in everything.values() for r in items}

    def public(kind: str) -> list[dict[str, Any]]:
        return [
            _public(r, refs, chosen.witness_contacts) for r in everything[kind] if chosen.keeps(r)
        ]

    with vault.read() as conn:
        top = ledger.head(conn)
    place = settings.current(vault)
    return {
        "format": "safetrail-export",
        "format_version": 1,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "software": f"SafeTrail {__version__}",
        "country": place.country,
        "timezone": place.timezone,
        "ledger": {
            "head_hash": top.entry_hash if top else ledger.GENESIS,
            "entries": top.seq if top else 0,
            "public_key": vault.public_key_hex(),
        },
        "scope": "all" if scope is None else "selection",
        "people": public("person"),
        "incidents": public("incident"),
        "evidence": public("evidence"),
        "notices": public("notice"),
        "orders": public("order"),
    }


CSV_COLUMNS = (
    "ref",
    "occurred_start",
    "occurred_end",
    "timezone",
    "precision",
    "location",
    "what_happened",
    "tactics",
    "channel",
    "offenders",
    "witnesses",
    "fear",
    "impacts",
    "police_reported",
    "police_reference",
    "police_officer",
    "police_badge",
    "evidence",
    "recorded_at",
    "version",
    "voided",
)


def _yes_no(value: object) -> str:
    return "yes" if value is True else "no" if value is False else ""


def build_csv(vault: CaseContext, scope: ExportScope | None = None) -> str:
    data = build_json(vault, scope)
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in data["incidents"]:
        police = item.get("police") or {}
        occurred = item["occurred"]
        writer.writerow(
            [
                item["ref"],
                occurred["start"],
                occurred.get("end") or "",
                occurred["tz"],
                occurred["precision"],
                (item.get("location") or {}).get("text") or "",
                item["what_happened"],
                ";".join(item["tactics"]),
                item.get("channel") or "",
                ";".join(item.get("offender_refs", [])),
                "; ".join(
                    f"{w['name']} ({w['contact']})" if w.get("contact") else w["name"]
                    for w in item.get("witnesses", [])
                ),
                "" if item.get("fear") is None else item["fear"],
                ";".join(item.get("impacts", [])),
                _yes_no(police.get("reported")),
                police.get("reference") or "",
                police.get("officer") or "",
                police.get("badge") or "",
                ";".join(item.get("evidence_refs", [])),
                item["created_at"],
                item["version"],
                "yes" if item["voided"] else "no",
            ]
        )
    return out.getvalue()


def check_output(output: Path) -> None:
    """Refuse to overwrite a file or to write into a folder that does not exist."""
    if output.exists():
        raise ValidationError(
            _("{path} already exists; SafeTrail will not overwrite it.").format(path=output),
            _("Choose another file name."),
        )
    if not output.parent.is_dir():
        raise ValidationError(_("The folder {path} does not exist.").format(path=output.parent))


def record_export(
    vault: CaseContext,
    fmt: str,
    file_name: str,
    sha256: str,
    size: int,
    details: Mapping[str, Any] | None = None,
) -> Record | None:
    """Add the custody event saying a file made from the log left the vault.

    Every report, bundle, sheet, letter and export goes through here, so the ledger shows
    what was handed out, when, and the SHA-256 that identifies the exact file.

    A vault in a read-only folder can still make reports; their custody event cannot be
    written, which is said on the terminal (the ledger then shows no such export)."""
    if isinstance(vault.refusal, ReadOnlyVault):
        logging.getLogger("safetrail.exports").warning(
            _(
                "This file was made, but the vault folder is read-only, so the export is not "
                "recorded in the vault's history (SHA-256 {sha256})."
            ).format(sha256=sha256)
        )
        return None
    with vault.write() as conn:
        return vault.store.create(
            conn,
            "export",
            {
                "format": fmt,
                "file_name": file_name,
                "sha256": sha256,
                "size": size,
                "private_notes_included": False,
                "tool": f"SafeTrail {__version__}",
                **(details or {}),
            },
        )


def write_export(
    vault: CaseContext,
    fmt: str,
    payload: bytes,
    output: Path,
    details: Mapping[str, Any] | None = None,
) -> tuple[Path, str]:
    """Write ``payload`` to ``output`` (never overwriting) and record it; returns its SHA-256."""
    check_output(output)
    atomic_write(output, payload)
    digest = hashlib.sha256(payload).hexdigest()
    record_export(vault, fmt, output.name, digest, len(payload), details)
    return output, digest


def export(vault: CaseContext, fmt: str, output: Path) -> tuple[Path, str]:
    if fmt == "json":
        payload = (json.dumps(build_json(vault), ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "csv":
        payload = build_csv(vault).encode("utf-8-sig")  # BOM: spreadsheet apps read UTF-8 right
    else:
        raise ValidationError(_("Export format must be json or csv."))
    return write_export(vault, fmt, payload, output)

"""What the reports page hands out: the list of earlier exports, and the export files made
in memory for a download (JSON, CSV, the communications CSV), each recorded in the ledger
by the caller once it is handed over (``exports.record_export``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from safetrail.case import CaseContext
from safetrail.domain.when import zone
from safetrail.reports.comms import communications_csv
from safetrail.reports.messages import communications_section
from safetrail.reports.model import ReportOptions, gather
from safetrail.services import exports, settings
from safetrail.services.people import local_time_text
from safetrail.storage.records import format_ref

RECENT_EXPORTS = 20
EXPORT_FORMATS = ("json", "csv", "communications-csv")


@dataclass(frozen=True)
class Download:
    payload: bytes
    name: str
    media_type: str


def today_text(ctx: CaseContext) -> str:
    """Today's date where the person is (ISO), for file names."""
    return datetime.now(zone(settings.current(ctx).timezone)).date().isoformat()


def handed_out(ctx: CaseContext, limit: int = RECENT_EXPORTS) -> list[dict[str, str]]:
    """The latest exports recorded in the ledger, newest first, in the person's time zone."""
    tz = settings.current(ctx).timezone
    with ctx.read() as conn:
        ids = ctx.store.list_ids(conn, "export")[-limit:]
        found = ctx.store.load(conn, ids)
    return [
        {
            "ref": format_ref("export", r.ref_no),
            "at": local_time_text(r.created_at, tz),
            "format": str(r.data.get("format", "")),
            "report_id": str(r.data.get("report_id") or ""),
            "file_name": str(r.data.get("file_name", "")),
            "sha256": str(r.data.get("sha256", "")),
        }
        for r in reversed(found)
    ]


def communications_csv_bytes(ctx: CaseContext) -> bytes:
    """Every imported message and call as CSV (UTF-8 with a byte-order mark for Excel)."""
    case = gather(ctx, ReportOptions())
    return communications_csv(communications_section(ctx, case), case.refs).encode("utf-8-sig")


def export_file(ctx: CaseContext, fmt: str) -> Download | None:
    """The export ``fmt`` made in memory (None: no such export); not yet recorded."""
    day = today_text(ctx)
    if fmt == "json":
        payload = (
            json.dumps(exports.build_json(ctx), ensure_ascii=False, indent=2) + "\n"
        ).encode()
        return Download(payload, f"export-{day}.json", "application/json")
    if fmt == "csv":
        payload = exports.build_csv(ctx).encode("utf-8-sig")
        return Download(payload, f"export-{day}.csv", "text/csv; charset=utf-8")
    if fmt == "communications-csv":
        payload = communications_csv_bytes(ctx)
        return Download(payload, f"communications-{day}.csv", "text/csv; charset=utf-8")
    return None

"""What was handed out from the vault (reports, bundles, letters, exports), and the CSV of
imported communications."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from safetrail.case import CaseContext
from safetrail.i18n import _
from safetrail.reports.comms import communications_csv
from safetrail.reports.messages import communications_section
from safetrail.reports.model import ReportOptions, gather
from safetrail.services import exports, settings
from safetrail.services.people import local_time_text
from safetrail.storage.records import format_ref


@dataclass(frozen=True)
class ExportRow:
    ref: str
    made: str
    what: str
    file_name: str
    sha256: str


def list_exports(vault: CaseContext) -> list[ExportRow]:
    """Every export recorded in the vault, in the order they were made."""
    tz = settings.current(vault).timezone
    with vault.read() as conn:
        found = vault.store.load(conn, vault.store.list_ids(conn, "export"))
    rows: list[ExportRow] = []
    for record in found:
        data = record.data
        what = data.get("format", "")
        if data.get("report_id"):
            what += f" {data['report_id']}"
        if data.get("given_to"):
            what += " " + _("(given to: {who}, {day})").format(
                who=data["given_to"], day=data.get("given_on", "")
            )
        rows.append(
            ExportRow(
                format_ref("export", record.ref_no),
                local_time_text(record.created_at, tz),
                what,
                data.get("file_name", ""),
                data.get("sha256", ""),
            )
        )
    return rows


def export_communications(vault: CaseContext, output: Path) -> str:
    """Write the imported communications as CSV to ``output``; returns its SHA-256."""
    case = gather(vault, ReportOptions())
    section = communications_section(vault, case)
    payload = communications_csv(section, case.refs).encode("utf-8-sig")
    _path, digest = exports.write_export(vault, "communications-csv", payload, output)
    return digest

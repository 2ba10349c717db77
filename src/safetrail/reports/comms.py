"""Imported communications as CSV (one row per message or call)."""

from __future__ import annotations

import io
from collections.abc import Mapping

from safetrail.reports import csvsafe
from safetrail.reports.messages import CommunicationsSection

COMMUNICATION_COLUMNS = (
    "at_utc",
    "direction",
    "channel",
    "counterpart",
    "person",
    "text",
    "attachments",
    "source_sha256",
    "importer",
    "position",
)


def communications_csv(section: CommunicationsSection, refs: Mapping[str, str]) -> str:
    """Header only while nothing has been imported, so the file's shape never changes."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(COMMUNICATION_COLUMNS)
    for row in sorted(section.rows, key=lambda r: r.at):
        writer.writerow(
            [
                row.at,
                row.direction,
                row.channel,
                row.counterpart,
                row.person_ref or "",
                row.text,
                ";".join(refs.get(a, a) for a in row.attachments),
                row.source_sha256,
                row.importer,
                row.position,
            ]
        )
    return out.getvalue()

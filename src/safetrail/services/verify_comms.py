"""Verify imported communications: every row against its batch's ledger entry.

Each "import.batch" ledger entry holds the SHA-256 over the content hashes of the rows of
that batch, in order. Recomputing each row's hash from its stored fields and each batch's
digest finds a changed, added or removed row, and names the import and batch. The
``undone`` flags must agree with the import record's status.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Protocol

from sqlalchemy import Connection, select

from safetrail.i18n import _
from safetrail.services.imports.rows import COLUMNS, content_digest
from safetrail.services.imports.writer import BATCH_KIND, batch_digest
from safetrail.storage.comm_tables import communications
from safetrail.storage.tables import records, versions

__all__ = ["BATCH_KIND", "check"]


class _Report(Protocol):
    problems: list[Any]


def _problem(where: str, what: str) -> Any:
    from safetrail.services.verify import Problem

    return Problem(where, what)


def _import_status(conn: Connection) -> dict[str, str]:
    status: dict[str, str] = {}
    rows = conn.execute(
        select(versions.c.record_id, versions.c.data)
        .join(records, records.c.id == versions.c.record_id)
        .where(records.c.kind == "import", versions.c.version == records.c.head_version)
    )
    for record_id, data in rows:
        status[record_id] = str(json.loads(data).get("status", ""))
    return status


def check(
    conn: Connection,
    report: _Report,
    names: dict[str, tuple[str, str]],
    entries: dict[int, tuple[Any, ...]],
) -> None:
    expected: dict[tuple[str, int], str] = {}
    for kind, record_id, number, content, _at in entries.values():
        if kind == BATCH_KIND:
            expected[(record_id, number)] = content
    hashes: dict[tuple[str, int], list[str]] = defaultdict(list)
    status = _import_status(conn)
    bad_rows = 0
    bad_flags = 0
    columns = [communications.c[c] for c in COLUMNS]
    query = select(
        communications.c.import_id,
        communications.c.batch_no,
        communications.c.undone,
        *columns,
    ).order_by(communications.c.id)
    for row in conn.execute(query):
        mapping = row._mapping
        fields = {c: mapping[c] for c in COLUMNS}
        if content_digest(fields) != fields["content_sha256"]:
            bad_rows += 1
        key = (mapping["import_id"], mapping["batch_no"])
        hashes[key].append(str(fields["content_sha256"]))
        if bool(mapping["undone"]) != (status.get(mapping["import_id"]) == "undone"):
            bad_flags += 1

    def where(import_id: str, batch: int) -> str:
        ref = names.get(import_id, ("import", import_id))[1]
        return _("import {ref} batch {n}").format(ref=ref, n=batch)

    if bad_rows:
        report.problems.append(
            _problem(
                _("communications"),
                _("{n} imported records were altered after they were stored").format(n=bad_rows),
            )
        )
    if bad_flags:
        report.problems.append(
            _problem(
                _("communications"),
                _("{n} records disagree with their import's undone status").format(n=bad_flags),
            )
        )
    for key in sorted(set(expected) | set(hashes)):
        import_id, batch = key
        if key not in expected:
            report.problems.append(
                _problem(where(import_id, batch), _("has records but no ledger entry"))
            )
        elif key not in hashes:
            report.problems.append(
                _problem(where(import_id, batch), _("is in the ledger but its records are gone"))
            )
        elif batch_digest(import_id, batch, hashes[key]) != expected[key]:
            report.problems.append(
                _problem(
                    where(import_id, batch),
                    _("records were changed, added or removed after the import"),
                )
            )

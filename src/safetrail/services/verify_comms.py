"""Verify imported communications: every row against its batch's ledger entry.

Each "import.batch" ledger entry holds the SHA-256 over the content hashes of the rows of
that batch, in order. Recomputing each row's hash from its stored fields and each batch's
digest finds a changed, added or removed row, and names the import and batch. The
``undone`` flags must agree with the import record's status.

A row corrected by a later import (see :mod:`safetrail.services.imports.writer`) holds its
newest values; its batch is checked with the content hash it was stored with (the first
revision's "before"), each revision's values must give its "before" hash, each "after" must
be the next "before" (the last one, the row's own hash), and each import's revisions must
match its "import.revise" ledger entries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Protocol

from sqlalchemy import Connection, select

from safetrail.i18n import _
from safetrail.services.imports.rows import COLUMNS, content_digest
from safetrail.services.imports.writer import (
    BATCH_KIND,
    REVISE_KIND,
    REVISED,
    batch_digest,
    revision_digest,
)
from safetrail.services.places import BATCH_KIND as PLACES_KIND
from safetrail.services.places import HASHED as PLACE_HASHED
from safetrail.services.places import place_digest, places_batch_digest
from safetrail.services.verify_problems import Problem
from safetrail.storage.comm_tables import communication_revisions, communications, own_places
from safetrail.storage.tables import records, versions

__all__ = ["BATCH_KIND", "LEDGER_KINDS", "REVISE_KIND", "check"]

#: the ledger entries this module checks (not versions of records)
LEDGER_KINDS = frozenset({BATCH_KIND, REVISE_KIND, PLACES_KIND})


class _Report(Protocol):
    problems: list[Any]


def _problem(where: str, what: str) -> Problem:
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
    expected_revisions: dict[tuple[str, int], str] = {}
    for kind, record_id, number, content, _at in entries.values():
        if kind == BATCH_KIND:
            expected[(record_id, number)] = content
        elif kind == REVISE_KIND:
            expected_revisions[(record_id, number)] = content
    revisions = _revisions(conn)
    _check_places(
        conn,
        report,
        {
            number: content
            for kind, _r, number, content, _a in entries.values()
            if kind == PLACES_KIND
        },
    )
    hashes: dict[tuple[str, int], list[str]] = defaultdict(list)
    status = _import_status(conn)
    bad_rows = 0
    bad_flags = 0
    columns = [communications.c[c] for c in COLUMNS]
    query = select(
        communications.c.id,
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
        own = str(fields["content_sha256"])
        changes = revisions.get(mapping["id"])
        if changes:
            bad_rows += _bad_chain(fields, changes)
            own = str(changes[0]["before_sha256"])
        hashes[key].append(own)
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
    _check_revision_entries(report, revisions, expected_revisions, where)
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


def _revisions(conn: Connection) -> dict[int, list[dict[str, Any]]]:
    """Every communication's revisions, oldest first."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(select(communication_revisions).order_by(communication_revisions.c.id)):
        found[row.communication_id].append(dict(row._mapping))
    return found


def _bad_chain(fields: dict[str, Any], changes: list[dict[str, Any]]) -> int:
    """1 when a corrected row's revisions do not lead from its first values to its current
    hash (see the module's docstring), else 0."""
    for index, change in enumerate(changes):
        earlier = dict(fields)
        earlier.update({name: change[name] for name in REVISED})
        if content_digest(earlier) != change["before_sha256"]:
            return 1
        after = (
            changes[index + 1]["before_sha256"]
            if index + 1 < len(changes)
            else fields["content_sha256"]
        )
        if change["after_sha256"] != after:
            return 1
    return 0


def _check_revision_entries(
    report: _Report,
    revisions: dict[int, list[dict[str, Any]]],
    expected: dict[tuple[str, int], str],
    where: Any,
) -> None:
    grouped: dict[tuple[str, int], list[tuple[int, int, str, str]]] = defaultdict(list)
    for number, changes in revisions.items():
        for change in changes:
            grouped[(change["import_id"], change["batch_no"])].append(
                (change["id"], number, change["before_sha256"], change["after_sha256"])
            )
    for key in sorted(set(expected) | set(grouped)):
        import_id, batch = key
        ordered = [item[1:] for item in sorted(grouped.get(key, []))]
        if key not in expected or revision_digest(import_id, batch, ordered) != expected[key]:
            report.problems.append(
                _problem(
                    where(import_id, batch),
                    _("corrections of imported records do not match the ledger"),
                )
            )


def _check_places(conn: Connection, report: _Report, expected: dict[int, str]) -> None:
    """Each own place against its content hash, each batch against its ledger entry."""
    columns = [own_places.c[name] for name in PLACE_HASHED]
    bad = 0
    batches: dict[int, list[str]] = defaultdict(list)
    for row in conn.execute(
        select(own_places.c.batch_no, own_places.c.content_sha256, *columns).order_by(
            own_places.c.id
        )
    ):
        if place_digest(list(row[2:])) != row[1]:
            bad += 1
        batches[int(row[0])].append(str(row[1]))
    if bad:
        report.problems.append(
            _problem(
                _("your places"),
                _("{n} imported places were altered after they were stored").format(n=bad),
            )
        )
    for number in sorted(set(expected) | set(batches)):
        if number not in expected or number not in batches:
            ok = False
        else:
            ok = places_batch_digest(number, batches[number]) == expected[number]
        if not ok:
            report.problems.append(
                _problem(
                    _("your places, batch {n}").format(n=number),
                    _("places were changed, added or removed after the import"),
                )
            )

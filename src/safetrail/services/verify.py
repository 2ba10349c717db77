"""Prove the vault is intact: the ledger chain, every version, the projections,
the signed checkpoint and every evidence blob.

Each problem names the record it concerns (e.g. "incident I-0003 version 2"),
so a person or an examiner knows exactly what was damaged.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Connection, Table, select

from safetrail.case import CaseContext
from safetrail.i18n import _
from safetrail.services import verify_comms as communications_check
from safetrail.services.verify_problems import Problem as Problem
from safetrail.storage import ledger as ledger_mod
from safetrail.storage import projections
from safetrail.storage.records import content_hash, format_ref
from safetrail.storage.tables import ledger, records, versions


@dataclass
class VerifyReport:
    head_hash: str = ledger_mod.GENESIS
    entries: int = 0
    records: int = 0
    versions: int = 0
    blobs_checked: int = 0
    evidence_bytes: int = 0
    unreferenced_blobs: int = 0
    chain_seconds: float = 0.0
    blob_seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    entry_hashes: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems


Progress = Callable[[int, int], None]


def verify_database(conn: Connection, report: VerifyReport) -> dict[str, tuple[str, str]]:
    """Chain, versions, heads and projections; returns the evidence blobs to re-hash."""
    names = _record_names(conn)
    actors: dict[int, str] = {}
    entries = _check_chain(conn, report, names, actors)
    blobs = _check_versions(conn, report, names, entries, actors)
    _check_projections(conn, report, names)
    communications_check.check(conn, report, names, entries)
    return blobs


def verify(
    vault: CaseContext, check_blobs: bool = True, progress: Progress | None = None
) -> VerifyReport:
    report = VerifyReport()
    started = time.perf_counter()
    with vault.read() as conn:
        evidence_blobs = verify_database(conn, report)
    _check_checkpoint(vault, report)
    report.chain_seconds = time.perf_counter() - started
    if check_blobs:
        started = time.perf_counter()
        _check_blobs(vault, report, evidence_blobs, progress)
        report.blob_seconds = time.perf_counter() - started
    return report


def _record_names(conn: Connection) -> dict[str, tuple[str, str]]:
    rows = conn.execute(select(records.c.id, records.c.kind, records.c.ref_no))
    return {row.id: (row.kind, format_ref(row.kind, row.ref_no)) for row in rows}


def _name(names: dict[str, tuple[str, str]], record_id: str | None, version: int | None) -> str:
    if record_id is None:
        return _("ledger")
    kind, ref = names.get(record_id, (_("record"), record_id))
    suffix = _(" version {n}").format(n=version) if version else ""
    return f"{kind} {ref}{suffix}"


def _check_chain(
    conn: Connection,
    report: VerifyReport,
    names: dict[str, tuple[str, str]],
    actors: dict[int, str],
) -> dict[int, tuple[Any, ...]]:
    """Recompute every entry hash and link; returns seq → (kind, record_id, version,
    content_sha256, recorded_at) for the version check, and fills ``actors`` (seq → who
    acted; hashed only when not "owner", see ``storage.ledger``)."""
    entries: dict[int, tuple[Any, ...]] = {}
    prev = ledger_mod.GENESIS
    expected_seq = 1
    columns = (
        ledger.c.seq,
        ledger.c.kind,
        ledger.c.record_id,
        ledger.c.version,
        ledger.c.content_sha256,
        ledger.c.prev_hash,
        ledger.c.entry_hash,
        ledger.c.recorded_at,
        ledger.c.actor,
    )
    rows = conn.execute(select(*columns).order_by(ledger.c.seq))
    for seq, kind, record_id, version, content, prev_hash, stored, recorded_at, actor in rows:
        problems = []
        if seq != expected_seq:
            problems.append(_("entries {a}–{b} are missing").format(a=expected_seq, b=seq - 1))
        if prev_hash != prev:
            problems.append(_("does not link to the entry before it"))
        computed = ledger_mod.entry_hash(
            seq, kind, record_id, version, content, prev_hash, recorded_at, actor
        )
        if computed != stored:
            problems.append(_("entry was altered (its hash does not match)"))
        if problems:  # the location text is built only when something is wrong
            where = _("ledger entry {seq} ({name})").format(
                seq=seq, name=_name(names, record_id, version)
            )
            report.problems.extend(Problem(where, what) for what in problems)
        prev = stored
        expected_seq = seq + 1
        entries[seq] = (kind, record_id, version, content, recorded_at)
        actors[seq] = actor
        report.entry_hashes[seq] = stored
    report.entries = len(entries)
    report.head_hash = prev
    return entries


def _check_versions(
    conn: Connection,
    report: VerifyReport,
    names: dict[str, tuple[str, str]],
    entries: dict[int, tuple[Any, ...]],
    actors: dict[int, str],
) -> dict[str, tuple[str, str]]:
    """Check every version against its ledger entry (the same actor too); return blob
    address → (sha256, name)."""
    seen_seqs: set[int] = set()
    numbers: dict[str, list[int]] = defaultdict(list)
    last: dict[str, tuple[int, str]] = {}
    blobs: dict[str, tuple[str, str]] = {}
    columns = (
        versions.c.record_id,
        versions.c.version,
        versions.c.op,
        versions.c.data,
        versions.c.reason,
        versions.c.actor,
        versions.c.recorded_at,
        versions.c.content_sha256,
        versions.c.ledger_seq,
    )
    for record_id, number, op, data, reason, actor, recorded_at, stored, seq in conn.execute(
        select(*columns).order_by(versions.c.id)
    ):
        report.versions += 1
        kind = names.get(record_id, ("?", ""))[0]
        digest = content_hash(record_id, kind, number, op, reason, actor, recorded_at, data)
        entry = entries.get(seq)
        problems = []
        if digest != stored:
            problems.append(_("content was altered after it was recorded"))
        if entry is None:
            problems.append(_("has no ledger entry"))
        elif (
            entry != (f"{kind}.{op}", record_id, number, digest, recorded_at)
            or actors.get(seq) != actor
        ):
            problems.append(_("does not match its ledger entry"))
        if problems:
            where = _name(names, record_id, number)
            report.problems.extend(Problem(where, what) for what in problems)
        seen_seqs.add(seq)
        numbers[record_id].append(number)
        if number >= last.get(record_id, (0, ""))[0]:
            last[record_id] = (number, op)
        if kind == "evidence":
            _collect_blob(data, partial(_name, names, record_id, number), blobs, report)
    for record_id, found in numbers.items():
        if len(found) != max(found):
            present = set(found)
            for n in range(1, max(found) + 1):
                if n not in present:
                    report.problems.append(
                        Problem(_name(names, record_id, n), _("this version is missing"))
                    )
    for seq in sorted(set(entries) - seen_seqs):
        _kind, record_id, number, _content, _at = entries[seq]
        if _kind in communications_check.LEDGER_KINDS:
            continue  # checked against the communications themselves
        report.problems.append(
            Problem(
                _name(names, record_id, number),
                _("is in the ledger (entry {seq}) but its stored version is gone").format(seq=seq),
            )
        )
    _check_heads(conn, report, names, last)
    return blobs


def _collect_blob(
    data_text: str,
    where: Callable[[], str],
    blobs: dict[str, tuple[str, str]],
    report: VerifyReport,
) -> None:
    try:
        data = json.loads(data_text)
        blobs.setdefault(data["blob_address"], (data["sha256"], where()))
    except (ValueError, KeyError, TypeError):
        report.problems.append(Problem(where(), _("evidence details are unreadable")))


def _check_heads(
    conn: Connection,
    report: VerifyReport,
    names: dict[str, tuple[str, str]],
    last: dict[str, tuple[int, str]],
) -> None:
    for row in conn.execute(select(records)):
        report.records += 1
        where = _name(names, row.id, None)
        number, op = last.get(row.id, (0, ""))
        if number == 0:
            report.problems.append(Problem(where, _("has no versions")))
        elif row.head_version != number or bool(row.voided) != (op == "void"):
            report.problems.append(Problem(where, _("current-state index disagrees with history")))


def _check_projections(
    conn: Connection, report: VerifyReport, names: dict[str, tuple[str, str]]
) -> None:
    """Rebuild every record's current-state rows from its head version and compare."""
    expected: dict[Table, dict[str, set[tuple[Any, ...]]]] = defaultdict(dict)
    unreadable: set[str] = set()
    heads = conn.execute(
        select(versions.c.record_id, versions.c.data, versions.c.op, records.c.kind)
        .join(records, records.c.id == versions.c.record_id)
        .where(versions.c.version == records.c.head_version)
    )
    orders = {
        table: [c.name for c in table.columns]
        for pairs in projections.TABLES.values()
        for table, _key in pairs
    }
    for record_id, data_text, op, kind in heads:
        if kind not in projections.TABLES:
            continue
        try:
            built = projections.rows_for(kind, record_id, json.loads(data_text), op == "void")
        except (ValueError, KeyError, TypeError):
            unreadable.add(record_id)  # the altered version itself is already reported
            continue
        for table, _key in projections.TABLES[kind]:
            order = orders[table]
            expected[table][record_id] = {tuple(r[c] for c in order) for r in built.get(table, [])}
    tables = {table: key for pairs in projections.TABLES.values() for table, key in pairs}
    for table, key in tables.items():
        position = orders[table].index(key)
        actual: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
        for row in conn.execute(select(table)):
            values = tuple(row)  # SQLite's 0/1 compare and hash equal to False/True
            actual[values[position]].add(values)
        for record_id, rows in expected.get(table, {}).items():
            if actual.pop(record_id, set()) != rows:
                report.problems.append(
                    Problem(
                        _name(names, record_id, None),
                        _("the {table} index was altered").format(table=table.name),
                    )
                )
        for record_id in actual:
            if record_id in unreadable:
                continue
            report.problems.append(
                Problem(
                    _name(names, record_id, None),
                    _("has {table} rows that no history explains").format(table=table.name),
                )
            )


def _check_checkpoint(vault: CaseContext, report: VerifyReport) -> None:
    checkpoint = vault.read_checkpoint()
    if checkpoint is None:
        if report.entry_hashes:
            report.problems.append(
                Problem(_("ledger checkpoint"), _("is missing (it records the signed chain head)"))
            )
        return
    if not vault.checkpoint_is_authentic(checkpoint):
        report.problems.append(Problem(_("ledger checkpoint"), _("signature is not valid")))
        return
    if checkpoint.public_key.strip().lower() != vault.public_key_hex():
        # The signature checks out against the vault's own key, so the stored public key is
        # not what signed it: someone changed it (perhaps to point readers at another key).
        report.problems.append(
            Problem(
                _("ledger checkpoint"),
                _("names a public key that is not this vault's own ({key}…)").format(
                    key=checkpoint.public_key[:16]
                ),
            )
        )
    if report.entry_hashes.get(checkpoint.seq) != checkpoint.entry_hash:
        report.problems.append(
            Problem(
                _("ledger"),
                _("entries up to {seq} were signed, but the chain no longer contains them").format(
                    seq=checkpoint.seq
                ),
            )
        )


def _check_blobs(
    vault: CaseContext,
    report: VerifyReport,
    blobs: dict[str, tuple[str, str]],
    progress: Progress | None,
) -> None:
    total = len(blobs)
    for index, (address, (sha256, where)) in enumerate(sorted(blobs.items()), start=1):
        problem = vault.blobs.verify(address, sha256)
        if problem:
            report.problems.append(Problem(where, _("evidence file {p}").format(p=problem)))
        else:
            report.evidence_bytes += vault.blobs.path_for(address).stat().st_size
        report.blobs_checked += 1
        if progress:
            progress(index, total)
    report.unreferenced_blobs = len(set(vault.blobs.addresses()) - set(blobs))

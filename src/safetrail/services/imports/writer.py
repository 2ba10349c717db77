"""Storing communications in batches: one transaction and one ledger entry per batch.

A batch is checked against what the vault already holds (by ``dedupe_key``), its new rows
are inserted with one ``executemany``, and the SHA-256 over their content hashes, in order,
is appended to the ledger as "import.batch" (record = the import, version = batch number).
A crash loses at most the batch being written; running the import again fills it in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from safetrail.services.evidence import IntakeDetails, evidence_data, live_evidence_with_sha256
from safetrail.services.vault import Vault
from safetrail.storage import ledger
from safetrail.storage.blobs import StoredBlob
from safetrail.storage.comm_tables import communications
from safetrail.storage.records import utc_stamp

from .rows import COLUMNS, DEDUPE, HASH, N_HASHED, Row, digest_values

__all__ = ["BATCH_KIND", "Pending", "batch_digest", "evidence_for_blob", "existing_keys"]

BATCH_KIND = "import.batch"
_LOOKUP_CHUNK = 900
_INSERT_COLUMNS = ("import_id", "batch_no", *COLUMNS, "person_id", "undone")


def batch_digest(import_id: str, batch_no: int, hashes: Iterable[str]) -> str:
    """What the ledger entry of one batch holds: its rows' content hashes, in order."""
    digest = hashlib.sha256(f"{import_id}\x1f{batch_no}\n".encode())
    for value in hashes:
        digest.update(value.encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()


def existing_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the vault already holds (in imports that were not undone).

    Keys start with their UTC second, so one range scan over the batch's time span
    usually answers; when that span holds far more than the batch, ask key by key."""
    if not keys:
        return set()
    wanted = set(keys)
    limit = 4 * len(wanted) + 64
    rows = conn.execute(
        select(communications.c.dedupe_key)
        .where(
            communications.c.dedupe_key.between(min(wanted), max(wanted)),
            communications.c.undone.is_(False),
        )
        .limit(limit + 1)
    ).all()
    if len(rows) <= limit:
        return {row[0] for row in rows} & wanted
    found: set[str] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        rows = conn.execute(
            select(communications.c.dedupe_key).where(
                communications.c.dedupe_key.in_(chunk), communications.c.undone.is_(False)
            )
        ).all()
        found.update(row[0] for row in rows)
    return found


def evidence_for_blob(
    vault: Vault,
    conn: Connection,
    stored: StoredBlob,
    name: str,
    method: str,
    description: str | None = None,
    media_type: str | None = None,
) -> tuple[str, bool]:
    """The evidence record holding this blob: an existing live one with the same SHA-256,
    or a new one. Returns (record id, created)."""
    existing = live_evidence_with_sha256(conn, stored.sha256)
    if existing:
        return existing, False
    details = IntakeDetails(acquisition_method=method, description=description)
    data = evidence_data(vault, stored, name, None, {}, details, media_type=media_type)
    return vault.store.create(conn, "evidence", data).id, True


@dataclass
class Pending:
    """Rows of one batch waiting to be written (lists as built by ``RowBuilder.row``)."""

    rows: list[Row]

    def write(self, conn: Connection, import_id: str, batch_no: int, now: datetime) -> list[Row]:
        """Insert the rows the vault does not hold yet; returns them (possibly none)."""
        known = existing_keys(conn, [r[DEDUPE] for r in self.rows])
        fresh: list[Row] = []
        seen: set[str] = set()
        for row in self.rows:
            key = row[DEDUPE]
            if key in known or key in seen:
                continue
            seen.add(key)
            row[HASH] = digest_values(row[:N_HASHED])
            fresh.append(row)
        if not fresh:
            return fresh
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = "INSERT INTO communications ({}) VALUES ({})".format(
            ", ".join(_INSERT_COLUMNS), ", ".join([mark] * len(_INSERT_COLUMNS))
        )
        params = [(import_id, batch_no, *r, False) for r in fresh]
        conn.exec_driver_sql(sql, params)
        digest = batch_digest(import_id, batch_no, (r[HASH] for r in fresh))
        ledger.append(conn, BATCH_KIND, import_id, batch_no, digest, utc_stamp(now))
        return fresh

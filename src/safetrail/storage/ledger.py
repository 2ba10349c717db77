"""The hash-chained ledger: every version, tombstone, intake and export is one entry.

entry_hash = SHA-256(canonical JSON of {seq, kind, record_id, version,
content_sha256, prev_hash, recorded_at}); the first entry's prev_hash is 64 zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from safetrail import canonical
from safetrail.storage.tables import ledger

GENESIS = "0" * 64
_PG_LEDGER_LOCK = 0x5AFE7A11  # one advisory lock serialises ledger appends on PostgreSQL


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    kind: str
    record_id: str | None
    version: int | None
    content_sha256: str
    prev_hash: str
    entry_hash: str
    recorded_at: str


def entry_hash(
    seq: int,
    kind: str,
    record_id: str | None,
    version: int | None,
    content_sha256: str,
    prev_hash: str,
    recorded_at: str,
) -> str:
    return canonical.sha256_of(
        {
            "seq": seq,
            "kind": kind,
            "record_id": record_id,
            "version": version,
            "content_sha256": content_sha256,
            "prev_hash": prev_hash,
            "recorded_at": recorded_at,
        }
    )


def lock_for_append(conn: Connection) -> None:
    """SQLite already holds the write lock (BEGIN IMMEDIATE); PostgreSQL needs one."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LEDGER_LOCK})


def head(conn: Connection) -> LedgerEntry | None:
    row = conn.execute(select(ledger).order_by(ledger.c.seq.desc()).limit(1)).first()
    return LedgerEntry(**row._mapping) if row else None


def append(
    conn: Connection,
    kind: str,
    record_id: str | None,
    version: int | None,
    content_sha256: str,
    recorded_at: str,
) -> LedgerEntry:
    last = head(conn)
    seq = last.seq + 1 if last else 1
    prev = last.entry_hash if last else GENESIS
    entry = LedgerEntry(
        seq=seq,
        kind=kind,
        record_id=record_id,
        version=version,
        content_sha256=content_sha256,
        prev_hash=prev,
        entry_hash=entry_hash(seq, kind, record_id, version, content_sha256, prev, recorded_at),
        recorded_at=recorded_at,
    )
    conn.execute(ledger.insert().values(**entry.__dict__))
    return entry

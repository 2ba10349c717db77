"""The hash-chained ledger: every version, tombstone, intake and export is one entry.

entry_hash = SHA-256(canonical JSON of {seq, kind, record_id, version,
content_sha256, prev_hash, recorded_at}); the first entry's prev_hash is 64 zeros.

Who acted: every entry records its ``actor`` ("owner" in a personal vault, the account
id on a server, e.g. "advocate:<uuid>"). The hash rule keeps every existing vault
verifying: an entry whose actor is ``"owner"`` hashes exactly as before (the actor is
not in the hashed object), and any other actor is hashed as one more key, ``actor``.
So entries written before the ``actor`` column existed (migration 0007 fills them with
"owner") still match their stored hashes, and changing the actor of an entry — either
way, to or from "owner" — changes its hash, which ``verify`` reports as an altered entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, text

from safetrail import canonical
from safetrail.storage.tables import ledger

GENESIS = "0" * 64
OWNER = "owner"  # the personal vault's actor; not part of an entry's hash
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
    actor: str = OWNER


def entry_hash(
    seq: int,
    kind: str,
    record_id: str | None,
    version: int | None,
    content_sha256: str,
    prev_hash: str,
    recorded_at: str,
    actor: str = OWNER,
) -> str:
    body: dict[str, Any] = {
        "seq": seq,
        "kind": kind,
        "record_id": record_id,
        "version": version,
        "content_sha256": content_sha256,
        "prev_hash": prev_hash,
        "recorded_at": recorded_at,
    }
    if actor != OWNER:
        body["actor"] = actor
    return canonical.sha256_of(body)


def lock_for_append(conn: Connection) -> None:
    """SQLite already holds the write lock (BEGIN IMMEDIATE); PostgreSQL needs one.

    One lock per schema: on a server each case (its own schema) appends to its own chain,
    so cases never wait for each other."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
            {"k": _PG_LEDGER_LOCK},
        )


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
    actor: str = OWNER,
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
        entry_hash=entry_hash(
            seq, kind, record_id, version, content_sha256, prev, recorded_at, actor
        ),
        recorded_at=recorded_at,
        actor=actor,
    )
    conn.execute(ledger.insert().values(**entry.__dict__))
    return entry

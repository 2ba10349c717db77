"""The outbox: every message to send is a row, claimed by one worker at a time.

Life of a row::

    pending --claim--> sending --sent--> sent
       ^                  |
       +---- retry -------+--give up / refused--> failed
    pending --(acknowledged, checked in)--> cancelled

* **claim** (its own short transaction): rows that are due, or whose sender's lease
  ran out, or whose sender on this computer is known to be dead, become
  ``sending`` with ``claimed_by`` and ``lease_until``; ``attempts`` goes up. On
  PostgreSQL the candidate rows are read ``FOR UPDATE SKIP LOCKED``, so several
  workers each take different rows and never wait for each other; on SQLite the
  transaction starts with ``BEGIN IMMEDIATE``, which serialises claims.
* **send** happens after that transaction, outside any lock, with the row's
  idempotency key.
* **mark** (another transaction): ``sent``, or back to ``pending`` with exponential
  back-off (30 s doubling to 10 min, with a small fixed jitter per message), or
  ``failed`` when the receiver refused for good or 24 hours of retries passed.

A worker id is ``host/boot-id/pid/random``. A crashed worker's rows are taken over
when its lease ends (2 minutes) or, on the same computer, as soon as its process is
seen to be gone (a new boot id, or no such pid) — which is what lets a restarted
daemon resend at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, update
from sqlalchemy.exc import DBAPIError

from safetrail import canonical
from safetrail.checkins.clock import parse_stamp, stamp
from safetrail.checkins.tables import checkin_outbox
from safetrail.storage.engine import WRITE_OPTION
from safetrail.storage.records import translate_db_error

LEASE = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=24)
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=10)

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"


def idempotency_key(*parts: str) -> str:
    """A stable key for one message: the same inputs always give the same key."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def backoff(attempts: int, key: str) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min … up to 10 min, ±10 %.

    The jitter is fixed per message (from its key), so many messages failing together
    spread out, and tests still know exactly when the next attempt is due.
    """
    base: timedelta = min(BACKOFF_FIRST * (2 ** max(0, attempts - 1)), BACKOFF_CAP)
    fraction = int(key[:4], 16) / 0xFFFF  # 0 … 1
    return base * (0.9 + 0.2 * fraction)


# -- worker identity ------------------------------------------------------------------------


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text("ascii").strip()[:36]
    except OSError:
        return "-"


def _host() -> str:
    return socket.gethostname().replace("/", "_")[:80] or "host"


@dataclass(frozen=True)
class Worker:
    id: str

    @classmethod
    def current(cls) -> Worker:
        """This process's worker (a new one after fork: the pid is part of the id)."""
        global _CURRENT
        if _CURRENT is None or _CURRENT[0] != os.getpid():
            _CURRENT = (os.getpid(), cls.new())
        return _CURRENT[1]

    @classmethod
    def new(cls) -> Worker:
        return cls(f"{_host()}/{_boot_id()}/{os.getpid()}/{secrets.token_hex(4)}")

    @property
    def local_prefix(self) -> str:
        return self.id.split("/", 1)[0] + "/"


_CURRENT: tuple[int, Worker] | None = None


def claimer_is_gone(claimed_by: str, this_host: str, this_boot: str) -> bool:
    """True when ``claimed_by`` ran on this computer and certainly no longer runs.

    A reused pid looks alive: then the lease decides, which is safe, only slower.
    """
    parts = claimed_by.split("/")
    if len(parts) != 4 or parts[0] != this_host:
        return False
    boot, pid = parts[1], parts[2]
    if boot != this_boot:
        return True  # the machine restarted since
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# -- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: str
    key: str
    record_id: str
    contact_id: str | None
    purpose: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    first_attempt_at: datetime
    resent_after_crash: bool


def enqueue(
    conn: Connection,
    *,
    key: str,
    record_id: str,
    contact_id: str | None,
    purpose: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Add one message unless a message with this key exists; True when added."""
    exists = conn.execute(
        select(checkin_outbox.c.id).where(checkin_outbox.c.idempotency_key == key)
    ).first()
    if exists is not None:
        return False
    conn.execute(
        checkin_outbox.insert().values(
            id=str(uuid.uuid4()),
            idempotency_key=key,
            record_id=record_id,
            contact_id=contact_id,
            purpose=purpose,
            channel=channel,
            payload=canonical.dumps(payload),
            status=PENDING,
            attempts=0,
            created_at=stamp(now),
            next_attempt_at=stamp(now),
        )
    )
    return True


def has_due(conn: Connection, now: datetime) -> bool:
    """Cheap check before taking any lock: is anything waiting to be sent?"""
    row = conn.execute(
        select(checkin_outbox.c.id)
        .where(
            checkin_outbox.c.status.in_((PENDING, SENDING)),
            checkin_outbox.c.next_attempt_at <= stamp(now),
        )
        .limit(1)
    ).first()
    return row is not None


def _claim_query(condition: Any, limit: int, postgres: bool) -> Any:
    query = (
        select(checkin_outbox)
        .where(condition)
        .order_by(checkin_outbox.c.next_attempt_at, checkin_outbox.c.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True) if postgres else query


def claim(
    engine: Engine, worker: Worker, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[Claimed]:
    """Take up to ``limit`` due rows for ``worker`` (see the module docstring)."""
    now_text = stamp(now)
    postgres = engine.dialect.name == "postgresql"
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            due = or_(
                and_(
                    checkin_outbox.c.status == PENDING,
                    checkin_outbox.c.next_attempt_at <= now_text,
                ),
                and_(checkin_outbox.c.status == SENDING, checkin_outbox.c.lease_until <= now_text),
            )
            rows = list(conn.execute(_claim_query(due, limit, postgres)))
            if len(rows) < limit:
                rows += _dead_local_claims(conn, worker, now_text, limit - len(rows), postgres)
            return [_take(conn, row, worker, now, lease) for row in rows]
    except DBAPIError as exc:
        raise translate_db_error(exc) from None


def _dead_local_claims(
    conn: Connection, worker: Worker, now_text: str, limit: int, postgres: bool
) -> list[Any]:
    mine = and_(
        checkin_outbox.c.status == SENDING,
        checkin_outbox.c.lease_until > now_text,
        checkin_outbox.c.claimed_by.like(worker.local_prefix + "%"),
    )
    host, boot = worker.id.split("/")[0], _boot_id()
    candidates = conn.execute(_claim_query(mine, 50, postgres))
    return [r for r in candidates if claimer_is_gone(r.claimed_by, host, boot)][:limit]


def _take(conn: Connection, row: Any, worker: Worker, now: datetime, lease: timedelta) -> Claimed:
    first = parse_stamp(row.first_attempt_at) if row.first_attempt_at else now
    conn.execute(
        update(checkin_outbox)
        .where(checkin_outbox.c.id == row.id)
        .values(
            status=SENDING,
            claimed_by=worker.id,
            lease_until=stamp(now + lease),
            attempts=row.attempts + 1,
            first_attempt_at=stamp(first),
        )
    )
    return Claimed(
        id=row.id,
        key=row.idempotency_key,
        record_id=row.record_id,
        contact_id=row.contact_id,
        purpose=row.purpose,
        channel=row.channel,
        payload=json.loads(row.payload),
        attempts=row.attempts + 1,
        first_attempt_at=first,
        resent_after_crash=row.status == SENDING,
    )


def mark_sent(conn: Connection, row_id: str, now: datetime) -> bool:
    """Record delivery; False if another worker already recorded it (nothing to add)."""
    result = conn.execute(
        update(checkin_outbox)
        .where(checkin_outbox.c.id == row_id, checkin_outbox.c.status != SENT)
        .values(status=SENT, sent_at=stamp(now), lease_until=None, last_error=None)
    )
    return result.rowcount == 1


def mark_failed_attempt(
    conn: Connection,
    claimed: Claimed,
    worker: Worker,
    now: datetime,
    error: str,
    permanent: bool,
) -> str:
    """Schedule the next attempt, or give up; returns the new status."""
    give_up = permanent or now - claimed.first_attempt_at >= GIVE_UP_AFTER
    status = FAILED if give_up else PENDING
    values: dict[str, Any] = {
        "status": status,
        "lease_until": None,
        "claimed_by": None,
        "last_error": error[:500],
    }
    if not give_up:
        values["next_attempt_at"] = stamp(now + backoff(claimed.attempts, claimed.key))
    conn.execute(
        update(checkin_outbox)
        .where(
            checkin_outbox.c.id == claimed.id,
            checkin_outbox.c.status == SENDING,
            checkin_outbox.c.claimed_by == worker.id,  # not if another worker took it over
        )
        .values(**values)
    )
    return status


def mark_stale(conn: Connection, row_id: str, now: datetime) -> None:
    """Not sent because its time passed while it waited (a reminder after its deadline)."""
    conn.execute(
        update(checkin_outbox)
        .where(checkin_outbox.c.id == row_id, checkin_outbox.c.status == SENDING)
        .values(
            status=CANCELLED,
            lease_until=None,
            last_error=f"not sent: its time had passed at {stamp(now)}",
        )
    )


def cancel_pending(conn: Connection, record_id: str) -> int:
    """Stop messages for a record that have not started sending (acknowledged, resolved)."""
    result = conn.execute(
        update(checkin_outbox)
        .where(checkin_outbox.c.record_id == record_id, checkin_outbox.c.status == PENDING)
        .values(status=CANCELLED)
    )
    return int(result.rowcount)


def rows_for(conn: Connection, record_ids: list[str]) -> list[Any]:
    if not record_ids:
        return []
    return list(
        conn.execute(
            select(checkin_outbox)
            .where(checkin_outbox.c.record_id.in_(record_ids))
            .order_by(checkin_outbox.c.created_at, checkin_outbox.c.id)
        )
    )

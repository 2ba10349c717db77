"""Growing waits after failed sign-ins, per account name and per client address.

Kept in PostgreSQL so every web process sees the same counts. A few slips cost nothing;
after that each further failure doubles the wait before the next try is even checked
(1 s, 2 s, 4 s … up to 5 minutes). A try is counted *before* it is checked, so tries sent
in parallel see each other; a successful sign-in clears its account's count and takes its
own try back from the address's count. Counts older than :data:`FORGET_SECONDS` start over.
The name is counted whether or not such an account exists, so the waits tell nothing
about which names exist.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, DateTime, Integer, String, Table, select, text
from sqlalchemy.dialects.postgresql import insert

from safetrail.server.accounts import fingerprint, normalise_name
from safetrail.server.db import server_metadata as metadata
from safetrail.web.throttle import wait_after

FREE_PER_ACCOUNT = 3
FREE_PER_ADDRESS = 10
FORGET_SECONDS = 3600.0

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
)


def keys(name: str, address: str) -> tuple[tuple[str, int], tuple[str, int]]:
    return (
        ("account:" + fingerprint(normalise_name(name)), FREE_PER_ACCOUNT),
        ("address:" + fingerprint(address), FREE_PER_ADDRESS),
    )


def wait_seconds(conn: Connection, name: str, address: str, now: datetime) -> int:
    """Whole seconds (rounded up) before this name or address may try again; 0 = now."""
    waits = [0.0]
    for key, free in keys(name, address):
        row = conn.execute(select(sign_in_failures).where(sign_in_failures.c.key == key)).first()
        if row is None:
            continue
        since = (now - row.last_at).total_seconds()
        if since > FORGET_SECONDS:
            continue
        waits.append(wait_after(row.failures, free) - since)
    return max(0, math.ceil(max(waits)))


def count_try(conn: Connection, name: str, address: str, now: datetime) -> None:
    forget = now - timedelta(seconds=FORGET_SECONDS)
    for key, _free in keys(name, address):
        statement = insert(sign_in_failures).values(key=key, failures=1, last_at=now)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[sign_in_failures.c.key],
                set_={
                    "failures": text(
                        "CASE WHEN safetrail.sign_in_failures.last_at < :forget THEN 1 "
                        "ELSE safetrail.sign_in_failures.failures + 1 END"
                    ).bindparams(forget=forget),
                    "last_at": now,
                },
            )
        )


def succeeded(conn: Connection, name: str, address: str) -> None:
    (account_key, _), (address_key, _) = keys(name, address)
    conn.execute(sign_in_failures.delete().where(sign_in_failures.c.key == account_key))
    conn.execute(
        sign_in_failures.update()
        .where(sign_in_failures.c.key == address_key)
        .where(sign_in_failures.c.failures > 0)
        .values(failures=sign_in_failures.c.failures - 1)
    )

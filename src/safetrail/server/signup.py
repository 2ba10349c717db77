"""Who may make a person's account: the server's sign-up setting, sign-up links, and the
limit of new accounts per client address.

``--signup`` (``SAFETRAIL_SERVER_SIGNUP``):

- ``invite`` (the default): an operator makes a single-use sign-up link (valid
  :data:`LINK_DAYS` days; only a hash of its token is stored, so it is shown once) and gives
  it to the person; ``/signup`` without a valid link explains how to get one.
- ``open``: anyone who reaches the server can make an account (a service that publishes
  its address on purpose).
- ``closed``: nobody can; ``/signup`` says so calmly. Links made before stop working.

Whatever the setting, one client address makes at most ``--signup-per-address`` accounts
(default :data:`DEFAULT_PER_ADDRESS`) in :data:`WINDOW_HOURS` hours; the count is kept in
PostgreSQL (only a fingerprint of the address), so every web process sees it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    String,
    Table,
    func,
    insert,
    select,
    text,
    update,
)

from safetrail.server.accounts import fingerprint
from safetrail.server.db import server_metadata as metadata

OPEN, INVITE, CLOSED = "open", "invite", "closed"
MODES = (OPEN, INVITE, CLOSED)
DEFAULT_MODE = INVITE
DEFAULT_PER_ADDRESS = 5
WINDOW_HOURS = 24
LINK_DAYS = 7

signup_links = Table(
    "signup_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("created_by", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("used_by", String(36)),
)

signups = Table(
    "signups",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("address", String(32), nullable=False),  # a fingerprint, not the address
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_signups_address", "address", "at"),
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"safetrail/signup-link/" + token.encode("utf-8", "replace")).hexdigest()


def make_link(conn: Connection, operator_id: str, now: datetime) -> str:
    """A new single-use sign-up token (put it in ``/signup?link=TOKEN``); shown once."""
    token = secrets.token_urlsafe(24)
    conn.execute(
        insert(signup_links).values(
            token_hash=_token_hash(token),
            created_by=operator_id,
            created_at=now,
            expires_at=now + timedelta(days=LINK_DAYS),
        )
    )
    return token


def link_is_valid(conn: Connection, token: str, now: datetime) -> bool:
    if not token or len(token) > 100:
        return False
    row = conn.execute(
        select(signup_links.c.expires_at, signup_links.c.used_at).where(
            signup_links.c.token_hash == _token_hash(token)
        )
    ).first()
    return row is not None and row.used_at is None and now < row.expires_at


def spend_link(conn: Connection, token: str, account_id: str, now: datetime) -> bool:
    """Use the link up (one sign-up per link; of two at once, one wins)."""
    if not token or len(token) > 100:
        return False
    done = conn.execute(
        update(signup_links)
        .where(
            (signup_links.c.token_hash == _token_hash(token))
            & signup_links.c.used_at.is_(None)
            & (signup_links.c.expires_at > now)
        )
        .values(used_at=now, used_by=account_id)
    )
    return done.rowcount == 1


@dataclass(frozen=True)
class Allowed:
    ok: bool
    made: int  # accounts this address made in the window (this one included when ok)


def count_signup(conn: Connection, address: str, now: datetime, limit: int) -> Allowed:
    """Count a sign-up from ``address`` unless it already made ``limit`` accounts in the
    window (``limit`` 0: no limit). Parallel sign-ups from one address wait for each other
    (an advisory lock on the fingerprint), so the limit holds exactly."""
    key = fingerprint("signup:" + address)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    since = now - timedelta(hours=WINDOW_HOURS)
    made = conn.execute(
        select(func.count())
        .select_from(signups)
        .where((signups.c.address == key) & (signups.c.at > since))
    ).scalar_one()
    if limit and made >= limit:
        return Allowed(False, int(made))
    conn.execute(insert(signups).values(address=key, at=now))
    conn.execute(signups.delete().where(signups.c.at <= since))  # nothing kept for longer
    return Allowed(True, int(made) + 1)

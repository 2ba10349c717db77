"""Server-side sessions that any web process can serve and the person can end.

The cookie holds two random values: the session id and a secret ``S``. The row holds
only a hash of the id, and the case key wrapped by ``S`` (AES-256-GCM, the AAD naming
the session and the case). Any process with the cookie and the row can unwrap the case
key for one request; the database alone or the cookie alone opens nothing, and revoking
the row ends the session at once on every process.

A session ends when it is revoked (by the person, by signing out, or by a password
change), when it has been idle longer than its idle timeout, or 12 hours after sign-in.
Signing in always makes a new session (the id is never carried over).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    insert,
    select,
    text,
    update,
)

from safetrail.server import accounts, audit, throttle
from safetrail.server.accounts import Account
from safetrail.server.db import server_metadata as metadata
from safetrail.server.keys import KeyUnwrapFailed, unwrap, wipe, wrap
from safetrail.server.settings import ABSOLUTE_HOURS

FULL = "full"  # signed in
ENROL = "enrol"  # password right, the second factor must be set up first
CHANGE_PASSWORD = "change-password"  # after an operator's reset
LAST_SEEN_GRANULARITY = 5.0  # seconds: idle time is kept to this precision (fewer writes)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("idle_seconds", Integer, nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("stage", String(16), nullable=False),
    Column("case_id", String(64)),
    Column("wrapped_key", LargeBinary),
    Column("account_key", LargeBinary),  # the account key, wrapped by S (sign-in codes)
    Column("address", String(64)),
    Column("agent", String(120)),  # a short description of the browser, for the list
    Column("second_factor", Boolean, nullable=False, server_default=text("false")),
    Index("ix_sessions_account", "account_id"),
)


@dataclass
class Session:
    id_hash: str
    account: Account
    stage: str
    case_id: str | None
    case_key: bytearray | None
    csrf_token: str
    created_at: datetime
    last_seen: datetime
    account_key: bytearray | None = None  # opens the account's TOTP secret (enrolment)


@dataclass(frozen=True)
class Listed:
    id_hash: str
    created_at: datetime
    last_seen: datetime
    address: str | None
    agent: str | None
    current: bool


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text_value: str) -> bytes:
    return base64.urlsafe_b64decode(text_value + "=" * (-len(text_value) % 4))


def _hash(session_id: bytes) -> str:
    return hashlib.sha256(b"safetrail/session/" + session_id).hexdigest()


SESSION_PURPOSE = "case-key/session"
ACCOUNT_KEY_PURPOSE = "account-key/session"


def _split(cookie: str | None) -> tuple[bytes, bytes] | None:
    if not cookie or "." not in cookie or len(cookie) > 200:
        return None
    left, _dot, right = cookie.partition(".")
    try:
        session_id, secret = _unb64(left), _unb64(right)
    except (binascii.Error, ValueError):
        return None
    if len(session_id) != 32 or len(secret) != 32:
        return None
    return session_id, secret


def csrf_for(session_id: bytes) -> str:
    return _b64(hmac.new(session_id, b"safetrail/csrf", hashlib.sha256).digest())


def start(
    conn: Connection,
    account: Account,
    now: datetime,
    idle_seconds: int,
    *,
    stage: str = FULL,
    case_id: str | None = None,
    case_key: bytes | bytearray | None = None,
    address: str | None = None,
    agent: str | None = None,
    second_factor: bool = False,
    kek: bytes | None = None,
) -> str:
    """A new session row; returns the cookie value (id and secret, shown nowhere else).

    ``kek`` (the password's key, from the sign-in or sign-up that starts the session)
    opens the account key, which the session keeps wrapped by its secret so that the
    account's sign-in codes can be set up during the session."""
    session_id, secret = secrets.token_bytes(32), secrets.token_bytes(32)
    id_hash = _hash(session_id)
    wrapped = None
    if case_id is not None and case_key is not None:
        wrapped = wrap(secret, case_key, SESSION_PURPOSE, [id_hash, case_id])
    account_key = None
    if kek is not None:
        opened = accounts.open_account_key(conn, account.id, kek)
        try:
            account_key = wrap(secret, opened, ACCOUNT_KEY_PURPOSE, [id_hash, account.id])
        finally:
            wipe(opened)
    conn.execute(
        insert(sessions).values(
            id_hash=id_hash,
            account_id=account.id,
            created_at=now,
            last_seen=now,
            expires_at=now + timedelta(hours=ABSOLUTE_HOURS),
            idle_seconds=idle_seconds,
            stage=stage,
            case_id=case_id,
            wrapped_key=wrapped,
            account_key=account_key,
            address=None if address is None else address[:64],
            agent=None if agent is None else agent[:120],
            second_factor=second_factor,
        )
    )
    return f"{_b64(session_id)}.{_b64(secret)}"


def resolve(conn: Connection, cookie: str | None, now: datetime) -> Session | None:
    """The live session this cookie names (its case key unwrapped), or None.

    A revoked, idle-expired or over-age session, a disabled account or a cookie whose
    secret does not open the row's key all answer None. Last-seen moves forward.
    """
    parts = _split(cookie)
    if parts is None:
        return None
    session_id, secret = parts
    id_hash = _hash(session_id)
    # the row and its account in one statement (one round trip on every request)
    row = conn.execute(
        select(sessions, *accounts.joined_columns())
        .join(accounts.accounts, accounts.accounts.c.id == sessions.c.account_id)
        .where(sessions.c.id_hash == id_hash)
    ).first()
    if row is None or row.revoked_at is not None or now >= row.expires_at:
        return None
    if (now - row.last_seen).total_seconds() > row.idle_seconds:
        conn.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(revoked_at=now))
        return None
    account = accounts.joined_account(row)
    if account.disabled:
        return None
    case_key = None
    if row.wrapped_key is not None and row.case_id is not None:
        try:
            case_key = unwrap(secret, row.wrapped_key, SESSION_PURPOSE, [id_hash, row.case_id])
        except KeyUnwrapFailed:
            return None
    account_key = None
    if row.account_key is not None:
        try:
            account_key = unwrap(
                secret, row.account_key, ACCOUNT_KEY_PURPOSE, [id_hash, account.id]
            )
        except KeyUnwrapFailed:
            account_key = None
    if (now - row.last_seen).total_seconds() >= LAST_SEEN_GRANULARITY:
        conn.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen=now))
    return Session(
        id_hash=id_hash,
        account=account,
        stage=row.stage,
        case_id=row.case_id,
        case_key=case_key,
        csrf_token=csrf_for(session_id),
        created_at=row.created_at,
        last_seen=now,
        account_key=account_key,
    )


def secret_of(cookie: str) -> bytes | None:
    parts = _split(cookie)
    return None if parts is None else parts[1]


def set_case(
    conn: Connection, cookie: str, session: Session, case_id: str, case_key: bytes | bytearray
) -> None:
    """Point the session at another case (an advocate moving between shared cases)."""
    secret = secret_of(cookie)
    if secret is None:
        return
    wrapped = wrap(secret, case_key, SESSION_PURPOSE, [session.id_hash, case_id])
    conn.execute(
        update(sessions)
        .where(sessions.c.id_hash == session.id_hash)
        .values(case_id=case_id, wrapped_key=wrapped)
    )


def set_stage(conn: Connection, id_hash: str, stage: str) -> None:
    conn.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(stage=stage))


def list_for(conn: Connection, account_id: str, current: str | None, now: datetime) -> list[Listed]:
    """The account's live sessions, most recently used first."""
    rows = conn.execute(
        select(sessions)
        .where(
            (sessions.c.account_id == account_id)
            & sessions.c.revoked_at.is_(None)
            & (sessions.c.expires_at > now)
        )
        .order_by(sessions.c.last_seen.desc())
    )
    return [
        Listed(r.id_hash, r.created_at, r.last_seen, r.address, r.agent, r.id_hash == current)
        for r in rows
        if (now - r.last_seen).total_seconds() <= r.idle_seconds
    ]


def revoke(conn: Connection, account_id: str, id_hash: str, now: datetime) -> bool:
    """End one of the account's own sessions; False when there is no such live session."""
    done = conn.execute(
        update(sessions)
        .where(
            (sessions.c.id_hash == id_hash)
            & (sessions.c.account_id == account_id)
            & sessions.c.revoked_at.is_(None)
        )
        .values(revoked_at=now, wrapped_key=None, account_key=None)
    )
    return done.rowcount == 1


def revoke_all(conn: Connection, account_id: str, now: datetime, keep: str | None = None) -> int:
    query = update(sessions).where(
        (sessions.c.account_id == account_id) & sessions.c.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(sessions.c.id_hash != keep)
    done = conn.execute(query.values(revoked_at=now, wrapped_key=None, account_key=None))
    return done.rowcount


def active_count(conn: Connection, now: datetime) -> int:
    """For the operator's health page."""
    rows = conn.execute(
        select(sessions.c.id_hash).where(
            sessions.c.revoked_at.is_(None) & (sessions.c.expires_at > now)
        )
    )
    return len(rows.all())


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    account: Account
    stage: str


@dataclass(frozen=True)
class SignInRefused:
    wait_seconds: int  # 0: the name, password or code was wrong


def sign_in(
    conn: Connection,
    name: str,
    password: str,
    code: str,
    now: datetime,
    idle_seconds: int,
    address: str,
    agent: str | None = None,
) -> SignedIn | SignInRefused:
    """Check password and second factor within the throttle; audit both outcomes.

    The caller commits ``conn`` whatever the outcome (the try is counted either way).
    The answer never says which part was wrong.
    """
    wait = throttle.wait_seconds(conn, name, address, now)
    if wait:
        return SignInRefused(wait)
    throttle.count_try(conn, name, address, now)
    checked = accounts.check_password(conn, name, password)
    known = accounts.find(conn, name)
    if checked is None:
        _failed(conn, known, now, address, "password")
        return SignInRefused(0)
    account, kek = checked
    factor = None
    if account.has_totp:
        account_key = accounts.open_account_key(conn, account.id, kek)
        try:
            factor = accounts.check_second_factor(
                conn, account, code, now.timestamp(), now, account_key
            )
        finally:
            wipe(account_key)
        if factor is None:
            _failed(conn, account, now, address, "second factor")
            return SignInRefused(0)
    throttle.succeeded(conn, name, address)
    case_key = None
    if account.case_id is not None and not account.case_locked:
        case_key = accounts.open_case_key(conn, account.id, account.case_id, "password", kek)
    stage = FULL
    if account.must_change_password:
        stage = CHANGE_PASSWORD
    elif account.needs_totp:
        stage = ENROL
    cookie = start(
        conn,
        account,
        now,
        idle_seconds,
        stage=stage,
        case_id=account.case_id if case_key is not None else None,
        case_key=case_key,
        address=address,
        agent=agent,
        second_factor=factor is not None,
        kek=kek,
    )
    if account.role == accounts.ADVOCATE:  # their private key, for this session only
        from safetrail.server import sharing

        sharing.on_sign_in(conn, account, kek, cookie)
    audit.record(
        conn,
        audit.SIGN_IN,
        now,
        account_id=account.id,
        role=account.role,
        case_id=account.case_id,
        address=address,
    )
    if factor == "recovery":
        audit.record(
            conn,
            audit.RECOVERY_CODE_USED,
            now,
            account_id=account.id,
            role=account.role,
            case_id=account.case_id,
            address=address,
        )
    return SignedIn(cookie, account, stage)


def _failed(
    conn: Connection, account: Account | None, now: datetime, address: str, what: str
) -> None:
    audit.record(
        conn,
        audit.SIGN_IN_FAILED,
        now,
        account_id=None if account is None else account.id,
        role=None if account is None else account.role,
        case_id=None if account is None else account.case_id,
        detail=what,
        address=address,
    )

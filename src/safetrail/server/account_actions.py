"""What a signed-in account does to itself (and how a person signs up and out), each action
with its audit record in the same transaction: the routes only parse, call one of these and
render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine

from safetrail.server import accounts, audit, sessions
from safetrail.server.accounts import PERSON, Account

if TYPE_CHECKING:
    from datetime import datetime

    from safetrail.server.app import ServerRuntime


class SignUpRefused(Exception):
    """Sign-up refused by the server's setting or limit: ``kind`` names the page."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def sign_up(
    run: ServerRuntime,
    name: str,
    password: str,
    country: str,
    timezone: str,
    link: str,
    address: str,
    agent: str,
) -> tuple[str, str]:
    """A person's account and their own, new case; returns the recovery key (shown once)
    and the new session's cookie.

    Raises :class:`SignUpRefused` (the limit per client address; in ``invite`` mode a link
    spent by a parallel sign-up, in the same transaction, so nothing is kept) or
    :class:`~safetrail.errors.SafetrailError` for bad input."""
    from safetrail.server import signup as signup_rules
    from safetrail.server.cases import create_case, open_case
    from safetrail.server.keys import wipe
    from safetrail.services import settings

    now = run.now()
    country, timezone = settings.validate_place(country, timezone)
    with run.server.engine.begin() as conn:
        limit = run.settings.signup_per_address
        if not signup_rules.count_signup(conn, address, now, limit).ok:
            raise SignUpRefused("limit")
        account, kek = accounts.create_account(conn, name, password, PERSON, now)
        if run.settings.signup == signup_rules.INVITE and not signup_rules.spend_link(
            conn, link, account.id, now
        ):
            raise SignUpRefused("link")
    case_id, case_key = create_case(run.server, account.id)
    ctx = open_case(run.server, case_id, case_key, account.actor, clock=run.clock)
    try:
        settings.initialise(ctx, country, timezone)
    finally:
        ctx.close()
    try:
        with run.server.engine.begin() as conn:
            recovery_key = accounts.attach_case(conn, account, case_id, case_key, kek, now)
            account = accounts.get(conn, account.id)
            audit.record(
                conn,
                audit.ACCOUNT_CREATED,
                now,
                account_id=account.id,
                role=PERSON,
                case_id=case_id,
                address=address,
            )
            cookie = sessions.start(
                conn,
                account,
                now,
                run.settings.idle_seconds,
                case_id=case_id,
                case_key=case_key,
                address=address,
                agent=agent,
                kek=kek,
            )
    finally:
        wipe(case_key)
    return recovery_key, cookie


def sign_in(
    run: ServerRuntime,
    name: str,
    password: str,
    code: str,
    address: str,
    agent: str,
    old: sessions.Session | None,
) -> sessions.SignedIn | sessions.SignInRefused:
    """:func:`sessions.sign_in` with the server's idle timeout; signing in again in the same
    browser (``old``) ends the old session."""
    with run.server.engine.begin() as conn:
        result = sessions.sign_in(
            conn, name, password, code, run.now(), run.settings.idle_seconds, address, agent
        )
    if old is not None and isinstance(result, sessions.SignedIn):
        with run.server.engine.begin() as conn:
            sessions.revoke(conn, old.account.id, old.id_hash, run.now())
    return result


def sign_out(engine: Engine, session: sessions.Session, now: datetime, address: str) -> None:
    """The session ends (recorded)."""
    with engine.begin() as conn:
        sessions.revoke(conn, session.account.id, session.id_hash, now)
        audit.record_by(conn, audit.SIGN_OUT, now, session.account, address)


def revoke_session(
    engine: Engine, account: Account, id_hash: str, now: datetime, address: str
) -> None:
    """One of the account's sessions ends (recorded when it was still going)."""
    with engine.begin() as conn:
        if sessions.revoke(conn, account.id, id_hash, now):
            audit.record_by(conn, audit.SESSION_REVOKED, now, account, address)


def confirm_totp(
    engine: Engine, session: sessions.Session, code: str, now: datetime, address: str
) -> list[str] | None:
    """The pending second factor is confirmed by ``code``: its recovery codes, or None when
    the code did not match. A session waiting for enrolment goes on to full."""
    if session.account_key is None:  # the route asks for signing in again first
        return None
    with engine.begin() as conn:
        codes = accounts.confirm_totp(
            conn, session.account.id, session.account_key, code, now.timestamp()
        )
        if codes is not None:
            if session.stage == sessions.ENROL:
                sessions.set_stage(conn, session.id_hash, sessions.FULL)
            audit.record_by(conn, audit.TOTP_ENROLLED, now, session.account, address)
    return codes


def change_password(
    engine: Engine,
    session: sessions.Session,
    old: str,
    new: str,
    now: datetime,
    address: str,
) -> bool:
    """A new password; False when ``old`` is not right. Every other session ends; this one
    goes on (past a forced change, to enrolment or full)."""
    with engine.begin() as conn:
        if not accounts.change_password(conn, session.account.id, old, new, now):
            return False
        sessions.revoke_all(conn, session.account.id, now, keep=session.id_hash)
        if session.stage == sessions.CHANGE_PASSWORD:
            account = accounts.get(conn, session.account.id)
            stage = sessions.ENROL if account.needs_totp else sessions.FULL
            sessions.set_stage(conn, session.id_hash, stage)
        audit.record_by(conn, audit.PASSWORD_CHANGED, now, session.account, address)
    return True


def recover_case(
    engine: Engine,
    session: sessions.Session,
    cookie: str,
    recovery_key: str,
    password: str,
    now: datetime,
    address: str,
) -> bool:
    """After an operator's reset: the recovery key opens the case again for this session;
    False when the key or the password is not right."""
    with engine.begin() as conn:
        account = accounts.get(conn, session.account.id)
        case_key = accounts.unlock_with_recovery_key(conn, account, recovery_key, password, now)
        if case_key is not None and account.case_id is not None:
            sessions.set_case(conn, cookie, session, account.case_id, case_key)
            audit.record_by(
                conn, audit.CASE_RECOVERED, now, account, address, case_id=account.case_id
            )
    return case_key is not None


def audit_trail(engine: Engine, account_id: str) -> tuple[Account, list[audit.Entry]]:
    """The account and what was recorded about it and, for a person, about their case:
    newest first, each entry once."""
    with engine.begin() as conn:
        account = accounts.get(conn, account_id)
        found = audit.for_account(conn, account.id)
        if account.role == PERSON and account.case_id is not None:
            found += audit.for_case(conn, account.case_id)
    entries = sorted({e.id: e for e in found}.values(), key=lambda e: e.id, reverse=True)
    return account, entries

"""What an operator does to accounts from the operator's pages, each action with its
audit record in the same transaction (the routes only parse, call one of these and render)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.server import accounts, audit, sessions, signup
from safetrail.server.accounts import ADVOCATE, OPERATOR, PERSON, Account


def add_account(
    engine: Engine,
    operator: Account,
    name: str,
    role: str,
    password: str,
    now: datetime,
    address: str | None,
) -> Account:
    """An advocate's or operator's account, which must change its password at first sign-in.

    People sign up themselves (their case is made then): any other role is refused."""
    if role not in (ADVOCATE, OPERATOR):
        raise ValidationError(_("People create their own accounts by signing up."))
    with engine.begin() as conn:
        made, _kek = accounts.create_account(conn, name, password, role, now)
        conn.execute(
            accounts.accounts.update()
            .where(accounts.accounts.c.id == made.id)
            .values(must_change_password=True)
        )
        audit.record_by(
            conn, audit.ACCOUNT_CREATED, now, operator, address, subject_id=made.id, detail=role
        )
    return made


def make_signup_link(engine: Engine, operator: Account, now: datetime, address: str | None) -> str:
    """A single-use sign-up link's token (``--signup invite``), to be shown once."""
    with engine.begin() as conn:
        token = signup.make_link(conn, operator.id, now)
        audit.record_by(conn, audit.SIGNUP_LINK_MADE, now, operator, address)
    return token


def reset_password(
    engine: Engine,
    operator: Account,
    target: Account,
    password: str,
    now: datetime,
    address: str | None,
) -> None:
    """A new password for ``target``; all its sessions end. Its second factor was encrypted
    under the old password, so it is set up again (recorded as well)."""
    with engine.begin() as conn:
        accounts.reset_password(conn, operator, target.id, password)
        sessions.revoke_all(conn, target.id, now)
        about = {"case_id": target.case_id, "subject_id": target.id}
        audit.record_by(conn, audit.PASSWORD_RESET, now, operator, address, **about)
        if target.has_totp:
            audit.record_by(conn, audit.TOTP_RESET, now, operator, address, **about)


def change_role(
    engine: Engine,
    operator: Account,
    account_id: str,
    role: str,
    now: datetime,
    address: str | None,
) -> bool:
    """Another role for an advocate's or operator's account (its sessions end); False, with
    nothing changed, for a person's account or the person role."""
    with engine.begin() as conn:
        target = accounts.get(conn, account_id)
        if target.case_id is not None or role == PERSON:
            return False
        before, after = accounts.set_role(conn, operator, account_id, role)
        sessions.revoke_all(conn, account_id, now)
        audit.record_by(
            conn,
            audit.ROLE_CHANGE,
            now,
            operator,
            address,
            subject_id=account_id,
            detail=f"{before} -> {after}",
        )
    return True

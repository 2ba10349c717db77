"""The append-only audit log: who signed in (or failed to), who opened whose case, exports,
role and account changes.

Entries are only ever added. A trigger in PostgreSQL refuses every UPDATE, DELETE and
TRUNCATE on the table, whoever asks (the application's own role included), so a
compromised web process cannot rewrite what happened. Entries hold no case content: who,
when, which case, what kind of action, and a short non-content detail (a page path,
a role name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    String,
    Table,
    insert,
    select,
    text,
)

from safetrail.server.db import SERVER_SCHEMA as GLOBAL_SCHEMA
from safetrail.server.db import server_metadata as metadata

# What happened (the ``action`` column)
SIGN_IN = "sign-in"
SIGN_IN_FAILED = "sign-in-failed"
SIGN_OUT = "sign-out"
CASE_ACCESS = "case-access"  # someone other than the owner opened a page of the case
EXPORT = "export"  # written once the file was made and sent
EXPORT_FAILED = "export-failed"  # an export that was allowed but not made
ROLE_CHANGE = "role-change"
ACCOUNT_CREATED = "account-created"
PASSWORD_CHANGED = "password-changed"
PASSWORD_RESET = "password-reset"
TOTP_ENROLLED = "totp-enrolled"
TOTP_RESET = "totp-reset"
SESSION_REVOKED = "session-revoked"
RECOVERY_CODE_USED = "recovery-code-used"
CASE_RECOVERED = "case-recovered"
ACCOUNT_DISABLED = "account-disabled"
SIGNUP_LINK_MADE = "signup-link-made"

audit = Table(
    "audit",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("account_id", String(36)),  # who acted (None: an unknown name failed to sign in)
    Column("role", String(16)),
    Column("case_id", String(64)),  # whose case it concerns, when it concerns one
    Column("action", String(32), nullable=False),
    Column("subject_id", String(36)),  # the account acted upon (resets, role changes)
    Column("detail", String(200)),
    Column("address", String(64)),
    Index("ix_audit_case", "case_id", "id"),
    Index("ix_audit_account", "account_id", "id"),
)

_APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION "{GLOBAL_SCHEMA}".audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_no_change ON "{GLOBAL_SCHEMA}".audit;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON "{GLOBAL_SCHEMA}".audit
    FOR EACH ROW EXECUTE FUNCTION "{GLOBAL_SCHEMA}".audit_append_only();
DROP TRIGGER IF EXISTS audit_no_truncate ON "{GLOBAL_SCHEMA}".audit;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON "{GLOBAL_SCHEMA}".audit
    FOR EACH STATEMENT EXECUTE FUNCTION "{GLOBAL_SCHEMA}".audit_append_only();
"""


def install(engine: Engine) -> None:
    """The trigger that keeps the table append-only (after the table exists)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(_APPEND_ONLY)


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    account_id: str | None
    role: str | None
    case_id: str | None
    action: str
    subject_id: str | None
    detail: str | None
    address: str | None
    account_name: str | None = None


def record(
    conn: Connection,
    action: str,
    at: datetime,
    *,
    account_id: str | None = None,
    role: str | None = None,
    case_id: str | None = None,
    subject_id: str | None = None,
    detail: str | None = None,
    address: str | None = None,
) -> None:
    conn.execute(
        insert(audit).values(
            at=at,
            account_id=account_id,
            role=role,
            case_id=case_id,
            action=action,
            subject_id=subject_id,
            detail=None if detail is None else detail[:200],
            address=None if address is None else address[:64],
        )
    )


class Actor(Protocol):
    """Whoever acts: an account's id and role (``accounts.Account``)."""

    @property
    def id(self) -> str: ...

    @property
    def role(self) -> str: ...


def record_by(
    conn: Connection,
    action: str,
    at: datetime,
    actor: Actor,
    address: str | None,
    **about: str | None,
) -> None:
    """:func:`record` for an action an account took from a client address (``about``:
    ``case_id``, ``subject_id``, ``detail``)."""
    record(conn, action, at, account_id=actor.id, role=actor.role, address=address, **about)


def _entries(conn: Connection, where: object, limit: int) -> list[Entry]:
    from safetrail.server.accounts import accounts

    query = (
        select(audit, accounts.c.name.label("account_name"))
        .select_from(audit.outerjoin(accounts, accounts.c.id == audit.c.account_id))
        .where(where)  # type: ignore[arg-type]
        .order_by(audit.c.id.desc())
        .limit(limit)
    )
    return [Entry(**row._mapping) for row in conn.execute(query)]


def for_case(conn: Connection, case_id: str, limit: int = 500) -> list[Entry]:
    """The person's view: everything that concerns their case, newest first."""
    return _entries(conn, audit.c.case_id == case_id, limit)


def for_account(conn: Connection, account_id: str, limit: int = 200) -> list[Entry]:
    """Sign-ins and changes of one account (the person's own account page)."""
    return _entries(
        conn, (audit.c.account_id == account_id) | (audit.c.subject_id == account_id), limit
    )


def latest(conn: Connection, limit: int = 200) -> list[Entry]:
    """The operator's view (no case content is ever in an entry)."""
    return _entries(conn, text("true"), limit)

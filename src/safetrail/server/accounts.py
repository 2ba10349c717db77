"""Accounts, roles and the keys a password or a recovery key unlocks (global tables).

Roles: an *operator* runs the server and manages accounts but never reads a case; a
*person* owns one case, made at sign-up; an *advocate* sees only cases shared with them
(:data:`case_access`, filled by the sharing flow).

Passwords: one Argon2id derivation per sign-in (argon2-cffi, salt per account, the
parameters stored with the account) gives a master secret; HKDF splits it into a
*verifier*, kept to check the password, and a *key-encryption key* that wraps the
person's case key. Neither the verifier nor anything else stored lets the server
compute the KEK, so the database alone opens no case.

The case key is wrapped by the password KEK and by the person's *recovery key* (random,
shown once at sign-up). An operator's reset replaces the password without the old one:
the password wrap is then gone, and only the recovery key can bring the case back.

Every account also has a random *account key*, stored only wrapped by the password KEK
(and, per session, by the session's cookie secret). It encrypts what the account table
would otherwise hold in clear: the TOTP secret (and the one being enrolled). Checking a
code therefore needs the KEK, which the sign-in has just derived from the password, so
Argon2id still runs once per sign-in. A password change wraps the account key again; an
operator's reset cannot open it, so a reset makes a new account key and the sign-in codes
must be set up again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    insert,
    select,
    text,
    update,
)

from safetrail.errors import Forbidden, ValidationError, WeakPassphrase
from safetrail.i18n import _
from safetrail.server import keys, totp
from safetrail.server.db import case_keys
from safetrail.server.db import server_metadata as metadata
from safetrail.vault import kdf

OPERATOR, PERSON, ADVOCATE = "operator", "person", "advocate"
ROLES = (OPERATOR, PERSON, ADVOCATE)
SECOND_FACTOR_REQUIRED = frozenset({OPERATOR, ADVOCATE})
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
RECOVERY_KEY_BYTES = 20
READ, READ_ADD = "read", "read+add"  # advocate access (the sharing flow sets these)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),  # lower-cased sign-in name
    Column("role", String(16), nullable=False),
    Column("kdf", Text, nullable=False),  # Argon2id parameters and salt (JSON)
    Column("verifier", String(64), nullable=False),
    Column("account_key", LargeBinary),  # random, wrapped by the password KEK
    Column("totp_secret", LargeBinary),  # encrypted under the account key
    Column("totp_pending", LargeBinary),  # shown for enrolment, not yet confirmed (encrypted)
    Column("totp_last_step", BigInteger),
    Column("case_id", String(64)),  # a person's own case
    Column("must_change_password", Boolean, nullable=False, server_default=text("false")),
    Column("case_locked", Boolean, nullable=False, server_default=text("false")),
    Column("disabled", Boolean, nullable=False, server_default=text("false")),
    Column("public_key", LargeBinary),  # advocates: X25519, for sealed case keys
    Column("private_key_wrapped", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # the language chosen in the case's settings, so pages follow it without opening the case
    Column("language", String(16)),
)

# Columns added after the first release of these tables: ``install`` adds them to a
# database made before (``create_all`` makes missing tables, never missing columns).
_ADDED_COLUMNS = (
    ("accounts", "account_key", "BYTEA"),
    ("accounts", "language", "VARCHAR(16)"),
    ("sessions", "account_key", "BYTEA"),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("account_id", String(36), ForeignKey("accounts.id"), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("used_at", DateTime(timezone=True)),
)

# Who else may open a case. The sharing flow (next issue) writes these rows with the case
# key sealed to the advocate's public key; checks read them now.
case_access = Table(
    "case_access",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), primary_key=True),
    Column("scope", String(200), nullable=False, server_default=text("'all'")),
    Column("access", String(16), nullable=False, server_default=text("'read'")),
    Column("sealed_key", LargeBinary),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_case_access_account", "account_id"),
)


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    role: str
    case_id: str | None
    has_totp: bool
    must_change_password: bool
    case_locked: bool
    disabled: bool
    language: str | None = None  # the case's language setting (None: the browser's)

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.id}"

    @property
    def needs_totp(self) -> bool:
        return self.role in SECOND_FACTOR_REQUIRED and not self.has_totp


@dataclass(frozen=True)
class Access:
    """What an account may do with one case."""

    case_id: str
    owner: bool
    access: str  # "owner", READ or READ_ADD
    scope: str


def _account(row: object) -> Account:
    m = row._mapping  # type: ignore[attr-defined]
    return Account(
        id=m["id"],
        name=m["name"],
        role=m["role"],
        case_id=m["case_id"],
        has_totp=m["totp_secret"] is not None,
        must_change_password=bool(m["must_change_password"]),
        case_locked=bool(m["case_locked"]),
        disabled=bool(m["disabled"]),
        language=m["language"],
    )


_JOINED = "joined_account_"  # the label prefix of an account's columns joined to another table


def joined_columns() -> list[Any]:
    """The columns an :class:`Account` is made of, labelled to sit beside another table's
    in one statement (the session lookup reads its row and its account at once)."""
    c = accounts.c
    return [
        c.id.label(f"{_JOINED}id"),
        c.name.label(f"{_JOINED}name"),
        c.role.label(f"{_JOINED}role"),
        c.case_id.label(f"{_JOINED}case_id"),
        c.totp_secret.is_not(None).label(f"{_JOINED}has_totp"),
        c.must_change_password.label(f"{_JOINED}must_change_password"),
        c.case_locked.label(f"{_JOINED}case_locked"),
        c.disabled.label(f"{_JOINED}disabled"),
        c.language.label(f"{_JOINED}language"),
    ]


def joined_account(row: object) -> Account:
    """The account read by :func:`joined_columns`."""
    m = row._mapping  # type: ignore[attr-defined]
    return Account(
        id=m[f"{_JOINED}id"],
        name=m[f"{_JOINED}name"],
        role=m[f"{_JOINED}role"],
        case_id=m[f"{_JOINED}case_id"],
        has_totp=bool(m[f"{_JOINED}has_totp"]),
        must_change_password=bool(m[f"{_JOINED}must_change_password"]),
        case_locked=bool(m[f"{_JOINED}case_locked"]),
        disabled=bool(m[f"{_JOINED}disabled"]),
        language=m[f"{_JOINED}language"],
    )


def install(engine: Engine) -> None:
    """Create the global schema: every global table (idempotent) and the audit trigger."""
    from safetrail.server import (
        alert_jobs,
        audit,
        caseload,
        db,
        kept,
        sessions,
        sharing,
        signup,
        throttle,
    )

    assert sessions.sessions.metadata is throttle.sign_in_failures.metadata  # one schema
    assert signup.signups.metadata is metadata  # sign-up links and counts too
    assert alert_jobs.checkin_alert_jobs.metadata is metadata  # check-in alert jobs too
    assert sharing.organisations.metadata is caseload.caseload_facts.metadata  # sharing too
    assert kept.kept_results.metadata is metadata  # results kept between requests too
    db.create_server_tables(engine)
    with engine.begin() as conn:
        schema = db.global_schema(engine)
        for table, column, kind in _ADDED_COLUMNS:
            conn.execute(
                text(f'ALTER TABLE "{schema}"."{table}" ADD COLUMN IF NOT EXISTS {column} {kind}')
            )
    audit.install(engine)


# --- passwords -------------------------------------------------------------------------


def _password_params() -> kdf.KdfParams:
    return keys.kek_params()


def _hkdf(master: bytes, purpose: str) -> bytes:
    info = f"safetrail/server/v1/{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def _derive(password: str, params: kdf.KdfParams) -> tuple[str, bytes]:
    """(verifier hex, KEK) from one Argon2id derivation."""
    master = keys.derive_kek(password, params)
    try:
        return _hkdf(bytes(master), "verifier").hex(), _hkdf(bytes(master), "kek")
    finally:
        keys.wipe(master)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WeakPassphrase(
            _("The password is too short: use at least {count} characters.").format(
                count=MIN_PASSWORD
            ),
            _("A few unrelated words work well."),
        )
    if len(password) > MAX_PASSWORD:
        raise WeakPassphrase(_("The password is too long."), _("Use a shorter password."))


def _dummy_params() -> kdf.KdfParams:
    return _password_params()


def normalise_name(name: str) -> str:
    return name.strip().lower()


def create_account(
    conn: Connection, name: str, password: str, role: str, now: datetime
) -> tuple[Account, bytes]:
    """A new account and its password KEK (to wrap a case key at once, for a person)."""
    if role not in ROLES:
        raise ValidationError(_("{role} is not a role.").format(role=role))
    clean = normalise_name(name)
    if not clean or len(clean) > 200 or any(ch.isspace() for ch in clean):
        raise ValidationError(
            _("An account name needs 1 to 200 characters and no spaces."),
        )
    check_new_password(password)
    found = conn.execute(select(accounts.c.id).where(accounts.c.name == clean)).first()
    if found is not None:
        raise ValidationError(_("That account name is taken."), _("Choose another account name."))
    params = _password_params()
    verifier, kek = _derive(password, params)
    account_id = str(uuid.uuid4())
    conn.execute(
        insert(accounts).values(
            id=account_id,
            name=clean,
            role=role,
            kdf=json.dumps(params.to_json()),
            verifier=verifier,
            created_at=now,
        )
    )
    keys.wipe(_new_account_key(conn, account_id, kek))
    return get(conn, account_id), kek


def get(conn: Connection, account_id: str) -> Account:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if row is None:
        raise ValidationError(_("There is no such account."))
    return _account(row)


def find(conn: Connection, name: str) -> Account | None:
    row = conn.execute(select(accounts).where(accounts.c.name == normalise_name(name))).first()
    return None if row is None else _account(row)


def list_accounts(conn: Connection) -> list[Account]:
    rows = conn.execute(select(accounts).order_by(accounts.c.role, accounts.c.name))
    return [_account(row) for row in rows]


def check_password(conn: Connection, name: str, password: str) -> tuple[Account, bytes] | None:
    """The account and its KEK when the password is right; None otherwise.

    An unknown name costs the same derivation as a known one, so timing does not tell
    which names exist.
    """
    row = conn.execute(select(accounts).where(accounts.c.name == normalise_name(name))).first()
    if row is None or len(password) > MAX_PASSWORD:
        _derive(password[:MAX_PASSWORD], _dummy_params())
        return None
    params = kdf.KdfParams.from_json(json.loads(row.kdf))
    verifier, kek = _derive(password, params)
    if not hmac.compare_digest(verifier, row.verifier) or row.disabled:
        return None
    return _account(row), kek


def set_password(conn: Connection, account_id: str, password: str) -> bytes:
    """A new password for an account without a case (operators, from the command line).

    The old password is not known, so the old account key cannot be opened: a new one is
    made and the sign-in codes are removed (set them up again with the new key)."""
    if get(conn, account_id).case_id is not None:
        raise ValidationError(_("This account owns a case: reset it on the server's pages."))
    kek = _set_password(conn, account_id, password)
    remove_totp(conn, account_id)
    keys.wipe(_new_account_key(conn, account_id, kek))
    conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(must_change_password=False)
    )
    return kek


def _set_password(conn: Connection, account_id: str, password: str) -> bytes:
    check_new_password(password)
    params = _password_params()
    verifier, kek = _derive(password, params)
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(kdf=json.dumps(params.to_json()), verifier=verifier)
    )
    return kek


# --- the account key ---------------------------------------------------------------------

_ACCOUNT_KEY_PURPOSE = "account-key/password"
_TOTP_PURPOSE = "account/totp-secret"


def _new_account_key(conn: Connection, account_id: str, kek: bytes) -> bytearray:
    """A fresh account key, stored wrapped by ``kek``; the caller wipes the copy returned."""
    account_key = keys.new_key()
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(account_key=keys.wrap(kek, account_key, _ACCOUNT_KEY_PURPOSE, [account_id]))
    )
    return account_key


def open_account_key(conn: Connection, account_id: str, kek: bytes) -> bytearray:
    """The account key, opened with the password's KEK (the caller wipes it).

    An account made before account keys existed gets one now, and a TOTP secret it kept
    in clear is encrypted under it. A key that does not open (it cannot happen after a
    reset, which makes a new one) is replaced, and the codes it hid are removed."""
    row = conn.execute(
        select(accounts.c.account_key, accounts.c.totp_secret, accounts.c.totp_pending).where(
            accounts.c.id == account_id
        )
    ).first()
    if row is None:
        raise ValidationError(_("There is no such account."))
    if row.account_key is not None:
        try:
            return keys.unwrap(kek, row.account_key, _ACCOUNT_KEY_PURPOSE, [account_id])
        except keys.KeyUnwrapFailed:
            remove_totp(conn, account_id)
            return _new_account_key(conn, account_id, kek)
    account_key = _new_account_key(conn, account_id, kek)
    legacy = {
        column: _seal_totp(account_key, account_id, value)
        for column, value in (("totp_secret", row.totp_secret), ("totp_pending", row.totp_pending))
        if value is not None and len(value) == totp.SECRET_BYTES
    }
    if legacy:
        conn.execute(update(accounts).where(accounts.c.id == account_id).values(**legacy))
    return account_key


def _seal_totp(account_key: bytes | bytearray, account_id: str, secret: bytes) -> bytes:
    return keys.wrap(account_key, secret, _TOTP_PURPOSE, [account_id])


def _open_totp(account_key: bytes | bytearray, account_id: str, sealed: bytes) -> bytes | None:
    try:
        opened = keys.unwrap(account_key, sealed, _TOTP_PURPOSE, [account_id])
    except keys.KeyUnwrapFailed:
        return None
    try:
        return bytes(opened)
    finally:
        keys.wipe(opened)


# --- case keys ---------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    """The storage layer's time text (UTC, microseconds, "Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _purpose(kind: str) -> str:
    return f"case-key/{kind}"


def store_case_key(
    conn: Connection,
    account_id: str,
    case_id: str,
    kind: str,
    kek: bytes,
    case_key: bytes | bytearray,
    now: datetime,
) -> None:
    """Wrap the case key for one way in ("password" or "recovery") of one account."""
    wrapped = keys.wrap(kek, case_key, _purpose(kind), [account_id, case_id])
    where = (
        (case_keys.c.case_id == case_id)
        & (case_keys.c.holder_kind == kind)
        & (case_keys.c.holder_id == account_id)
    )
    conn.execute(case_keys.delete().where(where))
    conn.execute(
        insert(case_keys).values(
            case_id=case_id,
            holder_kind=kind,
            holder_id=account_id,
            wrapped=wrapped,
            created_at=stamp(now),
        )
    )


def open_case_key(
    conn: Connection, account_id: str, case_id: str, kind: str, kek: bytes
) -> bytearray | None:
    row = conn.execute(
        select(case_keys.c.wrapped).where(
            (case_keys.c.case_id == case_id)
            & (case_keys.c.holder_kind == kind)
            & (case_keys.c.holder_id == account_id)
        )
    ).first()
    if row is None:
        return None
    try:
        return keys.unwrap(kek, row.wrapped, _purpose(kind), [account_id, case_id])
    except keys.KeyUnwrapFailed:
        return None


def new_recovery_key() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_KEY_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def recovery_kek(recovery_key: str) -> bytes:
    cleaned = "".join(ch for ch in recovery_key.upper() if ch.isalnum())
    return _hkdf(cleaned.encode("ascii", "replace"), "recovery-key")


def attach_case(
    conn: Connection,
    account: Account,
    case_id: str,
    case_key: bytes | bytearray,
    kek: bytes,
    now: datetime,
) -> str:
    """Make ``case_id`` the person's case, wrap its key; returns the recovery key (show once)."""
    conn.execute(update(accounts).where(accounts.c.id == account.id).values(case_id=case_id))
    store_case_key(conn, account.id, case_id, "password", kek, case_key, now)
    recovery_key = new_recovery_key()
    store_case_key(conn, account.id, case_id, "recovery", recovery_kek(recovery_key), case_key, now)
    return recovery_key


def change_password(conn: Connection, account_id: str, old: str, new: str, now: datetime) -> bool:
    """Re-wrap the case key under the new password; False when ``old`` is wrong."""
    account = get(conn, account_id)
    checked = check_password(conn, account.name, old)
    if checked is None:
        return False
    _, old_kek = checked
    case_key = None
    if account.case_id is not None and not account.case_locked:
        case_key = open_case_key(conn, account.id, account.case_id, "password", old_kek)
    account_key = open_account_key(conn, account.id, old_kek)
    new_kek = _set_password(conn, account.id, new)
    try:  # the account key (and so the TOTP secret) follows the password
        conn.execute(
            update(accounts)
            .where(accounts.c.id == account.id)
            .values(account_key=keys.wrap(new_kek, account_key, _ACCOUNT_KEY_PURPOSE, [account.id]))
        )
    finally:
        keys.wipe(account_key)
    if account.role == ADVOCATE:  # the advocate's private key follows the password
        from safetrail.server import sharing

        sharing.rewrap_private_key(conn, account.id, old_kek, new_kek)
    if case_key is not None and account.case_id is not None:
        store_case_key(conn, account.id, account.case_id, "password", new_kek, case_key, now)
    conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(must_change_password=False)
    )
    return True


def reset_password(conn: Connection, operator: Account, account_id: str, new: str) -> Account:
    """An operator sets a new password without the old one.

    The operator never sees the case key: the password-wrapped copy is deleted (it can no
    longer be opened) and the case stays locked until the person types their recovery
    key. Without that key the old case cannot be opened by anyone. The account key cannot
    be opened either: a new one is made, and the sign-in codes (encrypted under the old
    one) are removed, to be set up again.
    """
    require_role(operator, OPERATOR)
    account = get(conn, account_id)
    kek = _set_password(conn, account_id, new)
    remove_totp(conn, account_id)
    keys.wipe(_new_account_key(conn, account_id, kek))
    conn.execute(
        case_keys.delete().where(
            (case_keys.c.holder_id == account_id) & (case_keys.c.holder_kind == "password")
        )
    )
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(must_change_password=True, case_locked=account.case_id is not None)
    )
    return get(conn, account_id)


def unlock_with_recovery_key(
    conn: Connection, account: Account, recovery_key: str, password: str, now: datetime
) -> bytearray | None:
    """After a reset: the recovery key opens the case key, the password wraps it again."""
    if account.case_id is None:
        return None
    case_key = open_case_key(
        conn, account.id, account.case_id, "recovery", recovery_kek(recovery_key)
    )
    checked = check_password(conn, account.name, password)
    if case_key is None or checked is None:
        return None
    store_case_key(conn, account.id, account.case_id, "password", checked[1], case_key, now)
    conn.execute(update(accounts).where(accounts.c.id == account.id).values(case_locked=False))
    return case_key


def set_language(conn: Connection, account_id: str, language: str | None) -> None:
    """Keep the case's language setting on the account (None: follow the browser), so
    every signed-in page can follow it without opening the case."""
    from safetrail.i18n import normalise_language

    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(language=normalise_language(language))
    )


def set_role(conn: Connection, operator: Account, account_id: str, role: str) -> tuple[str, str]:
    require_role(operator, OPERATOR)
    if role not in ROLES:
        raise ValidationError(_("{role} is not a role.").format(role=role))
    before = get(conn, account_id).role
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(role=role))
    return before, role


def set_disabled(conn: Connection, operator: Account, account_id: str, disabled: bool) -> None:
    require_role(operator, OPERATOR)
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(disabled=disabled))


# --- second factor -------------------------------------------------------------------------


def begin_totp(conn: Connection, account_id: str, account_key: bytes | bytearray) -> bytes:
    """A new secret to show for enrolment; it counts only once a code from it is typed.
    Stored encrypted under the account key (:func:`open_account_key`)."""
    secret = totp.new_secret()
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(totp_pending=_seal_totp(account_key, account_id, secret))
    )
    return secret


def confirm_totp(
    conn: Connection,
    account_id: str,
    account_key: bytes | bytearray,
    code: str,
    unix_now: float,
) -> list[str] | None:
    """Turn the pending secret on with a code from it; returns 10 new recovery codes."""
    row = conn.execute(select(accounts.c.totp_pending).where(accounts.c.id == account_id)).first()
    if row is None or row.totp_pending is None:
        return None
    pending = _open_totp(account_key, account_id, row.totp_pending)
    if pending is None:
        return None
    step = totp.matching_step(pending, code, unix_now, None)
    if step is None:
        return None
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(totp_secret=row.totp_pending, totp_pending=None, totp_last_step=step)
    )
    return new_recovery_codes(conn, account_id)


def activate_pending_totp(conn: Connection, account_id: str) -> list[str]:
    """Turn the pending secret on at once (``server init``: the secret is shown in the
    operator's own terminal, and their first sign-in needs a code from it)."""
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(totp_secret=accounts.c.totp_pending, totp_pending=None, totp_last_step=None)
    )
    return new_recovery_codes(conn, account_id)


def new_recovery_codes(conn: Connection, account_id: str) -> list[str]:
    codes = totp.new_recovery_codes()
    conn.execute(recovery_codes.delete().where(recovery_codes.c.account_id == account_id))
    conn.execute(
        insert(recovery_codes),
        [{"account_id": account_id, "digest": totp.recovery_digest(c)} for c in codes],
    )
    return codes


def remove_totp(conn: Connection, account_id: str) -> None:
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(totp_secret=None, totp_pending=None, totp_last_step=None)
    )
    conn.execute(recovery_codes.delete().where(recovery_codes.c.account_id == account_id))


def check_second_factor(
    conn: Connection,
    account: Account,
    code: str,
    unix_now: float,
    now: datetime,
    account_key: bytes | bytearray,
) -> str | None:
    """ "totp" or "recovery" when ``code`` is a fresh authenticator code or an unused
    recovery code; None otherwise. Either is spent atomically (parallel tries with the
    same code: only one wins). The TOTP secret is opened with ``account_key``."""
    if not account.has_totp:
        return None
    typed = totp.normalise_code(code)
    if typed.isdigit():
        row = conn.execute(
            select(accounts.c.totp_secret, accounts.c.totp_last_step).where(
                accounts.c.id == account.id
            )
        ).first()
        if row is None or row.totp_secret is None:
            return None
        secret = _open_totp(account_key, account.id, row.totp_secret)
        if secret is None:
            return None
        step = totp.matching_step(secret, typed, unix_now, row.totp_last_step)
        if step is None:
            return None
        taken = conn.execute(
            update(accounts)
            .where(accounts.c.id == account.id)
            .where((accounts.c.totp_last_step.is_(None)) | (accounts.c.totp_last_step < step))
            .values(totp_last_step=step)
        )
        return "totp" if taken.rowcount == 1 else None
    digest = totp.recovery_digest(typed)
    used = conn.execute(
        update(recovery_codes)
        .where(recovery_codes.c.account_id == account.id)
        .where(recovery_codes.c.digest == digest)
        .where(recovery_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    return "recovery" if used.rowcount == 1 else None


def recovery_codes_left(conn: Connection, account_id: str) -> int:
    rows = conn.execute(
        select(recovery_codes.c.digest).where(
            (recovery_codes.c.account_id == account_id) & recovery_codes.c.used_at.is_(None)
        )
    )
    return len(rows.all())


# --- roles and access ---------------------------------------------------------------------


def require_role(account: Account, *roles: str) -> None:
    if account.role not in roles:
        raise Forbidden(
            _("This page is not for this kind of account."),
            _("Sign in with an account that may do this."),
        )


def permission(conn: Connection, account: Account, case_id: str) -> Access | None:
    """How ``account`` may open ``case_id``; None when it may not (the caller answers 404).

    Operators never open cases (the caller answers 403 before asking).
    """
    if account.role == PERSON:
        if account.case_id == case_id:
            return Access(case_id, True, "owner", "all")
        return None
    if account.role == ADVOCATE:
        row = conn.execute(
            select(case_access.c.access, case_access.c.scope).where(
                (case_access.c.case_id == case_id)
                & (case_access.c.account_id == account.id)
                & case_access.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        return Access(case_id, False, row.access, row.scope)
    return None


def shared_cases(conn: Connection, account: Account) -> list[str]:
    if account.role != ADVOCATE:
        return []
    rows = conn.execute(
        select(case_access.c.case_id)
        .where((case_access.c.account_id == account.id) & case_access.c.revoked_at.is_(None))
        .order_by(case_access.c.granted_at)
    )
    return [row.case_id for row in rows]


def fingerprint(value: str) -> str:
    """A short, stable, non-reversible label (for throttle keys and logs)."""
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]

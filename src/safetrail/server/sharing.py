"""Advocates and consented sharing: organisations, invitations, advocates' keys, shares,
revocation, and the scoped case an advocate is handed.

**Keys.** Each advocate has an X25519 key pair. The private key is stored only wrapped by
the advocate's password key (like a person's case key), and per session wrapped by the
session secret ``S`` that only the browser's cookie holds (:data:`advocate_session_keys`).
When a person consents, their case key is sealed to the advocate's public key
(``keys.seal_to``) and kept in ``case_access.sealed_key``. Revoking deletes that sealed
copy: from the next request on, no session of that advocate can open the case, because
nothing the server holds opens it for them any more. What the advocate already
downloaded cannot be recalled; the person's page says so.

**Scope, in one place.** :func:`check_request` decides which pages a share reaches
(by scope and access) and :class:`SharedCase` is the case an advocate is handed: its
record store (:class:`ScopedRecordStore`) never returns a private note and, for a
date-range share, refuses every incident outside the range (404, as if it did not
exist); reports and bundles made through it are clamped to the range
(:func:`clamp_selection`). The provider asks :func:`open_for_request` for every advocate
request, so a revoked share, a disabled account or a page out of scope stops the very
next request, whatever the session row still says.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Form, Request
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    func,
    insert,
    select,
    update,
)

from safetrail.case import CaseContext
from safetrail.errors import Forbidden, NotSignedIn, RecordNotFound, ValidationError
from safetrail.i18n import _
from safetrail.server import accounts, audit, keys
from safetrail.server.accounts import ADVOCATE, READ, READ_ADD, Account, case_access
from safetrail.server.cases import Server, ServerCase
from safetrail.server.db import server_metadata as metadata
from safetrail.server.provider import ServerCaseProvider, session_of
from safetrail.storage.records import Record, RecordStore, Version
from safetrail.storage.tables import incidents as incident_rows

if TYPE_CHECKING:
    from safetrail.server.sessions import Session

# audit actions of this module
SHARED = "share"
SHARE_REVOKED = "share-revoked"
ORG_CREATED = "org-created"
ADVOCATE_INVITED = "advocate-invited"
INVITATION_USED = "invitation-used"
SCREENING_REQUESTED = "screening-requested"

ALL, RANGE, REPORTS = "all", "range", "reports"
SCOPES = (ALL, RANGE, REPORTS)
ACCESSES = (READ, READ_ADD)
INVITATION_DAYS = 7
PRIVATE_FIELDS = {"incident": ("private_note",)}
_PRIVATE_PURPOSE = "advocate-private/password"
_SESSION_PURPOSE = "advocate-private/session"
_SEAL_PURPOSE = "case-key/advocate"

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

org_members = Table(
    "org_members",
    metadata,
    Column("org_id", String(36), ForeignKey("organisations.id"), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), primary_key=True),
    Column("joined_at", DateTime(timezone=True), nullable=False),
    Index("ix_org_members_account", "account_id"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("org_id", String(36), ForeignKey("organisations.id"), nullable=False),
    Column("name", String(200), nullable=False),  # the account name the advocate will have
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("account_id", String(36)),
)

#: an advocate's private key wrapped by their session's secret S (cookie only)
advocate_session_keys = Table(
    "advocate_session_keys",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
)

#: which organisation a share went through (None: to the advocate by name)
share_orgs = Table(
    "share_orgs",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("org_id", String(36), ForeignKey("organisations.id"), nullable=False),
)

#: an advocate asked the person to complete a risk screening
screening_requests = Table(
    "screening_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Index("ix_screening_requests_case", "case_id"),
)


# --- scope ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a share covers: everything but private notes, a date range, or reports only."""

    kind: str = ALL
    start: date | None = None
    end: date | None = None

    def encode(self) -> str:
        if self.kind == RANGE:
            return f"{RANGE}:{self.start}:{self.end}"
        return self.kind

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        if not text or text == ALL:
            return cls(ALL)
        if text == REPORTS:
            return cls(REPORTS)
        kind, _sep, rest = text.partition(":")
        if kind == RANGE:
            first, _sep2, last = rest.partition(":")
            try:
                return cls(RANGE, date.fromisoformat(first), date.fromisoformat(last))
            except ValueError:
                pass
        return cls(REPORTS)  # an unreadable scope grants the least

    @classmethod
    def from_form(cls, kind: str, start: str, end: str) -> Scope:
        if kind not in SCOPES:
            raise ValidationError(_("Choose what the advocate may see."))
        if kind != RANGE:
            return cls(kind)
        try:
            first, last = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
        except ValueError:
            raise ValidationError(
                _("A date range needs two dates like 2026-03-14 (year-month-day)."),
                _("Choose the first and the last day again."),
            ) from None
        if last < first:
            raise ValidationError(
                _("The first day is after the last day."), _("Swap the two dates.")
            )
        return cls(RANGE, first, last)

    def describe(self) -> str:
        if self.kind == RANGE:
            return _("Incidents from {start} to {end}, without private notes").format(
                start=self.start, end=self.end
            )
        if self.kind == REPORTS:
            return _("Only the report, the police sheet and the case bundle")
        return _("Everything except private notes")


def describe_access(access: str) -> str:
    return _("Read and add") if access == READ_ADD else _("Read only")


def summary(scope: Scope, access: str) -> tuple[list[str], list[str]]:
    """What the advocate will and will not see or do, in plain words (the consent page)."""
    will: list[str] = []
    wont: list[str] = [
        _("Your private notes, whatever you choose here."),
        _("Your password, your recovery key and your account settings."),
    ]
    if scope.kind == ALL:
        will += [
            _("Your incidents, timeline, evidence, messages, people, analysis and plan."),
            _("The reports, police sheets and case bundles they make (you see each one)."),
        ]
    elif scope.kind == RANGE:
        will += [
            _("The incidents that happened from {start} to {end}.").format(
                start=scope.start, end=scope.end
            ),
            _("Reports, police sheets and bundles limited to those dates."),
        ]
        wont += [
            _("Anything that happened before {start} or after {end}.").format(
                start=scope.start, end=scope.end
            ),
            _("Your evidence library, messages, people, analysis pages and plan."),
        ]
    else:
        will += [_("The report, the police sheet and the case bundle, when they make them.")]
        wont += [_("Your timeline and every other page of your case.")]
    if access == READ_ADD and scope.kind != REPORTS:
        will.append(_("They may add incidents and their own notes; each says who wrote it."))
    else:
        wont.append(_("They cannot add or change anything."))
    will.append(_("Every page they open and every export is listed for you with its time."))
    return will, wont


# Which pages a share reaches. A name matches itself and everything under it ("/x" covers
# "/x/…"); the report pages match exactly.
_SHARED_PAGES = ("/shared",)
_REPORT_PAGES = ("/reports", "/reports/pdf", "/reports/police-sheet", "/reports/bundle")
_NEVER = (
    "/settings",
    "/import",
    "/integrity",
    "/device",
    "/duress",
    "/checkins/contacts",
    "/checkins/settings",
    "/checkins/new",
    "/lookout",
    "/plan/section",
    "/resources/contacts",
    "/account",
    "/sharing",
)
# what "read + add" may send besides exports (adding, amending, screenings, own notes)
_ADD_POSTS = (
    "/incidents",
    "/capture",
    "/analysis/risk",
    "/analysis/check",
    "/shared/notes",
)
_READ_POSTS = (
    "/reports/pdf",
    "/reports/police-sheet",
    "/reports/bundle",
    "/reports/export",
    "/shared/screening",
)


def _under(path: str, names: tuple[str, ...]) -> bool:
    return any(path == n or path.startswith(n + "/") for n in names)


def check_request(scope: Scope, access: str, method: str, path: str) -> bool:
    """True when a share with ``scope`` and ``access`` reaches ``method path``."""
    if _under(path, _NEVER):
        return False
    reading = method in ("GET", "HEAD")
    if not reading:
        posts = _ADD_POSTS + _READ_POSTS if access == READ_ADD else _READ_POSTS
        if not _under(path, posts) or path.endswith("/void"):
            return False  # withdrawing a record stays the person's decision
    if scope.kind == REPORTS:
        if path.startswith("/shared/notes"):
            return False
        return path in _REPORT_PAGES or _under(path, _SHARED_PAGES)
    if scope.kind == RANGE:
        if path in _REPORT_PAGES or _under(path, _SHARED_PAGES):
            return True
        return path.startswith("/incidents/")  # one incident (in range), or a new one
    return True


# --- the scoped case -----------------------------------------------------------------------


def _strip(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    hidden = PRIVATE_FIELDS.get(kind, ())
    if not any(field in data for field in hidden):
        return data
    return {k: v for k, v in data.items() if k not in hidden}


class ScopedRecordStore(RecordStore):
    """The record store an advocate reads through: no private note ever leaves it, and a
    date-range share finds no incident outside the range."""

    bounds: tuple[str | None, str | None] = (None, None)  # UTC stamps: [since, until)
    _raw = False

    def _visible(self, conn: Connection, record: Record) -> bool:
        since, until = self.bounds
        if record.kind != "incident" or (since is None and until is None):
            return True
        start = conn.execute(
            select(incident_rows.c.occurred_start).where(incident_rows.c.record_id == record.id)
        ).scalar()
        if start is None:
            return False
        return (since is None or str(start) >= since) and (until is None or str(start) < until)

    def _scoped(self, record: Record) -> Record:
        head = replace(record.head, data=_strip(record.kind, record.head.data))
        return replace(record, head=head)

    def get(self, conn: Connection, record_id: str) -> Record:
        record = super().get(conn, record_id)
        if self._raw:
            return record
        if not self._visible(conn, record):
            raise RecordNotFound(_("No record with id {id}.").format(id=record_id))
        return self._scoped(record)

    def list_ids(self, conn: Connection, kind: str) -> list[str]:
        since, until = self.bounds
        if kind != "incident" or (since is None and until is None):
            return super().list_ids(conn, kind)
        query = select(incident_rows.c.record_id)
        if since is not None:
            query = query.where(incident_rows.c.occurred_start >= since)
        if until is not None:
            query = query.where(incident_rows.c.occurred_start < until)
        inside = {str(i) for i in conn.execute(query).scalars()}
        return [i for i in super().list_ids(conn, kind) if i in inside]

    def history(self, conn: Connection, record_id: str) -> list[Version]:
        found = self.get(conn, record_id)  # refuses what is out of scope
        return [
            replace(v, data=_strip(found.kind, v.data)) for v in super().history(conn, record_id)
        ]

    def amend(self, conn: Connection, record_id: str, data: dict[str, Any], reason: str) -> Record:
        """An advocate's change keeps the person's private note as it is."""
        seen = self.get(conn, record_id)
        self._raw = True
        try:
            real = super().get(conn, record_id)
            kept = {
                field: real.data[field]
                for field in PRIVATE_FIELDS.get(seen.kind, ())
                if field in real.data
            }
            return self._scoped(super().amend(conn, record_id, {**data, **kept}, reason))
        finally:
            self._raw = False

    def create(
        self, conn: Connection, kind: str, data: dict[str, Any], reason: str | None = None
    ) -> Record:
        return self._scoped(super().create(conn, kind, data, reason))


class SharedCase(ServerCase):
    """A case as an advocate sees it: :class:`ScopedRecordStore`, plus the share."""

    def __init__(
        self,
        server: Server,
        case_id: str,
        case_key: bytes | bytearray,
        actor: str,
        scope: Scope,
        access: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(server, case_id, case_key, actor, clock=clock)
        plain = self.store
        scoped = ScopedRecordStore(plain.engine, clock=plain.clock, actor=actor)
        scoped.cipher = plain.cipher
        self.store = scoped
        self.scope = scope
        self.access = access
        # what is kept for this case is found only by the same view of it
        self.kept_results.view = f"share:{scope.encode()}"
        if scope.kind == RANGE:
            from safetrail.services.incidents import day_bounds

            scoped.bounds = day_bounds(self, str(scope.start), str(scope.end))


def clamp_selection(ctx: object, from_day: str, to_day: str) -> tuple[str, str]:
    """A report's dates, narrowed to a date-range share's range (unchanged otherwise)."""
    if not isinstance(ctx, SharedCase) or ctx.scope.kind != RANGE:
        return from_day, to_day
    start, end = str(ctx.scope.start), str(ctx.scope.end)
    first = max(from_day.strip() or start, start)
    last = min(to_day.strip() or end, end)
    # Dates wholly outside the share give an empty, refused range ("from" after "to"):
    # the report page says so; nothing outside the share is ever read.
    return first, last


# --- organisations and invitations -------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    created_at: datetime
    members: int = 0


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise ValidationError(_("An organisation's name needs 1 to 200 characters."))
    return clean


def create_org(conn: Connection, name: str, now: datetime, by: str | None = None) -> Organisation:
    clean = _clean_name(name)
    if find_org(conn, clean) is not None:
        raise ValidationError(
            _("There is already an organisation called {name}.").format(name=clean)
        )
    org = Organisation(str(uuid.uuid4()), clean, now)
    conn.execute(insert(organisations).values(id=org.id, name=org.name, created_at=now))
    audit.record(conn, ORG_CREATED, now, account_id=by, detail=clean[:200])
    return org


def find_org(conn: Connection, name: str) -> Organisation | None:
    clean = " ".join(name.split())
    row = conn.execute(
        select(organisations).where(func.lower(organisations.c.name) == clean.lower())
    ).first()
    return None if row is None else Organisation(row.id, row.name, row.created_at)


def list_orgs(conn: Connection) -> list[Organisation]:
    counted = (
        select(org_members.c.org_id, func.count().label("n"))
        .group_by(org_members.c.org_id)
        .subquery()
    )
    rows = conn.execute(
        select(organisations, func.coalesce(counted.c.n, 0).label("n"))
        .select_from(organisations.outerjoin(counted, counted.c.org_id == organisations.c.id))
        .order_by(organisations.c.name)
    )
    return [Organisation(r.id, r.name, r.created_at, int(r.n)) for r in rows]


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"safetrail/invitation/" + token.encode("utf-8", "replace")).hexdigest()


def invite(conn: Connection, org_name: str, name: str, now: datetime, by: str | None = None) -> str:
    """A single-use invitation for a new advocate of ``org_name``; returns its token
    (shown once: only its hash is stored). It expires after :data:`INVITATION_DAYS`."""
    org = find_org(conn, org_name)
    if org is None:
        raise ValidationError(
            _("There is no organisation called {name}.").format(name=org_name),
            _("Create it first: safetrail server org create NAME."),
        )
    clean = accounts.normalise_name(name)
    if not clean or len(clean) > 200 or any(ch.isspace() for ch in clean):
        raise ValidationError(_("An account name needs 1 to 200 characters and no spaces."))
    if accounts.find(conn, clean) is not None:
        raise ValidationError(_("That account name is taken."), _("Choose another account name."))
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(invitations).values(
            token_hash=_token_hash(token),
            org_id=org.id,
            name=clean,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
    )
    audit.record(conn, ADVOCATE_INVITED, now, account_id=by, detail=f"{clean} @ {org.name}"[:200])
    return token


@dataclass(frozen=True)
class Invitation:
    name: str
    org_id: str
    org_name: str


def invitation(conn: Connection, token: str, now: datetime) -> Invitation | None:
    """The invitation ``token`` names while it is unused and not expired; None otherwise."""
    row = conn.execute(
        select(invitations, organisations.c.name.label("org_name"))
        .join(organisations, organisations.c.id == invitations.c.org_id)
        .where(invitations.c.token_hash == _token_hash(token))
    ).first()
    if row is None or row.used_at is not None or now >= row.expires_at:
        return None
    return Invitation(row.name, row.org_id, row.org_name)


def accept_invitation(
    conn: Connection, token: str, password: str, now: datetime
) -> tuple[Account, bytes]:
    """Spend the invitation (once, even with two tries at the same moment): the advocate's
    account, their key pair and membership. Returns the account and its password key."""
    found = invitation(conn, token, now)
    if found is None:
        raise RecordNotFound(
            _("This invitation link is not valid: it was used, it expired, or it is wrong."),
            _("Ask the service that invited you for a new link."),
        )
    taken = conn.execute(
        update(invitations)
        .where((invitations.c.token_hash == _token_hash(token)) & invitations.c.used_at.is_(None))
        .values(used_at=now)
    )
    if taken.rowcount != 1:
        raise RecordNotFound(
            _("This invitation link is not valid: it was used, it expired, or it is wrong."),
            _("Ask the service that invited you for a new link."),
        )
    account, kek = accounts.create_account(conn, found.name, password, ADVOCATE, now)
    keys.wipe(ensure_key_pair(conn, account.id, kek))
    conn.execute(
        update(invitations)
        .where(invitations.c.token_hash == _token_hash(token))
        .values(account_id=account.id)
    )
    conn.execute(
        insert(org_members).values(org_id=found.org_id, account_id=account.id, joined_at=now)
    )
    audit.record(
        conn,
        INVITATION_USED,
        now,
        account_id=account.id,
        role=ADVOCATE,
        detail=found.org_name[:200],
    )
    return account, kek


# --- advocates' keys ----------------------------------------------------------------------------


def ensure_key_pair(conn: Connection, account_id: str, kek: bytes) -> bytearray:
    """The advocate's private key (made on first need, wrapped by the password key)."""
    row = conn.execute(
        select(accounts.accounts.c.public_key, accounts.accounts.c.private_key_wrapped).where(
            accounts.accounts.c.id == account_id
        )
    ).first()
    if row is not None and row.private_key_wrapped is not None:
        try:
            return keys.unwrap(kek, row.private_key_wrapped, _PRIVATE_PURPOSE, [account_id])
        except keys.KeyUnwrapFailed:
            pass  # an operator's reset: the old key is gone; shares sealed to it stay closed
    pair = keys.new_key_pair()
    conn.execute(
        update(accounts.accounts)
        .where(accounts.accounts.c.id == account_id)
        .values(
            public_key=pair.public,
            private_key_wrapped=keys.wrap(kek, pair.private, _PRIVATE_PURPOSE, [account_id]),
        )
    )
    return pair.private


def rewrap_private_key(conn: Connection, account_id: str, old_kek: bytes, new_kek: bytes) -> None:
    """A password change: the private key wrapped again under the new password's key."""
    row = conn.execute(
        select(accounts.accounts.c.private_key_wrapped).where(accounts.accounts.c.id == account_id)
    ).first()
    if row is None or row.private_key_wrapped is None:
        return
    private = keys.unwrap(old_kek, row.private_key_wrapped, _PRIVATE_PURPOSE, [account_id])
    try:
        conn.execute(
            update(accounts.accounts)
            .where(accounts.accounts.c.id == account_id)
            .values(private_key_wrapped=keys.wrap(new_kek, private, _PRIVATE_PURPOSE, [account_id]))
        )
    finally:
        keys.wipe(private)


def on_sign_in(conn: Connection, account: Account, kek: bytes, cookie: str) -> None:
    """An advocate signed in: their private key, wrapped for this session only."""
    if account.role != ADVOCATE:
        return
    from safetrail.server.sessions import _hash, _split

    parts = _split(cookie)
    if parts is None:
        return
    session_id, secret = parts
    id_hash = _hash(session_id)
    private = ensure_key_pair(conn, account.id, kek)
    try:
        wrapped = keys.wrap(secret, private, _SESSION_PURPOSE, [id_hash, account.id])
    finally:
        keys.wipe(private)
    conn.execute(
        insert(advocate_session_keys).values(
            id_hash=id_hash, account_id=account.id, wrapped=wrapped
        )
    )


def _session_private_key(conn: Connection, session: Session, cookie: str) -> bytearray | None:
    from safetrail.server.sessions import secret_of

    secret = secret_of(cookie)
    row = conn.execute(
        select(advocate_session_keys.c.wrapped).where(
            advocate_session_keys.c.id_hash == session.id_hash
        )
    ).first()
    if secret is None or row is None:
        return None
    try:
        return keys.unwrap(
            secret, row.wrapped, _SESSION_PURPOSE, [session.id_hash, session.account.id]
        )
    except keys.KeyUnwrapFailed:
        return None


@dataclass(frozen=True)
class Advocate:
    id: str
    name: str
    disabled: bool
    orgs: tuple[str, ...]
    has_key: bool


def list_advocates(conn: Connection) -> list[Advocate]:
    rows = conn.execute(
        select(accounts.accounts)
        .where(accounts.accounts.c.role == ADVOCATE)
        .order_by(accounts.accounts.c.name)
    ).all()
    member_rows = conn.execute(
        select(org_members.c.account_id, organisations.c.name).join(
            organisations, organisations.c.id == org_members.c.org_id
        )
    ).all()
    orgs: dict[str, list[str]] = {}
    for member in member_rows:
        orgs.setdefault(member.account_id, []).append(member.name)
    return [
        Advocate(
            r.id,
            r.name,
            bool(r.disabled),
            tuple(sorted(orgs.get(r.id, []))),
            r.public_key is not None,
        )
        for r in rows
    ]


def disable_advocate(conn: Connection, name: str, now: datetime) -> Account:
    """Disable an advocate's account and end their sessions (shares stay, unusable)."""
    from safetrail.server import sessions

    found = accounts.find(conn, name)
    if found is None or found.role != ADVOCATE:
        raise ValidationError(_("There is no advocate called {name}.").format(name=name))
    conn.execute(
        update(accounts.accounts).where(accounts.accounts.c.id == found.id).values(disabled=True)
    )
    sessions.revoke_all(conn, found.id, now)
    conn.execute(
        advocate_session_keys.delete().where(advocate_session_keys.c.account_id == found.id)
    )
    audit.record(conn, audit.ACCOUNT_DISABLED, now, subject_id=found.id, role=ADVOCATE)
    return accounts.get(conn, found.id)


# --- consent and revocation --------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    account_id: str
    name: str
    scope: Scope
    access: str
    granted_at: datetime
    revoked_at: datetime | None
    org: str | None


def recipients(conn: Connection, target: str) -> tuple[list[Account], str | None]:
    """The advocates a share with ``target`` goes to: ``advocate:<name>`` or ``org:<name>``."""
    kind, _sep, name = target.partition(":")
    if kind == "org":
        org = find_org(conn, name)
        if org is None:
            raise ValidationError(_("There is no organisation called {name}.").format(name=name))
        ids = conn.execute(
            select(org_members.c.account_id).where(org_members.c.org_id == org.id)
        ).scalars()
        found = [accounts.get(conn, i) for i in ids]
        chosen = [a for a in found if not a.disabled and a.role == ADVOCATE]
        if not chosen:
            raise ValidationError(
                _("{name} has no advocates yet, so nobody would see your case.").format(
                    name=org.name
                )
            )
        return chosen, org.id
    account = accounts.find(conn, name) if kind == "advocate" else None
    if account is None or account.role != ADVOCATE or account.disabled:
        raise ValidationError(_("Choose an advocate or an organisation from the list."))
    return [account], None


def share(
    conn: Connection,
    owner: Account,
    case_key: bytes | bytearray,
    target: str,
    scope: Scope,
    access: str,
    now: datetime,
    address: str | None = None,
) -> list[Account]:
    """The person's consent: their case key sealed to each advocate's public key.

    Consenting again to someone who already has access replaces the scope and access
    (one share per advocate; "since" stays the first consent's time)."""
    if owner.case_id is None:
        raise ValidationError(_("This account has no case to share."))
    if access not in ACCESSES:
        raise ValidationError(_("Choose what the advocate may do."))
    case_id = owner.case_id
    chosen, org_id = recipients(conn, target)
    for advocate in chosen:
        public = conn.execute(
            select(accounts.accounts.c.public_key).where(accounts.accounts.c.id == advocate.id)
        ).scalar()
        if public is None:
            raise ValidationError(
                _("{name} has not signed in yet, so your case cannot be shared with them.").format(
                    name=advocate.name
                ),
                _("Try again after their first sign-in."),
            )
        sealed = keys.seal_to(bytes(public), case_key, _SEAL_PURPOSE, [advocate.id, case_id])
        where = (case_access.c.case_id == case_id) & (case_access.c.account_id == advocate.id)
        current = conn.execute(select(case_access.c.revoked_at).where(where)).first()
        values = {"scope": scope.encode(), "access": access, "sealed_key": sealed}
        if current is None:
            conn.execute(
                insert(case_access).values(
                    case_id=case_id, account_id=advocate.id, granted_at=now, **values
                )
            )
        elif current.revoked_at is not None:
            conn.execute(
                update(case_access).where(where).values(granted_at=now, revoked_at=None, **values)
            )
        else:
            conn.execute(update(case_access).where(where).values(**values))
        conn.execute(
            share_orgs.delete().where(
                (share_orgs.c.case_id == case_id) & (share_orgs.c.account_id == advocate.id)
            )
        )
        if org_id is not None:
            conn.execute(
                insert(share_orgs).values(case_id=case_id, account_id=advocate.id, org_id=org_id)
            )
        audit.record(
            conn,
            SHARED,
            now,
            account_id=owner.id,
            role=owner.role,
            case_id=case_id,
            subject_id=advocate.id,
            detail=f"{scope.encode()} {access}",
            address=address,
        )
    return chosen


def revoke(
    conn: Connection, owner: Account, account_id: str, now: datetime, address: str | None = None
) -> bool:
    """End a share at once: the sealed case key is deleted and the advocate's sessions
    leave the case. False when there was no live share (revoking twice is harmless)."""
    from safetrail.server.sessions import sessions

    if owner.case_id is None:
        return False
    case_id = owner.case_id
    done = conn.execute(
        update(case_access)
        .where(
            (case_access.c.case_id == case_id)
            & (case_access.c.account_id == account_id)
            & case_access.c.revoked_at.is_(None)
        )
        .values(revoked_at=now, sealed_key=None)
    )
    if done.rowcount != 1:
        return False
    conn.execute(
        update(sessions)
        .where((sessions.c.account_id == account_id) & (sessions.c.case_id == case_id))
        .values(case_id=None, wrapped_key=None)
    )
    audit.record(
        conn,
        SHARE_REVOKED,
        now,
        account_id=owner.id,
        role=owner.role,
        case_id=case_id,
        subject_id=account_id,
        address=address,
    )
    return True


def shares_of(conn: Connection, case_id: str) -> list[Share]:
    rows = conn.execute(
        select(
            case_access,
            accounts.accounts.c.name,
            organisations.c.name.label("org_name"),
        )
        .select_from(
            case_access.join(accounts.accounts, accounts.accounts.c.id == case_access.c.account_id)
            .outerjoin(
                share_orgs,
                (share_orgs.c.case_id == case_access.c.case_id)
                & (share_orgs.c.account_id == case_access.c.account_id),
            )
            .outerjoin(organisations, organisations.c.id == share_orgs.c.org_id)
        )
        .where(case_access.c.case_id == case_id)
        .order_by(case_access.c.granted_at, accounts.accounts.c.name)
    )
    return [
        Share(
            r.account_id,
            r.name,
            Scope.parse(r.scope),
            r.access,
            r.granted_at,
            r.revoked_at,
            r.org_name,
        )
        for r in rows
    ]


def accesses(conn: Connection, case_id: str) -> list[audit.Entry]:
    """Every look at the case and every export by someone other than its owner, and every
    export by anyone, oldest first (from the audit log)."""
    owner = conn.execute(
        select(accounts.accounts.c.id).where(accounts.accounts.c.case_id == case_id)
    ).scalar()
    found = [
        e
        for e in audit.for_case(conn, case_id, limit=5000)
        if e.action in (audit.CASE_ACCESS, audit.EXPORT)
        and (e.account_id != owner or e.action == audit.EXPORT)
    ]
    return found[::-1]


def request_screening(conn: Connection, advocate: Account, case_id: str, now: datetime) -> None:
    conn.execute(
        insert(screening_requests).values(case_id=case_id, account_id=advocate.id, requested_at=now)
    )
    audit.record(
        conn, SCREENING_REQUESTED, now, account_id=advocate.id, role=ADVOCATE, case_id=case_id
    )


def screening_asked(conn: Connection, case_id: str) -> list[tuple[str, datetime]]:
    """Who asked the person for a risk screening, and when (newest first)."""
    rows = conn.execute(
        select(accounts.accounts.c.name, screening_requests.c.requested_at)
        .join(accounts.accounts, accounts.accounts.c.id == screening_requests.c.account_id)
        .where(screening_requests.c.case_id == case_id)
        .order_by(screening_requests.c.requested_at.desc())
    )
    return [(r.name, r.requested_at) for r in rows]


# --- an advocate's request ---------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    case_id: str
    scope: Scope
    access: str
    sealed_key: bytes


def grant(conn: Connection, account_id: str, case_id: str) -> Grant | None:
    row = conn.execute(
        select(case_access).where(
            (case_access.c.case_id == case_id)
            & (case_access.c.account_id == account_id)
            & case_access.c.revoked_at.is_(None)
        )
    ).first()
    if row is None or row.sealed_key is None:
        return None
    return Grant(case_id, Scope.parse(row.scope), row.access, bytes(row.sealed_key))


def open_case_key(private: bytes | bytearray, account_id: str, found: Grant) -> bytearray:
    return keys.open_sealed(private, found.sealed_key, _SEAL_PURPOSE, [account_id, found.case_id])


@contextmanager
def private_key(conn: Connection, session: Session, cookie: str) -> Iterator[bytearray]:
    private = _session_private_key(conn, session, cookie)
    if private is None:
        raise NotSignedIn(_("Please sign in again to open shared cases."), _("Sign in again."))
    try:
        yield private
    finally:
        keys.wipe(private)


def open_for_request(
    server: Server, request: Request, session: Session, now: datetime, clock: Callable[[], datetime]
) -> SharedCase:
    """The case an advocate's request may use, scoped; 404 when the share is gone."""
    from safetrail.server.provider import client_address, defer_export, is_export
    from safetrail.web.security import SESSION_COOKIE

    case_id = session.case_id
    if case_id is None:
        raise RecordNotFound(
            _("No case is open in this session."), _("Choose a case from your caseload.")
        )
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with server.engine.begin() as conn:
        fresh = accounts.get(conn, session.account.id)
        found = grant(conn, fresh.id, case_id) if fresh.role == ADVOCATE else None
        if found is None or fresh.disabled:
            raise RecordNotFound(_("There is nothing at this address."))
        path, method = request.url.path, request.method
        if not check_request(found.scope, found.access, method, path):
            raise Forbidden(
                _("This page is not part of what the person shared with you."),
                _("Go back to your caseload."),
            )
        if is_export(request):  # audited once the file is made, or as failed
            defer_export(request, fresh, case_id)
        else:
            audit.record(
                conn,
                audit.CASE_ACCESS,
                now,
                account_id=fresh.id,
                role=fresh.role,
                case_id=case_id,
                detail=f"{method} {path}",
                address=client_address(request),
            )
        with private_key(conn, session, cookie) as private:
            try:
                case_key = open_case_key(private, fresh.id, found)
            except keys.KeyUnwrapFailed:
                raise RecordNotFound(
                    _("This share was made for your previous key and cannot be opened."),
                    _("Ask the person to share their case with you again."),
                ) from None
    try:
        return SharedCase(
            server, case_id, case_key, fresh.actor, found.scope, found.access, clock=clock
        )
    finally:
        keys.wipe(case_key)


def open_as_advocate(
    server: Server,
    conn: Connection,
    session: Session,
    private: bytes | bytearray,
    case_id: str,
    clock: Callable[[], datetime],
) -> SharedCase | None:
    """For the caseload: the shared case opened with the advocate's private key; None
    when it is not (or no longer) shared with them."""
    found = grant(conn, session.account.id, case_id)
    if found is None:
        return None
    try:
        case_key = open_case_key(private, session.account.id, found)
    except keys.KeyUnwrapFailed:
        return None
    try:
        return SharedCase(
            server, case_id, case_key, session.account.actor, found.scope, found.access, clock=clock
        )
    finally:
        keys.wipe(case_key)


class SharingCaseProvider(ServerCaseProvider):
    """The server's provider, with advocates' requests going through their share."""

    def case_for(self, request: Request) -> CaseContext:
        session = session_of(request)
        if session is None or session.account.role != ADVOCATE:
            return super().case_for(request)
        ctx = open_for_request(self.server, request, session, self.clock(), self.clock)
        self._owners[id(ctx)] = session.id_hash
        return ctx

    def page_context(self, request: Request) -> Mapping[str, Any]:
        case = getattr(request.state, "case", None)
        if case is not None and not self.alive(case):
            request.state.case = None  # an error page after the case was closed
        found = dict(super().page_context(request))
        session = session_of(request)
        if session is not None and session.account.role == ADVOCATE:
            found["unlocked"] = getattr(request.state, "case", None) is not None
        return found


__all__ = [
    "ALL",
    "RANGE",
    "REPORTS",
    "Scope",
    "ScopedRecordStore",
    "SharedCase",
    "SharingCaseProvider",
    "accept_invitation",
    "check_request",
    "create_org",
    "invite",
    "open_for_request",
    "revoke",
    "share",
]


_Field = Annotated[str, Form()]


def install_scopes(app: Any) -> None:
    """Reports, police sheets and bundles made through a date-range share are limited to
    its dates: the report form is read through :func:`clamp_selection`."""
    from safetrail.web.routes import reports

    original = reports.report_selection

    def scoped_selection(
        request: Request,
        from_day: _Field = "",
        to_day: _Field = "",
        offenders: Annotated[list[str] | None, Form()] = None,
        incidents: _Field = "",
        witness_contacts: _Field = "",
        communications_appendix: _Field = "",
        prepared_by: _Field = "",
    ) -> Any:
        first, last = clamp_selection(getattr(request.state, "case", None), from_day, to_day)
        return original(
            first,
            last,
            offenders,
            incidents,
            witness_contacts,
            communications_appendix,
            prepared_by,
        )

    app.dependency_overrides[original] = scoped_selection

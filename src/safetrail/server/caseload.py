"""An advocate's caseload: one row per case shared with them, most urgent first.

What a row shows comes from the same places the case's own pages use: incidents from the
incident projection (through the share's :class:`~safetrail.server.sharing.SharedCase`,
so a date-range share counts only its dates), serious signals from the analysis
(``analysis.service.analyse_vault``), the last risk screening from the saved assessments,
check-ins from the scheduler's rows. Nothing of a case that is not shared (or no longer
shared) is read: the list starts from the advocate's live shares.

Opening 200 cases and analysing each on every view would be slow, so each row's figures
are kept per advocate and case, encrypted under a key derived from the advocate's private
key (the operator cannot read them) and tied to the case's ledger head: any change to the
case (a new or amended record) makes them stale and they are computed again at the next
view. Check-in state changes without the ledger, so it is read fresh on every view, from
the alert jobs the cases published for the check-in workers (one global query).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Integer,
    LargeBinary,
    Select,
    String,
    Table,
    func,
    insert,
    select,
)

from safetrail.server import accounts, audit, keys, sharing
from safetrail.server.cases import Server
from safetrail.server.db import case_checkpoints
from safetrail.server.db import server_metadata as metadata
from safetrail.server.sessions import Session
from safetrail.storage.records import utc_stamp
from safetrail.storage.tables import incidents

#: the analysis signals the caseload counts as serious (design: approach to home,
#: threats, contact after a notice, breach of an order)
SERIOUS = ("approach_places", "threats", "after_notice", "order_breach")
SORTS = ("urgency", "name", "last", "week", "month", "signals", "screening")
#: rows on one page of the caseload (most urgent first, so the first page is what matters)
PAGE_SIZE = 25

caseload_facts = Table(
    "caseload_facts",
    metadata,
    Column("account_id", String(36), primary_key=True),
    Column("case_id", String(64), primary_key=True),
    Column("head_seq", Integer, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)


#: figures computed by one advocate, sealed to each other advocate sharing the same case
#: with the same scope (so a case is analysed once, not once per advocate); taken into
#: ``caseload_facts`` at that advocate's next view
caseload_inbox = Table(
    "caseload_inbox",
    metadata,
    Column("account_id", String(36), primary_key=True),
    Column("case_id", String(64), primary_key=True),
    Column("head_seq", Integer, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
)
_INBOX_PURPOSE = "caseload-facts"


@dataclass
class Facts:
    """What the caseload keeps of one case (all within the share's scope)."""

    last_incident: str | None = None
    recent: list[str] = field(default_factory=list)  # incident starts of the 28 days before
    signals: list[str] = field(default_factory=list)
    screening_on: str | None = None
    red_flags: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "last": self.last_incident,
            "recent": self.recent,
            "signals": self.signals,
            "screening_on": self.screening_on,
            "red_flags": self.red_flags,
        }

    @classmethod
    def from_json(cls, body: dict[str, object]) -> Facts:
        return cls(
            last_incident=body.get("last"),  # type: ignore[arg-type]
            recent=list(body.get("recent") or []),  # type: ignore[call-overload]
            signals=list(body.get("signals") or []),  # type: ignore[call-overload]
            screening_on=body.get("screening_on"),  # type: ignore[arg-type]
            red_flags=body.get("red_flags"),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class Row:
    case_id: str
    person: str
    scope: sharing.Scope
    access: str
    since: datetime
    last_incident: str | None
    week: int
    month: int
    signals: tuple[str, ...]
    screening_on: str | None
    red_flags: int | None
    alerting: int
    overdue: int

    @property
    def urgency(self) -> tuple[int, int, int, int, int, str]:
        return (
            self.alerting,
            self.overdue,
            len(self.signals),
            self.week,
            self.month,
            self.last_incident or "",
        )


def _cache_key(private: bytes | bytearray) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"safetrail/server/v1/caseload"
    )
    return hkdf.derive(bytes(private))


def _aad(account_id: str, case_id: str, head: int) -> bytes:
    return f"caseload\x1f{account_id}\x1f{case_id}\x1f{head}".encode()


def _seal(key: bytes, aad: bytes, facts: Facts) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, json.dumps(facts.to_json()).encode(), aad)


def _open(cipher: AESGCM, aad: bytes, sealed: bytes) -> Facts | None:
    try:
        plain = cipher.decrypt(sealed[:12], sealed[12:], aad)
    except (InvalidTag, ValueError):
        return None
    return Facts.from_json(json.loads(plain))


def compute(ctx: sharing.SharedCase, now: datetime) -> Facts:
    """One case's figures, read through the share (its scope applies)."""
    from safetrail.analysis.service import assessments
    from safetrail.services.analysis_cache import case_analysis

    since, until = (
        ctx.store.bounds if isinstance(ctx.store, sharing.ScopedRecordStore) else (None, None)
    )
    live = incidents.c.voided.is_(False)
    conditions: list[ColumnElement[bool]] = [live]
    if since:
        conditions.append(incidents.c.occurred_start >= since)
    if until:
        conditions.append(incidents.c.occurred_start < until)
    window = utc_stamp(now - timedelta(days=28))
    with ctx.read() as conn:
        last = conn.execute(
            select(func.max(incidents.c.occurred_start)).where(*conditions)
        ).scalar()
        recent = [
            str(s)
            for s in conn.execute(
                select(incidents.c.occurred_start).where(
                    *conditions, incidents.c.occurred_start >= window
                )
            ).scalars()
        ]
    facts = Facts(last_incident=None if last is None else str(last), recent=sorted(recent))
    if ctx.scope.kind == sharing.ALL:
        analysis = case_analysis(ctx)  # kept for the Patterns page of the same view too
        facts.signals = [s.kind for s in analysis.signals if s.kind in SERIOUS]
        saved = assessments(ctx)
        if saved:
            newest = saved[-1].result
            facts.screening_on = newest.taken_on.isoformat()
            facts.red_flags = len(newest.flags)
    return facts


def _checkins(now: datetime, cases: Select[Any]) -> Select[Any]:
    """Alerting and overdue check-ins per case, from the alert jobs the cases published for
    the check-in workers (``server.alert_jobs``): a contact's message due and not
    acknowledged or called off is *alerting*; a reminder to the person due and not called
    off is *overdue*. No case schema is touched."""
    from safetrail.server.alert_jobs import CANCELLED
    from safetrail.server.alert_jobs import checkin_alert_jobs as jobs

    due = (jobs.c.due_at <= utc_stamp(now)) & (jobs.c.status != CANCELLED)
    alerting = func.count().filter(due & (jobs.c.step >= 0) & jobs.c.acknowledged_at.is_(None))
    overdue = func.count().filter(due & (jobs.c.step < 0))
    return (
        select(jobs.c.case_id, alerting.label("alerting"), overdue.label("overdue"))
        .where(jobs.c.case_id.in_(cases))
        .group_by(jobs.c.case_id)
    )


def _state_query(account_id: str, now: datetime) -> Select[Any]:
    """Everything a view reads besides the key, in one statement (one round trip, no
    per-case parameters): the advocate's live shares with the person's name, each case's
    ledger head (the signed checkpoint row each write updates), its check-ins and the
    figures kept for it (sealed)."""
    share = accounts.case_access.c
    mine = (
        (share.account_id == account_id)
        & share.revoked_at.is_(None)
        & share.sealed_key.is_not(None)
    )
    checkins = _checkins(now, select(share.case_id).where(mine)).subquery("checkins")
    kept = caseload_facts.c
    return (
        select(
            share.case_id,
            share.scope,
            share.access,
            share.granted_at,
            accounts.accounts.c.name,
            func.coalesce(case_checkpoints.c.seq, 0).label("head"),
            func.coalesce(checkins.c.alerting, 0).label("alerting"),
            func.coalesce(checkins.c.overdue, 0).label("overdue"),
            kept.head_seq.label("kept_head"),
            kept.sealed,
        )
        .join(accounts.accounts, accounts.accounts.c.case_id == share.case_id)
        .outerjoin(case_checkpoints, case_checkpoints.c.case_id == share.case_id)
        .outerjoin(checkins, checkins.c.case_id == share.case_id)
        .outerjoin(
            caseload_facts, (kept.account_id == account_id) & (kept.case_id == share.case_id)
        )
        .where(mine)
    )


def caseload(
    server: Server,
    session: Session,
    cookie: str,
    now: datetime,
    clock: Callable[[], datetime],
    address: str | None = None,
    by: str = "urgency",
) -> list[Row]:
    """The advocate's caseload, most urgent first (or sorted ``by`` another column).

    A view whose figures are all kept is one connection and two statements (the state of
    every shared case, then the session's wrapped private key); only stale cases open their
    case, each in its own transaction, and each of those is one audit entry."""
    account = session.account
    # two reads that need no common snapshot: no BEGIN or ROLLBACK round trips
    reading = server.engine.execution_options(isolation_level="AUTOCOMMIT")
    with reading.connect() as conn:
        shares = conn.execute(_state_query(account.id, now)).all()
        found: dict[str, Facts] = {}
        stale: list[str] = []
        with sharing.private_key(conn, session, cookie) as private:
            key = _cache_key(private)
        cipher = AESGCM(key)
        for share in shares:
            case_id, head = str(share.case_id), int(share.head)
            facts = None
            if share.kept_head is not None and int(share.kept_head) == head:
                facts = _open(cipher, _aad(account.id, case_id, head), bytes(share.sealed))
            if facts is None:
                stale.append(case_id)
            else:
                found[case_id] = facts
    heads = {str(s.case_id): int(s.head) for s in shares}
    for case_id in stale:
        head = heads[case_id]
        with server.engine.begin() as conn:
            with sharing.private_key(conn, session, cookie) as private:
                facts = _from_inbox(conn, private, account.id, case_id, head)
                if facts is None:
                    ctx = sharing.open_as_advocate(server, conn, session, private, case_id, clock)
                    if ctx is None:
                        continue
                    try:
                        facts = compute(ctx, now)
                        _send_to_others(conn, account.id, case_id, ctx.scope, head, facts)
                    finally:
                        ctx.close()
            sealed = _seal(key, _aad(account.id, case_id, head), facts)
            conn.execute(
                caseload_facts.delete().where(
                    (caseload_facts.c.account_id == account.id)
                    & (caseload_facts.c.case_id == case_id)
                )
            )
            conn.execute(
                insert(caseload_facts).values(
                    account_id=account.id,
                    case_id=case_id,
                    head_seq=head,
                    sealed=sealed,
                    computed_at=now,
                )
            )
            audit.record(
                conn,
                audit.CASE_ACCESS,
                now,
                account_id=account.id,
                role=account.role,
                case_id=case_id,
                detail="GET /caseload",
                address=address,
            )
            found[case_id] = facts
    week, month = utc_stamp(now - timedelta(days=7)), utc_stamp(now - timedelta(days=28))
    scopes: dict[str, sharing.Scope] = {}
    rows = []
    for share in shares:
        case_id = str(share.case_id)
        facts = found.get(case_id)
        if facts is None:
            continue
        scope = scopes.get(share.scope)
        if scope is None:
            scope = scopes[share.scope] = sharing.Scope.parse(share.scope)
        alerting, overdue = int(share.alerting), int(share.overdue)
        if scope.kind != sharing.ALL:
            alerting = overdue = 0  # check-ins are part of "everything" shares only
        rows.append(
            Row(
                case_id=case_id,
                person=str(share.name),
                scope=scope,
                access=str(share.access),
                since=share.granted_at,
                last_incident=facts.last_incident,
                week=sum(1 for s in facts.recent if s >= week),
                month=sum(1 for s in facts.recent if s >= month),
                signals=tuple(facts.signals),
                screening_on=facts.screening_on,
                red_flags=facts.red_flags,
                alerting=alerting,
                overdue=overdue,
            )
        )
    return sort_rows(rows, by)


def _from_inbox(
    conn: Connection, private: bytes | bytearray, account_id: str, case_id: str, head: int
) -> Facts | None:
    """Figures another advocate computed for this case at this ledger head, if any."""
    where = (caseload_inbox.c.account_id == account_id) & (caseload_inbox.c.case_id == case_id)
    row = conn.execute(select(caseload_inbox).where(where)).first()
    if row is None:
        return None
    conn.execute(caseload_inbox.delete().where(where))
    if int(row.head_seq) != head:
        return None
    try:
        plain = keys.open_sealed(
            private, bytes(row.sealed), _INBOX_PURPOSE, [account_id, case_id, str(head)]
        )
    except keys.KeyUnwrapFailed:
        return None
    try:
        return Facts.from_json(json.loads(bytes(plain)))
    finally:
        keys.wipe(plain)


def _send_to_others(
    conn: Connection,
    account_id: str,
    case_id: str,
    scope: sharing.Scope,
    head: int,
    facts: Facts,
) -> None:
    """Seal the figures to every other advocate with a live share of the same scope."""
    others = conn.execute(
        select(accounts.case_access.c.account_id, accounts.accounts.c.public_key)
        .join(accounts.accounts, accounts.accounts.c.id == accounts.case_access.c.account_id)
        .where(
            (accounts.case_access.c.case_id == case_id)
            & (accounts.case_access.c.account_id != account_id)
            & accounts.case_access.c.revoked_at.is_(None)
            & (accounts.case_access.c.scope == scope.encode())
            & accounts.accounts.c.public_key.is_not(None)
        )
    ).all()
    body = json.dumps(facts.to_json()).encode()
    for other in others:
        sealed = keys.seal_to(
            bytes(other.public_key), body, _INBOX_PURPOSE, [other.account_id, case_id, str(head)]
        )
        where = (caseload_inbox.c.account_id == other.account_id) & (
            caseload_inbox.c.case_id == case_id
        )
        conn.execute(caseload_inbox.delete().where(where))
        conn.execute(
            insert(caseload_inbox).values(
                account_id=other.account_id, case_id=case_id, head_seq=head, sealed=sealed
            )
        )


def sort_rows(rows: list[Row], by: str) -> list[Row]:
    """``urgency`` (most urgent first), or by a column (newest / largest first)."""
    keys: dict[str, Callable[[Row], object]] = {
        "name": lambda r: r.person,
        "last": lambda r: r.last_incident or "",
        "week": lambda r: r.week,
        "month": lambda r: r.month,
        "signals": lambda r: len(r.signals),
        "screening": lambda r: r.screening_on or "",
        "urgency": lambda r: r.urgency,
    }
    key = keys.get(by, keys["urgency"])
    ordered = sorted(rows, key=lambda r: r.person)  # ties keep a stable, readable order
    return sorted(ordered, key=key, reverse=by != "name")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Page:
    """One page of the sorted caseload: its rows, which page it is, and of how many."""

    rows: list[Row]
    number: int  # from 1
    pages: int
    total: int

    @property
    def first(self) -> int:
        """The position of the page's first row (from 1; 0 when there is none)."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def page_of(rows: list[Row], asked: str | None) -> Page:
    """Page ``asked`` (a number from 1, as given in the address) of ``rows``; a page that
    is not a number is the first, and one past the end is the last."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    try:
        number = int(asked or "1")
    except ValueError:
        number = 1
    number = min(max(number, 1), pages)
    start = (number - 1) * PAGE_SIZE
    return Page(rows[start : start + PAGE_SIZE], number, pages, len(rows))

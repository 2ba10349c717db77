"""Check-in alert jobs on the server: what a case publishes so alerts fire while signed out.

On the server a case's content is encrypted under its case key, which only a signed-in
session can unwrap, so the case's own scheduler cannot run while its person is away.
Instead, whenever check-in state changes while the person is signed in (a check-in
started, checked in, called off, a contact or the alert settings changed), the check-in
service calls ``CaseContext.checkins_changed()``; on a server case that is
:func:`publish`, which writes one row per message that may have to go out into the
global table ``safetrail.checkin_alert_jobs``:

- in clear: the case and check-in ids, when the message is due, its place in the order of
  escalation (``step``: negative for the person's own reminders, 0 for "at once", 1, 2 …
  for the contacts in order), the escalation interval, the sending state (status, lease,
  attempts, times), and hashes of the acknowledgement link token (SHA-256 of 256 random
  bits) and reply code (scrypt);
- sealed to the server's alert key (:mod:`safetrail.server.alert_key`): everything else —
  the address, the channel's settings (mail server and password, SMS provider, webhook
  secret), the facts the message is written from, its language, the acknowledgement link;
- ``note`` and ``last_error``: sealed under a key derived from the case key, so only the
  case itself reads back what a job was for and why it failed.

:func:`sync` runs when the person is back (every case request by the owner checks for
it): what the workers did becomes alert records of the case (raised, notified, each
delivery, each acknowledgement), chained in its ledger like a personal vault's alerts.

:func:`acknowledge` serves the open ``/ack/`` pages while the person is signed out: a
link token or reply code stops the escalation at once (pending jobs of that check-in are
cancelled) and is recorded in the case at the next :func:`sync`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    and_,
    select,
    update,
)
from sqlalchemy.exc import ProgrammingError

from safetrail.checkins import outbox
from safetrail.checkins.acks import AckKeys, parse_code, token_hash
from safetrail.checkins.alerts import AlertScope, _payload, shared_details
from safetrail.checkins.clock import parse_stamp, stamp
from safetrail.checkins.model import Contact, Plan, load_contacts, load_place
from safetrail.checkins.scheduler import ACK_PATH, DURESS
from safetrail.checkins.tables import checkin_ack_tokens, checkin_schedule
from safetrail.i18n import _
from safetrail.server import alert_key, keys
from safetrail.server.db import server_metadata
from safetrail.storage.columns import HASH, STAMP

if TYPE_CHECKING:
    from safetrail.server.cases import ServerCase

log = logging.getLogger("safetrail.server.alerts")

SEAL_PURPOSE = "checkin-alert"
NOTIFY_CHANNEL = "safetrail_alert_jobs"
PENDING, SENDING, SENT, FAILED, CANCELLED = (
    outbox.PENDING,
    outbox.SENDING,
    outbox.SENT,
    outbox.FAILED,
    outbox.CANCELLED,
)
REMINDER_STEP, DEADLINE_STEP, AT_ONCE = -2, -1, 0
_CODE_SALT = b"safetrail/server/v1/ack-code"

checkin_alert_jobs = Table(
    "checkin_alert_jobs",
    server_metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(32), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("checkin_id", String(36), nullable=False),
    Column("key", String(64), nullable=False, unique=True),  # also the Message-ID
    Column("step", Integer, nullable=False),
    Column("escalate_seconds", Integer, nullable=False),
    Column("due_at", STAMP, nullable=False),
    Column("next_attempt_at", STAMP, nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("first_attempt_at", STAMP, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("lease_until", STAMP, nullable=True),
    Column("sending_phase", String(12), nullable=True),  # "connect", "data": how far it got
    Column("sent_at", STAMP, nullable=True),
    Column("resent_after_crash", Boolean, nullable=False, default=False),
    Column("link_hash", HASH, nullable=True),
    Column("code_hash", HASH, nullable=True),
    Column("acknowledged_at", STAMP, nullable=True),
    Column("ack_via", String(8), nullable=True),
    Column("synced", Boolean, nullable=False, default=False),
    Column("payload", LargeBinary, nullable=False),  # sealed to the alert key
    Column("note", LargeBinary, nullable=False),  # sealed under the case's result key
    Column("last_error", LargeBinary, nullable=True),  # sealed under the case's result key
    Column("created_at", STAMP, nullable=False),
    Index("ix_checkin_alert_jobs_due", "status", "next_attempt_at"),
    Index("ix_checkin_alert_jobs_case", "case_id", "checkin_id"),
    Index("ix_checkin_alert_jobs_link", "link_hash"),
    Index("ix_checkin_alert_jobs_code", "code_hash"),
)


# -- small helpers --------------------------------------------------------------------------------


def server_alert_id(checkin_id: str) -> str:
    """The id the server's alert for a check-in goes by before the case records it (the
    acknowledgement tokens are derived from it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"safetrail:server-alert:{checkin_id}"))


def code_hash(code: str) -> str:
    """A slow hash of a canonical reply code (50 bits: a plain hash could be guessed)."""
    return hashlib.scrypt(code.encode(), salt=_CODE_SALT, n=2**14, r=8, p=1, dklen=32).hex()


def result_key(ctx: ServerCase) -> bytes:
    """The case's key for what it reads back from its jobs (never stored)."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ctx.case_id.encode(),
        info=b"safetrail/server/v1/checkin-results",
    )
    return hkdf.derive(bytes(ctx.keys.ledger))


def seal_result(key: bytes, job_key: str, value: dict[str, Any]) -> bytes:
    nonce = os.urandom(12)
    body = json.dumps(value, sort_keys=True).encode()
    return nonce + AESGCM(key).encrypt(nonce, body, job_key.encode())


def open_result(key: bytes, job_key: str, sealed: bytes | None) -> dict[str, Any] | None:
    if not sealed:
        return None
    try:
        plain = AESGCM(key).decrypt(sealed[:12], sealed[12:], job_key.encode())
    except InvalidTag:
        return None
    found: dict[str, Any] = json.loads(plain)
    return found


def seal_ids(case_id: str, job_key: str) -> list[str]:
    return [case_id, job_key]


# -- publishing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    key: str
    checkin_id: str
    step: int
    escalate_seconds: int
    due_at: datetime
    sealed: dict[str, Any]
    note: dict[str, Any]
    link_hash: str | None = None
    code_hash: str | None = None


def _language(ctx: ServerCase) -> str | None:
    if ctx.language:
        return ctx.language
    try:
        from safetrail.services import settings

        return settings.preferences(ctx).language
    except Exception:  # no settings record yet: the server's language
        return None


def _channel_settings(scope: AlertScope) -> dict[str, Any]:
    data = scope.place.alerting.to_json()
    return {"smtp": data["smtp"], "sms": data["sms"]}


def _jobs_for(
    ctx: ServerCase,
    scope: AlertScope,
    purpose: str,
    step: int,
    due_at: datetime,
    contact: Contact | None,
    channels: Sequence[Any],
    extra: dict[str, Any],
    language: str | None,
    ack: AckKeys,
    escalate_seconds: int,
    slow_hashes: dict[str, str],
) -> list[Job]:
    found = []
    checkin = scope.checkin
    sid = server_alert_id(checkin.id)
    link = code = None
    base = scope.place.alerting.public_url
    if contact is not None and purpose in ("alert", "duress"):
        link, code = ack.link_token(sid, contact.id), ack.reply_code(sid, contact.id)
        if token_hash("link", link) not in slow_hashes:  # scrypt once per code, not per publish
            slow_hashes[token_hash("link", link)] = code_hash(code)
    for index, channel in enumerate(channels):
        key = outbox.idempotency_key(
            "server",
            ctx.case_id,
            purpose,
            checkin.id,
            contact.id if contact else "",
            str(index),
            channel.to,
        )
        message = _payload(scope, purpose, channel.to, contact, due_at) | extra
        ack_info = None
        if link and code and base:
            ack_info = {
                "link": f"{base}{ACK_PATH}{link}",
                "code": code,
                "code_page": base + ACK_PATH,
            }
        found.append(
            Job(
                key=key,
                checkin_id=checkin.id,
                step=step,
                escalate_seconds=escalate_seconds,
                due_at=due_at,
                sealed={
                    "purpose": purpose,
                    "channel": channel.kind,
                    "to": channel.to,
                    "secret": getattr(channel, "secret", None),
                    "message": message,
                    "ack": ack_info,
                    "language": language,
                    **_channel_settings(scope),
                },
                note={
                    "purpose": purpose,
                    "contact_id": contact.id if contact else None,
                    "channel": channel.kind,
                    "to": channel.to,
                    "position": step,
                },
                link_hash=token_hash("link", link) if link else None,
                code_hash=slow_hashes[token_hash("link", link)] if link else None,
            )
        )
    return found


def _alert_extra(
    checkin_id: str, cause: str, raised: datetime, position: int, total: int, next_at: Any
) -> dict[str, Any]:
    return {
        "alert": {
            "id": server_alert_id(checkin_id),
            "ref": "",
            "cause": cause,
            "raised_at": stamp(raised),
            "code_used_at": stamp(raised) if cause == "duress" else None,
            "position": position,
            "total": total,
            "next_at": stamp(next_at) if next_at else None,
        }
    }


def _desired(
    ctx: ServerCase, conn: Connection, now: datetime, existing: list[Any], rkey: bytes
) -> list[Job]:
    store = ctx.store
    place = load_place(conn, store)
    contacts = [c for c in load_contacts(conn, store) if c.channels]
    rows = list(conn.execute(select(checkin_schedule)))
    records = {r.id: r for r in store.load(conn, [row.checkin_id for row in rows])}
    ack = AckKeys.derive(ctx.keys.ledger)
    language = _language(ctx)
    acknowledged = {r.checkin_id for r in existing if r.acknowledged_at}
    # the code hash of a link is the same at every publish: reuse what the rows hold
    slow_hashes = {r.link_hash: r.code_hash for r in existing if r.link_hash and r.code_hash}
    reached: dict[str, set[str]] = {}
    for row in existing:
        note = open_result(rkey, row.key, row.note) or {}
        if row.status in (SENT, SENDING) and note.get("purpose") in ("alert", "duress"):
            reached.setdefault(row.checkin_id, set()).add(str(note.get("contact_id")))
    jobs: list[Job] = []
    for row in rows:
        record = records.get(row.checkin_id)
        if record is None:
            continue
        plan = Plan.from_json(record.data)
        scope = AlertScope(store, ack, place, record, plan, now)
        every = timedelta(minutes=plan.escalate_minutes)
        seconds = int(every.total_seconds())
        share = shared_details(conn, store, plan.share)
        for person in share.get("people", []):
            person.pop("photo", None)  # photos stay in the case: the worker cannot read blobs
        common = (language, ack, seconds, slow_hashes)
        if plan.status == "active" and not record.voided and row.phase != DURESS:
            own = place.alerting.self_channels
            if plan.remind_at is not None:
                jobs += _jobs_for(
                    ctx, scope, "reminder", REMINDER_STEP, plan.remind_at, None, own, {}, *common
                )
            if plan.grace_minutes > 0:
                jobs += _jobs_for(
                    ctx, scope, "deadline", DEADLINE_STEP, plan.expected_by, None, own, {}, *common
                )
            if row.checkin_id in acknowledged or row.phase == "closed":
                continue  # a contact confirmed: nobody further is alerted
            total = len(contacts)
            for position, contact in enumerate(contacts, start=1):
                due = plan.alert_at + every * (position - 1)
                next_at = due + every if position < total else None
                extra = {"share": share} | _alert_extra(
                    record.id, "missed", plan.alert_at, position, total, next_at
                )
                jobs += _jobs_for(
                    ctx, scope, "alert", position, due, contact, contact.channels, extra, *common
                )
        elif row.phase == DURESS:
            used = parse_stamp(row.next_at) if row.next_at else now
            for position, contact in enumerate(contacts, start=1):
                extra = {"share": share} | _alert_extra(
                    record.id, "duress", used, position, len(contacts), None
                )
                jobs += _jobs_for(
                    ctx, scope, "duress", AT_ONCE, used, contact, contact.channels, extra, *common
                )
        elif plan.status == "done" and reached.get(row.checkin_id):
            checked_in = plan.closed_at or stamp(now)
            for contact in contacts:
                if contact.id not in reached[row.checkin_id]:
                    continue
                extra = {
                    "checked_in_at": checked_in,
                    "alert": {"id": server_alert_id(record.id), "ref": ""},
                }
                jobs += _jobs_for(
                    ctx,
                    scope,
                    "all_clear",
                    AT_ONCE,
                    parse_stamp(checked_in),
                    contact,
                    contact.channels,
                    extra,
                    *common,
                )
    return jobs


def publish(ctx: ServerCase) -> int:
    """Bring the case's alert jobs in line with its check-ins; returns jobs added or changed.

    Only jobs not yet claimed are changed: a job being sent, sent, failed or cancelled is
    never touched, so publishing again never causes a message to go out twice.
    """
    engine = ctx.server.engine
    try:
        public = alert_key.public_key(engine)
    except ProgrammingError:  # a server set up before alert keys ('server init' adds them)
        public = None
    if public is None:
        log.warning("no alert key: check-in alerts of case %s cannot be published", ctx.case_id)
        return 0
    sync(ctx)
    now = ctx.clock()
    rkey = result_key(ctx)
    with engine.connect() as conn:
        existing = list(
            conn.execute(
                select(checkin_alert_jobs).where(checkin_alert_jobs.c.case_id == ctx.case_id)
            )
        )
    with ctx.read() as conn:
        desired = _desired(ctx, conn, now, existing, rkey)
    known = {row.key: row for row in existing}
    wanted = {job.key for job in desired}
    changed = 0
    with engine.begin() as conn:
        for job in desired:
            row = known.get(job.key)
            if row is not None and row.status != PENDING:
                continue
            values = {
                "step": job.step,
                "escalate_seconds": job.escalate_seconds,
                "due_at": stamp(job.due_at),
                "payload": keys.seal_to(
                    public,
                    json.dumps(job.sealed | {"result_key": rkey.hex()}).encode(),
                    SEAL_PURPOSE,
                    seal_ids(ctx.case_id, job.key),
                ),
                "note": seal_result(rkey, job.key, job.note),
                "link_hash": job.link_hash,
                "code_hash": job.code_hash,
            }
            if row is None:
                conn.execute(
                    checkin_alert_jobs.insert().values(
                        id=str(uuid.uuid4()),
                        case_id=ctx.case_id,
                        checkin_id=job.checkin_id,
                        key=job.key,
                        next_attempt_at=stamp(job.due_at),
                        status=PENDING,
                        attempts=0,
                        resent_after_crash=False,
                        synced=False,
                        created_at=stamp(now),
                        **values,
                    )
                )
            else:
                conn.execute(
                    update(checkin_alert_jobs)
                    .where(
                        checkin_alert_jobs.c.key == job.key, checkin_alert_jobs.c.status == PENDING
                    )
                    .values(next_attempt_at=stamp(job.due_at), **values)
                )
            changed += 1
        stale = [k for k, row in known.items() if row.status == PENDING and k not in wanted]
        if stale:
            conn.execute(
                update(checkin_alert_jobs)
                .where(checkin_alert_jobs.c.key.in_(stale), checkin_alert_jobs.c.status == PENDING)
                .values(status=CANCELLED, synced=True)
            )
        if changed:
            conn.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")
    return changed


# -- acknowledgements while signed out --------------------------------------------------------


def acknowledge(conn: Connection, kind: str, text: str, now: datetime) -> bool:
    """A contact's link token or reply code: stop the escalation of its check-in.

    Answers False when it matches nothing (the caller answers the same either way).
    """
    if kind == "link":
        column, value = checkin_alert_jobs.c.link_hash, token_hash("link", text)
    elif kind == "code":
        canonical = parse_code(text)
        if canonical is None:
            return False
        column, value = checkin_alert_jobs.c.code_hash, code_hash(canonical)
    else:
        return False
    rows = list(conn.execute(select(checkin_alert_jobs).where(column == value).with_for_update()))
    if not rows or any(r.ack_via == kind for r in rows):
        return False
    case_id, checkin_id = rows[0].case_id, rows[0].checkin_id
    conn.execute(
        update(checkin_alert_jobs)
        .where(column == value)
        .values(acknowledged_at=stamp(now), ack_via=kind, synced=False)
    )
    # someone is on it: no further contact is alerted (the silent alert is already out)
    conn.execute(
        update(checkin_alert_jobs)
        .where(
            checkin_alert_jobs.c.case_id == case_id,
            checkin_alert_jobs.c.checkin_id == checkin_id,
            checkin_alert_jobs.c.status == PENDING,
            checkin_alert_jobs.c.step > AT_ONCE,
        )
        .values(status=CANCELLED, synced=True)
    )
    return True


# -- bringing the workers' news into the case ------------------------------------------------------


def has_news(conn: Connection, case_id: str) -> bool:
    try:
        return _has_news(conn, case_id)
    except ProgrammingError:  # a server set up before alert jobs: nothing to take in
        conn.rollback()
        return False


def _has_news(conn: Connection, case_id: str) -> bool:
    found = conn.execute(
        select(checkin_alert_jobs.c.id)
        .where(
            checkin_alert_jobs.c.case_id == case_id,
            checkin_alert_jobs.c.synced.is_(False),
            (checkin_alert_jobs.c.status.in_((SENT, FAILED)))
            | checkin_alert_jobs.c.acknowledged_at.is_not(None),
        )
        .limit(1)
    ).first()
    return found is not None


def _alerts_of(ctx: ServerCase, conn: Connection, checkin_id: str) -> dict[str, Any]:
    store = ctx.store
    found = {}
    for alert in store.load(conn, store.list_ids(conn, "alert")):
        if alert.data.get("checkin_id") == checkin_id and not alert.voided:
            found[alert.data["cause"]] = alert
    return found


def _delivery(row: Any, note: dict[str, Any], error: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "contact_id": note.get("contact_id"),
        "channel": note.get("channel"),
        "to": note.get("to"),
        "purpose": note.get("purpose"),
        "key": row.key,
        "status": row.status,
        "at": row.sent_at or row.lease_until or row.next_attempt_at,
        "attempts": row.attempts,
        "sha256": (error or {}).get("sha256"),
        "error": (error or {}).get("error"),
        "by": "server",
    }


def _record_checkin(
    ctx: ServerCase, conn: Connection, checkin_id: str, rows: list[Any], rkey: bytes
) -> None:
    store = ctx.store
    existing = _alerts_of(ctx, conn, checkin_id)
    sid = server_alert_id(checkin_id)
    ack = AckKeys.derive(ctx.keys.ledger)
    by_cause: dict[str, list[tuple[Any, dict[str, Any], dict[str, Any] | None]]] = {}
    for row in rows:
        note = open_result(rkey, row.key, row.note)
        if note is None:
            continue
        cause = {"alert": "missed", "duress": "duress", "all_clear": "missed"}.get(note["purpose"])
        if cause is None:
            continue  # reminders are not part of an alert
        by_cause.setdefault(cause, []).append(
            (row, note, open_result(rkey, row.key, row.last_error))
        )
    for cause, items in by_cause.items():
        alert = existing.get(cause)
        sent_alerts = [
            (row, note) for row, note, _e in items if note["purpose"] != "all_clear" and row.sent_at
        ]
        if alert is None:
            if not sent_alerts and not any(r.status == FAILED for r, _n, _e in items):
                continue
            first = min((r.sent_at for r, _n in sent_alerts), default=None) or stamp(ctx.clock())
            contacts = load_contacts(conn, store)
            data: dict[str, Any] = {
                "checkin_id": checkin_id,
                "cause": cause,
                "raised_at": first,
                "due_at": first,
                "code_used_at": first if cause == "duress" else None,
                "status": "alerting",
                "order": [c.id for c in contacts if c.channels],
                "notified": [],
                "deliveries": [],
                "acknowledgements": [],
                "resolved_at": None,
                "sent_by": "server",
            }
            checkin = store.get(conn, checkin_id)
            if cause == "missed":
                data["due_at"] = stamp(Plan.from_json(checkin.data).alert_at)
            reason = (
                _("silent alert: the emergency code was used")
                if cause == "duress"
                else _("missed check-in")
            )
            alert = store.create(conn, "alert", data, reason)
            for contact_id in data["order"]:
                for kind, text in (
                    ("link", ack.link_token(sid, contact_id)),
                    ("code", ack.reply_code(sid, contact_id)),
                ):
                    digest = token_hash(kind, text)
                    taken = conn.execute(
                        select(checkin_ack_tokens.c.token_hash).where(
                            checkin_ack_tokens.c.token_hash == digest
                        )
                    ).first()
                    if taken is None:
                        conn.execute(
                            checkin_ack_tokens.insert().values(
                                token_hash=digest,
                                alert_id=alert.id,
                                contact_id=contact_id,
                                kind=kind,
                            )
                        )
            if cause == "missed":
                conn.execute(
                    checkin_schedule.update()
                    .where(checkin_schedule.c.checkin_id == checkin_id)
                    .values(alert_id=alert.id, phase="alerting", next_at=None)
                )
        data = dict(alert.data)
        known = {d["key"] for d in data["deliveries"]}
        deliveries = list(data["deliveries"])
        notified = list(data["notified"])
        acks = list(data.get("acknowledgements", []))
        for row, note, error in items:
            if row.status in (SENT, FAILED) and row.key not in known:
                deliveries.append(_delivery(row, note, error))
                known.add(row.key)
                contact = note.get("contact_id")
                if (
                    row.status == SENT
                    and note["purpose"] != "all_clear"
                    and contact not in {n["contact_id"] for n in notified}
                ):
                    notified.append({"contact_id": contact, "at": row.sent_at})
            if row.acknowledged_at and not any(
                a["contact_id"] == note.get("contact_id") and a["via"] == row.ack_via for a in acks
            ):
                acks.append(
                    {
                        "contact_id": note.get("contact_id"),
                        "via": row.ack_via,
                        "at": row.acknowledged_at,
                    }
                )
        status = data["status"]
        if status in ("alerting", "all_notified"):
            if acks:
                status = "acknowledged"
            elif cause == "duress" or len(notified) >= len(data["order"]):
                status = "all_notified"
        updated = data | {
            "deliveries": deliveries,
            "notified": notified,
            "acknowledgements": acks,
            "status": status,
        }
        if updated != alert.data:
            store.amend(conn, alert.id, updated, _("what the server's check-in worker did"))
        if acks and cause == "missed":
            conn.execute(
                checkin_schedule.update()
                .where(checkin_schedule.c.checkin_id == checkin_id)
                .values(phase="closed", next_at=None)
            )


def sync(ctx: ServerCase) -> int:
    """Record in the case what the workers did since the person last looked; returns the
    number of jobs taken in. Safe to repeat: deliveries are matched by their key."""
    engine = ctx.server.engine
    with engine.connect() as conn:
        if not has_news(conn, ctx.case_id):
            return 0
        rows = list(
            conn.execute(
                select(checkin_alert_jobs)
                .where(
                    checkin_alert_jobs.c.case_id == ctx.case_id,
                    checkin_alert_jobs.c.synced.is_(False),
                )
                .order_by(checkin_alert_jobs.c.step, checkin_alert_jobs.c.key)
            )
        )
    finished = [r for r in rows if r.status in (SENT, FAILED) or r.acknowledged_at]
    if not finished:
        return 0
    rkey = result_key(ctx)
    by_checkin: dict[str, list[Any]] = {}
    for row in finished:
        by_checkin.setdefault(row.checkin_id, []).append(row)
    with ctx.write() as conn:
        for checkin_id, items in by_checkin.items():
            _record_checkin(ctx, conn, checkin_id, items, rkey)
    with engine.begin() as conn:
        for row in finished:
            conn.execute(
                update(checkin_alert_jobs)
                .where(
                    and_(
                        checkin_alert_jobs.c.id == row.id,
                        checkin_alert_jobs.c.status == row.status,
                        checkin_alert_jobs.c.acknowledged_at.is_(None)
                        if row.acknowledged_at is None
                        else checkin_alert_jobs.c.acknowledged_at.is_not(None),
                    )
                )
                .values(synced=True)
            )
    return len(finished)


__all__ = [
    "NOTIFY_CHANNEL",
    "acknowledge",
    "checkin_alert_jobs",
    "code_hash",
    "has_news",
    "publish",
    "server_alert_id",
    "sync",
]

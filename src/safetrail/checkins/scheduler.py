"""The scheduler: one ``tick`` does whatever is due now, and returns.

A tick, in order:

1. **acknowledgements** waiting in the sealed inbox are opened and recorded;
2. **check-ins** whose schedule row is due move on, each in its own transaction:
   reminder → "time to check in" → alert the first contact → the next contact after
   the escalation interval, and so on, until someone acknowledges, the person checks
   in, or the list ends. A step whose moment passed while SafeTrail was not running
   is done at once (reminders that no longer make sense are skipped), and the
   escalation interval restarts from the moment a contact was actually alerted, so
   everyone gets their full time to respond;
3. **the outbox**: due messages are claimed, sent outside any transaction, and
   marked sent, retried with back-off, or failed (see ``safetrail.checkins.outbox``).

Time comes only from the store's clock (``RecordStore.clock``), so tests move time
forward by hand. ``run`` repeats ticks until told to stop; the pause between ticks
is only how often to look, never part of a deadline.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select

from safetrail.checkins import alerts, outbox
from safetrail.checkins.acks import AckInbox, AckKeys
from safetrail.checkins.channels.base import Attachment, Channel, DeliveryError
from safetrail.checkins.channels.sms import SmsChannel
from safetrail.checkins.channels.smtp import SmtpChannel
from safetrail.checkins.channels.webhook import MAX_ATTACHMENT_BYTES, WebhookChannel
from safetrail.checkins.clock import Clock, parse_stamp, stamp
from safetrail.checkins.messages import (
    ALERT_PURPOSES,
    REMINDER_PURPOSES,
    AckInfo,
    compose,
    reminder_deadline,
)
from safetrail.checkins.model import AlertSettings, Place, Plan, load_place
from safetrail.checkins.tables import checkin_schedule
from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.storage.blobs import BlobStore
from safetrail.storage.records import RecordStore

if TYPE_CHECKING:
    from safetrail.case import CaseContext

log = logging.getLogger("safetrail.checkins")

WAITING, ALERTING, DURESS, CLOSED = "waiting", "alerting", "duress", "closed"
ACK_PATH = "/ack/"

ChannelFactory = Callable[[str, AlertSettings, str, str | None], Channel]


def default_channel(kind: str, alerting: AlertSettings, to: str, secret: str | None) -> Channel:
    """The real channel for ``kind``; DeliveryError (retried) when it is not set up yet."""
    if kind == "email":
        if alerting.smtp is None:
            raise DeliveryError("email is not set up: add a mail server in the alert settings")
        return SmtpChannel(alerting.smtp)
    if kind == "sms":
        if alerting.sms is None:
            raise DeliveryError("text messages are not set up: add an SMS provider")
        return SmsChannel(alerting.sms)
    if kind == "webhook":
        if not secret:
            raise DeliveryError("this webhook has no signing secret any more", permanent=True)
        return WebhookChannel(to, secret, kind="checkin")
    raise DeliveryError(f"unknown channel {kind!r}", permanent=True)


@dataclass
class CheckinContext:
    """Everything the scheduler works with; built from a vault, or by hand (PostgreSQL)."""

    store: RecordStore
    keys: AckKeys
    inbox: AckInbox | None = None
    blobs: BlobStore | None = None
    worker: outbox.Worker = field(default_factory=outbox.Worker.current)
    channel_for: ChannelFactory = default_channel
    lease: timedelta = outbox.LEASE
    batch: int = 10
    after_commit: Callable[[], None] | None = None

    @property
    def clock(self) -> Clock:
        return self.store.clock

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @classmethod
    def for_vault(cls, vault: CaseContext, **options: Any) -> CheckinContext:
        keys = AckKeys.derive(vault.keys.ledger)
        inbox = AckInbox.for_vault(vault.inbox.folder)
        inbox.publish(keys.inbox_public)
        return cls(
            store=vault.store,
            keys=keys,
            inbox=inbox,
            blobs=vault.blobs,
            after_commit=vault.update_checkpoint,
            **options,
        )

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        with self.store.writing() as conn:
            yield conn
        if self.after_commit is not None:
            self.after_commit()

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"


@dataclass
class TickReport:
    acknowledged: int = 0
    advanced: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0  # reminders whose time had passed before they could be sent

    @property
    def busy(self) -> bool:
        return any(
            (self.acknowledged, self.advanced, self.sent, self.retrying, self.failed, self.skipped)
        )


# -- schedule rows -------------------------------------------------------------------------


def first_step(plan: Plan, now: datetime) -> tuple[int, datetime]:
    remind_at = plan.remind_at
    if remind_at is not None and remind_at > now:
        return 0, remind_at
    return 1, plan.expected_by


def start_schedule(conn: Connection, checkin_id: str, plan: Plan, now: datetime) -> None:
    step, next_at = first_step(plan, now)
    conn.execute(
        checkin_schedule.insert().values(
            checkin_id=checkin_id, phase=WAITING, step=step, next_at=stamp(next_at), alert_id=None
        )
    )


def _locked_row(ctx: CheckinContext, conn: Connection, checkin_id: str, due_by: str | None) -> Any:
    query = select(checkin_schedule).where(checkin_schedule.c.checkin_id == checkin_id)
    if due_by is not None:
        query = query.where(
            checkin_schedule.c.next_at <= due_by, checkin_schedule.c.phase != CLOSED
        )
    if ctx.postgres:
        query = query.with_for_update(skip_locked=due_by is not None)
    return conn.execute(query).first()


def _save_row(
    conn: Connection,
    checkin_id: str,
    phase: str,
    step: int,
    next_at: datetime | None,
    alert_id: str | None,
) -> None:
    conn.execute(
        checkin_schedule.update()
        .where(checkin_schedule.c.checkin_id == checkin_id)
        .values(
            phase=phase,
            step=step,
            next_at=stamp(next_at) if next_at else None,
            alert_id=alert_id,
        )
    )


def _scope(ctx: CheckinContext, conn: Connection, checkin_id: str, now: datetime) -> Any:
    checkin = ctx.store.get(conn, checkin_id)
    return alerts.AlertScope(
        ctx.store, ctx.keys, load_place(conn, ctx.store), checkin, Plan.from_json(checkin.data), now
    )


def close_schedule(
    conn: Connection, ctx: CheckinContext, checkin_id: str, outcome: str, now: datetime
) -> None:
    """The person checked in (or cancelled). With the duress code, the silent alert is
    queued as a due step of the schedule, so the request does the same work either way
    and a crash right after still sends it."""
    row = _locked_row(ctx, conn, checkin_id, None)
    if row is None:
        return
    if outcome == "duress":
        _save_row(conn, checkin_id, DURESS, 0, now, row.alert_id)
        return
    if row.alert_id:
        alerts.resolve(conn, _scope(ctx, conn, checkin_id, now), row.alert_id)
    _save_row(conn, checkin_id, CLOSED, row.step, None, row.alert_id)


def _advance(ctx: CheckinContext, conn: Connection, row: Any, now: datetime) -> None:
    scope = _scope(ctx, conn, row.checkin_id, now)
    plan: Plan = scope.plan
    every = timedelta(minutes=plan.escalate_minutes)
    phase, step, alert_id = row.phase, row.step, row.alert_id
    next_at: datetime | None = parse_stamp(row.next_at) if row.next_at else None
    while phase != CLOSED and next_at is not None and next_at <= now:
        due = next_at
        if phase == DURESS:
            if alert_id:
                alerts.supersede(conn, ctx.store, alert_id)
            alert, _more = alerts.raise_alert(conn, scope, "duress", due, code_used_at=due)
            alert_id, phase, next_at = alert.id, CLOSED, None
        elif scope.checkin.voided or plan.status != "active":
            phase, next_at = CLOSED, None
        elif phase == WAITING and step == 0:
            if now < plan.expected_by:  # a reminder after the deadline is pointless
                alerts.queue_reminder(conn, scope, "reminder", due)
            step, next_at = 1, plan.expected_by
        elif phase == WAITING and step == 1:
            if plan.grace_minutes > 0 and now < plan.alert_at:
                alerts.queue_reminder(conn, scope, "deadline", due)
            step, next_at = 2, plan.alert_at
        elif phase == WAITING:
            alert, more = alerts.raise_alert(conn, scope, "missed", due)
            alert_id, phase, step = alert.id, ALERTING, 1
            next_at = now + every if more else None
        elif phase == ALERTING and alert_id:
            if ctx.store.get(conn, alert_id).data["status"] != alerts.ALERTING:
                phase, next_at = CLOSED, None
            else:
                step, more = alerts.escalate(conn, scope, alert_id, step, due)
                next_at = now + every if more else None
        else:
            phase, next_at = CLOSED, None
    _save_row(conn, row.checkin_id, phase, step, next_at, alert_id)


def advance_due(ctx: CheckinContext, report: TickReport) -> None:
    now = ctx.clock()
    now_text = stamp(now)
    with ctx.store.reading() as conn:
        due = list(
            conn.execute(
                select(checkin_schedule.c.checkin_id)
                .where(checkin_schedule.c.next_at <= now_text, checkin_schedule.c.phase != CLOSED)
                .order_by(checkin_schedule.c.next_at)
                .limit(100)
            ).scalars()
        )
    for checkin_id in due:
        try:
            with ctx.writing() as conn:
                row = _locked_row(ctx, conn, checkin_id, now_text)
                if row is not None:  # None: another worker just did it
                    _advance(ctx, conn, row, now)
                    report.advanced += 1
        except Exception:  # one broken check-in must not hold up the others
            log.exception("check-in %s could not be moved on; trying again next time", checkin_id)
            report.errors += 1


# -- acknowledgements ----------------------------------------------------------------------


def ingest_acks(ctx: CheckinContext, report: TickReport) -> None:
    if ctx.inbox is None:
        return
    for path in ctx.inbox.pending():
        item = ctx.inbox.read(path, ctx.keys)
        if item is None:
            ctx.inbox.discard(path)  # junk or damaged: nothing to record
            continue
        try:
            with ctx.writing() as conn:
                counted = alerts.acknowledge(
                    conn, ctx.store, item.kind, item.text, item.received_at
                )
        except Exception:
            log.exception("an acknowledgement could not be recorded; trying again next time")
            report.errors += 1
            continue
        ctx.inbox.discard(path)
        report.acknowledged += int(counted)


# -- sending -------------------------------------------------------------------------------


def _ack_info(ctx: CheckinContext, place: Place, claimed: outbox.Claimed) -> AckInfo | None:
    base = place.alerting.public_url
    alert = claimed.payload.get("alert") or {}
    if claimed.purpose not in ("alert", "duress") or not base or not claimed.contact_id:
        return None
    alert_id, contact_id = str(alert["id"]), claimed.contact_id
    return AckInfo(
        link=f"{base}{ACK_PATH}{ctx.keys.link_token(alert_id, contact_id)}",
        code=ctx.keys.reply_code(alert_id, contact_id),
        code_page=f"{base}{ACK_PATH}",
    )


def _photos(ctx: CheckinContext, claimed: outbox.Claimed) -> tuple[Attachment, ...]:
    if ctx.blobs is None or claimed.channel == "sms" or claimed.purpose not in ("alert", "duress"):
        return ()
    found = []
    for person in (claimed.payload.get("share") or {}).get("people", []):
        photo = person.get("photo")
        if not photo:
            continue
        content = b""
        for chunk in ctx.blobs.open(photo["blob_address"]):
            content += chunk
            if len(content) > MAX_ATTACHMENT_BYTES:
                break
        if len(content) <= MAX_ATTACHMENT_BYTES:
            found.append(Attachment(photo["name"], photo["media_type"], content))
    return tuple(found)


def _secret(ctx: CheckinContext, conn: Connection, place: Place, claimed: outbox.Claimed) -> Any:
    if claimed.channel != "webhook":
        return None
    to = claimed.payload["to"]
    if claimed.contact_id:
        channels = ctx.store.get(conn, claimed.contact_id).data.get("channels", [])
    else:
        channels = [c.to_json() for c in place.alerting.self_channels]
    for channel in channels:
        if channel["kind"] == "webhook" and channel["to"] == to:
            return channel.get("secret")
    return None


def _delivery(claimed: outbox.Claimed, status: str, at: datetime, **more: Any) -> dict[str, Any]:
    return {
        "contact_id": claimed.contact_id,
        "channel": claimed.channel,
        "to": claimed.payload["to"],
        "purpose": claimed.purpose,
        "key": claimed.key,
        "status": status,
        "at": stamp(at),
        "attempts": claimed.attempts,
        **more,
    }


def send_one(ctx: CheckinContext, claimed: outbox.Claimed, report: TickReport) -> None:
    """Send one claimed message and record the outcome (never raises for delivery)."""
    if _stale_reminder(ctx, claimed, report):
        return
    try:
        with ctx.store.reading() as conn:
            place = load_place(conn, ctx.store)
            secret = _secret(ctx, conn, place, claimed)
        now = ctx.clock()
        message = compose(
            claimed.key, claimed.payload, now, _ack_info(ctx, place, claimed), _photos(ctx, claimed)
        )
        channel = ctx.channel_for(claimed.channel, place.alerting, claimed.payload["to"], secret)
        if claimed.resent_after_crash:
            log.warning(
                "taking over %s from a worker that stopped; it may have gone out", claimed.key
            )
        channel.send(message)
    except DeliveryError as exc:
        _failed(ctx, claimed, str(exc), exc.permanent, report)
        return
    except Exception as exc:  # a fault of ours, not the receiver's: retry, and say why
        log.exception("message %s could not be prepared", claimed.key)
        _failed(ctx, claimed, f"{type(exc).__name__}: {exc}", False, report)
        return
    digest = hashlib.sha256(message.text.encode()).hexdigest()
    done_at = ctx.clock()
    with ctx.writing() as conn:
        recorded = outbox.mark_sent(conn, claimed.id, done_at)
        if recorded and claimed.purpose in ALERT_PURPOSES:
            ref = ctx.store.refs(conn, [claimed.contact_id or ""]).get(claimed.contact_id or "")
            alerts.record_delivery(
                conn,
                ctx.store,
                claimed.record_id,
                _delivery(claimed, "sent", done_at, sha256=digest, error=None),
                _("sent by {channel} to {ref}").format(channel=claimed.channel, ref=ref),
            )
    report.sent += 1
    log.info("sent %s %s by %s", claimed.purpose, claimed.key, claimed.channel)


def _stale_reminder(ctx: CheckinContext, claimed: outbox.Claimed, report: TickReport) -> bool:
    """A reminder held up past its deadline (the mail server or SafeTrail was down) would
    only confuse: it is not sent, and its row says why."""
    if claimed.purpose not in REMINDER_PURPOSES:
        return False
    now = ctx.clock()
    if now < reminder_deadline(claimed.payload):
        return False
    with ctx.writing() as conn:
        outbox.mark_stale(conn, claimed.id, now)
    report.skipped += 1
    log.info("skipped %s %s: its time has passed", claimed.purpose, claimed.key)
    return True


def _failed(
    ctx: CheckinContext, claimed: outbox.Claimed, error: str, permanent: bool, report: TickReport
) -> None:
    now = ctx.clock()
    with ctx.writing() as conn:
        status = outbox.mark_failed_attempt(conn, claimed, ctx.worker, now, error, permanent)
        if status == outbox.FAILED and claimed.purpose in ALERT_PURPOSES:
            ref = ctx.store.refs(conn, [claimed.contact_id or ""]).get(claimed.contact_id or "")
            alerts.record_delivery(
                conn,
                ctx.store,
                claimed.record_id,
                _delivery(claimed, "failed", now, sha256=None, error=error[:500]),
                _("could not be sent by {channel} to {ref}").format(
                    channel=claimed.channel, ref=ref
                ),
            )
    if status == outbox.FAILED:
        report.failed += 1
        log.warning("gave up on %s %s: %s", claimed.purpose, claimed.key, error)
    else:
        report.retrying += 1
        log.info("will retry %s %s: %s", claimed.purpose, claimed.key, error)


def deliver_due(ctx: CheckinContext, report: TickReport, max_batches: int = 20) -> None:
    for _batch in range(max_batches):
        now = ctx.clock()
        with ctx.store.reading() as conn:
            if not outbox.has_due(conn, now):
                return
        claimed = outbox.claim(ctx.engine, ctx.worker, now, ctx.batch, ctx.lease)
        if not claimed:
            return
        for item in claimed:
            try:
                send_one(ctx, item, report)
            except Exception:  # e.g. the outcome could not be recorded: the lease decides
                log.exception("message %s: the outcome could not be recorded", item.key)
                report.errors += 1


# -- the loop ------------------------------------------------------------------------------


def tick(ctx: CheckinContext) -> TickReport:
    """Do everything that is due now. Each part is isolated: one failing part (for
    example a busy database) does not stop the others."""
    report = TickReport()
    for part in (ingest_acks, advance_due, deliver_due):
        try:
            part(ctx, report)
        except SafetrailError as exc:
            log.warning("%s: %s", part.__name__, exc.message)
            report.errors += 1
        except Exception:
            log.exception("%s failed; trying again next time", part.__name__)
            report.errors += 1
    return report


def run(ctx: CheckinContext, stop: threading.Event, interval: float) -> None:
    """Tick until ``stop`` is set. A busy tick is followed at once by another."""
    while not stop.is_set():
        report = tick(ctx)
        if not report.busy:
            stop.wait(interval)

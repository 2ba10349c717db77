"""The server's check-in workers: send the alert jobs cases published, while people are away.

``safetrail server run`` starts ``--checkin-workers N`` processes, each running
:func:`run_worker`. A worker holds the server's alert private key (the file named by
``SAFETRAIL_SERVER_ALERT_KEY``, see :mod:`safetrail.server.alert_key`) and nothing else:
no case key, so it reads no case; it opens only the sealed jobs of
``safetrail.checkin_alert_jobs`` (:mod:`safetrail.server.alert_jobs`).

One :func:`tick`:

1. **claim** (a short transaction): due jobs, and jobs whose sender's lease ran out, are
   read ``FOR UPDATE SKIP LOCKED`` (several workers take different rows and never wait
   for each other) and become ``sending`` with ``claimed_by``, ``lease_until`` and
   ``sending_phase = "claimed"``;
2. **send**, outside any transaction, with the personal app's message and channel code
   (``checkins.messages.compose``, ``checkins.channels``), in the case's language. Email
   is sent in two steps: the mail server accepts sender and recipient, then the job
   records ``sending_phase = "data"``, then the message itself is handed over;
3. **mark** (another transaction): ``sent``; or back to ``pending`` with the outbox's
   back-off (30 s doubling to 10 min); or ``failed`` after 24 hours or a permanent refusal.
   Marking is retried on a fresh connection when the database connection breaks, so a
   lost connection neither loses the outcome nor leads to a second send.

Exactly once, precisely: a job is only sent by the worker holding its lease; a job marked
``sent`` is never claimed again. A worker killed after claiming leaves its job
``sending``; another worker takes it over when the lease (2 minutes) ends. If the job
never reached ``data``, the receiver never got the message and it is simply sent. If it
did, the mail server may have accepted it in the milliseconds between the end of DATA and
the commit of ``sent``; it is sent again with the same ``Message-ID`` (mail systems that
collapse identical ids show it once) and the job says ``resent_after_crash``. An alert
sent twice in that rare case is preferred to one never sent.

Between ticks an idle worker waits on PostgreSQL ``LISTEN safetrail_alert_jobs`` (every
publish notifies), or at most ``interval`` seconds (due times pass without a notice).
"""

from __future__ import annotations

import hashlib
import json
import logging
import select as select_module
import signal
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, update
from sqlalchemy.exc import DBAPIError

from safetrail.checkins import outbox
from safetrail.checkins.channels.base import Channel, DeliveryError, Outgoing
from safetrail.checkins.channels.smtp import SmtpChannel, build_email
from safetrail.checkins.clock import Clock, parse_stamp, stamp, system_clock
from safetrail.checkins.messages import REMINDER_PURPOSES, AckInfo, compose, reminder_deadline
from safetrail.checkins.model import AlertSettings
from safetrail.checkins.scheduler import ChannelFactory, default_channel
from safetrail.i18n import use_language
from safetrail.server import alert_key, keys
from safetrail.server.alert_jobs import (
    AT_ONCE,
    CANCELLED,
    FAILED,
    NOTIFY_CHANNEL,
    PENDING,
    SEAL_PURPOSE,
    SENDING,
    SENT,
    checkin_alert_jobs,
    seal_ids,
    seal_result,
)

log = logging.getLogger("safetrail.server.alerts")

INTERVAL_SECONDS = 5.0
MARK_TRIES = 5

PhaseHook = Callable[[], None]


@dataclass
class TickReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0

    @property
    def busy(self) -> bool:
        return any((self.sent, self.retrying, self.failed, self.skipped))


@dataclass
class AlertWorker:
    """One worker's parts: the engine (global schema only), the private key, a clock."""

    engine: Engine
    private_key: bytearray
    clock: Clock = system_clock
    worker: outbox.Worker = field(default_factory=outbox.Worker.new)
    lease: timedelta = outbox.LEASE
    batch: int = 10
    channel_for: ChannelFactory = default_channel


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    case_id: str
    checkin_id: str
    key: str
    step: int
    escalate_seconds: int
    attempts: int
    first_attempt_at: datetime
    taken_over: bool  # a previous worker stopped while sending it
    reached_data: bool  # ... after handing the message over (it may have arrived)
    sealed: bytes


# -- claim ------------------------------------------------------------------------------------


def claim(work: AlertWorker, now: datetime) -> list[ClaimedJob]:
    now_text = stamp(now)
    jobs = checkin_alert_jobs.c
    due = or_(
        and_(jobs.status == PENDING, jobs.next_attempt_at <= now_text),
        and_(jobs.status == SENDING, jobs.lease_until <= now_text),
    )
    query = (
        select(checkin_alert_jobs)
        .where(due)
        .order_by(jobs.next_attempt_at, jobs.id)
        .limit(work.batch)
        .with_for_update(skip_locked=True)
    )
    taken = []
    with work.engine.begin() as conn:
        for row in conn.execute(query):
            first = parse_stamp(row.first_attempt_at) if row.first_attempt_at else now
            over = row.status == SENDING
            conn.execute(
                update(checkin_alert_jobs)
                .where(jobs.id == row.id)
                .values(
                    status=SENDING,
                    claimed_by=work.worker.id,
                    lease_until=stamp(now + work.lease),
                    attempts=row.attempts + 1,
                    first_attempt_at=stamp(first),
                    sending_phase="claimed",
                    resent_after_crash=row.resent_after_crash
                    or (over and row.sending_phase == "data"),
                )
            )
            taken.append(
                ClaimedJob(
                    id=row.id,
                    case_id=row.case_id,
                    checkin_id=row.checkin_id,
                    key=row.key,
                    step=row.step,
                    escalate_seconds=row.escalate_seconds,
                    attempts=row.attempts + 1,
                    first_attempt_at=first,
                    taken_over=over,
                    reached_data=over and row.sending_phase == "data",
                    sealed=bytes(row.payload),
                )
            )
    return taken


# -- mark (retried on a fresh connection) ------------------------------------------------------


def _retrying(work: AlertWorker, step: Callable[[Connection], Any]) -> Any:
    for attempt in range(MARK_TRIES):
        try:
            with work.engine.begin() as conn:
                return step(conn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.warning("the database connection broke; recording again (%s)", attempt + 1)
    raise RuntimeError("the outcome could not be recorded")


def _mine(job: ClaimedJob, work: AlertWorker) -> Any:
    jobs = checkin_alert_jobs.c
    return and_(jobs.id == job.id, jobs.status == SENDING, jobs.claimed_by == work.worker.id)


def _phase(work: AlertWorker, job: ClaimedJob, phase: str) -> None:
    def step(conn: Connection) -> None:
        done = conn.execute(
            update(checkin_alert_jobs).where(_mine(job, work)).values(sending_phase=phase)
        )
        if done.rowcount != 1:
            raise DeliveryError("another worker took this message over")

    _retrying(work, step)


def _mark_sent(work: AlertWorker, job: ClaimedJob, now: datetime, rkey: bytes, digest: str) -> None:
    def step(conn: Connection) -> None:
        conn.execute(
            update(checkin_alert_jobs)
            .where(checkin_alert_jobs.c.id == job.id, checkin_alert_jobs.c.status != SENT)
            .values(
                status=SENT,
                sent_at=stamp(now),
                lease_until=None,
                sending_phase=None,
                synced=False,
                last_error=seal_result(rkey, job.key, {"sha256": digest, "error": None}),
            )
        )
        if job.step > AT_ONCE and job.escalate_seconds > 0:
            _push_later_steps(conn, job, now)

    _retrying(work, step)


def _push_later_steps(conn: Connection, job: ClaimedJob, now: datetime) -> None:
    """Each next contact gets their full interval from when this one was alerted."""
    jobs = checkin_alert_jobs.c
    later = conn.execute(
        select(jobs.id, jobs.step, jobs.next_attempt_at).where(
            jobs.case_id == job.case_id,
            jobs.checkin_id == job.checkin_id,
            jobs.status == PENDING,
            jobs.step > job.step,
        )
    )
    for row in later:
        earliest = now + timedelta(seconds=job.escalate_seconds * (row.step - job.step))
        if parse_stamp(row.next_attempt_at) < earliest:
            conn.execute(
                update(checkin_alert_jobs)
                .where(jobs.id == row.id, jobs.status == PENDING)
                .values(next_attempt_at=stamp(earliest))
            )


def _mark_failed(
    work: AlertWorker,
    job: ClaimedJob,
    now: datetime,
    rkey: bytes | None,
    error: str,
    permanent: bool,
) -> str:
    give_up = permanent or now - job.first_attempt_at >= outbox.GIVE_UP_AFTER
    status = FAILED if give_up else PENDING
    values: dict[str, Any] = {
        "status": status,
        "lease_until": None,
        "claimed_by": None,
        "sending_phase": None,
    }
    if rkey is not None:
        values["last_error"] = seal_result(rkey, job.key, {"sha256": None, "error": error[:500]})
    if give_up:
        values["synced"] = False
    else:
        values["next_attempt_at"] = stamp(now + outbox.backoff(job.attempts, job.key))

    def step(conn: Connection) -> None:
        conn.execute(update(checkin_alert_jobs).where(_mine(job, work)).values(**values))

    _retrying(work, step)
    return status


def _mark_stale(work: AlertWorker, job: ClaimedJob) -> None:
    def step(conn: Connection) -> None:
        conn.execute(
            update(checkin_alert_jobs)
            .where(_mine(job, work))
            .values(status=CANCELLED, lease_until=None, sending_phase=None, synced=True)
        )

    _retrying(work, step)


# -- send -------------------------------------------------------------------------------------


def _open(work: AlertWorker, job: ClaimedJob) -> dict[str, Any]:
    plain = keys.open_sealed(
        work.private_key, job.sealed, SEAL_PURPOSE, seal_ids(job.case_id, job.key)
    )
    try:
        found: dict[str, Any] = json.loads(bytes(plain))
    finally:
        keys.wipe(plain)
    return found


def _send_email(channel: SmtpChannel, message: Outgoing, before_data: PhaseHook) -> None:
    """The SMTP channel's delivery, with the job's "data" mark between RCPT and DATA."""
    from safetrail.checkins.channels import smtp as smtp_module

    config = channel.config
    email = build_email(config, message)
    try:
        client = smtp_module._connect(config)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"mail server not reachable: {exc}") from None
    try:
        if config.username:
            client.login(config.username, config.password or "")
        client.ehlo_or_helo_if_needed()
        code, answer = client.mail(config.sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, answer, config.sender)
        code, answer = client.rcpt(message.to)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({message.to: (code, answer)})
        before_data()
        code, answer = client.data(email.as_bytes(policy=email.policy.clone(linesep="\r\n")))
        if code != 250:
            raise smtplib.SMTPDataError(code, answer)
    except smtplib.SMTPRecipientsRefused as exc:
        raise smtp_module._refused(exc) from None
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        permanent = exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPSenderRefused)
        raise DeliveryError(f"mail server said {exc.smtp_code} {text}", permanent) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"mail server connection failed: {exc}") from None
    finally:
        smtp_module._close(client)


def _deliver(channel: Channel, message: Outgoing, before_data: PhaseHook) -> None:
    if isinstance(channel, SmtpChannel):
        _send_email(channel, message, before_data)
    else:
        before_data()
        channel.send(message)


def send_one(work: AlertWorker, job: ClaimedJob, report: TickReport) -> None:
    """Send one claimed job and record the outcome (never raises for delivery)."""
    rkey: bytes | None = None
    try:
        sealed = _open(work, job)
        rkey = bytes.fromhex(sealed["result_key"])
        message_facts = sealed["message"]
        purpose = sealed["purpose"]
        now = work.clock()
        if purpose in REMINDER_PURPOSES and now >= reminder_deadline(message_facts):
            _mark_stale(work, job)
            report.skipped += 1
            return
        ack = AckInfo(**sealed["ack"]) if sealed.get("ack") else None
        with use_language(sealed.get("language")):
            message = compose(job.key, message_facts, now, ack)
        alerting = AlertSettings.from_json({"smtp": sealed.get("smtp"), "sms": sealed.get("sms")})
        channel = work.channel_for(sealed["channel"], alerting, sealed["to"], sealed.get("secret"))
        if job.reached_data:
            log.warning("taking over %s after its sender stopped; it may have gone out", job.key)
        _deliver(channel, message, lambda: _phase(work, job, "data"))
    except DeliveryError as exc:
        status = _mark_failed(work, job, work.clock(), rkey, str(exc), exc.permanent)
        if status == FAILED:
            report.failed += 1
        else:
            report.retrying += 1
        return
    except keys.KeyUnwrapFailed:
        log.error("alert job %s does not open with this server's alert key", job.key)
        _mark_failed(work, job, work.clock(), None, "sealed to another alert key", True)
        report.failed += 1
        return
    except Exception as exc:  # a fault of ours: retry later, and say why
        log.exception("alert job %s could not be prepared", job.key)
        _mark_failed(work, job, work.clock(), rkey, f"{type(exc).__name__}: {exc}", False)
        report.retrying += 1
        return
    digest = hashlib.sha256(message.text.encode()).hexdigest()
    _mark_sent(work, job, work.clock(), rkey, digest)
    report.sent += 1
    log.info("sent alert job %s", job.key)


def tick(work: AlertWorker, max_batches: int = 20) -> TickReport:
    """Send whatever is due now; a broken database or job never stops the worker."""
    report = TickReport()
    for _batch in range(max_batches):
        try:
            claimed = claim(work, work.clock())
        except DBAPIError as exc:
            log.warning("could not claim alert jobs: %s", exc.orig)
            report.errors += 1
            return report
        if not claimed:
            return report
        for job in claimed:
            try:
                send_one(work, job, report)
            except Exception:  # the outcome could not be recorded: the lease decides
                log.exception("alert job %s: the outcome could not be recorded", job.key)
                report.errors += 1
    return report


# -- the process ------------------------------------------------------------------------------


def _wait_for_notice(work: AlertWorker, stop: threading.Event, interval: float) -> None:
    """Sleep until a publish notifies, ``interval`` passes, or ``stop`` is set."""
    try:
        with work.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            conn.exec_driver_sql(f"LISTEN {NOTIFY_CHANNEL}")
            conn.commit()
            fileno = raw.fileno()  # type: ignore[union-attr]
            select_module.select([fileno], [], [], interval)
            conn.exec_driver_sql(f"UNLISTEN {NOTIFY_CHANNEL}")
            conn.commit()
    except Exception:  # the database is away: wait the interval and try again
        stop.wait(interval)


def run(work: AlertWorker, stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
    while not stop.is_set():
        report = tick(work)
        if not report.busy and not stop.is_set():
            _wait_for_notice(work, stop, interval)


def run_worker(settings: Any) -> None:
    """The check-in worker process ``safetrail server run`` starts (until SIGTERM)."""
    from safetrail.server.cases import Server

    logging.basicConfig(level=logging.WARNING)
    server = Server.connect(settings.database, settings.blobs)
    path = settings.alert_key_path
    alert_key.ensure(server.engine, path)
    work = AlertWorker(server.engine, alert_key.load_private(path))
    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        run(work, stop)
    finally:
        keys.wipe(work.private_key)
        server.close()


__all__ = ["AlertWorker", "TickReport", "claim", "run", "run_worker", "send_one", "tick"]

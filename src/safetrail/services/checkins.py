"""Check-ins and trusted contacts: the use cases behind the CLI and the web pages.

The buddy system, automated: say where you are going, with whom, and by when you
expect to check in. Before the time, SafeTrail reminds you; after it (plus a grace
period) it alerts your trusted contacts one at a time until one of them confirms.
The scheduling and sending live in ``safetrail.checkins``; this module is what a
person does: add contacts, set up alerts, start a check-in, check in.

What the check-in pages show is the same after a normal check-in and after one with
the duress code: the silent alert appears only in the alert history.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from safetrail.case import CaseContext
from safetrail.checkins import alerts, codes, outbox
from safetrail.checkins.acks import AckInbox, parse_code
from safetrail.checkins.channels.base import DeliveryError, Outgoing
from safetrail.checkins.channels.webhook import new_secret
from safetrail.checkins.clock import parse_stamp, stamp
from safetrail.checkins.deadline import parse_expected
from safetrail.checkins.messages import LATE_AFTER, at_text, duration_text
from safetrail.checkins.model import (
    DEFAULT_ESCALATE,
    DEFAULT_GRACE,
    DEFAULT_REMIND,
    AlertSettings,
    ChannelSpec,
    Contact,
    Place,
    Plan,
    Share,
    channel_label,
    channel_spec,
    contact_data,
    load_contacts,
    load_place,
    plan_minutes,
    public_url,
    save_alerting,
    sms_config,
    smtp_config,
)
from safetrail.checkins.scheduler import (
    CheckinContext,
    TickReport,
    close_schedule,
    default_channel,
    ingest_acks,
    start_schedule,
)
from safetrail.checkins.tables import checkin_outbox, checkin_schedule
from safetrail.domain.identifiers import normalise_phone
from safetrail.errors import ValidationError
from safetrail.i18n import N_, _
from safetrail.planning.emergency import emergency_for
from safetrail.storage.records import Record

# -- trusted contacts ----------------------------------------------------------------------


@dataclass
class ContactInput:
    name: str
    relationship: str | None = None
    email: str | None = None
    phone: str | None = None  # for text messages
    webhook_url: str | None = None
    webhook_secret: str | None = None  # made up when left empty


@dataclass(frozen=True)
class AddedContact:
    record: Record
    new_webhook_secret: str | None  # shown once, to set up the receiving side


def _channels(given: ContactInput, region: str) -> tuple[list[ChannelSpec], str | None]:
    channels = []
    made_secret = None
    if given.email and given.email.strip():
        channels.append(channel_spec("email", given.email, region))
    if given.phone and given.phone.strip():
        channels.append(channel_spec("sms", given.phone, region))
    if given.webhook_url and given.webhook_url.strip():
        secret = (given.webhook_secret or "").strip()
        if not secret:
            secret = made_secret = new_secret()
        channels.append(channel_spec("webhook", given.webhook_url, region, secret))
    return channels, made_secret


def add_contact(vault: CaseContext, given: ContactInput) -> AddedContact:
    with vault.read() as conn:
        region = load_place(conn, vault.store).country
    channels, made_secret = _channels(given, region)
    with vault.write() as conn:
        existing = load_contacts(conn, vault.store)
        position = max((c.position for c in existing), default=0) + 1
        data = contact_data(given.name, given.relationship, position, channels)
        record = vault.store.create(conn, "contact", data)
    vault.checkins_changed()
    return AddedContact(record, made_secret)


def list_contacts(vault: CaseContext) -> list[Contact]:
    with vault.read() as conn:
        return load_contacts(conn, vault.store)


def move_contact(vault: CaseContext, ref: str, direction: str) -> None:
    """Move a contact one place earlier ("up") or later ("down") in the order of alerts."""
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "contact", ref)
        contacts = load_contacts(conn, vault.store)
        index = next((i for i, c in enumerate(contacts) if c.id == record_id), None)
        if index is None:
            raise ValidationError(_("{ref} is no longer a trusted contact.").format(ref=ref))
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(contacts):
            return
        contacts[index], contacts[other] = contacts[other], contacts[index]
        for position, contact in enumerate(contacts, start=1):
            if contact.position != position:
                data = dict(vault.store.get(conn, contact.id).data)
                vault.store.amend(
                    conn, contact.id, {**data, "position": position}, _("order of contacts changed")
                )
    vault.checkins_changed()


def remove_contact(vault: CaseContext, ref: str) -> None:
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "contact", ref)
        vault.store.void(conn, record_id, _("removed from trusted contacts"))
    vault.checkins_changed()


# -- alert settings ------------------------------------------------------------------------


@dataclass
class AlertSettingsInput:
    """The alert settings form. Empty secret fields keep the secret already saved."""

    owner_name: str = ""
    owner_phone: str = ""
    police_number: str = ""
    public_url: str = ""
    smtp_host: str = ""
    smtp_port: str = "587"
    smtp_security: str = "starttls"
    smtp_sender: str = ""
    smtp_username: str = ""
    smtp_password: str = ""
    sms_endpoint: str = ""
    sms_account: str = ""
    sms_token: str = ""
    sms_sender: str = ""
    self_email: str = ""
    self_phone: str = ""
    self_webhook_url: str = ""
    self_webhook_secret: str = ""
    checkin_code: str = ""
    duress_code: str = ""
    clear_codes: bool = False
    grace_minutes: str = "15"
    remind_minutes: str = "15"
    escalate_minutes: str = "15"


_POLICE = re.compile(r"^[0-9+*# ]{2,20}$")


def alert_place(vault: CaseContext) -> Place:
    with vault.read() as conn:
        return load_place(conn, vault.store)


def settings_form(place: Place) -> AlertSettingsInput:
    """The form as it should appear: saved values, secrets left empty."""
    saved = place.alerting
    form = AlertSettingsInput(
        owner_name=saved.owner_name or "",
        owner_phone=saved.owner_phone or "",
        police_number=saved.police_number or "",
        public_url=saved.public_url or "",
        grace_minutes=str(saved.grace_minutes),
        remind_minutes=str(saved.remind_minutes),
        escalate_minutes=str(saved.escalate_minutes),
    )
    if saved.smtp:
        form.smtp_host, form.smtp_port = saved.smtp.host, str(saved.smtp.port)
        form.smtp_security, form.smtp_sender = saved.smtp.security, saved.smtp.sender
        form.smtp_username = saved.smtp.username or ""
    if saved.sms:
        form.sms_endpoint, form.sms_account = saved.sms.endpoint, saved.sms.account
        form.sms_sender = saved.sms.sender
    for channel in saved.self_channels:
        if channel.kind == "email":
            form.self_email = channel.to
        elif channel.kind == "sms":
            form.self_phone = channel.to
        elif channel.kind == "webhook":
            form.self_webhook_url = channel.to
    return form


def _codes(given: AlertSettingsInput, saved: AlertSettings) -> tuple[Any, Any]:
    if given.clear_codes:
        return None, None
    normal, duress = saved.checkin_code, saved.duress_code
    new_normal = given.checkin_code.strip()
    new_duress = given.duress_code.strip()
    if new_normal and new_duress and codes.normalise(new_normal) == codes.normalise(new_duress):
        raise ValidationError(
            _("The check-in code and the emergency code must be different."),
            _("Choose two codes you will not mix up."),
        )
    if new_duress and not new_normal and normal is not None and normal.matches(new_duress):
        raise ValidationError(_("The emergency code must differ from your check-in code."))
    if new_normal and not new_duress and duress is not None and duress.matches(new_normal):
        raise ValidationError(_("The check-in code must differ from your emergency code."))
    if new_normal:
        normal = codes.hash_code(new_normal)
    if new_duress:
        duress = codes.hash_code(new_duress)
    if duress is not None and normal is None:
        raise ValidationError(
            _("An emergency code needs a check-in code too."),
            _(
                "With both set, every check-in asks for a code, so using the emergency code "
                "looks exactly like an ordinary check-in."
            ),
        )
    return normal, duress


def _self_channels(
    given: AlertSettingsInput, saved: AlertSettings, region: str
) -> tuple[ChannelSpec, ...]:
    found = []
    if given.self_email.strip():
        found.append(channel_spec("email", given.self_email, region))
    if given.self_phone.strip():
        found.append(channel_spec("sms", given.self_phone, region))
    if given.self_webhook_url.strip():
        url = given.self_webhook_url.strip()
        old = next(
            (c.secret for c in saved.self_channels if c.kind == "webhook" and c.to == url), None
        )
        secret = given.self_webhook_secret.strip() or old or new_secret()
        found.append(channel_spec("webhook", url, region, secret))
    return tuple(found)


def _smtp(given: AlertSettingsInput, saved: AlertSettings) -> Any:
    if not given.smtp_host.strip():
        return None
    password = given.smtp_password
    if not password and saved.smtp and saved.smtp.host == given.smtp_host.strip():
        password = saved.smtp.password or ""
    return smtp_config(
        given.smtp_host,
        given.smtp_port,
        given.smtp_security,
        given.smtp_sender,
        given.smtp_username,
        password,
    )


def _sms(given: AlertSettingsInput, saved: AlertSettings) -> Any:
    if not given.sms_endpoint.strip():
        return None
    token = given.sms_token or (saved.sms.token if saved.sms else "")
    return sms_config(given.sms_endpoint, given.sms_account, token, given.sms_sender)


def save_alert_settings(vault: CaseContext, given: AlertSettingsInput) -> AlertSettings:
    place = alert_place(vault)
    saved = place.alerting
    police = given.police_number.strip() or None
    if police and not _POLICE.match(police):
        raise ValidationError(
            _("The police number can only contain digits, spaces and +."),
            _("Leave it empty to use {number}.").format(number=emergency_for(place.country).number),
        )
    phone = given.owner_phone.strip()
    grace, remind, escalate = plan_minutes(
        given.grace_minutes.strip() or DEFAULT_GRACE,
        given.remind_minutes.strip() or DEFAULT_REMIND,
        given.escalate_minutes.strip() or DEFAULT_ESCALATE,
    )
    normal, duress = _codes(given, saved)
    alerting = AlertSettings(
        owner_name=given.owner_name.strip() or None,
        owner_phone=normalise_phone(phone, place.country) if phone else None,
        police_number=police,
        public_url=public_url(given.public_url),
        smtp=_smtp(given, saved),
        sms=_sms(given, saved),
        self_channels=_self_channels(given, saved, place.country),
        checkin_code=normal,
        duress_code=duress,
        grace_minutes=grace,
        remind_minutes=remind,
        escalate_minutes=escalate,
    )
    with vault.write() as conn:
        saved = save_alerting(conn, vault.store, alerting, _("alert settings changed"))
    vault.checkins_changed()
    return saved


# -- test messages -------------------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    channel: str  # label, e.g. "Email: sam@example.org"
    ok: bool
    detail: str


def send_test(vault: CaseContext, ref: str | None) -> list[TestResult]:
    """Send a test message now to a contact (``ref``) or, with None, to yourself.

    Sent directly, not through the outbox: the point is to see at once whether the
    settings work. Not recorded in the ledger (nothing happened to anyone).
    """
    contact = None
    with vault.read() as conn:
        place = load_place(conn, vault.store)
        if ref is not None:
            record_id = vault.store.resolve(conn, "contact", ref)
            current = {c.id: c for c in load_contacts(conn, vault.store)}
            if record_id not in current:
                raise ValidationError(_("{ref} is not a current trusted contact.").format(ref=ref))
            contact = current[record_id]
    alerting = place.alerting
    owner = alerting.owner_name or _("someone who trusts you")
    channels = contact.channels if contact else alerting.self_channels
    if not channels:
        raise ValidationError(
            _("There is nowhere to send a test message yet."),
            _("Add an email address, a mobile number or a webhook first."),
        )
    if contact:
        subject = _("Test message from SafeTrail")
        text = _(
            "Hello {name},\n\n{owner} has added you as a trusted contact in SafeTrail. If "
            "they ever miss a check-in, SafeTrail will send you an alert like this one, with "
            "what to do. You do not need to do anything now.\n\nThank you for being there "
            "for them."
        ).format(name=contact.name, owner=owner)
    else:
        subject = _("Test message")
        text = _("This is a test message. Reminders will arrive like this.")
    now = vault.store.clock()
    results = []
    for channel in channels:
        message = Outgoing(
            key=f"test-{secrets.token_hex(16)}",
            to=channel.to,
            subject=subject,
            text=text,
            short_text=text.replace("\n\n", " "),
            data={"purpose": "test"},
            date=now,
        )
        try:
            default_channel(channel.kind, alerting, channel.to, channel.secret).send(message)
        except DeliveryError as exc:
            results.append(TestResult(channel.label, False, str(exc)))
        else:
            results.append(TestResult(channel.label, True, _("Sent.")))
    return results


# -- check-ins -----------------------------------------------------------------------------


@dataclass
class CheckinInput:
    where: str
    expected_by: str  # as typed: "21:30", "in 2h", "2026-11-01 21:30"
    with_whom: str | None = None
    grace_minutes: str | int | None = None  # None: the default from the alert settings
    remind_minutes: str | int | None = None
    escalate_minutes: str | int | None = None
    note: str | None = None
    person_refs: list[str] = field(default_factory=list)
    photo: bool = False
    vehicles: bool = False


def start_checkin(vault: CaseContext, given: CheckinInput) -> Record:
    now = vault.store.clock()
    with vault.read() as conn:
        place = load_place(conn, vault.store)
        contacts = [c for c in load_contacts(conn, vault.store) if c.channels]
    where = given.where.strip()
    if not where:
        raise ValidationError(
            _("Say where you are going, so your contacts know where to look."),
            _("A place and area is enough, for example: Café Rosa, Market Street."),
        )
    if not contacts:
        raise ValidationError(
            _("Add at least one trusted contact before starting a check-in."),
            _("They are the people SafeTrail alerts if you do not check in."),
        )
    defaults = place.alerting
    grace, remind, escalate = plan_minutes(
        defaults.grace_minutes if given.grace_minutes in (None, "") else given.grace_minutes,
        defaults.remind_minutes if given.remind_minutes in (None, "") else given.remind_minutes,
        defaults.escalate_minutes
        if given.escalate_minutes in (None, "")
        else given.escalate_minutes,
    )
    expected = parse_expected(given.expected_by, place.timezone, now)
    with vault.write() as conn:
        person_ids = tuple(vault.store.resolve(conn, "person", r) for r in given.person_refs if r)
        plan = Plan(
            where=where,
            with_whom=(given.with_whom or "").strip() or None,
            expected_by=expected,
            grace_minutes=grace,
            remind_minutes=remind,
            escalate_minutes=escalate,
            tz=place.timezone,
            share=Share(
                note=(given.note or "").strip() or None,
                person_ids=person_ids,
                photo=given.photo and bool(person_ids),
                vehicles=given.vehicles and bool(person_ids),
            ),
        )
        record = vault.store.create(conn, "checkin", plan.to_json())
        start_schedule(conn, record.id, plan, now)
    vault.checkins_changed()
    return record


def codes_required(vault: CaseContext) -> bool:
    return alert_place(vault).alerting.codes_required


def close_checkin(vault: CaseContext, ref: str, code: str | None = None, how: str = "done") -> None:
    """Check in (``how="done"``) or call it off (``"cancel"``).

    When codes are set, ``code`` must be the check-in code or the emergency code; both
    lead to the same record change and the same answer. The emergency code also
    queues the silent alert, which the scheduler sends on its next tick.
    """
    if how not in ("done", "cancel"):
        raise ValueError(how)
    place = alert_place(vault)
    alerting = place.alerting
    outcome: str = "normal"
    if alerting.codes_required:
        outcome = codes.check(code or "", alerting.checkin_code, alerting.duress_code)
        if outcome == "wrong":
            raise ValidationError(
                _("That code is not right, so you are not checked in yet."),
                _("Type your check-in code again."),
            )
    ctx = CheckinContext.for_vault(vault)
    now = vault.store.clock()
    with ctx.writing() as conn:
        record_id = vault.store.resolve(conn, "checkin", ref)
        record = vault.store.get(conn, record_id)
        plan = Plan.from_json(record.data)
        if plan.status != "active" or record.voided:
            raise ValidationError(
                _("{ref} is already closed.").format(ref=record.ref),
                _("Start a new check-in if you are going out again."),
            )
        status = "done" if how == "done" else "cancelled"
        closed = replace(plan, status=status, closed_at=stamp(now))
        reason = _("checked in") if how == "done" else _("called off")
        vault.store.amend(conn, record_id, closed.to_json(), reason)
        close_schedule(conn, ctx, record_id, outcome, now)
    vault.checkins_changed()


# -- acknowledgements ----------------------------------------------------------------------


def acknowledge_code(vault: CaseContext, code: str) -> bool:
    """Record a contact's reply code typed in by hand (``safetrail checkin ack``)."""
    canonical = parse_code(code)
    if canonical is None:
        raise ValidationError(
            _("That does not look like a reply code."),
            _("A reply code looks like K7QD-M2XP-9RC; check each character."),
        )
    with vault.write() as conn:
        counted = alerts.acknowledge(
            conn, vault.store, "code", canonical, stamp(vault.store.clock())
        )
    vault.checkins_changed()
    return counted


def submit_acknowledgement(
    inbox: AckInbox, kind: str, text: str, now: datetime, vault: CaseContext | None
) -> None:
    """Keep an acknowledgement from the open /ack pages; record it now when unlocked.

    Always answers the same way, whether the token exists or not.
    """
    inbox.submit(kind, text, now)
    if vault is not None:
        ingest_acks(CheckinContext.for_vault(vault), TickReport())


# -- what the pages show -------------------------------------------------------------------

STATUS_TEXT = {
    "waiting": N_("Expected by {expected}"),
    "due": N_("Time to check in. Your contacts will be alerted at {alert_at}."),
    "overdue": N_("Overdue. Alerts go out as soon as SafeTrail can send them."),
    "alerting": N_("Not checked in: alerting your contacts one by one."),
    "all_notified": N_("Not checked in: all your contacts have been alerted."),
    "acknowledged": N_("Not checked in: {name} has confirmed they are dealing with it."),
    "done": N_("Checked in at {closed}"),
    "cancelled": N_("Called off at {closed}"),
}


@dataclass(frozen=True)
class CheckinView:
    ref: str
    where: str
    with_whom: str | None
    expected_by: str
    alert_at: str
    status: str
    status_text: str
    active: bool
    alerted: tuple[str, ...]  # names of contacts alerted so far (missed check-ins only)
    shared: tuple[str, ...]


def _view(
    record: Record,
    schedule: Any,
    alert: Record | None,
    names: dict[str, str],
    people: dict[str, str],
    now: datetime,
) -> CheckinView:
    plan = Plan.from_json(record.data)
    tz = plan.tz
    alerted: tuple[str, ...] = ()
    acknowledged_by = ""
    if plan.status != "active":
        status = plan.status
    elif alert is not None and alert.data["cause"] == "missed":
        status = alert.data["status"]
        alerted = tuple(names.get(n["contact_id"], "?") for n in alert.data["notified"])
        acks = alert.data.get("acknowledgements") or []
        acknowledged_by = names.get(acks[0]["contact_id"], "?") if acks else ""
    elif now >= plan.alert_at:
        status = "overdue"
    elif now >= plan.expected_by:
        status = "due"
    else:
        status = "waiting"
    closed = at_text(plan.closed_at, tz) if plan.closed_at else ""
    shared = []
    if plan.share.note:
        shared.append(plan.share.note)
    for person_id in plan.share.person_ids:
        extras = [
            _("photo") if plan.share.photo else None,
            _("vehicles") if plan.share.vehicles else None,
        ]
        detail = ", ".join(e for e in extras if e)
        name = people.get(person_id, "?")
        shared.append(f"{name} ({detail})" if detail else name)
    text = _(STATUS_TEXT[status]).format(
        expected=at_text(plan.expected_by, tz),
        alert_at=at_text(plan.alert_at, tz),
        closed=closed,
        name=acknowledged_by,
    )
    return CheckinView(
        ref=record.ref,
        where=plan.where,
        with_whom=plan.with_whom,
        expected_by=at_text(plan.expected_by, tz),
        alert_at=at_text(plan.alert_at, tz),
        status=status,
        status_text=text,
        active=plan.status == "active",
        alerted=alerted if plan.status == "active" else (),
        shared=tuple(shared),
    )


def _views(vault: CaseContext, ids: list[str]) -> list[CheckinView]:
    now = vault.store.clock()
    with vault.read() as conn:
        found = vault.store.load(conn, ids)
        rows = {
            r.checkin_id: r
            for r in conn.execute(
                select(checkin_schedule).where(checkin_schedule.c.checkin_id.in_(ids))
            )
        }
        alert_records = {
            r.checkin_id: vault.store.get(conn, r.alert_id) for r in rows.values() if r.alert_id
        }
        names = {c.id: c.name for c in _all_contacts(vault, conn)}
        person_ids = sorted(
            {p for r in found for p in r.data.get("share", {}).get("person_ids", [])}
        )
        people = {
            p.id: p.data["names"][0]
            for p in vault.store.load(conn, person_ids)
            if p.kind == "person"
        }
    return [_view(r, rows.get(r.id), alert_records.get(r.id), names, people, now) for r in found]


def _all_contacts(vault: CaseContext, conn: Any) -> list[Contact]:
    ids = vault.store.list_ids(conn, "contact")
    return [Contact.from_record(r) for r in vault.store.load(conn, ids)]


def list_checkins(
    vault: CaseContext, recent: int = 20
) -> tuple[list[CheckinView], list[CheckinView]]:
    """Running check-ins and the most recent closed ones (newest first).

    Only the latest 200 are looked at: a check-in runs for at most 14 days, so any
    that is still running is among them.
    """
    with vault.read() as conn:
        ids = vault.store.list_ids(conn, "checkin")[-200:]
    views = _views(vault, ids)
    active = sorted((v for v in views if v.active), key=lambda v: v.ref)
    closed = [v for v in reversed(views) if not v.active][:recent]
    return active, closed


def checkin_view(vault: CaseContext, ref: str) -> CheckinView:
    with vault.read() as conn:
        record_id = vault.store.resolve(conn, "checkin", ref)
    return _views(vault, [record_id])[0]


# -- alert history -------------------------------------------------------------------------

CAUSE_TEXT = {
    "missed": N_("Missed check-in"),
    "duress": N_("Silent alert (emergency code)"),
}
ALERT_STATUS_TEXT = {
    "alerting": N_("Alerting contacts one by one"),
    "all_notified": N_("Everyone on the list was alerted"),
    "acknowledged": N_("A contact confirmed they are dealing with it"),
    "resolved": N_("Resolved: checked in after the alert"),
    "superseded": N_("Followed by a silent alert"),
}
DELIVERY_TEXT = {
    outbox.PENDING: N_("waiting to be sent"),
    outbox.SENDING: N_("being sent"),
    outbox.SENT: N_("sent"),
    outbox.FAILED: N_("could not be sent"),
    outbox.CANCELLED: N_("not needed any more"),
}
PURPOSE_TEXT = {
    "alert": N_("alert"),
    "duress": N_("silent alert"),
    "all_clear": N_("all-clear"),
    "reminder": N_("reminder"),
    "deadline": N_("reminder"),
}


@dataclass(frozen=True)
class MessageView:
    contact: str
    channel: str
    to: str
    purpose: str
    status: str
    when: str
    attempts: int
    problem: str | None


@dataclass(frozen=True)
class AlertView:
    ref: str
    checkin_ref: str
    cause: str
    cause_text: str
    raised_at: str
    late: str | None
    status_text: str
    notified: tuple[str, ...]
    acknowledged: tuple[str, ...]
    messages: tuple[MessageView, ...]


def alert_history(vault: CaseContext) -> list[AlertView]:
    """Every alert, newest first, with each message and its fate (for the person only)."""
    with vault.read() as conn:
        place = load_place(conn, vault.store)
        found = vault.store.load(conn, vault.store.list_ids(conn, "alert"))
        contacts = {c.id: c.name for c in _all_contacts(vault, conn)}
        refs = vault.store.refs(conn, sorted({a.data["checkin_id"] for a in found}))
        rows = outbox.rows_for(conn, [a.id for a in found])
    tz = place.timezone
    by_alert: dict[str, list[Any]] = {}
    for row in rows:
        by_alert.setdefault(row.record_id, []).append(row)
    views = []
    for alert in reversed(found):
        data = alert.data
        due, raised = parse_stamp(data["due_at"]), parse_stamp(data["raised_at"])
        late = duration_text(raised - due) if raised - due > LATE_AFTER else None
        messages = tuple(
            MessageView(
                contact=contacts.get(row.contact_id or "", "?"),
                channel=channel_label(row.channel),
                to=_payload_to(row.payload),
                purpose=_(PURPOSE_TEXT.get(row.purpose, row.purpose)),
                status=_(DELIVERY_TEXT.get(row.status, row.status)),
                when=at_text(row.sent_at or row.next_attempt_at, tz),
                attempts=row.attempts,
                problem=row.last_error if row.status != outbox.SENT else None,
            )
            for row in by_alert.get(alert.id, [])
        )
        views.append(
            AlertView(
                ref=alert.ref,
                checkin_ref=refs.get(data["checkin_id"], ""),
                cause=data["cause"],
                cause_text=_(CAUSE_TEXT.get(data["cause"], data["cause"])),
                raised_at=at_text(data["raised_at"], tz),
                late=late,
                status_text=_(ALERT_STATUS_TEXT.get(data["status"], data["status"])),
                notified=tuple(
                    f"{contacts.get(n['contact_id'], '?')} ({at_text(n['at'], tz)})"
                    for n in data["notified"]
                ),
                acknowledged=tuple(
                    f"{contacts.get(a['contact_id'], '?')} ({at_text(a['at'], tz)})"
                    for a in data.get("acknowledgements", [])
                ),
                messages=messages,
            )
        )
    return views


def _payload_to(payload: str) -> str:
    return str(json.loads(payload).get("to", ""))


def sending_problems(vault: CaseContext) -> list[str]:
    """Why reminders and missed-check-in alerts are waiting for another try (never the
    silent alert: the check-in pages must look the same after the emergency code)."""
    with vault.read() as conn:
        rows = conn.execute(
            select(checkin_outbox.c.channel, checkin_outbox.c.last_error)
            .where(
                checkin_outbox.c.status == outbox.PENDING,
                checkin_outbox.c.last_error.is_not(None),
                checkin_outbox.c.purpose.in_(("alert", "reminder", "deadline")),
            )
            .limit(5)
        ).all()
    return [f"{channel_label(r.channel)}: {r.last_error}" for r in rows]

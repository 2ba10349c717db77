"""Alerts as records: raising one, alerting contacts in order, acknowledging, resolving.

Everything here runs inside one write transaction handed in by the caller and does
no network I/O: it changes records (chained in the ledger) and queues messages in
the outbox, so a crash either keeps all of a step or none of it.

Alert record data::

    {"checkin_id", "cause": "missed" | "duress",
     "raised_at", "due_at",            # when it was raised, and when it should have been
     "code_used_at",                   # duress only: when the emergency code was used
     "status": "alerting" | "all_notified" | "acknowledged" | "resolved" | "superseded",
     "order": [contact ids],           # the order of escalation when it was raised
     "notified": [{"contact_id", "at"}],
     "deliveries": [{"contact_id", "channel", "to", "purpose", "key", "status",
                     "at", "attempts", "sha256", "error"}],
     "acknowledgements": [{"contact_id", "via", "at"}],
     "resolved_at"}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from safetrail.checkins import outbox
from safetrail.checkins.acks import AckKeys, parse_code, token_hash
from safetrail.checkins.clock import stamp
from safetrail.checkins.model import ChannelSpec, Contact, Place, Plan, Share, load_contacts
from safetrail.checkins.tables import checkin_ack_tokens, checkin_outbox, checkin_schedule
from safetrail.errors import RecordNotFound
from safetrail.i18n import _
from safetrail.planning.emergency import emergency_for
from safetrail.storage.records import Record, RecordStore

OPEN_STATUSES = frozenset({"alerting", "all_notified", "acknowledged", "superseded"})
ALERTING = "alerting"
ALL_NOTIFIED = "all_notified"


@dataclass(frozen=True)
class AlertScope:
    """What every message about one check-in needs to know, read once per step."""

    store: RecordStore
    keys: AckKeys
    place: Place
    checkin: Record
    plan: Plan
    now: datetime

    @property
    def police(self) -> str:
        return self.place.alerting.police_number or emergency_for(self.place.country).number


def shared_details(conn: Connection, store: RecordStore, share: Share) -> dict[str, Any]:
    """Only what the person chose: their note, and for each chosen person the name and,
    if chosen, vehicles and photo (by reference: the photo is read when sending)."""
    people = []
    for person_id in share.person_ids:
        try:
            person = store.get(conn, person_id)
        except RecordNotFound:
            continue
        if person.voided:
            continue
        data = person.data
        entry: dict[str, Any] = {
            "name": data["names"][0],
            "relationship": data.get("relationship"),
        }
        if share.vehicles:
            entry["vehicles"] = list(data.get("vehicles", []))
        photo_id = data.get("photo_evidence_id")
        if share.photo and photo_id:
            try:
                photo = store.get(conn, photo_id)
            except RecordNotFound:
                photo = None
            if photo is not None and not photo.voided:
                entry["photo"] = {
                    "blob_address": photo.data["blob_address"],
                    "media_type": photo.data.get("media_type") or "application/octet-stream",
                    "name": photo.data["original_name"],
                }
        people.append(entry)
    return {"note": share.note, "people": people}


def _payload(
    scope: AlertScope, purpose: str, to: str, contact: Contact | None, due_at: datetime
) -> dict[str, Any]:
    alerting = scope.place.alerting
    plan = scope.plan
    return {
        "purpose": purpose,
        "to": to,
        "contact": {"id": contact.id, "name": contact.name} if contact else None,
        "owner": {"name": alerting.owner_name, "phone": alerting.owner_phone},
        "police": scope.police,
        "tz": plan.tz,
        "due_at": stamp(due_at),
        "checkin": {
            "ref": scope.checkin.ref,
            "where": plan.where,
            "with_whom": plan.with_whom,
            "expected_by": stamp(plan.expected_by),
            "alert_at": stamp(plan.alert_at),
            "grace_minutes": plan.grace_minutes,
        },
    }


def _queue(
    conn: Connection,
    scope: AlertScope,
    record_id: str,
    purpose: str,
    contact: Contact | None,
    channels: tuple[ChannelSpec, ...],
    due_at: datetime,
    key_parts: tuple[str, ...],
    extra: dict[str, Any],
) -> int:
    queued = 0
    for index, channel in enumerate(channels):
        payload = _payload(scope, purpose, channel.to, contact, due_at) | extra
        key = outbox.idempotency_key(purpose, record_id, *key_parts, str(index), channel.to)
        queued += outbox.enqueue(
            conn,
            key=key,
            record_id=record_id,
            contact_id=contact.id if contact else None,
            purpose=purpose,
            channel=channel.kind,
            payload=payload,
            now=scope.now,
        )
    return queued


def queue_reminder(conn: Connection, scope: AlertScope, purpose: str, due_at: datetime) -> int:
    """A discreet reminder to the person's own channels ("reminder" or "deadline")."""
    return _queue(
        conn,
        scope,
        scope.checkin.id,
        purpose,
        None,
        scope.place.alerting.self_channels,
        due_at,
        (),
        {},
    )


def _issue_tokens(conn: Connection, keys: AckKeys, alert_id: str, contact_id: str) -> None:
    for kind, text in (
        ("link", keys.link_token(alert_id, contact_id)),
        ("code", keys.reply_code(alert_id, contact_id)),
    ):
        digest = token_hash(kind, text)
        if conn.execute(
            select(checkin_ack_tokens.c.token_hash).where(checkin_ack_tokens.c.token_hash == digest)
        ).first():
            continue
        conn.execute(
            checkin_ack_tokens.insert().values(
                token_hash=digest, alert_id=alert_id, contact_id=contact_id, kind=kind
            )
        )


def _notify(
    conn: Connection,
    scope: AlertScope,
    alert: Record,
    contact: Contact,
    position: int,
    next_at: datetime | None,
    due_at: datetime,
    share: dict[str, Any],
) -> None:
    data = alert.data
    extra = {
        "share": share,
        "alert": {
            "id": alert.id,
            "ref": alert.ref,
            "cause": data["cause"],
            "raised_at": data["raised_at"],
            "code_used_at": data.get("code_used_at"),
            "position": position,
            "total": len(data["order"]),
            "next_at": stamp(next_at) if next_at else None,
        },
    }
    purpose = "duress" if data["cause"] == "duress" else "alert"
    _issue_tokens(conn, scope.keys, alert.id, contact.id)
    _queue(conn, scope, alert.id, purpose, contact, contact.channels, due_at, (contact.id,), extra)


def raise_alert(
    conn: Connection,
    scope: AlertScope,
    cause: str,
    due_at: datetime,
    code_used_at: datetime | None = None,
) -> tuple[Record, bool]:
    """Create the alert and alert the first contact (every contact for a duress alert).

    Returns the alert and whether more contacts are left to alert later.
    """
    store = scope.store
    contacts = [c for c in load_contacts(conn, store) if c.channels]
    everyone = cause == "duress"
    first = contacts if everyone else contacts[:1]
    more = not everyone and len(contacts) > 1
    now_text = stamp(scope.now)
    data = {
        "checkin_id": scope.checkin.id,
        "cause": cause,
        "raised_at": now_text,
        "due_at": stamp(due_at),
        "code_used_at": stamp(code_used_at) if code_used_at else None,
        "status": ALERTING if more else ALL_NOTIFIED,
        "order": [c.id for c in contacts],
        "notified": [{"contact_id": c.id, "at": now_text} for c in first],
        "deliveries": [],
        "acknowledgements": [],
        "resolved_at": None,
    }
    reason = _("silent alert: the emergency code was used") if everyone else _("missed check-in")
    alert = store.create(conn, "alert", data, reason)
    share = shared_details(conn, store, scope.plan.share)
    next_at = scope.now + _escalation(scope.plan) if more else None
    for position, contact in enumerate(first, start=1):
        _notify(conn, scope, alert, contact, position, next_at, due_at, share)
    return alert, more


def _escalation(plan: Plan) -> timedelta:
    return timedelta(minutes=plan.escalate_minutes)


def escalate(
    conn: Connection, scope: AlertScope, alert_id: str, index: int, due_at: datetime
) -> tuple[int, bool]:
    """Alert the contact at ``index`` in the alert's order (skipping removed ones).

    Returns the index after the one alerted and whether anyone is left after it.
    """
    store = scope.store
    alert = store.get(conn, alert_id)
    data = alert.data
    order: list[str] = data["order"]
    current = {c.id: c for c in load_contacts(conn, store) if c.channels}
    while index < len(order) and order[index] not in current:
        index += 1  # removed since the alert was raised
    if index >= len(order):
        if data["status"] == ALERTING:
            store.amend(
                conn, alert.id, {**data, "status": ALL_NOTIFIED}, _("everyone on the list alerted")
            )
        return index, False
    contact = current[order[index]]
    more = any(cid in current for cid in order[index + 1 :])
    next_at = scope.now + _escalation(scope.plan) if more else None
    notified = [*data["notified"], {"contact_id": contact.id, "at": stamp(scope.now)}]
    updated = {**data, "notified": notified, "status": ALERTING if more else ALL_NOTIFIED}
    alert = store.amend(
        conn,
        alert.id,
        updated,
        _("no one has confirmed yet: alerting {ref}").format(ref=contact.ref),
    )
    share = shared_details(conn, store, scope.plan.share)
    _notify(conn, scope, alert, contact, index + 1, next_at, due_at, share)
    return index + 1, more


def supersede(conn: Connection, store: RecordStore, alert_id: str) -> None:
    """A missed-check-in alert still escalating when the emergency code is used: the
    silent alert goes to everyone, so this one stops escalating (it still takes
    confirmations)."""
    alert = store.get(conn, alert_id)
    if alert.data["status"] == ALERTING:
        store.amend(
            conn, alert.id, {**alert.data, "status": "superseded"}, _("a silent alert followed")
        )


def resolve(conn: Connection, scope: AlertScope, alert_id: str) -> bool:
    """The person checked in after all: stop the alert and tell whoever was alerted."""
    store = scope.store
    alert = store.get(conn, alert_id)
    data = alert.data
    if data["status"] not in OPEN_STATUSES:
        return False
    outbox.cancel_pending(conn, alert_id)
    reached = {
        str(cid)
        for cid in conn.execute(
            select(checkin_outbox.c.contact_id).where(
                checkin_outbox.c.record_id == alert_id,
                checkin_outbox.c.purpose.in_(("alert", "duress")),
                checkin_outbox.c.status.in_((outbox.SENT, outbox.SENDING)),
            )
        ).scalars()
        if cid
    }
    checked_in = stamp(scope.now)
    for contact in load_contacts(conn, store):
        if contact.id in reached:
            _queue(
                conn,
                scope,
                alert.id,
                "all_clear",
                contact,
                contact.channels,
                scope.now,
                (contact.id,),
                {"checked_in_at": checked_in, "alert": {"id": alert.id, "ref": alert.ref}},
            )
    store.amend(
        conn,
        alert.id,
        {**data, "status": "resolved", "resolved_at": checked_in},
        _("resolved: the check-in was made after the alert"),
    )
    return True


def acknowledge(
    conn: Connection, store: RecordStore, kind: str, text: str, received_at: str
) -> bool:
    """Record an acknowledgement given by link token or reply code; False if it matches
    no open alert, or was already counted (each token works once)."""
    if kind == "code":
        canonical = parse_code(text)
        if canonical is None:
            return False
        text = canonical
    elif kind != "link":
        return False
    found = conn.execute(
        select(checkin_ack_tokens).where(checkin_ack_tokens.c.token_hash == token_hash(kind, text))
    ).first()
    if found is None:
        return False
    alert = store.get(conn, found.alert_id)
    data = alert.data
    if data["status"] not in OPEN_STATUSES:
        return False
    given = data.get("acknowledgements", [])
    if any(a["contact_id"] == found.contact_id and a["via"] == kind for a in given):
        return False
    first = not given
    entry = {"contact_id": found.contact_id, "via": kind, "at": received_at}
    updated = {**data, "acknowledgements": [*given, entry], "status": "acknowledged"}
    ref = store.refs(conn, [found.contact_id]).get(found.contact_id, found.contact_id)
    store.amend(conn, alert.id, updated, _("acknowledged by {ref}").format(ref=ref))
    if first and data["cause"] == "missed":
        outbox.cancel_pending(conn, alert.id)  # someone is on it: stop the escalation
        conn.execute(
            checkin_schedule.update()
            .where(checkin_schedule.c.alert_id == alert.id, checkin_schedule.c.phase == "alerting")
            .values(phase="closed", next_at=None)
        )
    return True


def record_delivery(
    conn: Connection,
    store: RecordStore,
    alert_id: str,
    entry: dict[str, Any],
    reason: str,
) -> None:
    alert = store.get(conn, alert_id)
    data = alert.data
    store.amend(conn, alert.id, {**data, "deliveries": [*data["deliveries"], entry]}, reason)

"""The words of every message: alerts, the silent (duress) alert, reminders, all-clear.

Messages are written at the moment they are sent, from the facts stored with the
outbox row, so a message that goes out late says how late it is. Alerts say who,
where, since when and what to do, and include only what the person chose to share.
Reminders go to the person's own phone or inbox, which someone else may see: they
say only "check in by …", nothing about why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from safetrail.checkins.channels.base import Attachment, Outgoing
from safetrail.checkins.clock import parse_stamp
from safetrail.i18n import _

LATE_AFTER = timedelta(minutes=2)  # later than this, the message says so

ALERT_PURPOSES = frozenset({"alert", "duress", "all_clear"})
REMINDER_PURPOSES = frozenset({"reminder", "deadline"})


@dataclass(frozen=True)
class AckInfo:
    link: str | None
    code: str | None
    code_page: str | None


def at_text(moment: datetime | str, tz: str) -> str:
    """ "21:15 GMT on 2026-11-01": the time first, the zone named, the date unambiguous."""
    value = parse_stamp(moment) if isinstance(moment, str) else moment
    local = value.astimezone(ZoneInfo(tz))
    return _("{time} {zone} on {date}").format(
        time=local.strftime("%H:%M"), zone=local.tzname() or tz, date=local.strftime("%Y-%m-%d")
    )


def duration_text(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("{d} d {h} h {m} min").format(d=days, h=hours, m=mins)
    if hours:
        return _("{h} h {m} min").format(h=hours, m=mins)
    return _("{m} min").format(m=mins)


def phone_text(number: str) -> str:
    """ "+44 7700 900123": international format, readable from any country."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def _owner(payload: dict[str, Any]) -> str:
    return str(payload["owner"].get("name") or _("the person who added you as a trusted contact"))


def _lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p is not None)


def _late(payload: dict[str, Any], now: datetime, tz: str) -> str | None:
    due = parse_stamp(payload["due_at"])
    if now - due <= LATE_AFTER:
        return None
    return _(
        "This message is {late} late: it was due at {due}. SafeTrail could not send it on "
        "time (the computer may have been off, SafeTrail locked, or the message service "
        "unreachable)."
    ).format(late=duration_text(now - due), due=at_text(due, tz))


def _plan_lines(payload: dict[str, Any], tz: str) -> list[str]:
    checkin = payload.get("checkin")
    if not checkin:
        return []
    lines = [_("Where they said they would be: {where}").format(where=checkin["where"])]
    if checkin.get("with_whom"):
        lines.append(_("Who they were meeting: {who}").format(who=checkin["with_whom"]))
    lines.append(
        _("They expected to check in by: {when}").format(when=at_text(checkin["expected_by"], tz))
    )
    return lines


def _share_lines(payload: dict[str, Any], owner: str) -> list[str]:
    share = payload.get("share") or {}
    lines: list[str] = []
    if share.get("note"):
        lines.append(share["note"])
    for person in share.get("people", []):
        name = person["name"]
        if person.get("relationship"):
            name = f"{name} ({person['relationship']})"
        lines.append(
            _("The person {owner} is worried about: {name}").format(owner=owner, name=name)
        )
        for vehicle in person.get("vehicles", []):
            text = vehicle["description"] + (
                f", {vehicle['plate']}" if vehicle.get("plate") else ""
            )
            lines.append("  " + _("Vehicle: {vehicle}").format(vehicle=text))
        if person.get("photo"):
            lines.append("  " + _("A photo of them is attached (email) or included (webhook)."))
    if not lines:
        return []
    return ["", _("What {owner} chose to share with you").format(owner=owner), *lines]


def _ack_lines(ack: AckInfo | None, owner: str) -> list[str]:
    if ack is None or not (ack.link or ack.code):
        return []
    lines = ["", _("If you are dealing with this, please let SafeTrail know:")]
    if ack.link:
        lines.append(ack.link)
    if ack.code and ack.code_page:
        lines.append(
            _("or enter the code {code} at {page}").format(code=ack.code, page=ack.code_page)
        )
    lines.append(
        _("This tells SafeTrail that someone is looking out for {owner}.").format(owner=owner)
    )
    return lines


def _footer(payload: dict[str, Any], owner: str) -> str:
    refs = [
        r for r in (payload.get("alert", {}).get("ref"), payload.get("checkin", {}).get("ref")) if r
    ]
    return _lines(
        "",
        "-- ",
        _("Sent by SafeTrail on behalf of {owner}. Reference: {refs}.").format(
            owner=owner, refs=", ".join(refs)
        ),
    )


def _missed(payload: dict[str, Any], now: datetime, ack: AckInfo | None) -> tuple[str, str, str]:
    tz = payload["tz"]
    owner = _owner(payload)
    contact = payload["contact"]["name"]
    checkin = payload["checkin"]
    alert = payload["alert"]
    phone = phone_text(payload["owner"]["phone"]) if payload["owner"].get("phone") else None
    police = payload["police"]
    call = (
        _("1. Call {owner} on {phone}.").format(owner=owner, phone=phone)
        if phone
        else _("1. Try to call or message {owner}.").format(owner=owner)
    )
    escalation = None
    if alert.get("next_at"):
        escalation = _(
            "You are number {k} of {n} people on {owner}'s list. If no one lets SafeTrail know "
            "they are dealing with it, the next person will be alerted at {when}."
        ).format(
            k=alert["position"], n=alert["total"], owner=owner, when=at_text(alert["next_at"], tz)
        )
    text = _lines(
        _("Hello {contact},").format(contact=contact),
        "",
        _(
            "{owner} asked SafeTrail to tell you if they did not check in on time. "
            "They have not checked in."
        ).format(owner=owner),
        "",
        *_plan_lines(payload, tz),
        _("SafeTrail waited {grace} more minutes, until {when}.").format(
            grace=checkin["grace_minutes"], when=at_text(checkin["alert_at"], tz)
        ),
        "",
        _("What to do now"),
        call,
        _(
            "2. If you cannot reach them and you are worried, call the police on {police}. "
            "Tell them {owner} did not check in, where they said they would be, and what "
            "is below."
        ).format(police=police, owner=owner),
        *_share_lines(payload, owner),
        *_ack_lines(ack, owner),
        *(["", escalation] if escalation else []),
        *(["", late] if (late := _late(payload, now, tz)) else []),
        _footer(payload, owner),
    )
    subject = _("{owner} has not checked in: please check on them").format(owner=owner)
    short = " ".join(
        p
        for p in (
            _(
                "SafeTrail alert: {owner} has not checked in (expected by {when}, at: {where})."
            ).format(owner=owner, when=at_text(checkin["expected_by"], tz), where=checkin["where"]),
            _("Please call them{phone}.").format(phone=f" ({phone})" if phone else ""),
            _("If you cannot reach them, call the police on {police}.").format(police=police),
            _short_ack(ack),
            _short_late(payload, now),
        )
        if p
    )
    return subject, text, short


def _duress(payload: dict[str, Any], now: datetime, ack: AckInfo | None) -> tuple[str, str, str]:
    tz = payload["tz"]
    owner = _owner(payload)
    contact = payload["contact"]["name"]
    alert = payload["alert"]
    police = payload["police"]
    used_at = at_text(alert["code_used_at"], tz)
    text = _lines(
        _("Hello {contact},").format(contact=contact),
        "",
        _(
            "At {when}, {owner} used their emergency code in SafeTrail. They set up this code "
            "to ask for help without anyone near them noticing. They may be with someone who "
            "is pressuring them, and may not be able to speak freely."
        ).format(when=used_at, owner=owner),
        "",
        *_plan_lines(payload, tz),
        "",
        _("What to do now"),
        _(
            "1. If you think {owner} is in danger, call the police on {police} now. Tell them "
            "{owner} sent a silent alert, and where they said they would be."
        ).format(owner=owner, police=police),
        _(
            "2. If you contact {owner}, be careful: someone else may see their phone. Do not "
            "mention this alert unless they do."
        ).format(owner=owner),
        *_share_lines(payload, owner),
        *_ack_lines(ack, owner),
        "",
        _(
            "Everyone on {owner}'s list of trusted contacts received this alert at the same time."
        ).format(owner=owner),
        *(["", late] if (late := _late(payload, now, tz)) else []),
        _footer(payload, owner),
    )
    subject = _("{owner} may need help now: silent alert").format(owner=owner)
    where = (payload.get("checkin") or {}).get("where")
    short = " ".join(
        p
        for p in (
            _("SafeTrail SILENT ALERT: {owner} used their emergency code at {when}.").format(
                owner=owner, when=used_at
            ),
            _("They may not be able to talk freely.")
            + (" " + _("Last plan: {where}.").format(where=where) if where else ""),
            _("If you think they are in danger, call the police on {police}.").format(
                police=police
            ),
            _("Do not mention this alert if you contact them."),
            _short_ack(ack),
            _short_late(payload, now),
        )
        if p
    )
    return subject, text, short


def _all_clear(payload: dict[str, Any], now: datetime) -> tuple[str, str, str]:
    tz = payload["tz"]
    owner = _owner(payload)
    contact = payload["contact"]["name"]
    checked_in = at_text(payload["checked_in_at"], tz)
    text = _lines(
        _("Hello {contact},").format(contact=contact),
        "",
        _(
            "{owner} checked in at {when}, after SafeTrail sent you an alert. SafeTrail will "
            "send no more alerts about this check-in."
        ).format(owner=owner, when=checked_in),
        _("If you already asked someone else for help, you may want to let them know."),
        "",
        _("Thank you for looking out for {owner}.").format(owner=owner),
        _footer(payload, owner),
    )
    subject = _("{owner} has checked in").format(owner=owner)
    short = _("SafeTrail: {owner} has checked in ({when}). No more alerts about this.").format(
        owner=owner, when=checked_in
    )
    return subject, text, short


def reminder_deadline(payload: dict[str, Any]) -> datetime:
    """After this moment a reminder no longer helps: the check-in time (for "reminder") or
    the end of the grace period (for "deadline"), when contacts are alerted."""
    checkin = payload["checkin"]
    key = "expected_by" if payload["purpose"] == "reminder" else "alert_at"
    return parse_stamp(checkin[key])


def _reminder(payload: dict[str, Any], now: datetime) -> tuple[str, str, str]:
    tz = payload["tz"]
    checkin = payload["checkin"]
    if payload["purpose"] == "reminder":
        text = _("A reminder to check in by {when}.").format(
            when=at_text(checkin["expected_by"], tz)
        )
    else:
        text = _("It is time to check in (by {when} at the latest).").format(
            when=at_text(checkin["alert_at"], tz)
        )
    late = _short_late(payload, now)
    if late is not None:  # a reminder held up (the mail server was down) says so
        text = f"{text} {late}"
    return _("Reminder"), text, text


def _short_ack(ack: AckInfo | None) -> str | None:
    if ack is None:
        return None
    if ack.link:
        return _("If you are dealing with it, confirm here: {link}").format(link=ack.link)
    return None


def _short_late(payload: dict[str, Any], now: datetime) -> str | None:
    due = parse_stamp(payload["due_at"])
    if now - due <= LATE_AFTER:
        return None
    return _("(Sent {late} late.)").format(late=duration_text(now - due))


def compose(
    key: str,
    payload: dict[str, Any],
    now: datetime,
    ack: AckInfo | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Outgoing:
    """The message for one outbox row, written for the time ``now``."""
    purpose = payload["purpose"]
    if purpose == "alert":
        subject, text, short = _missed(payload, now, ack)
    elif purpose == "duress":
        subject, text, short = _duress(payload, now, ack)
    elif purpose == "all_clear":
        subject, text, short = _all_clear(payload, now)
    elif purpose in REMINDER_PURPOSES:
        subject, text, short = _reminder(payload, now)
    else:
        raise ValueError(f"unknown message purpose {purpose!r}")
    urgent = purpose in ("alert", "duress")
    due = parse_stamp(payload["due_at"])
    data = {
        "purpose": purpose,
        "alert": (payload.get("alert") or {}).get("ref"),
        "checkin": (payload.get("checkin") or {}).get("ref"),
        "due_at": payload["due_at"],
        "late_by_seconds": max(0, int((now - due).total_seconds())),
        "ack_url": ack.link if ack else None,
        "ack_code": ack.code if ack else None,
    }
    if purpose in ("alert", "duress"):
        checkin = payload.get("checkin") or {}
        data.update(
            {
                "owner": payload["owner"].get("name"),
                "owner_phone": payload["owner"].get("phone"),
                "where": checkin.get("where"),
                "with_whom": checkin.get("with_whom"),
                "expected_by": checkin.get("expected_by"),
                "police": payload["police"],
            }
        )
    return Outgoing(
        key=key,
        to=str(payload["to"]),
        subject=subject,
        text=text,
        short_text=short,
        priority="urgent" if urgent else "default",
        data=data,
        attachments=attachments if urgent else (),
        date=now,
    )

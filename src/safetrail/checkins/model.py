"""The shapes of check-in data: contacts, plans, alert settings, and how they are stored.

Record data (versioned, chained in the ledger):

* ``contact``: ``{"name", "relationship", "position", "channels": [{"kind", "to", "secret"?}]}``
  ``position`` is the order of escalation (1 first).
* ``checkin``: ``{"where", "with_whom", "expected_by", "grace_minutes", "remind_minutes",
  "escalate_minutes", "tz", "share": {"note", "person_ids", "photo", "vehicles"},
  "status": "active" | "done" | "cancelled", "closed_at"}``
* ``alert``: see ``safetrail.checkins.scheduler``.
* the vault's ``settings`` record keeps an ``"alerting"`` object (``AlertSettings``):
  the mail server, the SMS provider, where reminders go, the codes. Passwords and
  tokens live there, inside the encrypted vault, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from safetrail.checkins.channels.base import check_web_address, is_loopback_host
from safetrail.checkins.channels.sms import SmsConfig
from safetrail.checkins.channels.smtp import SECURITY, SmtpConfig
from safetrail.checkins.clock import parse_stamp, stamp
from safetrail.checkins.codes import CodeHash
from safetrail.domain.identifiers import normalise_email, normalise_phone
from safetrail.errors import ValidationError
from safetrail.i18n import N_, _
from safetrail.storage.records import Record, RecordStore
from safetrail.storage.tables import records

CHANNEL_KINDS = ("email", "sms", "webhook")
CHANNEL_LABELS = {"email": N_("Email"), "sms": N_("Text message"), "webhook": N_("Webhook")}
DEFAULT_GRACE = 15
DEFAULT_REMIND = 15
DEFAULT_ESCALATE = 15
MAX_MINUTES = 24 * 60


def channel_label(kind: str) -> str:
    return _(CHANNEL_LABELS[kind]) if kind in CHANNEL_LABELS else kind


@dataclass(frozen=True)
class ChannelSpec:
    """One way to reach someone: an email address, a mobile number or a webhook."""

    kind: str
    to: str
    secret: str | None = None  # webhooks only: the signing secret

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "to": self.to}
        if self.secret:
            data["secret"] = self.secret
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChannelSpec:
        return cls(str(data["kind"]), str(data["to"]), data.get("secret") or None)

    @property
    def label(self) -> str:
        return f"{channel_label(self.kind)}: {self.to}"


def channel_spec(kind: str, to: str, region: str, secret: str | None = None) -> ChannelSpec:
    """Check and normalise one channel (what the person typed → what is stored)."""
    to = to.strip()
    if kind == "email":
        return ChannelSpec("email", normalise_email(to))
    if kind == "sms":
        return ChannelSpec("sms", normalise_phone(to, region))
    if kind == "webhook":
        url = check_web_address(to, _("webhook"))
        if not secret or len(secret) < 16:
            raise ValidationError(
                _("A webhook needs a signing secret of at least 16 characters."),
                _("Leave the secret empty and SafeTrail will make one for you."),
            )
        return ChannelSpec("webhook", url, secret)
    raise ValidationError(_("{kind} is not a way SafeTrail can send messages.").format(kind=kind))


def _minutes(value: Any, name: str, low: int = 0) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            _("{name} needs a whole number of minutes, for example 15.").format(name=name)
        ) from None
    if not low <= number <= MAX_MINUTES:
        raise ValidationError(
            _("{name} must be between {low} and {high} minutes.").format(
                name=name, low=low, high=MAX_MINUTES
            )
        )
    return number


# -- contacts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    id: str
    ref: str
    name: str
    relationship: str | None
    position: int
    channels: tuple[ChannelSpec, ...]
    voided: bool = False

    @classmethod
    def from_record(cls, record: Record) -> Contact:
        data = record.data
        return cls(
            id=record.id,
            ref=record.ref,
            name=str(data["name"]),
            relationship=data.get("relationship"),
            position=int(data.get("position", record.ref_no)),
            channels=tuple(ChannelSpec.from_json(c) for c in data.get("channels", [])),
            voided=record.voided,
        )


def contact_data(
    name: str, relationship: str | None, position: int, channels: list[ChannelSpec]
) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise ValidationError(
            _("Give the contact a name, so alerts can greet them."),
            _("A first name is enough."),
        )
    if not channels:
        raise ValidationError(
            _(
                "Add at least one way to reach {name}: an email address, a mobile number or a "
                "webhook."
            ).format(name=name)
        )
    return {
        "name": name,
        "relationship": (relationship or "").strip() or None,
        "position": position,
        "channels": [c.to_json() for c in channels],
    }


def load_contacts(conn: Connection, store: RecordStore) -> list[Contact]:
    """Current trusted contacts in their order of escalation."""
    ids = store.list_ids(conn, "contact")
    found = [Contact.from_record(r) for r in store.load(conn, ids)]
    return sorted((c for c in found if not c.voided), key=lambda c: (c.position, c.ref))


# -- check-in plans -----------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """What the person chose to include in an alert, beyond where and when."""

    note: str | None = None
    person_ids: tuple[str, ...] = ()
    photo: bool = False
    vehicles: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "person_ids": list(self.person_ids),
            "photo": self.photo,
            "vehicles": self.vehicles,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Share:
        data = data or {}
        return cls(
            note=data.get("note") or None,
            person_ids=tuple(data.get("person_ids", [])),
            photo=bool(data.get("photo")),
            vehicles=bool(data.get("vehicles")),
        )


@dataclass(frozen=True)
class Plan:
    where: str
    with_whom: str | None
    expected_by: datetime
    grace_minutes: int
    remind_minutes: int
    escalate_minutes: int
    tz: str
    share: Share = field(default_factory=Share)
    status: str = "active"
    closed_at: str | None = None

    @property
    def alert_at(self) -> datetime:
        return self.expected_by + timedelta(minutes=self.grace_minutes)

    @property
    def remind_at(self) -> datetime | None:
        if self.remind_minutes <= 0:
            return None
        return self.expected_by - timedelta(minutes=self.remind_minutes)

    def to_json(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "with_whom": self.with_whom,
            "expected_by": stamp(self.expected_by),
            "grace_minutes": self.grace_minutes,
            "remind_minutes": self.remind_minutes,
            "escalate_minutes": self.escalate_minutes,
            "tz": self.tz,
            "share": self.share.to_json(),
            "status": self.status,
            "closed_at": self.closed_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            where=str(data["where"]),
            with_whom=data.get("with_whom"),
            expected_by=parse_stamp(str(data["expected_by"])),
            grace_minutes=int(data["grace_minutes"]),
            remind_minutes=int(data.get("remind_minutes", 0)),
            escalate_minutes=int(data.get("escalate_minutes", DEFAULT_ESCALATE)),
            tz=str(data["tz"]),
            share=Share.from_json(data.get("share")),
            status=str(data.get("status", "active")),
            closed_at=data.get("closed_at"),
        )


def plan_minutes(grace: Any, remind: Any, escalate: Any) -> tuple[int, int, int]:
    return (
        _minutes(grace, _("The grace period")),
        _minutes(remind, _("The reminder")),
        _minutes(escalate, _("The time between contacts"), low=1),
    )


# -- alert settings (inside the vault's settings record) -----------------------------------


@dataclass(frozen=True)
class AlertSettings:
    owner_name: str | None = None  # how contacts know the person
    owner_phone: str | None = None  # so contacts can call them first
    police_number: str | None = None  # None: the country's emergency number
    public_url: str | None = None  # where contacts can reach /ack/… (server or tunnel)
    smtp: SmtpConfig | None = None
    sms: SmsConfig | None = None
    self_channels: tuple[ChannelSpec, ...] = ()  # where reminders go
    checkin_code: CodeHash | None = None
    duress_code: CodeHash | None = None
    grace_minutes: int = DEFAULT_GRACE
    remind_minutes: int = DEFAULT_REMIND
    escalate_minutes: int = DEFAULT_ESCALATE

    @property
    def codes_required(self) -> bool:
        return self.checkin_code is not None

    def to_json(self) -> dict[str, Any]:
        smtp = self.smtp
        sms = self.sms
        return {
            "owner_name": self.owner_name,
            "owner_phone": self.owner_phone,
            "police_number": self.police_number,
            "public_url": self.public_url,
            "smtp": None
            if smtp is None
            else {
                "host": smtp.host,
                "port": smtp.port,
                "security": smtp.security,
                "sender": smtp.sender,
                "sender_name": smtp.sender_name,
                "username": smtp.username,
                "password": smtp.password,
            },
            "sms": None
            if sms is None
            else {
                "endpoint": sms.endpoint,
                "account": sms.account,
                "token": sms.token,
                "sender": sms.sender,
            },
            "self_channels": [c.to_json() for c in self.self_channels],
            "checkin_code": self.checkin_code.to_json() if self.checkin_code else None,
            "duress_code": self.duress_code.to_json() if self.duress_code else None,
            "grace_minutes": self.grace_minutes,
            "remind_minutes": self.remind_minutes,
            "escalate_minutes": self.escalate_minutes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> AlertSettings:
        data = data or {}
        smtp = data.get("smtp")
        sms = data.get("sms")
        return cls(
            owner_name=data.get("owner_name"),
            owner_phone=data.get("owner_phone"),
            police_number=data.get("police_number"),
            public_url=data.get("public_url"),
            smtp=None
            if not smtp
            else SmtpConfig(
                host=str(smtp["host"]),
                port=int(smtp["port"]),
                security=str(smtp["security"]),
                sender=str(smtp["sender"]),
                sender_name=str(smtp.get("sender_name") or "SafeTrail"),
                username=smtp.get("username") or None,
                password=smtp.get("password") or None,
            ),
            sms=None
            if not sms
            else SmsConfig(
                endpoint=str(sms["endpoint"]),
                account=str(sms["account"]),
                token=str(sms["token"]),
                sender=str(sms["sender"]),
            ),
            self_channels=tuple(ChannelSpec.from_json(c) for c in data.get("self_channels", [])),
            checkin_code=CodeHash.from_json(data.get("checkin_code")),
            duress_code=CodeHash.from_json(data.get("duress_code")),
            grace_minutes=int(data.get("grace_minutes", DEFAULT_GRACE)),
            remind_minutes=int(data.get("remind_minutes", DEFAULT_REMIND)),
            escalate_minutes=int(data.get("escalate_minutes", DEFAULT_ESCALATE)),
        )


def smtp_config(
    host: str,
    port: int | str,
    security: str,
    sender: str,
    username: str | None,
    password: str | None,
) -> SmtpConfig:
    host = host.strip()
    if not host:
        raise ValidationError(_("Give the mail server's name, for example smtp.example.com."))
    try:
        number = int(str(port).strip())
    except ValueError:
        raise ValidationError(_("The mail server port must be a number, such as 587.")) from None
    if not 0 < number < 65536:
        raise ValidationError(_("The mail server port must be a number, such as 587."))
    if security not in SECURITY:
        raise ValidationError(_("Choose how to connect: STARTTLS, TLS, or none."))
    if security == "none" and not is_loopback_host(host):
        raise ValidationError(
            _("Email to another computer must be sent over an encrypted connection."),
            _("Choose STARTTLS (usually port 587) or TLS (usually port 465)."),
        )
    return SmtpConfig(
        host=host,
        port=number,
        security=security,
        sender=normalise_email(sender),
        username=(username or "").strip() or None,
        password=password or None,
    )


def sms_config(endpoint: str, account: str, token: str, sender: str) -> SmsConfig:
    url = check_web_address(endpoint, _("SMS provider"))
    if not account.strip() or not token:
        raise ValidationError(
            _("The SMS provider needs the account id and the token (or password) it gave you.")
        )
    if not sender.strip():
        raise ValidationError(_("Give the number or name the text messages come from."))
    return SmsConfig(endpoint=url, account=account.strip(), token=token, sender=sender.strip())


def public_url(text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    return check_web_address(text.strip(), _("public")).rstrip("/")


# -- reading and writing the settings record ------------------------------------------------


@dataclass(frozen=True)
class Place:
    settings_id: str | None
    country: str
    timezone: str
    data: dict[str, Any]

    @property
    def alerting(self) -> AlertSettings:
        return AlertSettings.from_json(self.data.get("alerting"))


def load_place(conn: Connection, store: RecordStore) -> Place:
    """The settings record: country, time zone and the alert settings."""
    found = conn.execute(
        select(records.c.id).where(records.c.kind == "settings").order_by(records.c.ref_no)
    ).scalar()
    if found is None:
        return Place(None, "US", "UTC", {})
    data = dict(store.get(conn, str(found)).data)
    return Place(str(found), str(data.get("country", "US")), str(data.get("timezone", "UTC")), data)


def save_alerting(
    conn: Connection, store: RecordStore, alerting: AlertSettings, reason: str
) -> AlertSettings:
    place = load_place(conn, store)
    if place.settings_id is None:
        raise ValidationError(_("This vault has no settings record."))
    data = dict(place.data)
    data["alerting"] = alerting.to_json()
    if data != place.data:
        store.amend(conn, place.settings_id, data, reason)
    return alerting

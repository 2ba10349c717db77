"""No-contact notices and protective orders: dated events analysis counts from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select

from safetrail.case import CaseContext
from safetrail.domain.when import OccurredAt, zone
from safetrail.errors import RecordVoided, ValidationError
from safetrail.i18n import N_, _
from safetrail.planning.resources import OrderKind, order_kind
from safetrail.services import settings
from safetrail.services.incidents import IncidentInput, build_data
from safetrail.services.people import PersonChoice, local_time_text, person_choices
from safetrail.storage.records import Record
from safetrail.storage.tables import events

NOTICE_METHODS = (
    "in_person",
    "text_message",
    "email",
    "letter",
    "messaging_app",
    "via_police",
    "via_lawyer",
    "other",
)


def _day(text: str, what: str) -> str:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ValidationError(
            _("{what} must be a date like 2026-03-14 (year-month-day).").format(what=what)
        ) from None


@dataclass
class NoticeInput:
    sent_on: str
    method: str
    person: str | None = None
    summary: str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class OrderInput:
    order_type: str
    issued_on: str
    expires_on: str | None = None
    issuer: str | None = None
    reference: str | None = None
    conditions: str | None = None
    person: str | None = None
    evidence: list[str] = field(default_factory=list)
    kind_id: str | None = None  # an order kind from the resources dataset, e.g. "gb_spo"
    no_contact: bool | None = None  # the order forbids all contact (None: not said)
    distance_m: int | str | None = None  # must stay this many metres away
    remind_days: int | str | None = None  # remind this many days before it ends


def _person_and_evidence(
    vault: CaseContext, conn: Any, person: str | None, evidence: list[str]
) -> tuple[str | None, list[str]]:
    person_id = vault.store.resolve(conn, "person", person) if person else None
    ids = sorted({vault.store.resolve(conn, "evidence", e) for e in evidence})
    return person_id, ids


def add_notice(vault: CaseContext, given: NoticeInput) -> Record:
    if given.method not in NOTICE_METHODS:
        raise ValidationError(
            _("How was the notice given? Use one of: {m}.").format(m=", ".join(NOTICE_METHODS))
        )
    with vault.write() as conn:
        person_id, evidence_ids = _person_and_evidence(vault, conn, given.person, given.evidence)
        data = {
            "starts_on": _day(given.sent_on, _("The date the notice was given")),
            "method": given.method,
            "person_id": person_id,
            "summary": (given.summary or "").strip() or None,
            "evidence_ids": evidence_ids,
        }
        return vault.store.create(conn, "notice", data)


def add_order(vault: CaseContext, given: OrderInput) -> Record:
    kind = given.order_type.strip()
    if not kind:
        raise ValidationError(_('Say what kind of order it is, for example "restraining order".'))
    terms = {
        "kind_id": _kind_id(given.kind_id),
        "terms": {
            "no_contact": given.no_contact,
            "distance_m": _distance(given.distance_m),
        },
        "remind_days": _remind_days(given.remind_days),
    }
    with vault.write() as conn:
        person_id, evidence_ids = _person_and_evidence(vault, conn, given.person, given.evidence)
        issued = _day(given.issued_on, _("The date the order was made"))
        expires = _day(given.expires_on, _("The expiry date")) if given.expires_on else None
        if expires and expires < issued:
            raise ValidationError(_("The order cannot expire before it was made."))
        data = {
            "order_type": kind,
            "starts_on": issued,
            "ends_on": expires,
            "issuer": (given.issuer or "").strip() or None,
            "reference": (given.reference or "").strip() or None,
            "conditions": (given.conditions or "").strip() or None,
            "person_id": person_id,
            "evidence_ids": evidence_ids,
            **terms,
        }
        return vault.store.create(conn, "order", data)


def list_events(vault: CaseContext, kind: str) -> list[Record]:
    with vault.read() as conn:
        ids = (
            conn.execute(
                select(events.c.record_id)
                .where(events.c.kind == kind, events.c.voided.is_(False))
                .order_by(events.c.starts_on)
            )
            .scalars()
            .all()
        )
        return vault.store.load(conn, [str(i) for i in ids])


# --- for the web pages ---------------------------------------------------------------

NOTICE_METHOD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "in_person": N_("In person"),
        "text_message": N_("Text message"),
        "email": N_("Email"),
        "letter": N_("Letter"),
        "messaging_app": N_("Messaging app"),
        "via_police": N_("Through the police"),
        "via_lawyer": N_("Through a lawyer"),
        "other": N_("Another way"),
    }
)


def method_label(slug: str) -> str:
    """Plain words for how a notice was given."""
    return _(NOTICE_METHOD_LABELS[slug]) if slug in NOTICE_METHOD_LABELS else slug


@dataclass(frozen=True)
class NoticeRow:
    ref: str
    sent_on: str
    method: str
    person: PersonChoice | None
    summary: str | None


@dataclass(frozen=True)
class OrderRow:
    ref: str
    order_type: str
    issued_on: str
    expires_on: str | None
    in_force: bool
    issuer: str | None
    reference: str | None
    conditions: str | None
    person: PersonChoice | None


@dataclass(frozen=True)
class EventsOverview:
    notices: list[NoticeRow]
    orders: list[OrderRow]
    people: list[PersonChoice]


def overview(vault: CaseContext, today: date | None = None) -> EventsOverview:
    """Notices and orders, oldest first, with names for the people they concern."""
    notices = list_events(vault, "notice")
    orders = list_events(vault, "order")
    with vault.read() as conn:
        person_ids = {r.data["person_id"] for r in [*notices, *orders] if r.data.get("person_id")}
        refs = vault.store.refs(conn, sorted(person_ids))
    named = {c.ref: c for c in person_choices(vault, include_voided=True)}

    def person(data: dict[str, Any]) -> PersonChoice | None:
        ref = refs.get(data.get("person_id") or "")
        return named.get(ref) if ref else None

    day = (today or datetime.now(zone(settings.current(vault).timezone)).date()).isoformat()
    return EventsOverview(
        notices=[
            NoticeRow(
                ref=r.ref,
                sent_on=r.data["starts_on"],
                method=method_label(r.data["method"]),
                person=person(r.data),
                summary=r.data.get("summary"),
            )
            for r in notices
        ],
        orders=[
            OrderRow(
                ref=r.ref,
                order_type=r.data["order_type"],
                issued_on=r.data["starts_on"],
                expires_on=r.data.get("ends_on"),
                in_force=r.data.get("ends_on") is None or r.data["ends_on"] >= day,
                issuer=r.data.get("issuer"),
                reference=r.data.get("reference"),
                conditions=r.data.get("conditions"),
                person=person(r.data),
            )
            for r in orders
        ],
        people=person_choices(vault),
    )


# --- protective orders: terms, expiry reminders, a copy, and breaches -------------------
#
# An order's record keeps everything about it; each change is a new version of it.
# A breach is recorded as an ordinary incident (tactic "order_breach", the order's
# person as offender, the order's reference in the first line of the description),
# and the order's record lists the incidents that breached it under
# "breach_incident_ids". Both are written in one transaction. The incident schema is
# unchanged: to find the order an incident breached, see :func:`breached_orders`.

DEFAULT_REMIND_DAYS = 30
MAX_DISTANCE_M = 100_000


def _kind_id(kind_id: str | None) -> str | None:
    if not kind_id or not kind_id.strip():
        return None
    if order_kind(kind_id.strip()) is None:
        raise ValidationError(
            _("SafeTrail does not know the order kind {kind}.").format(kind=kind_id),
            _("Choose one from the list, or leave it empty and describe the order."),
        )
    return kind_id.strip()


def _whole_number(value: int | str | None, what: str, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            _("{what} must be a whole number.").format(what=what),
            _("Use digits only, for example 100."),
        ) from None
    if not low <= number <= high:
        raise ValidationError(
            _("{what} must be between {low} and {high}.").format(what=what, low=low, high=high)
        )
    return number


def _distance(value: int | str | None) -> int | None:
    return _whole_number(value, _("The distance in metres"), 1, MAX_DISTANCE_M)


def _remind_days(value: int | str | None) -> int | None:
    return _whole_number(value, _("The number of days before the end"), 1, 365)


def _today(vault: CaseContext) -> date:
    return datetime.now(zone(settings.current(vault).timezone)).date()


@dataclass(frozen=True)
class OrderReminder:
    """An order that ends soon (or has just ended), and what to do about it."""

    ref: str
    order_type: str
    ends_on: str
    days_left: int  # negative once it has ended

    @property
    def ended(self) -> bool:
        return self.days_left < 0

    def message(self) -> str:
        if self.ended:
            return _(
                "{type} {ref} ended on {day}. If you still need protection, ask the court, the "
                "police or a support service about a new order."
            ).format(type=self.order_type, ref=self.ref, day=self.ends_on)
        if self.days_left == 0:
            return _(
                "{type} {ref} ends today. Ask the court, the police or a support service "
                "about extending it if you still need it."
            ).format(type=self.order_type, ref=self.ref)
        return _(
            "{type} {ref} ends in {n} days, on {day}. Ask the court, the police or a support "
            "service about extending it if you still need it."
        ).format(type=self.order_type, ref=self.ref, n=self.days_left, day=self.ends_on)


RECENTLY_ENDED_DAYS = 30


def order_reminder(record: Record, today: date) -> OrderReminder | None:
    """A reminder for one order, if its end is within its reminder window (or just past)."""
    ends = record.data.get("ends_on")
    if record.voided or not ends:
        return None
    left = (date.fromisoformat(ends) - today).days
    window = record.data.get("remind_days") or DEFAULT_REMIND_DAYS
    if -RECENTLY_ENDED_DAYS <= left <= window:
        return OrderReminder(record.ref, record.data["order_type"], ends, left)
    return None


def order_reminders(vault: CaseContext, today: date | None = None) -> list[OrderReminder]:
    """Orders ending soon or just ended, soonest first (for the plan, the home page, the CLI)."""
    day = today or _today(vault)
    found = [order_reminder(r, day) for r in list_events(vault, "order")]
    return sorted((r for r in found if r), key=lambda r: r.ends_on)


def _live_order(vault: CaseContext, conn: Any, ref: str) -> Record:
    current = vault.store.get(conn, vault.store.resolve(conn, "order", ref))
    if current.voided:
        raise RecordVoided(
            _("{ref} was withdrawn, so it cannot be changed.").format(ref=current.ref),
            _("It stays in the history as it was."),
        )
    return current


@dataclass
class OrderChanges:
    """New values for an order's terms; None leaves a value as it is."""

    kind_id: str | None = None
    no_contact: bool | None = None
    distance_m: int | str | None = None
    conditions: str | None = None
    expires_on: str | None = None
    remind_days: int | str | None = None


def update_order(vault: CaseContext, ref: str, changes: OrderChanges, reason: str) -> Record:
    """Save new terms for an order as a new version (the earlier ones are kept)."""
    with vault.write() as conn:
        current = _live_order(vault, conn, ref)
        data = dict(current.data)
        terms = dict(data.get("terms") or {})
        if changes.kind_id is not None:
            data["kind_id"] = _kind_id(changes.kind_id)
        if changes.no_contact is not None:
            terms["no_contact"] = changes.no_contact
        if changes.distance_m is not None:
            terms["distance_m"] = _distance(changes.distance_m)
        if changes.conditions is not None:
            data["conditions"] = changes.conditions.strip() or None
        if changes.expires_on is not None:
            text = changes.expires_on.strip()
            expires = _day(text, _("The expiry date")) if text else None
            if expires and expires < data["starts_on"]:
                raise ValidationError(_("The order cannot expire before it was made."))
            data["ends_on"] = expires
        if changes.remind_days is not None:
            data["remind_days"] = _remind_days(changes.remind_days)
        data["terms"] = {
            "no_contact": terms.get("no_contact"),
            "distance_m": terms.get("distance_m"),
        }
        if data == current.data:
            return current
        return vault.store.amend(conn, current.id, data, reason)


def attach_order_copy(vault: CaseContext, ref: str, evidence_ref: str) -> Record:
    """Link an exhibit (a scan or photo of the order) to the order as its copy."""
    with vault.write() as conn:
        current = _live_order(vault, conn, ref)
        evidence_id = vault.store.resolve(conn, "evidence", evidence_ref)
        linked = sorted(set(current.data.get("evidence_ids") or []) | {evidence_id})
        if linked == sorted(current.data.get("evidence_ids") or []):
            return current
        return vault.store.amend(
            conn, current.id, {**current.data, "evidence_ids": linked}, _("copy of the order added")
        )


@dataclass
class BreachInput:
    """What the person says about a breach; all of it may be left empty."""

    what_happened: str = ""
    when: str = "now"
    where: str | None = None


def breach_text(order: Record, described: str) -> str:
    """The incident's description: which order was breached, then the person's own words."""
    data = order.data
    reference = data.get("reference")
    first = (
        _("Breach of protective order {ref} ({type}, reference {reference}).")
        if reference
        else _("Breach of protective order {ref} ({type}).")
    ).format(ref=order.ref, type=data["order_type"], reference=reference)
    words = described.strip()
    return f"{first}\n{words}" if words else first


def record_breach(vault: CaseContext, ref: str, given: BreachInput | None = None) -> Record:
    """Record "the order was breached": a new incident linked to the order, in one step.

    Returns the incident. The order's record gains the incident in
    "breach_incident_ids" (a new version of the order, reason naming the incident).
    """
    given = given or BreachInput()
    with vault.write() as conn:
        order = _live_order(vault, conn, ref)
        person = order.data.get("person_id")
        incident_input = IncidentInput(
            what_happened=breach_text(order, given.what_happened),
            when=given.when.strip() or "now",
            where=given.where,
            tactics=["order_breach"],
            offenders=[person] if person else [],
        )
        data = build_data(vault, incident_input, conn)
        day = OccurredAt.from_json(data["occurred"]).local_start.date().isoformat()
        if day < order.data["starts_on"]:
            raise ValidationError(
                _("That date is before the order was made ({day}).").format(
                    day=order.data["starts_on"]
                ),
                _("Check the date, or record it as an ordinary incident."),
            )
        ends = order.data.get("ends_on")
        if ends and day > ends:
            raise ValidationError(
                _("The order had already ended on {day}.").format(day=ends),
                _("Check the date, or record it as an ordinary incident."),
            )
        incident = vault.store.create(conn, "incident", data)
        breaches = [*(order.data.get("breach_incident_ids") or []), incident.id]
        vault.store.amend(
            conn,
            order.id,
            {**order.data, "breach_incident_ids": breaches},
            _("breach recorded as {ref}").format(ref=incident.ref),
        )
        return incident


def breached_orders(vault: CaseContext) -> dict[str, list[str]]:
    """Incident id → references of the orders it is recorded as breaching."""
    found: dict[str, list[str]] = {}
    for order in list_events(vault, "order"):
        for incident_id in order.data.get("breach_incident_ids") or []:
            found.setdefault(incident_id, []).append(order.ref)
    return found


@dataclass(frozen=True)
class OrderVersion:
    version: int
    recorded_at: str
    reason: str | None


@dataclass(frozen=True)
class BreachRow:
    ref: str
    when: str
    voided: bool


@dataclass(frozen=True)
class OrderDetail:
    record: Record
    row: OrderRow
    kind: OrderKind | None
    no_contact: bool | None
    distance_m: int | None
    remind_days: int
    reminder: OrderReminder | None
    breaches: list[BreachRow]
    copies: list[tuple[str, str]]  # (exhibit ref, original file name)
    history: list[OrderVersion]


def order_detail(vault: CaseContext, ref: str, today: date | None = None) -> OrderDetail:
    """One order with its terms, copies, breaches, reminder and every version."""
    tz = settings.current(vault).timezone
    day = today or _today(vault)
    with vault.read() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "order", ref))
        history = vault.store.history(conn, record.id)
        data = record.data
        breaches = vault.store.load(conn, list(data.get("breach_incident_ids") or []))
        exhibits = vault.store.load(conn, list(data.get("evidence_ids") or []))
        person_ref = (
            vault.store.refs(conn, [data["person_id"]]).get(data["person_id"])
            if data.get("person_id")
            else None
        )
    named = {c.ref: c for c in person_choices(vault, include_voided=True)}
    terms = data.get("terms") or {}
    row = OrderRow(
        ref=record.ref,
        order_type=data["order_type"],
        issued_on=data["starts_on"],
        expires_on=data.get("ends_on"),
        in_force=not record.voided
        and (data.get("ends_on") is None or data["ends_on"] >= day.isoformat()),
        issuer=data.get("issuer"),
        reference=data.get("reference"),
        conditions=data.get("conditions"),
        person=named.get(person_ref) if person_ref else None,
    )
    return OrderDetail(
        record=record,
        row=row,
        kind=order_kind(data.get("kind_id")),
        no_contact=terms.get("no_contact"),
        distance_m=terms.get("distance_m"),
        remind_days=data.get("remind_days") or DEFAULT_REMIND_DAYS,
        reminder=order_reminder(record, day),
        breaches=[
            BreachRow(b.ref, OccurredAt.from_json(b.data["occurred"]).display(), b.voided)
            for b in breaches
        ],
        copies=[(e.ref, e.data.get("original_name", "")) for e in exhibits],
        history=[
            OrderVersion(v.version, local_time_text(v.recorded_at, tz), v.reason) for v in history
        ],
    )

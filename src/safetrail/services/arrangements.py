"""Permitted contact arrangements and the marks that say a record fell inside or outside one.

Some people must stay in touch with the person stalking them, usually because they share
the care of children: a court order or an agreement allows handover messages on one
channel, at set times. An *arrangement* (record kind "arrangement", ``AR-``) says with
whom, by which channel(s), about what, when and where, and where the permission comes from.

A *mark* (record kind "arrangement_mark", ``AM-``) says that one incident or one imported
message was inside an arrangement (or, explicitly, outside all of them), with the reason.
A record has at most one mark record; changing one's mind adds a new version of it, so the
history shows every decision. Nothing is marked without the person confirming it:
``arrangement_review`` only suggests.

Analysis (``analysis.loader``) reads both, and the one rule for contact after a notice and
during an order counts only what is *not* marked inside.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from safetrail.case import CaseContext
from safetrail.domain import vocab
from safetrail.domain.identifiers import parse_identifier
from safetrail.domain.when import zone
from safetrail.errors import RecordNotFound, RecordVoided, ValidationError
from safetrail.i18n import N_, _
from safetrail.services import settings
from safetrail.services.imports.summaries import _CHANNEL_SLUG
from safetrail.storage.records import Record
from safetrail.storage.tables import records

__all__ = [
    "DAYS",
    "ArrangementInput",
    "ChannelSpec",
    "Window",
    "add_arrangement",
    "end_arrangement",
    "get_arrangement",
    "list_arrangements",
    "list_marks",
    "mark",
    "marks_by_target",
    "parse_channel",
    "parse_window",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {
    "mon": N_("Monday"),
    "tue": N_("Tuesday"),
    "wed": N_("Wednesday"),
    "thu": N_("Thursday"),
    "fri": N_("Friday"),
    "sat": N_("Saturday"),
    "sun": N_("Sunday"),
}
SOURCES = ("order", "agreement")
# Imported channels (as importers name them) and incident channels (vocab slugs) both work.
RAW_CHANNELS = tuple(sorted(_CHANNEL_SLUG))
_WINDOW = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:\s*[,\-]\s*[a-z]{3})*)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class ChannelSpec:
    """One permitted channel: an imported channel ("whatsapp", "sms", "email") or an
    incident channel ("messaging_app"), optionally one identifier (number, address)."""

    channel: str
    identifier: str | None = None  # normalised, as stored on communications

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "identifier": self.identifier}

    @property
    def slug(self) -> str:
        """The incident channel this belongs to."""
        return _CHANNEL_SLUG.get(self.channel, self.channel)

    def text(self) -> str:
        return f"{self.channel}: {self.identifier}" if self.identifier else self.channel


@dataclass(frozen=True)
class Window:
    """Days of the week and a local time span (``end`` after ``start``)."""

    days: tuple[str, ...]
    start: time
    end: time

    def to_json(self) -> dict[str, Any]:
        return {
            "days": list(self.days),
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }

    def covers(self, weekday: int, clock: time) -> bool:
        return DAYS[weekday] in self.days and self.start <= clock <= self.end

    def text(self) -> str:
        days = ", ".join(_(DAY_LABELS[d]) for d in self.days)
        return _("{days}, {start} to {end}").format(
            days=days, start=self.start.strftime("%H:%M"), end=self.end.strftime("%H:%M")
        )


def window_from_json(data: dict[str, Any]) -> Window:
    return Window(
        tuple(data["days"]), time.fromisoformat(data["start"]), time.fromisoformat(data["end"])
    )


def channel_from_json(data: dict[str, Any]) -> ChannelSpec:
    return ChannelSpec(str(data["channel"]), data.get("identifier"))


def parse_channel(text: str, region: str) -> ChannelSpec:
    """``whatsapp``, ``sms:+44 7700 900123`` or ``email:alex@example.org``."""
    name, _sep, ident = text.strip().partition(":")
    name = name.strip().lower()
    slugs = {c.slug for c in vocab.CHANNELS}
    if name not in RAW_CHANNELS and name not in slugs:
        raise ValidationError(
            _("'{name}' is not a channel SafeTrail knows.").format(name=name),
            _("Use one of: {names}.").format(names=", ".join((*RAW_CHANNELS, *sorted(slugs)))),
        )
    ident = ident.strip()
    if not ident:
        return ChannelSpec(name)
    return ChannelSpec(name, parse_identifier(ident, region).normalised)


def parse_window(text: str) -> Window:
    """``fri 17:00-19:00``, ``sat,sun 10:00-10:30`` or ``mon-fri 15:00-15:30``."""
    found = _WINDOW.match(text.strip().lower())
    hint = _('Write the days and times like "fri 17:00-19:00" or "sat,sun 10:00-10:30".')
    if not found:
        raise ValidationError(_("'{text}' is not a time window.").format(text=text), hint)
    days: list[str] = []
    for part in found["days"].replace(" ", "").split(","):
        first, _sep, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValidationError(_("'{text}' is not a time window.").format(text=text), hint)
        span = DAYS[DAYS.index(first) : DAYS.index(last) + 1] if last else (first,)
        days.extend(d for d in span if d not in days)
    try:
        start, end = (
            time.fromisoformat(found["start"].zfill(5)),
            time.fromisoformat(found["end"].zfill(5)),
        )
    except ValueError:
        raise ValidationError(_("'{text}' is not a time window.").format(text=text), hint) from None
    if end <= start:
        raise ValidationError(
            _("In '{text}' the window ends before it starts.").format(text=text), hint
        )
    return Window(tuple(sorted(days, key=DAYS.index)), start, end)


@dataclass
class ArrangementInput:
    person: str  # a person ref, e.g. P-001
    channels: list[str]
    windows: list[str] = field(default_factory=list)
    about: str | None = None  # e.g. "handovers of the children"
    children: list[str] = field(default_factory=list)  # first names, to recognise messages
    place: str | None = None  # the handover place
    source: str = "agreement"
    order: str | None = None  # O-001, when the order sets the terms
    evidence: list[str] = field(default_factory=list)
    starts_on: str | None = None
    ends_on: str | None = None
    timezone: str | None = None
    note: str | None = None


def _day(text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ValidationError(
            _("'{text}' is not a date like 2026-03-14 (year-month-day).").format(text=text)
        ) from None


def build_data(vault: CaseContext, conn: Connection, given: ArrangementInput) -> dict[str, Any]:
    place = settings.current(vault)
    if given.source not in SOURCES:
        raise ValidationError(
            _("Say where the permission comes from: order or agreement."),
            _("Use --source order (with --order O-001) or --source agreement."),
        )
    if not given.channels:
        raise ValidationError(
            _("Name at least one channel the contact may use."),
            _('For example "whatsapp:+44 7700 900123" or "email:alex@example.org".'),
        )
    tz = (given.timezone or place.timezone).strip()
    zone(tz)
    starts, ends = _day(given.starts_on), _day(given.ends_on)
    if starts and ends and ends < starts:
        raise ValidationError(_("The arrangement cannot end before it starts."))
    person_id = vault.store.resolve(conn, "person", given.person)
    order_id = vault.store.resolve(conn, "order", given.order) if given.order else None
    if given.source == "order" and order_id is None:
        raise ValidationError(
            _("An arrangement set by an order needs the order's reference."),
            _("Record the order first (safetrail order add), then give --order O-001."),
        )
    evidence_ids = sorted({vault.store.resolve(conn, "evidence", e) for e in given.evidence})
    channels = [parse_channel(c, place.country).to_json() for c in given.channels if c.strip()]
    return {
        "person_id": person_id,
        "channels": channels,
        "windows": [parse_window(w).to_json() for w in given.windows if w.strip()],
        "timezone": tz,
        "about": (given.about or "").strip() or None,
        "children": [c.strip() for c in given.children if c.strip()],
        "place": (given.place or "").strip() or None,
        "source": given.source,
        "order_id": order_id,
        "evidence_ids": evidence_ids,
        "starts_on": starts,
        "ends_on": ends,
        "note": (given.note or "").strip() or None,
    }


def add_arrangement(vault: CaseContext, given: ArrangementInput) -> Record:
    with vault.write() as conn:
        return vault.store.create(conn, "arrangement", build_data(vault, conn, given))


def _ids(conn: Connection, kind: str) -> list[str]:
    return [
        str(i)
        for i in conn.execute(
            select(records.c.id).where(records.c.kind == kind).order_by(records.c.ref_no)
        ).scalars()
    ]


def list_arrangements(vault: CaseContext, include_voided: bool = False) -> list[Record]:
    with vault.read() as conn:
        found = vault.store.load(conn, _ids(conn, "arrangement"))
    return [r for r in found if include_voided or not r.voided]


def get_arrangement(vault: CaseContext, ref: str) -> Record:
    with vault.read() as conn:
        return vault.store.get(conn, vault.store.resolve(conn, "arrangement", ref))


def end_arrangement(vault: CaseContext, ref: str, ends_on: str, reason: str) -> Record:
    """Record the last day an arrangement applied (a new version; the old one stays)."""
    day = _day(ends_on)
    if day is None:
        raise ValidationError(_("Give the last day the arrangement applied (YYYY-MM-DD)."))
    with vault.write() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "arrangement", ref))
        if record.voided:
            raise RecordVoided(_("{ref} was withdrawn and cannot be changed.").format(ref=ref))
        starts = record.data.get("starts_on")
        if starts and day < starts:
            raise ValidationError(_("The arrangement cannot end before it starts."))
        return vault.store.amend(conn, record.id, {**record.data, "ends_on": day}, reason)


# --- marks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """An incident (record id) or an imported message (``C-<row id>``)."""

    kind: str  # "incident" or "communication"
    key: str  # incident record id, or "C-<id>"
    ref: str  # what the person sees: I-0004 or C-12


def resolve_target(vault: CaseContext, conn: Connection, ref: str) -> Target:
    text = ref.strip()
    if text.upper().startswith("C-") and text[2:].isdigit():
        from safetrail.storage.comm_tables import communications as comms

        found = conn.execute(select(comms.c.id).where(comms.c.id == int(text[2:]))).scalar()
        if found is None:
            raise RecordNotFound(_("There is no imported message called {ref}.").format(ref=text))
        return Target("communication", f"C-{found}", f"C-{found}")
    record_id = vault.store.resolve(conn, "incident", text)
    record = vault.store.get(conn, record_id)
    return Target("incident", record_id, record.ref)


def list_marks(vault: CaseContext) -> list[Record]:
    with vault.read() as conn:
        found = vault.store.load(conn, _ids(conn, "arrangement_mark"))
    return [r for r in found if not r.voided]


def marks_by_target(marks: Sequence[Record]) -> dict[str, Record]:
    return {str(m.data["target"]): m for m in marks}


def mark(
    vault: CaseContext,
    refs: Sequence[str],
    arrangement: str | None,
    reason: str,
    suggested: bool = False,
) -> list[Record]:
    """Mark records inside ``arrangement`` (or outside every arrangement when it is None).

    One transaction for the batch: either every mark is kept or none is."""
    if not reason.strip():
        raise ValidationError(
            _("Say briefly why, so the history explains the decision."),
            _('For example "handover message, as the order allows".'),
        )
    if not refs:
        raise ValidationError(_("Name at least one incident or message to mark."))
    existing = marks_by_target(list_marks(vault))
    saved: list[Record] = []
    with vault.write() as conn:
        arrangement_id = (
            vault.store.resolve(conn, "arrangement", arrangement) if arrangement else None
        )
        for ref in refs:
            target = resolve_target(vault, conn, ref)
            data = {
                "target_kind": target.kind,
                "target": target.key,
                "target_ref": target.ref,
                "arrangement_id": arrangement_id,
                "inside": arrangement_id is not None,
                "reason": reason.strip(),
                "from_suggestion": suggested,
            }
            before = existing.get(target.key)
            if before is None:
                saved.append(vault.store.create(conn, "arrangement_mark", data))
            elif before.data != data:
                saved.append(vault.store.amend(conn, before.id, data, reason.strip()))
            else:
                saved.append(before)
    return saved


def arrangement_summary(data: dict[str, Any]) -> str:
    """One line for reports: the channels and the windows."""
    channels = ", ".join(channel_from_json(c).text() for c in data.get("channels", []))
    windows = "; ".join(window_from_json(w).text() for w in data.get("windows", []))
    if windows:
        return _("by {channels}; {windows} ({tz})").format(
            channels=channels, windows=windows, tz=data.get("timezone", "")
        )
    return _("by {channels}").format(channels=channels)


SOURCE_LABELS = {"order": N_("set by a court order"), "agreement": N_("agreed between you")}


@dataclass(frozen=True)
class ArrangementView:
    """One arrangement in plain words, for the CLI and the web page."""

    record: Record
    person: str  # "P-001 Alex Doe"
    order: str | None
    evidence: tuple[str, ...]
    inside: int  # records marked inside it
    versions: int
    today: str = ""  # the vault's local date (YYYY-MM-DD), to tell whether it has ended

    @property
    def ref(self) -> str:
        return self.record.ref

    @property
    def ended(self) -> bool:
        ends = self.record.data.get("ends_on")
        return self.record.voided or bool(ends and ends < (self.today or "9999-12-31"))

    def channels(self) -> list[str]:
        return [channel_from_json(c).text() for c in self.record.data.get("channels", [])]

    def windows(self) -> list[str]:
        return [window_from_json(w).text() for w in self.record.data.get("windows", [])]

    def rows(self) -> list[tuple[str, str]]:
        data = self.record.data
        source = _(SOURCE_LABELS.get(data.get("source", ""), data.get("source", "")))
        if self.order:
            source = _("{source} ({order})").format(source=source, order=self.order)
        return [
            (_("Reference"), self.ref),
            (_("With"), self.person),
            (_("About"), data.get("about") or "–"),
            (_("Children"), ", ".join(data.get("children", [])) or "–"),
            (_("Channels"), "; ".join(self.channels())),
            (_("When"), "; ".join(self.windows()) or _("any time")),
            (_("Time zone"), data.get("timezone", "")),
            (_("Handover place"), data.get("place") or "–"),
            (_("Where it comes from"), source),
            (_("Copies of the terms"), ", ".join(self.evidence) or "–"),
            (_("From"), data.get("starts_on") or "–"),
            (_("Until"), data.get("ends_on") or "–"),
        ]


def _views(vault: CaseContext, found: Sequence[Record]) -> list[ArrangementView]:
    marks = list_marks(vault)
    with vault.read() as conn:
        wanted = {
            i
            for r in found
            for i in [r.data.get("person_id"), r.data.get("order_id"), *r.data["evidence_ids"]]
            if i
        }
        refs = vault.store.refs(conn, sorted(wanted))
        names = {
            p.id: p.data["names"][0]
            for p in vault.store.load(conn, [r.data["person_id"] for r in found])
        }
        versions = {r.id: len(vault.store.history(conn, r.id)) for r in found}
    moment = datetime.now(UTC).astimezone(zone(settings.current(vault).timezone))
    today = moment.date().isoformat()
    views = []
    for record in found:
        data = record.data
        person_id = data["person_id"]
        views.append(
            ArrangementView(
                record,
                f"{refs.get(person_id, '')} {names.get(person_id, '')}".strip(),
                refs.get(data["order_id"]) if data.get("order_id") else None,
                tuple(refs.get(e, e) for e in data.get("evidence_ids", [])),
                sum(
                    1
                    for m in marks
                    if m.data.get("inside") and m.data.get("arrangement_id") == record.id
                ),
                versions[record.id],
                today,
            )
        )
    return views


def arrangement_view(vault: CaseContext, ref: str) -> ArrangementView:
    return _views(vault, [get_arrangement(vault, ref)])[0]


def arrangement_views(vault: CaseContext) -> list[ArrangementView]:
    return _views(vault, list_arrangements(vault, include_voided=True))

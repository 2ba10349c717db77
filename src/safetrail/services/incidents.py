"""Use cases for incidents: record (full or quick), amend, void, list, show."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from safetrail.case import CaseContext
from safetrail.domain import vocab
from safetrail.domain.when import OccurredAt, parse_when, zone
from safetrail.errors import RecordVoided, ValidationError
from safetrail.i18n import N_, _
from safetrail.services import settings
from safetrail.services.people import PersonChoice, local_time_text, op_label, person_choices
from safetrail.storage.columns import content_searchable_in_sql
from safetrail.storage.records import Record, Version, utc_stamp
from safetrail.storage.tables import incident_people, incident_tactics, incidents, records
from safetrail.storage.tables import people as people_table

MAX_TEXT = 100_000


@dataclass
class Witness:
    name: str
    contact: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "contact": self.contact}


@dataclass
class IncidentInput:
    """What a person tells us; every field but ``what_happened`` may be empty."""

    what_happened: str
    when: str = "now"
    where: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    tactics: list[str] = field(default_factory=list)
    channel: str | None = None
    offenders: list[str] = field(default_factory=list)
    witnesses: list[Witness] = field(default_factory=list)
    fear: int | None = None
    impacts: list[str] = field(default_factory=list)
    police_reported: bool | None = None
    police_reference: str | None = None
    police_officer: str | None = None
    police_badge: str | None = None
    evidence: list[str] = field(default_factory=list)
    private_note: str | None = None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


def build_data(vault: CaseContext, given: IncidentInput, conn: Any) -> dict[str, Any]:
    what = _clean(given.what_happened)
    if not what:
        raise ValidationError(
            _("Please describe what happened, even in a few words."),
            _('For example: "He was waiting outside my work at 6 pm".'),
        )
    if len(what) > MAX_TEXT:
        raise ValidationError(_("The description is too long (over 100,000 characters)."))
    place = settings.current(vault)
    occurred = parse_when(given.when or "now", place.timezone)
    if (given.latitude is None) != (given.longitude is None):
        raise ValidationError(_("Give both latitude and longitude, or neither."))
    if given.latitude is not None and not (-90 <= given.latitude <= 90):
        raise ValidationError(_("Latitude must be between -90 and 90."))
    if given.longitude is not None and not (-180 <= given.longitude <= 180):
        raise ValidationError(_("Longitude must be between -180 and 180."))
    return {
        "occurred": occurred.to_json(),
        "location": {
            "text": _clean(given.where),
            "latitude": given.latitude,
            "longitude": given.longitude,
        },
        "what_happened": what,
        "tactics": sorted({vocab.tactic(s).slug for s in given.tactics}),
        "channel": vocab.channel(given.channel).slug if given.channel else None,
        "offender_ids": sorted(
            {vault.store.resolve(conn, "person", ref) for ref in given.offenders}
        ),
        "witnesses": [w.to_json() for w in given.witnesses if _clean(w.name)],
        "fear": vocab.validate_fear(given.fear) if given.fear is not None else None,
        "impacts": sorted({vocab.impact(s).slug for s in given.impacts}),
        "police": {
            "reported": given.police_reported,
            "reference": _clean(given.police_reference),
            "officer": _clean(given.police_officer),
            "badge": _clean(given.police_badge),
        },
        "evidence_ids": sorted(
            {vault.store.resolve(conn, "evidence", ref) for ref in given.evidence}
        ),
        "private_note": _clean(given.private_note),
    }


def record_incident(vault: CaseContext, given: IncidentInput) -> Record:
    with vault.write() as conn:
        data = build_data(vault, given, conn)
        return vault.store.create(conn, "incident", data)


def quick_incident(
    vault: CaseContext, what_happened: str, when: str = "now", tactic: str | None = None
) -> Record:
    """The fastest path: when, what happened, and optionally one tactic."""
    return record_incident(
        vault,
        IncidentInput(what_happened=what_happened, when=when, tactics=[tactic] if tactic else []),
    )


def amend_incident(vault: CaseContext, ref: str, changes: dict[str, Any], reason: str) -> Record:
    """Apply ``changes`` (IncidentInput field names) on top of the current version."""
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "incident", ref)
        current = vault.store.get(conn, record_id)
        merged = dict(current.data)
        partial = build_partial(vault, conn, changes)
        for key, value in partial.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return vault.store.amend(conn, record_id, merged, reason)


def build_partial(vault: CaseContext, conn: Any, changes: dict[str, Any]) -> dict[str, Any]:
    place = settings.current(vault)
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "when":
            out["occurred"] = parse_when(value, place.timezone).to_json()
        elif key == "what_happened":
            text = _clean(value)
            if not text:
                raise ValidationError(_("What happened cannot be made empty."))
            out["what_happened"] = text
        elif key == "where":
            out["location"] = {"text": _clean(value)}
        elif key == "tactics":
            out["tactics"] = sorted({vocab.tactic(s).slug for s in value})
        elif key == "channel":
            out["channel"] = vocab.channel(value).slug if value else None
        elif key == "fear":
            out["fear"] = vocab.validate_fear(value) if value is not None else None
        elif key == "impacts":
            out["impacts"] = sorted({vocab.impact(s).slug for s in value})
        elif key == "offenders":
            out["offender_ids"] = sorted({vault.store.resolve(conn, "person", r) for r in value})
        elif key == "evidence":
            out["evidence_ids"] = sorted({vault.store.resolve(conn, "evidence", r) for r in value})
        elif key == "private_note":
            out["private_note"] = _clean(value)
        elif key in {"police_reported", "police_reference", "police_officer", "police_badge"}:
            out.setdefault("police", {})[key.removeprefix("police_")] = (
                value if key == "police_reported" else _clean(value)
            )
        else:
            raise ValidationError(_("{field} is not an incident field.").format(field=key))
    return out


def void_incident(vault: CaseContext, ref: str, reason: str) -> Record:
    with vault.write() as conn:
        return vault.store.void(conn, vault.store.resolve(conn, "incident", ref), reason)


def link_evidence(
    vault: CaseContext, incident_ref: str, evidence_ids: list[str], reason: str
) -> Record:
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "incident", incident_ref)
        current = vault.store.get(conn, record_id)
        linked = sorted(set(current.data.get("evidence_ids", [])) | set(evidence_ids))
        return vault.store.amend(conn, record_id, {**current.data, "evidence_ids": linked}, reason)


@dataclass
class IncidentFilter:
    since: str | None = None  # UTC stamp, inclusive
    until: str | None = None  # UTC stamp, exclusive
    tactic: str | None = None
    offender: str | None = None
    text: str | None = None
    include_voided: bool = False
    limit: int = 100
    offset: int = 0


def _filter_conditions(
    vault: CaseContext, conn: Connection, flt: IncidentFilter
) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if not flt.include_voided:
        conditions.append(incidents.c.voided.is_(False))
    if flt.since:
        conditions.append(incidents.c.occurred_start >= flt.since)
    if flt.until:
        conditions.append(incidents.c.occurred_start < flt.until)
    if flt.tactic:
        slug = vocab.tactic(flt.tactic).slug
        # Start from the indexed link table rather than probing it once per incident.
        conditions.append(
            incidents.c.record_id.in_(
                select(incident_tactics.c.incident_id).where(incident_tactics.c.tactic == slug)
            )
        )
    if flt.offender:
        person_id = vault.store.resolve(conn, "person", flt.offender)
        conditions.append(
            incidents.c.record_id.in_(
                select(incident_people.c.incident_id).where(
                    incident_people.c.person_id == person_id
                )
            )
        )
    if flt.text and flt.text.strip() and content_searchable_in_sql():
        # The text is matched literally: "%" and "_" typed by a person are not wildcards.
        escaped = flt.text.strip().lower().replace("\\", "\\\\").replace("%", "\\%")
        needle = "%" + escaped.replace("_", "\\_") + "%"
        conditions.append(
            or_(
                func.lower(incidents.c.what_happened).like(needle, escape="\\"),
                func.lower(incidents.c.location).like(needle, escape="\\"),
            )
        )
    return and_(*conditions) if conditions else and_(True)


def list_incidents(vault: CaseContext, flt: IncidentFilter) -> tuple[list[Record], int]:
    """Matching incidents, newest first, and how many match in all."""
    with vault.read() as conn:
        where = _filter_conditions(vault, conn, flt)
        if flt.text and flt.text.strip() and not content_searchable_in_sql():
            return _list_matching_text(vault, conn, where, flt)
        total = conn.execute(select(func.count()).select_from(incidents).where(where)).scalar()
        ids = (
            conn.execute(
                select(incidents.c.record_id)
                .join(records, records.c.id == incidents.c.record_id)
                .where(where)
                .order_by(incidents.c.occurred_start.desc(), records.c.ref_no.desc())
                .limit(flt.limit)
                .offset(flt.offset)
            )
            .scalars()
            .all()
        )
        return vault.store.load(conn, [str(i) for i in ids]), int(total or 0)


def _list_matching_text(
    vault: CaseContext, conn: Connection, where: ColumnElement[bool], flt: IncidentFilter
) -> tuple[list[Record], int]:
    """The text search over encrypted content (a server case): SQL narrows by everything
    else, the text is matched here on the decrypted values, in the same order."""
    needle = (flt.text or "").strip().lower()
    rows = conn.execute(
        select(incidents.c.record_id, incidents.c.what_happened, incidents.c.location)
        .join(records, records.c.id == incidents.c.record_id)
        .where(where)
        .order_by(incidents.c.occurred_start.desc(), records.c.ref_no.desc())
    )
    ids = [
        str(row.record_id)
        for row in rows
        if needle in row.what_happened.lower() or needle in (row.location or "").lower()
    ]
    page = ids[flt.offset : flt.offset + flt.limit]
    return vault.store.load(conn, page), len(ids)


def show_incident(vault: CaseContext, ref: str) -> tuple[Record, list[Version]]:
    with vault.read() as conn:
        record_id = vault.store.resolve(conn, "incident", ref)
        return vault.store.get(conn, record_id), vault.store.history(conn, record_id)


def linked_refs(vault: CaseContext, record: Record) -> dict[str, list[str]]:
    """The people and exhibits an incident points to, as human references."""
    with vault.read() as conn:
        people = record.data.get("offender_ids", [])
        exhibits = record.data.get("evidence_ids", [])
        refs = vault.store.refs(conn, [*people, *exhibits])
    return {
        "people": [refs.get(i, i) for i in people],
        "evidence": [refs.get(i, i) for i in exhibits],
    }


# --- for the web pages ---------------------------------------------------------------

PAGE_SIZE = 25
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")

FIELD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "occurred": N_("When"),
        "location": N_("Where"),
        "what_happened": N_("What happened"),
        "tactics": N_("What kind of behaviour"),
        "channel": N_("How it reached you"),
        "offender_ids": N_("People involved"),
        "witnesses": N_("Witnesses"),
        "fear": N_("How afraid you felt"),
        "impacts": N_("Effects on your life"),
        "police": N_("Police"),
        "evidence_ids": N_("Evidence"),
        "private_note": N_("Private note"),
    }
)


@dataclass(frozen=True)
class Cursor:
    """A position in the timeline: the (occurred_start, ref_no) of one incident."""

    occurred_start: str
    ref_no: int

    def token(self) -> str:
        return f"{self.occurred_start}~{self.ref_no}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor in ``token``; None for anything malformed (the first page is shown)."""
        stamp, sep, number = (token or "").partition("~")
        if not sep or not _STAMP.fullmatch(stamp) or not number.isdigit():
            return None
        return cls(stamp, int(number))


@dataclass
class TimelineQuery:
    """What the timeline's filter form sends, as typed."""

    from_day: str = ""
    to_day: str = ""
    tactic: str = ""
    offender: str = ""
    text: str = ""
    include_voided: bool = False
    before: str = ""  # show incidents older than this cursor
    after: str = ""  # show incidents newer than this cursor
    size: int = PAGE_SIZE


@dataclass(frozen=True)
class TimelineRow:
    ref: str
    when: str
    what_happened: str
    tactics: list[str]
    voided: bool


@dataclass(frozen=True)
class TimelinePage:
    rows: list[TimelineRow]
    total: int
    older: str | None  # cursor for the next, older page
    newer: str | None  # cursor for the previous, newer page
    people: list[PersonChoice]


def day_bounds(vault: CaseContext, from_day: str, to_day: str) -> tuple[str | None, str | None]:
    """UTC stamps for "from this local day" (inclusive) and "to that day" (inclusive)."""
    where = zone(settings.current(vault).timezone)

    def midnight(text: str, label: str, plus_days: int = 0) -> str | None:
        if not text.strip():
            return None
        try:
            day = date.fromisoformat(text.strip()) + timedelta(days=plus_days)
        except (ValueError, OverflowError):
            raise ValidationError(
                _("{label} must be a date like 2026-03-14 (year-month-day).").format(label=label),
                _("Choose the date again, or leave it empty."),
            ) from None
        return utc_stamp(datetime.combine(day, time()).replace(tzinfo=where, fold=0))

    since = midnight(from_day, _("The 'from' date"))
    until = midnight(to_day, _("The 'to' date"), plus_days=1)
    if since and until and until <= since:
        raise ValidationError(
            _("The 'from' date is after the 'to' date."),
            _("Swap the two dates, or leave one of them empty."),
        )
    return since, until


def timeline(vault: CaseContext, query: TimelineQuery) -> TimelinePage:
    """One page of matching incidents, newest first, found by keyset (no deep OFFSET).

    Pages are cut at a (occurred_start, ref_no) cursor, so page 400 costs the same as page 1.
    """
    since, until = day_bounds(vault, query.from_day, query.to_day)
    flt = IncidentFilter(
        since=since,
        until=until,
        tactic=query.tactic.strip() or None,
        offender=query.offender.strip() or None,
        text=query.text.strip() or None,
        include_voided=query.include_voided,
    )
    size = max(1, min(query.size, 200))
    start, number = incidents.c.occurred_start, records.c.ref_no

    def older_than(c: Cursor) -> ColumnElement[bool]:
        return or_(start < c.occurred_start, and_(start == c.occurred_start, number < c.ref_no))

    def newer_than(c: Cursor) -> ColumnElement[bool]:
        return or_(start > c.occurred_start, and_(start == c.occurred_start, number > c.ref_no))

    with vault.read() as conn:
        where = _filter_conditions(vault, conn, flt)
        base = (
            select(incidents.c.record_id, start, number)
            .join(records, records.c.id == incidents.c.record_id)
            .where(where)
        )

        def beyond(condition: ColumnElement[bool]) -> bool:
            return conn.execute(base.where(condition).limit(1)).first() is not None

        total = conn.execute(select(func.count()).select_from(incidents).where(where)).scalar()
        after, before = Cursor.parse(query.after), Cursor.parse(query.before)
        rows: list[Any] = []
        if after is not None:
            rows = list(
                conn.execute(
                    base.where(newer_than(after)).order_by(start.asc(), number.asc()).limit(size)
                )
            )[::-1]
        if not rows:
            cut = base.where(older_than(before)) if before is not None and after is None else base
            rows = list(conn.execute(cut.order_by(start.desc(), number.desc()).limit(size)))
        keys = [Cursor(row.occurred_start, row.ref_no) for row in rows]
        older = keys[-1] if keys and beyond(older_than(keys[-1])) else None
        newer = keys[0] if keys and beyond(newer_than(keys[0])) else None
        found = vault.store.load(conn, [str(row.record_id) for row in rows])
    return TimelinePage(
        rows=[
            TimelineRow(
                ref=r.ref,
                when=OccurredAt.from_json(r.data["occurred"]).display(),
                what_happened=r.data["what_happened"],
                tactics=[vocab.tactic(t).label_text() for t in r.data["tactics"]],
                voided=r.voided,
            )
            for r in found
        ],
        total=int(total or 0),
        older=older.token() if older else None,
        newer=newer.token() if newer else None,
        people=person_choices(vault, include_voided=True),
    )


@dataclass(frozen=True)
class FormOptions:
    """What the incident form offers to choose from."""

    people: list[PersonChoice]
    timezone: str


def form_options(vault: CaseContext) -> FormOptions:
    return FormOptions(person_choices(vault), settings.current(vault).timezone)


def when_input_text(occurred: Mapping[str, Any], vault_tz: str | None = None) -> str:
    """What to put in the "when" box so that reading it again gives the same time.

    Written in the record's own zone; when that differs from the vault's zone (``vault_tz``),
    or the clock time happened twice (autumn), times of day carry their UTC offset so they
    are not read as another moment.
    """
    moment = OccurredAt.from_json(occurred)
    first, last = moment.local_start, moment.local_end
    unit = moment.precision
    if unit == "approximate":
        midnights = last is not None and first.time() == time() == last.time()
        if midnights and last is not None and first.day == 1 == last.day:
            unit = "year" if first.month == 1 == last.month else "month"
        elif midnights:
            unit = "day"
        else:
            unit = "exact" if first.second or first.microsecond else "minute"
    offset = vault_tz is not None and vault_tz != moment.tz

    def point(at: datetime) -> str:
        if unit == "year":
            return at.strftime("%Y")
        if unit == "month":
            return at.strftime("%Y-%m")
        if unit == "day":
            return at.strftime("%Y-%m-%d")
        pattern = {"hour": "%Y-%m-%d %H", "minute": "%Y-%m-%d %H:%M"}.get(unit, "%Y-%m-%d %H:%M:%S")
        text = at.strftime(pattern) + (f".{at.microsecond:06d}" if at.microsecond else "")
        # The second 01:30 of an autumn night needs its offset too: read back, the bare
        # clock time means the first one.
        twice = at.replace(fold=0).utcoffset() != at.replace(fold=1).utcoffset()
        if offset or twice:
            text += at.strftime("%z")[:3] + ":" + at.strftime("%z")[3:]
        return text

    text = point(first)
    single = last is None
    if unit in ("day", "month", "year") and last is not None:
        final = last - timedelta(microseconds=1)
        single = point(final) == text
        if not single:
            text = f"{text}/{point(final)}"
    elif unit == "hour" and last is not None:
        single = last - first == timedelta(hours=1)
        if not single:
            text = f"{text}/{point(last)}"
    elif last is not None:
        text = f"{text}/{point(last)}"
    return ("~" if moment.precision == "approximate" else "") + text


def form_values(vault: CaseContext, ref: str) -> dict[str, Any]:
    """The current version of an incident in the shape the incident form uses."""
    tz = settings.current(vault).timezone
    with vault.read() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "incident", ref))
        data = record.data
        refs = vault.store.refs(
            conn, [*data.get("offender_ids", []), *data.get("evidence_ids", [])]
        )
    location = data.get("location") or {}
    police = data.get("police") or {}
    reported = police.get("reported")
    return {
        "ref": record.ref,
        "voided": record.voided,
        "when": when_input_text(data["occurred"], tz),
        "where": location.get("text") or "",
        "latitude": "" if location.get("latitude") is None else str(location["latitude"]),
        "longitude": "" if location.get("longitude") is None else str(location["longitude"]),
        "what_happened": data["what_happened"],
        "tactics": list(data.get("tactics", [])),
        "channel": data.get("channel") or "",
        "offenders": [refs.get(i, i) for i in data.get("offender_ids", [])],
        "witnesses": [
            {"name": w.get("name") or "", "contact": w.get("contact") or ""}
            for w in data.get("witnesses", [])
        ],
        "fear": "" if data.get("fear") is None else str(data["fear"]),
        "impacts": list(data.get("impacts", [])),
        "police_reported": "yes" if reported is True else "no" if reported is False else "unknown",
        "police_reference": police.get("reference") or "",
        "police_officer": police.get("officer") or "",
        "police_badge": police.get("badge") or "",
        "evidence": ", ".join(refs.get(i, i) for i in data.get("evidence_ids", [])),
        "private_note": data.get("private_note") or "",
    }


def _need_reason(reason: str, message: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationError(message, _("A few words are enough, for example: wrong date."))
    return text


def replace_incident(vault: CaseContext, ref: str, given: IncidentInput, reason: str) -> Record:
    """Amend with a whole filled-in form: every field takes the value given.

    A "when" left exactly as the form showed it keeps the stored time untouched, so
    saving the form never shifts a time by reading it back.
    """
    why = _need_reason(reason, _("Please say briefly why you are changing this incident."))
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "incident", ref)
        current = vault.store.get(conn, record_id)
        if current.voided:
            raise RecordVoided(
                _("{ref} was withdrawn, so it cannot be changed.").format(ref=current.ref),
                _("It stays in the history as it was. You can record a new incident instead."),
            )
        tz = settings.current(vault).timezone
        keep_when = given.when.strip() == when_input_text(current.data["occurred"], tz)
        data = build_data(vault, replace(given, when="now") if keep_when else given, conn)
        if keep_when:
            data["occurred"] = current.data["occurred"]
        return vault.store.amend(conn, record_id, {**current.data, **data}, why)


def withdraw_incident(vault: CaseContext, ref: str, reason: str) -> Record:
    """Void, with a reason in plain words; the incident stays in the history."""
    why = _need_reason(reason, _("Please say briefly why you are withdrawing this incident."))
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "incident", ref)
        current = vault.store.get(conn, record_id)
        if current.voided:
            raise RecordVoided(
                _("{ref} has already been withdrawn.").format(ref=current.ref),
                _("Nothing more is needed: it stays in the history, marked as withdrawn."),
            )
        return vault.store.void(conn, record_id, why)


@dataclass(frozen=True)
class Link:
    ref: str
    label: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionView:
    version: int
    op: str
    op_label: str
    recorded_at: str
    reason: str | None
    changes: list[FieldChange]


@dataclass(frozen=True)
class IncidentDetail:
    record: Record
    when: str
    tactics: list[vocab.Tactic]
    channel: str | None
    fear: str | None
    impacts: list[str]
    people: list[Link]
    evidence: list[Link]
    history: list[VersionView]


def _describe(data: Mapping[str, Any], refs: Mapping[str, str]) -> dict[str, str]:
    """Each field of one version as plain text, for comparing versions."""
    location = data.get("location") or {}
    place = location.get("text") or ""
    if location.get("latitude") is not None and location.get("longitude") is not None:
        place = f"{place} ({location['latitude']}, {location['longitude']})".strip()
    police = data.get("police") or {}
    parts = []
    if police.get("reported") is not None:
        parts.append(_("reported") if police["reported"] else _("not reported"))
    for key, label in (
        ("reference", _("reference {value}")),
        ("officer", _("officer {value}")),
        ("badge", _("badge {value}")),
    ):
        if police.get(key):
            parts.append(label.format(value=police[key]))
    return {
        "occurred": OccurredAt.from_json(data["occurred"]).display(),
        "location": place,
        "what_happened": data.get("what_happened") or "",
        "tactics": ", ".join(vocab.tactic(t).label_text() for t in data.get("tactics", [])),
        "channel": vocab.channel(data["channel"]).label_text() if data.get("channel") else "",
        "offender_ids": ", ".join(refs.get(i, i) for i in data.get("offender_ids", [])),
        "witnesses": "; ".join(
            (w.get("name") or "") + (f" ({w['contact']})" if w.get("contact") else "")
            for w in data.get("witnesses", [])
        ),
        "fear": vocab.fear_label(data["fear"]) if data.get("fear") is not None else "",
        "impacts": ", ".join(vocab.impact(i).label_text() for i in data.get("impacts", [])),
        "police": "; ".join(parts),
        "evidence_ids": ", ".join(refs.get(i, i) for i in data.get("evidence_ids", [])),
        "private_note": data.get("private_note") or "",
    }


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], refs: Mapping[str, str]
) -> list[FieldChange]:
    """What differs between two versions, field by field, in the order the form shows them."""
    old, new = _describe(before, refs), _describe(after, refs)
    return [
        FieldChange(_(FIELD_LABELS[key]), old[key], new[key])
        for key in FIELD_LABELS
        if old[key] != new[key]
    ]


def incident_detail(vault: CaseContext, ref: str) -> IncidentDetail:
    """One incident with its links, and every version with what changed in it."""
    tz = settings.current(vault).timezone
    with vault.read() as conn:
        record_id = vault.store.resolve(conn, "incident", ref)
        record = vault.store.get(conn, record_id)
        history = vault.store.history(conn, record_id)
        ids = sorted(
            {
                i
                for v in history
                for i in [*v.data.get("offender_ids", []), *v.data.get("evidence_ids", [])]
            }
        )
        refs = vault.store.refs(conn, ids)
        names = dict(
            conn.execute(
                select(people_table.c.record_id, people_table.c.display_name).where(
                    people_table.c.record_id.in_(record.data.get("offender_ids", []))
                )
            ).all()
        )
    data = record.data
    views: list[VersionView] = []
    for index, version in enumerate(history):
        changes = [] if index == 0 else field_changes(history[index - 1].data, version.data, refs)
        views.append(
            VersionView(
                version=version.version,
                op=version.op,
                op_label=op_label(version.op),
                recorded_at=local_time_text(version.recorded_at, tz),
                reason=version.reason,
                changes=changes,
            )
        )
    return IncidentDetail(
        record=record,
        when=OccurredAt.from_json(data["occurred"]).display(),
        tactics=[vocab.tactic(t) for t in data.get("tactics", [])],
        channel=vocab.channel(data["channel"]).label_text() if data.get("channel") else None,
        fear=vocab.fear_label(data["fear"]) if data.get("fear") is not None else None,
        impacts=[vocab.impact(i).label_text() for i in data.get("impacts", [])],
        people=[Link(refs.get(i, i), names.get(i, "")) for i in data.get("offender_ids", [])],
        evidence=[Link(refs.get(i, i), "") for i in data.get("evidence_ids", [])],
        history=views,
    )

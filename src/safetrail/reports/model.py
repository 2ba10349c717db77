"""The part of the log a report, bundle, sheet or letter shows, gathered once.

``gather`` reads the current version of every record in one query per kind and keeps only
what may leave the vault: the incident's private note is never copied into these objects,
so no output built from them can contain it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from safetrail import __version__, canonical
from safetrail.case import CaseContext
from safetrail.domain import vocab
from safetrail.domain.when import OccurredAt, zone
from safetrail.errors import ValidationError
from safetrail.i18n import N_, _, current_language, format_clock
from safetrail.services import settings
from safetrail.services.incidents import day_bounds
from safetrail.storage import ledger
from safetrail.storage.records import format_ref, utc_stamp
from safetrail.storage.tables import incidents as incidents_table
from safetrail.storage.tables import records, versions

_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


@dataclass(frozen=True)
class ReportOptions:
    """What the person chose. Empty means "everything"."""

    from_day: str = ""  # local date, inclusive (YYYY-MM-DD)
    to_day: str = ""  # local date, inclusive
    offenders: tuple[str, ...] = ()  # person references, e.g. "P-001"
    incidents: tuple[str, ...] = ()  # incident references, e.g. "I-0003"
    witness_contacts: bool = False
    communications_appendix: bool = False
    prepared_by: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "from": self.from_day or None,
            "to": self.to_day or None,
            "offenders": list(self.offenders),
            "incidents": list(self.incidents),
            "witness_contacts": self.witness_contacts,
            "communications_appendix": self.communications_appendix,
        }


@dataclass(frozen=True)
class Witness:
    name: str
    contact: str | None


@dataclass(frozen=True)
class Police:
    reported: bool | None
    reference: str | None
    officer: str | None
    badge: str | None

    @property
    def any(self) -> bool:
        return self.reported is not None or bool(self.reference or self.officer or self.badge)


@dataclass(frozen=True)
class IncidentRow:
    id: str
    ref: str
    occurred: OccurredAt
    what_happened: str
    location: str | None
    latitude: float | None
    longitude: float | None
    tactics: tuple[str, ...]
    channel: str | None
    offender_ids: tuple[str, ...]
    witnesses: tuple[Witness, ...]
    fear: int | None
    impacts: tuple[str, ...]
    police: Police
    evidence_ids: tuple[str, ...]
    version: int
    recorded_at: str  # when it was first written (UTC stamp)
    changed_at: str  # when the current version was written
    content_sha256: str
    ledger_seq: int

    @property
    def tier(self) -> int:
        return max((vocab.tactic(t).tier for t in self.tactics), default=0)


@dataclass(frozen=True)
class PersonRow:
    id: str
    ref: str
    names: tuple[str, ...]
    relationship: str | None
    role: str
    identifiers: tuple[tuple[str, str], ...]  # (kind, value as given)
    vehicles: tuple[tuple[str, str | None], ...]
    notes: str | None
    photo_id: str | None

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class ExhibitRow:
    id: str
    ref: str
    name: str
    media_type: str
    size: int
    sha256: str
    taken_at: str | None  # from photo metadata, local as the camera wrote it
    file_modified_at: str | None
    acquired_at: str
    source_device: str | None
    source_account: str | None
    acquisition_method: str | None
    performer: str | None
    description: str | None
    blob_address: str
    incident_refs: tuple[str, ...]


@dataclass(frozen=True)
class NoticeRow:
    id: str
    ref: str
    day: date
    method: str
    person_id: str | None
    summary: str | None


@dataclass(frozen=True)
class OrderRow:
    id: str
    ref: str
    order_type: str
    starts: date
    ends: date | None
    issuer: str | None
    reference: str | None
    conditions: str | None
    person_id: str | None
    breach_ids: tuple[str, ...] = ()  # incidents recorded as breaking this order


@dataclass
class CaseData:
    options: ReportOptions
    generated_at: datetime
    country: str
    timezone: str
    incidents: list[IncidentRow]
    withdrawn: int
    people: list[PersonRow]
    exhibits: list[ExhibitRow]
    notices: list[NoticeRow]
    orders: list[OrderRow]
    head_hash: str
    ledger_entries: int
    public_key: str
    refs: dict[str, str] = field(default_factory=dict)
    report_id: str = ""
    fingerprint: str = ""

    def person(self, person_id: str | None) -> PersonRow | None:
        return next((p for p in self.people if p.id == person_id), None)

    def names_for(self, ids: Iterable[str]) -> str:
        shown = []
        for person_id in ids:
            found = self.person(person_id)
            ref = self.refs.get(person_id, person_id)
            shown.append(f"{found.name} ({ref})" if found else ref)
        return ", ".join(shown)

    def exhibit_refs(self, ids: Iterable[str]) -> list[str]:
        live = {e.id for e in self.exhibits}
        return [self.refs.get(i, i) for i in ids if i in live]

    @property
    def first_day(self) -> date | None:
        return self.incidents[0].occurred.local_start.date() if self.incidents else None

    @property
    def last_day(self) -> date | None:
        return self.incidents[-1].occurred.local_start.date() if self.incidents else None

    def period_text(self) -> str:
        start = self.options.from_day or (self.first_day.isoformat() if self.first_day else "")
        end = self.options.to_day or (self.last_day.isoformat() if self.last_day else "")
        if not start and not end:
            return _("no incidents in the chosen period")
        first = day_text(date.fromisoformat(start)) if start else _("the beginning")
        last = day_text(date.fromisoformat(end)) if end else _("today")
        return _("{start} to {end}").format(start=first, end=last)

    def tactic_counts(self) -> list[tuple[str, int]]:
        counts = Counter(t for i in self.incidents for t in i.tactics)
        order = {t.slug: n for n, t in enumerate(vocab.TACTICS)}
        return sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))

    def channel_counts(self) -> list[tuple[str | None, int]]:
        counts = Counter(i.channel for i in self.incidents)
        order = {c.slug: n for n, c in enumerate(vocab.CHANNELS)}
        return sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0] or "", 99)))

    @property
    def software(self) -> str:
        return f"SafeTrail {__version__}"


# -- words for times ----------------------------------------------------------------------


def day_text(day: date, weekday: bool = False) -> str:
    """ "3 Mar 2026" (or "Tue 3 Mar 2026"), in the translated short form the app uses."""
    midnight = datetime.combine(day, time()).replace(tzinfo=UTC)
    text = OccurredAt(start=midnight, end=None, tz="UTC", precision="day").display()
    if current_language() != "en":
        return text  # the Japanese and Korean day already names its weekday: 2026年8月1日(土)
    return f"{_(_WEEKDAYS[day.weekday()])} {text}" if weekday else text


def stamp_text(stamp: str | None, tz: str, seconds: bool = True) -> str:
    """A stored instant (ISO 8601, "Z" or offset) as local date and time in ``tz``."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return stamp.replace("T", " ")
    local = moment.astimezone(zone(tz))
    clock = format_clock(local, seconds)
    return _("{date}, {time}").format(date=day_text(local.date()), time=clock)


def camera_time_text(taken_at: str) -> str:
    """EXIF times are the camera's own clock, often without a zone: shown as written."""
    try:
        moment = datetime.fromisoformat(taken_at)
    except ValueError:
        return taken_at
    text = f"{day_text(moment.date())}, {moment:%H:%M:%S}"
    if moment.tzinfo is not None:
        text += f" {moment:%z}"[:-2] + ":" + f"{moment:%z}"[-2:]
    return text


def _unit(moment: OccurredAt) -> str:
    if moment.precision != "approximate":
        return moment.precision
    start, end = moment.local_start, moment.local_end
    if end is not None and start.time() == time() == end.time():
        if start.day == 1 == end.day:
            return "year" if start.month == 1 == end.month else "month"
        return "day"
    return "exact" if start.second else "minute"


def when_columns(moment: OccurredAt, report_tz: str) -> tuple[str, str]:
    """(date, time) as the incident table shows them: no more precise than recorded."""
    start, end = moment.local_start, moment.local_end
    unit = _unit(moment)
    about = moment.precision == "approximate"
    unknown = _("not recorded")
    if unit in ("day", "month", "year"):
        last = start if end is None else end - timedelta(microseconds=1)
        if unit == "day":
            first_text, last_text = day_text(start.date(), True), day_text(last.date(), True)
        else:
            first_text = OccurredAt(moment.start, None, moment.tz, unit).display()  # type: ignore[arg-type]
            last_text = OccurredAt(
                last.astimezone(UTC),
                None,
                moment.tz,
                unit,  # type: ignore[arg-type]
            ).display()
        date_part = first_text if first_text == last_text else f"{first_text} – {last_text}"
        if about:
            date_part = _("about {when}").format(when=date_part)
        return date_part, unknown
    pattern = "%H:%M:%S" if unit == "exact" else "%H:%M"
    date_part = day_text(start.date(), True)
    seconds = pattern == "%H:%M:%S"
    clock = format_clock(start, seconds)
    if unit == "hour" and end is not None:
        clock = f"{format_clock(start)}–{format_clock(end)}"
    elif end is not None:
        if end.date() == start.date():
            clock = f"{clock}–{format_clock(end, seconds)}"
        else:
            date_part = f"{date_part} – {day_text(end.date(), True)}"
            clock = f"{clock} – {format_clock(end, seconds)}"
    if about:
        clock = _("about {when}").format(when=clock)
    if moment.tz != report_tz:
        clock = f"{clock} ({moment.tz})"
    return date_part, clock


# -- gathering ----------------------------------------------------------------------------


def _heads(conn: Connection, kind: str, extra: Any = None) -> list[Any]:
    """Current version of every record of ``kind`` (one query)."""
    query = (
        select(
            records.c.id,
            records.c.ref_no,
            records.c.created_at,
            records.c.voided,
            versions.c.data,
            versions.c.version,
            versions.c.recorded_at,
            versions.c.content_sha256,
            versions.c.ledger_seq,
        )
        .join(
            versions,
            and_(
                versions.c.record_id == records.c.id, versions.c.version == records.c.head_version
            ),
        )
        .where(records.c.kind == kind)
    )
    if extra is not None:
        query = extra(query)
    return list(conn.execute(query))


def _loads(text: str) -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _incident(row: Any, witness_contacts: bool) -> IncidentRow:
    data = _loads(row.data)
    location = data.get("location") or {}
    police = data.get("police") or {}
    return IncidentRow(
        id=row.id,
        ref=format_ref("incident", row.ref_no),
        occurred=OccurredAt.from_json(data["occurred"]),
        what_happened=data["what_happened"],
        location=location.get("text"),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        tactics=tuple(data.get("tactics", [])),
        channel=data.get("channel"),
        offender_ids=tuple(data.get("offender_ids", [])),
        witnesses=tuple(
            Witness(w.get("name") or "", (w.get("contact") or None) if witness_contacts else None)
            for w in data.get("witnesses", [])
        ),
        fear=data.get("fear"),
        impacts=tuple(data.get("impacts", [])),
        police=Police(
            police.get("reported"),
            police.get("reference"),
            police.get("officer"),
            police.get("badge"),
        ),
        evidence_ids=tuple(data.get("evidence_ids", [])),
        version=row.version,
        recorded_at=row.created_at,
        changed_at=row.recorded_at,
        content_sha256=row.content_sha256,
        ledger_seq=row.ledger_seq,
    )
    # The private note is deliberately not read: it never enters a report.


def _person(row: Any, refs: Mapping[str, str]) -> PersonRow:
    data = _loads(row.data)
    return PersonRow(
        id=row.id,
        ref=format_ref("person", row.ref_no),
        names=tuple(data.get("names") or ["?"]),
        relationship=data.get("relationship"),
        role=data.get("role", "offender"),
        identifiers=tuple((i["kind"], i["value"]) for i in data.get("identifiers", [])),
        vehicles=tuple((v["description"], v.get("plate")) for v in data.get("vehicles", [])),
        notes=data.get("notes"),
        photo_id=data.get("photo_evidence_id"),
    )


def _exhibit(row: Any, incident_refs: tuple[str, ...]) -> ExhibitRow:
    data = _loads(row.data)
    exif = data.get("exif") or {}
    return ExhibitRow(
        id=row.id,
        ref=format_ref("evidence", row.ref_no),
        name=data["original_name"],
        media_type=data.get("media_type") or "application/octet-stream",
        size=int(data["size"]),
        sha256=data["sha256"],
        taken_at=exif.get("taken_at"),
        file_modified_at=data.get("file_modified_at"),
        acquired_at=data["acquired_at"],
        source_device=data.get("source_device"),
        source_account=data.get("source_account"),
        acquisition_method=data.get("acquisition_method"),
        performer=data.get("performer"),
        description=data.get("description"),
        blob_address=data["blob_address"],
        incident_refs=incident_refs,
    )


def _resolve_all(vault: CaseContext, conn: Connection, kind: str, given: Iterable[str]) -> set[str]:
    return {vault.store.resolve(conn, kind, ref) for ref in given if ref.strip()}


def gather(vault: CaseContext, options: ReportOptions, now: datetime | None = None) -> CaseData:
    """Everything one output needs, read in a single transaction."""
    place = settings.current(vault)
    since, until = day_bounds(vault, options.from_day, options.to_day)
    with vault.read() as conn:
        chosen_people = _resolve_all(vault, conn, "person", options.offenders)
        chosen_incidents = _resolve_all(vault, conn, "incident", options.incidents)

        def in_range(query: Any) -> Any:
            query = query.join(incidents_table, incidents_table.c.record_id == records.c.id)
            if since:
                query = query.where(incidents_table.c.occurred_start >= since)
            if until:
                query = query.where(incidents_table.c.occurred_start < until)
            return query.order_by(incidents_table.c.occurred_start, records.c.ref_no)

        rows = _heads(conn, "incident", in_range)
        people_rows = _heads(conn, "person")
        evidence_rows = _heads(conn, "evidence")
        notice_rows = _heads(conn, "notice")
        order_rows = _heads(conn, "order")
        top = ledger.head(conn)
        refs = {
            str(r.id): format_ref(kind, r.ref_no)
            for kind, group in (
                ("incident", rows),
                ("person", people_rows),
                ("evidence", evidence_rows),
                ("notice", notice_rows),
                ("order", order_rows),
            )
            for r in group
        }

    def wanted(row: Any) -> bool:
        if chosen_incidents and row.id not in chosen_incidents:
            return False
        if chosen_people:
            offenders = set(_loads(row.data).get("offender_ids", []))
            return bool(offenders & chosen_people)
        return True

    selected = [r for r in rows if wanted(r)]
    live = [_incident(r, options.witness_contacts) for r in selected if not r.voided]
    withdrawn = sum(1 for r in selected if r.voided)

    people_live = [_person(r, refs) for r in people_rows if not r.voided]
    people = [p for p in people_live if p.id in chosen_people] if chosen_people else people_live

    def concerns(person_id: str | None) -> bool:
        return not chosen_people or person_id is None or person_id in chosen_people

    notices = [
        NoticeRow(
            r.id,
            format_ref("notice", r.ref_no),
            date.fromisoformat(d["starts_on"]),
            d["method"],
            d.get("person_id"),
            d.get("summary"),
        )
        for r in notice_rows
        if not r.voided and concerns((d := _loads(r.data)).get("person_id"))
    ]
    orders = [
        OrderRow(
            r.id,
            format_ref("order", r.ref_no),
            d["order_type"],
            date.fromisoformat(d["starts_on"]),
            date.fromisoformat(d["ends_on"]) if d.get("ends_on") else None,
            d.get("issuer"),
            d.get("reference"),
            d.get("conditions"),
            d.get("person_id"),
            tuple(d.get("breach_incident_ids") or ()),
        )
        for r in order_rows
        if not r.voided and concerns((d := _loads(r.data)).get("person_id"))
    ]
    notices.sort(key=lambda n: (n.day, n.ref))
    orders.sort(key=lambda o: (o.starts, o.ref))

    links: dict[str, list[str]] = {}
    for incident in live:
        for exhibit_id in incident.evidence_ids:
            links.setdefault(exhibit_id, []).append(incident.ref)
    wanted_exhibits = set(links)
    for record in [*notice_rows, *order_rows]:
        if not record.voided:
            data = _loads(record.data)
            if concerns(data.get("person_id")):
                wanted_exhibits.update(data.get("evidence_ids", []))
    wanted_exhibits.update(p.photo_id for p in people if p.photo_id)
    exhibits = sorted(
        (
            _exhibit(r, tuple(links.get(r.id, [])))
            for r in evidence_rows
            if not r.voided and r.id in wanted_exhibits
        ),
        key=lambda e: e.ref,
    )
    case = CaseData(
        options=options,
        generated_at=(now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
        country=place.country,
        timezone=place.timezone,
        incidents=live,
        withdrawn=withdrawn,
        people=people,
        exhibits=exhibits,
        notices=notices,
        orders=orders,
        head_hash=top.entry_hash if top else ledger.GENESIS,
        ledger_entries=top.seq if top else 0,
        public_key=vault.public_key_hex(),
        refs=refs,
    )
    if options.offenders and not people:
        raise ValidationError(_("None of the chosen people are in the log."))
    _identify(case)
    return case


def _identify(case: CaseData) -> None:
    """The report's fingerprint covers the ledger head, the choices made and every record
    version and exhibit hash shown; its first eight hex digits name the report."""
    basis = {
        "ledger_head": case.head_hash,
        "generated_at": utc_stamp(case.generated_at),
        "options": case.options.describe(),
        "incidents": [[i.ref, i.version, i.content_sha256] for i in case.incidents],
        "exhibits": [[e.ref, e.sha256] for e in case.exhibits],
    }
    case.fingerprint = hashlib.sha256(canonical.dumps(basis).encode()).hexdigest()
    case.report_id = f"SR-{case.generated_at:%Y%m%d}-{case.fingerprint[:8].upper()}"


def include_exhibits(vault: CaseContext, case: CaseData, ids: Iterable[str]) -> None:
    """Add exhibits the report quotes from (such as a chat export) to its evidence index;
    the report's fingerprint is recomputed to cover them."""
    wanted = {i for i in ids if i} - {e.id for e in case.exhibits}
    if not wanted:
        return
    with vault.read() as conn:
        rows = _heads(conn, "evidence", lambda q: q.where(records.c.id.in_(sorted(wanted))))
    added = [_exhibit(r, ()) for r in rows if not r.voided]
    for exhibit in added:
        case.refs[exhibit.id] = exhibit.ref
    case.exhibits = sorted([*case.exhibits, *added], key=lambda e: e.ref)
    _identify(case)

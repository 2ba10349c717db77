"""People involved in the case: the offender(s) and their identifiers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select

from safetrail.case import CaseContext
from safetrail.domain.identifiers import parse_identifier
from safetrail.domain.when import OccurredAt
from safetrail.errors import ValidationError
from safetrail.i18n import N_, _
from safetrail.services import settings
from safetrail.storage.records import Record, Version, format_ref
from safetrail.storage.tables import (
    incident_people,
    incidents,
    people,
    person_identifiers,
    records,
)

ROLES = ("offender", "associate")


@dataclass
class Vehicle:
    description: str
    plate: str | None = None


@dataclass
class PersonInput:
    names: list[str]
    relationship: str | None = None
    role: str = "offender"
    identifiers: list[str] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    notes: str | None = None
    photo_evidence: str | None = None


def build_data(vault: CaseContext, conn: Any, given: PersonInput) -> dict[str, Any]:
    names = [n.strip() for n in given.names if n and n.strip()]
    if not names:
        raise ValidationError(
            _("Give at least one name, nickname or description for this person."),
            _('If you do not know their name, a description works: "man in the grey van".'),
        )
    if given.role not in ROLES:
        raise ValidationError(_("Role must be one of: {roles}.").format(roles=", ".join(ROLES)))
    region = settings.current(vault).country
    identifiers = []
    for text in given.identifiers:
        ident = parse_identifier(text, region)
        identifiers.append(
            {"kind": ident.kind, "value": ident.value, "normalised": ident.normalised}
        )
    photo = (
        vault.store.resolve(conn, "evidence", given.photo_evidence)
        if given.photo_evidence
        else None
    )
    return {
        "names": names,
        "relationship": (given.relationship or "").strip() or None,
        "role": given.role,
        "identifiers": identifiers,
        "vehicles": [
            {"description": v.description.strip(), "plate": (v.plate or "").strip() or None}
            for v in given.vehicles
            if v.description.strip()
        ],
        "notes": (given.notes or "").strip() or None,
        "photo_evidence_id": photo,
    }


def add_person(vault: CaseContext, given: PersonInput) -> Record:
    with vault.write() as conn:
        return vault.store.create(conn, "person", build_data(vault, conn, given))


def amend_person(vault: CaseContext, ref: str, given: PersonInput, reason: str) -> Record:
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "person", ref)
        return vault.store.amend(conn, record_id, build_data(vault, conn, given), reason)


def list_people(vault: CaseContext, include_voided: bool = False) -> list[Record]:
    with vault.read() as conn:
        query = select(people.c.record_id)
        if not include_voided:
            query = query.where(people.c.voided.is_(False))
        ids = [str(i) for i in conn.execute(query).scalars()]
        found = vault.store.load(conn, ids)
    return sorted(found, key=lambda r: r.ref_no)


def show_person(vault: CaseContext, ref: str) -> tuple[Record, list[Version]]:
    with vault.read() as conn:
        record_id = vault.store.resolve(conn, "person", ref)
        return vault.store.get(conn, record_id), vault.store.history(conn, record_id)


def match_identifier(vault: CaseContext, text: str) -> list[Record]:
    """People whose identifiers match ``text`` once normalised (for importers)."""
    ident = parse_identifier(text, settings.current(vault).country)
    with vault.read() as conn:
        ids = (
            conn.execute(
                select(person_identifiers.c.person_id).where(
                    person_identifiers.c.kind == ident.kind,
                    person_identifiers.c.normalised == ident.normalised,
                )
            )
            .scalars()
            .all()
        )
        return vault.store.load(conn, sorted({str(i) for i in ids}))


# --- for the web pages ---------------------------------------------------------------

IDENTIFIER_KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "phone": N_("Phone"),
        "email": N_("Email"),
        "handle": N_("User name"),
        "other": N_("Other"),
    }
)
ROLE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "offender": N_("The person harming you"),
        "associate": N_("Someone acting with them"),
    }
)
PROFILE_INCIDENTS = 200


@dataclass(frozen=True)
class PersonChoice:
    ref: str
    name: str


@dataclass(frozen=True)
class IdentifierView:
    kind_label: str
    value: str
    normalised: str


@dataclass(frozen=True)
class PersonIncident:
    ref: str
    when: str
    what_happened: str
    voided: bool


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    op_label: str
    recorded_at: str
    reason: str | None


@dataclass(frozen=True)
class PersonProfile:
    record: Record
    role_label: str
    identifiers: list[IdentifierView]
    photo_ref: str | None
    history: list[HistoryEntry]
    incidents: list[PersonIncident]
    incident_total: int


OP_LABELS: Mapping[str, str] = MappingProxyType(
    {"create": N_("Recorded"), "amend": N_("Corrected"), "void": N_("Withdrawn")}
)


def op_label(op: str) -> str:
    """Plain words for a version's operation ("amend" reads as "Corrected")."""
    return _(OP_LABELS[op]) if op in OP_LABELS else op


def local_time_text(stamp: str, tz: str) -> str:
    """A stored UTC stamp (e.g. a version's recorded_at) as local time, to the second."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return OccurredAt(start=moment, end=None, tz=tz, precision="exact").display()


def role_label(role: str) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def person_choices(vault: CaseContext, include_voided: bool = False) -> list[PersonChoice]:
    """Reference and first name of each person, oldest first: for pickers and filters."""
    with vault.read() as conn:
        query = (
            select(records.c.ref_no, people.c.display_name)
            .join(records, records.c.id == people.c.record_id)
            .order_by(records.c.ref_no)
        )
        if not include_voided:
            query = query.where(people.c.voided.is_(False))
        rows = conn.execute(query).all()
    return [PersonChoice(format_ref("person", row.ref_no), row.display_name) for row in rows]


def person_profile(vault: CaseContext, ref: str) -> PersonProfile:
    """Everything the person page shows: details, history and the incidents naming them."""
    tz = settings.current(vault).timezone
    with vault.read() as conn:
        record_id = vault.store.resolve(conn, "person", ref)
        record = vault.store.get(conn, record_id)
        history = vault.store.history(conn, record_id)
        photo_id = record.data.get("photo_evidence_id")
        photo_ref = vault.store.refs(conn, [photo_id]).get(photo_id) if photo_id else None
        involving = incidents.c.record_id.in_(
            select(incident_people.c.incident_id).where(incident_people.c.person_id == record_id)
        )
        total = conn.execute(select(func.count()).select_from(incidents).where(involving)).scalar()
        ids = (
            conn.execute(
                select(incidents.c.record_id)
                .join(records, records.c.id == incidents.c.record_id)
                .where(involving)
                .order_by(incidents.c.occurred_start.desc(), records.c.ref_no.desc())
                .limit(PROFILE_INCIDENTS)
            )
            .scalars()
            .all()
        )
        found = vault.store.load(conn, [str(i) for i in ids])
    return PersonProfile(
        record=record,
        role_label=role_label(record.data.get("role", "offender")),
        identifiers=[
            IdentifierView(
                _(IDENTIFIER_KIND_LABELS.get(i["kind"], IDENTIFIER_KIND_LABELS["other"])),
                i["value"],
                i["normalised"],
            )
            for i in record.data.get("identifiers", [])
        ],
        photo_ref=photo_ref,
        history=[
            HistoryEntry(v.version, op_label(v.op), local_time_text(v.recorded_at, tz), v.reason)
            for v in history
        ],
        incidents=[
            PersonIncident(
                r.ref,
                OccurredAt.from_json(r.data["occurred"]).display(),
                r.data["what_happened"],
                r.voided,
            )
            for r in found
        ],
        incident_total=int(total or 0),
    )

"""Use cases for planning: the safety plan, local contacts, the digital checklist, PDFs.

Storage (all append-only records; nothing is updated in place):

- the safety plan is one record of kind "plan"; each save is a new version, with a
  reason naming the part that changed, so every revision is kept and dated;
- each of the person's own local contacts is a record of kind "local_contact"
  (removing one voids it, with a reason);
- digital-safety checklist progress is one record of kind "checklist".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from safetrail.case import CaseContext
from safetrail.domain.when import zone
from safetrail.errors import RecordNotFound, ValidationError
from safetrail.i18n import N_, _, format_day, format_iso_day
from safetrail.planning import checklist, guidance
from safetrail.planning import plan as model
from safetrail.planning import resources as dataset
from safetrail.planning.emergency import emergency_for
from safetrail.planning.pdf import (
    FontSet,
    GuideDocument,
    PdfSection,
    PlanDocument,
    guide_pdf,
    plan_pdf,
)
from safetrail.services import events, settings
from safetrail.services.arrangements import SOURCE_LABELS, ArrangementView, arrangement_views
from safetrail.services.people import local_time_text
from safetrail.storage.records import Record, Version

# --- the safety plan -----------------------------------------------------------------------


def today(vault: CaseContext) -> date:
    return datetime.now(zone(settings.current(vault).timezone)).date()


def _plan_record(vault: CaseContext) -> Record | None:
    with vault.read() as conn:
        ids = vault.store.list_ids(conn, "plan")
        return vault.store.get(conn, ids[0]) if ids else None


@dataclass(frozen=True)
class PlanView:
    """The plan as it is now (or as it was in one revision)."""

    data: dict[str, Any]
    ref: str | None
    version: int | None  # None: nothing saved yet
    saved_at: str | None  # local time text of that version
    latest_version: int | None

    @property
    def review_on(self) -> str | None:
        value = self.data.get("review_on")
        return str(value) if value else None

    def review_due(self, on: date) -> bool:
        return self.review_on is not None and self.review_on <= on.isoformat()

    @property
    def is_latest(self) -> bool:
        return self.version == self.latest_version

    def sections(self) -> list[model.SectionSummary]:
        return [model.section_summary(self.data, part) for part in model.SECTIONS]

    def go_bag(self) -> list[model.BagItem]:
        return model.go_bag_items(self.data)


def current_plan(vault: CaseContext) -> PlanView:
    record = _plan_record(vault)
    if record is None:
        return PlanView(model.empty(), None, None, None, None)
    tz = settings.current(vault).timezone
    return PlanView(
        data=model.normalised(record.data),
        ref=record.ref,
        version=record.head.version,
        saved_at=local_time_text(record.head.recorded_at, tz),
        latest_version=record.head.version,
    )


def save_plan(vault: CaseContext, data: Mapping[str, Any], reason: str) -> Record | None:
    """Store ``data`` as the plan's next version; None when nothing changed."""
    new = model.normalised(data)
    with vault.write() as conn:
        ids = vault.store.list_ids(conn, "plan")
        if not ids:
            if model.is_empty(new):
                return None
            return vault.store.create(conn, "plan", new, reason)
        current = vault.store.get(conn, ids[0])
        if model.normalised(current.data) == new:
            return None
        return vault.store.amend(conn, current.id, new, reason)


def _reason(part: str) -> str:
    return _("{part} updated").format(part=model.part_label(part))


def save_section(
    vault: CaseContext, section_id: str, choices: Mapping[str, model.Choice], own: Sequence[str]
) -> Record | None:
    data = model.with_section(current_plan(vault).data, section_id, choices, own)
    return save_plan(vault, data, _reason(section_id))


def save_contingencies(vault: CaseContext, rows: Sequence[Mapping[str, object]]) -> Record | None:
    data = model.with_contingencies(current_plan(vault).data, rows)
    return save_plan(vault, data, _reason("contingencies"))


def save_go_bag(
    vault: CaseContext, states: Mapping[str, str], own: Sequence[Mapping[str, object]]
) -> Record | None:
    data = model.with_go_bag(current_plan(vault).data, states, own)
    return save_plan(vault, data, _reason("go_bag"))


def save_escape_routes(vault: CaseContext, rows: Sequence[Mapping[str, object]]) -> Record | None:
    data = model.with_escape_routes(current_plan(vault).data, rows)
    return save_plan(vault, data, _reason("escape_routes"))


def save_trusted_people(vault: CaseContext, rows: Sequence[Mapping[str, object]]) -> Record | None:
    data = model.with_trusted_people(current_plan(vault).data, rows)
    return save_plan(vault, data, _reason("trusted_people"))


def save_review_date(vault: CaseContext, text: str) -> Record | None:
    data = model.with_review_date(current_plan(vault).data, text, today(vault))
    return save_plan(vault, data, _reason("review_on"))


def home_region(vault: CaseContext) -> str | None:
    """The region the person said they live in (for countries with regions), if any."""
    region = current_plan(vault).data.get("region")
    return str(region) if region else None


def save_region(vault: CaseContext, region: str) -> Record | None:
    """Remember where in the country the person lives (helplines and law differ by region)."""
    country = settings.current(vault).country
    found = dataset.lookup(country, region)  # refuses regions the country does not have
    data = model.with_region(current_plan(vault).data, found.region)
    return save_plan(vault, data, _reason("region"))


@dataclass(frozen=True)
class Revision:
    version: int
    saved_at: str
    reason: str | None
    changed: list[str]  # part labels


def plan_history(vault: CaseContext) -> list[Revision]:
    """Every saved revision of the plan, newest first, with what changed in each."""
    record = _plan_record(vault)
    if record is None:
        return []
    tz = settings.current(vault).timezone
    with vault.read() as conn:
        versions = vault.store.history(conn, record.id)
    revisions = []
    previous: dict[str, Any] | None = None
    for version in versions:
        changed = model.changed_parts(previous, version.data)
        revisions.append(
            Revision(
                version=version.version,
                saved_at=local_time_text(version.recorded_at, tz),
                reason=version.reason,
                changed=[model.part_label(p) for p in changed],
            )
        )
        previous = version.data
    return revisions[::-1]


def plan_version(vault: CaseContext, number: int) -> PlanView:
    """One earlier revision of the plan, exactly as it was saved."""
    record = _plan_record(vault)
    if record is None:
        raise RecordNotFound(
            _("There is no saved safety plan yet."), _("Save any part of the plan first.")
        )
    with vault.read() as conn:
        versions: list[Version] = vault.store.history(conn, record.id)
    found = next((v for v in versions if v.version == number), None)
    if found is None:
        raise RecordNotFound(
            _("The plan has no revision {n}.").format(n=number),
            _("Choose a revision from the plan's history."),
        )
    tz = settings.current(vault).timezone
    return PlanView(
        data=model.normalised(found.data),
        ref=record.ref,
        version=found.version,
        saved_at=local_time_text(found.recorded_at, tz),
        latest_version=record.head.version,
    )


# --- the person's own local contacts -----------------------------------------------------

CONTACT_ROLES: Mapping[str, str] = {
    "advocate": N_("Advocate or support worker"),
    "police": N_("Police station or officer"),
    "lawyer": N_("Lawyer"),
    "shelter": N_("Shelter or refuge"),
    "doctor": N_("Doctor or counsellor"),
    "other": N_("Other"),
}


def role_label(role: str) -> str:
    return _(CONTACT_ROLES[role]) if role in CONTACT_ROLES else role


@dataclass
class ContactInput:
    name: str
    role: str = "other"
    phone: str = ""
    other: str = ""  # email, address, hours…
    notes: str = ""


def _contact_data(given: ContactInput) -> dict[str, Any]:
    name = given.name.strip()
    if not name:
        raise ValidationError(
            _(
                "Give the contact a name, for example 'Sam, my advocate' or "
                "'Central police station'."
            )
        )
    if given.role not in CONTACT_ROLES:
        raise ValidationError(
            _("Choose what kind of contact this is: {roles}.").format(
                roles=", ".join(CONTACT_ROLES)
            )
        )
    fields = {"phone": given.phone, "other": given.other, "notes": given.notes}
    for text in (name, *fields.values()):
        if len(text) > model.MAX_ENTRY:
            raise ValidationError(_("That is too long: keep each box under 2,000 characters."))
    return {
        "name": name,
        "role": given.role,
        **{key: value.strip() or None for key, value in fields.items()},
    }


def add_contact(vault: CaseContext, given: ContactInput) -> Record:
    data = _contact_data(given)
    with vault.write() as conn:
        return vault.store.create(conn, "local_contact", data)


def update_contact(vault: CaseContext, ref: str, given: ContactInput) -> Record:
    data = _contact_data(given)
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "local_contact", ref)
        current = vault.store.get(conn, record_id)
        if current.data == data:
            return current
        return vault.store.amend(conn, record_id, data, _("contact details changed"))


def remove_contact(vault: CaseContext, ref: str) -> Record:
    with vault.write() as conn:
        record_id = vault.store.resolve(conn, "local_contact", ref)
        return vault.store.void(conn, record_id, _("removed from my contacts"))


def list_contacts(vault: CaseContext) -> list[Record]:
    with vault.read() as conn:
        found = vault.store.load(conn, vault.store.list_ids(conn, "local_contact"))
    return [r for r in found if not r.voided]


# --- the digital safety checklist --------------------------------------------------------


def _checklist_record(vault: CaseContext) -> Record | None:
    with vault.read() as conn:
        for record in vault.store.load(conn, vault.store.list_ids(conn, "checklist")):
            if record.data.get("name") == checklist.NAME:
                return record
    return None


def checklist_states(vault: CaseContext) -> dict[str, str]:
    record = _checklist_record(vault)
    return dict((record.data.get("items") or {}) if record else {})


def save_checklist(vault: CaseContext, states: Mapping[str, str]) -> Record | None:
    """Save checklist progress as a new version; None when nothing changed."""
    data = checklist.with_states(states)
    with vault.write() as conn:
        existing = None
        for record in vault.store.load(conn, vault.store.list_ids(conn, "checklist")):
            if record.data.get("name") == checklist.NAME:
                existing = record
        if existing is None:
            if not data["items"]:
                return None
            return vault.store.create(conn, "checklist", data, _("checklist progress saved"))
        if existing.data == data:
            return None
        return vault.store.amend(conn, existing.id, data, _("checklist progress saved"))


# --- resources with the person's place ---------------------------------------------------


def place_resources(
    vault: CaseContext, region: str | None = None
) -> dataset.CountryResources | None:
    """Resources for the vault's country and the person's region (or ``region``);
    None when SafeTrail has no list for the country."""
    country = settings.current(vault).country
    found = dataset.find(country)
    if found is None:
        return None
    chosen = region or home_region(vault)
    if chosen and dataset.normalise_region(chosen) not in found.regions:
        chosen = None  # e.g. the country changed since the region was saved
    return dataset.lookup(country, chosen)


# --- printable documents -----------------------------------------------------------------

BAG_MARKS = {"packed": "☑", "to_pack": "☐", "not_needed": "–", "": "☐"}


def _help_lines(found: dataset.CountryResources | None, limit: int = 3) -> list[str]:
    if found is None:
        return []
    first = found.emergency[0]
    lines = [_(first.note)] if first.note else []
    lines += [
        _("{label}: {number}").format(label=_(n.label), number=n.number)
        for n in found.emergency[1:]
    ]
    lines += [_(tip.text) for tip in found.silent_call]
    for line in found.helplines[:limit]:
        hours = f" ({_(line.hours)})" if line.hours else ""
        caveat = " " + _("[not confirmed]") if not line.verified else ""
        lines.append(f"{_(line.name)}: {line.number}{hours}{caveat}")
    return lines


def _trusted_pairs(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Who a trusted person is, what they know, and whether (and when) they were told."""
    circle = row.get("circle") or ""
    sheet = {"yes": _("Yes"), "no": _("No")}.get(row.get("has_sheet") or "", "")
    return [
        (_("Where they are in your life"), _(model.CIRCLES[circle]) if circle else ""),
        (_("How to reach them"), row.get("reach") or ""),
        (_("What they know"), row.get("knows") or ""),
        (_("What you asked them to do"), row.get("if_contacted") or ""),
        (_("When you told them"), format_iso_day(row.get("told_on") or "")),
        (_("Lookout sheet"), sheet),
    ]


def _arrangement_pairs(view: ArrangementView) -> list[tuple[str, str]]:
    """An arrangement in plain words; its private note is never printed."""
    data = view.record.data
    source = _(SOURCE_LABELS.get(data.get("source", ""), data.get("source", "")))
    if view.order:
        source = _("{source} ({order})").format(source=source, order=view.order)
    return [
        (_("With"), view.person),
        (_("About"), data.get("about") or ""),
        (_("Children"), ", ".join(data.get("children", []))),
        (_("Channels"), "; ".join(view.channels())),
        (_("When"), "; ".join(view.windows()) or _("any time")),
        (_("Time zone"), data.get("timezone", "")),
        (_("Handover place"), data.get("place") or ""),
        (_("Where it comes from"), source),
        (_("Until"), format_iso_day(data.get("ends_on") or "")),
    ]


def plan_document(
    vault: CaseContext, view: PlanView, region: str | None = None, printed_on: date | None = None
) -> PlanDocument:
    """Everything the printed plan shows, in the person's language."""
    place = settings.current(vault)
    discreet = settings.preferences(vault).discreet
    day = printed_on or today(vault)
    emergency = emergency_for(place.country)
    try:
        found = place_resources(vault, region)
    except ValidationError:
        found = place_resources(vault)
    title = _("Personal notes") if discreet else _("My safety plan")
    subtitle = [
        _("Revision {n}, saved {when}.").format(n=view.version, when=view.saved_at)
        if view.version
        else _("Not saved yet."),
        _("Review it by {day}.").format(day=view.review_on)
        if view.review_on
        else _("No review date set: plans work best when looked at again every few weeks."),
    ]
    orders = []
    for record in events.list_events(vault, "order"):
        data = record.data
        if data.get("ends_on") and data["ends_on"] < day.isoformat():
            continue
        terms = data.get("terms") or {}
        pairs = [
            (_("Order"), f"{data['order_type']} ({record.ref})"),
            (_("Reference"), data.get("reference") or ""),
            (_("Made"), data["starts_on"]),
            (_("Ends"), data.get("ends_on") or _("No end date")),
            (_("No contact"), _("yes") if terms.get("no_contact") else ""),
            (
                _("Distance"),
                _("{n} metres").format(n=terms["distance_m"]) if terms.get("distance_m") else "",
            ),
            (_("Terms"), data.get("conditions") or ""),
        ]
        orders.append(pairs)
    contacts = [
        (
            f"{r.data['name']} ({role_label(r.data['role'])})",
            " · ".join(v for v in (r.data.get("phone"), r.data.get("other")) if v),
        )
        for r in list_contacts(vault)
    ]
    summaries = view.sections()
    empty = model.is_empty(view.data)
    note = emergency.note_text()
    help_lines = _help_lines(found) if found else ([note] if note else [])
    return PlanDocument(
        title=title,
        subtitle_lines=subtitle,
        emergency_headline=_("In danger now? Call {number}.").format(number=emergency.number),
        emergency_lines=help_lines,
        sections=[PdfSection(s.section.title_text(), s.entries) for s in summaries],
        contingencies=[(row["if"], row["then"]) for row in view.data["contingencies"]],
        go_bag=[
            (BAG_MARKS.get(item.state, "☐"), item.text)
            for item in view.go_bag()
            if item.state and item.state != "not_needed"
        ],
        escape_routes=[
            (row["place"], row["route"], row["go_to"]) for row in view.data["escape_routes"]
        ],
        trusted_people=[(row["name"], _trusted_pairs(row)) for row in view.data["trusted_people"]],
        children=[_arrangement_pairs(a) for a in arrangement_views(vault) if not a.ended],
        children_note=_(
            "Tell the school or nursery who may collect the children, keep a copy of the "
            "order with them, and plan what you will do if a handover goes wrong."
        ),
        contacts=contacts,
        orders=orders,
        footer=_("Printed {day}. Keep this somewhere only you can reach.").format(
            day=format_day(day)
        ),
        empty_note=_("Nothing has been added to this plan yet.") if empty else None,
        labels={
            "contingencies": _("If this happens, I will…"),
            "if_then": _("If {when}: {then}"),
            "go_bag": _("Go-bag"),
            "escape_routes": _("Ways out and safe places"),
            "place": _("From"),
            "route": _("Way out"),
            "go_to": _("Go to"),
            "children": _("Children and contact that must continue"),
            "trusted_people": _("Trusted people"),
            "contacts": _("My local contacts"),
            "orders": _("Protective orders in force"),
        },
    )


def plan_pdf_bytes(
    vault: CaseContext,
    version: int | None = None,
    region: str | None = None,
    fonts: FontSet | None = None,
) -> bytes:
    view = plan_version(vault, version) if version else current_plan(vault)
    return plan_pdf(plan_document(vault, view, region), fonts)


def guide_document(
    page: guidance.Page, country: str | None, region: str | None = None
) -> GuideDocument:
    """A guidance page as a standalone document: no name of the app, nothing personal."""
    found = None
    if country and dataset.find(country):
        try:
            found = dataset.lookup(country, region)
        except ValidationError:
            found = dataset.lookup(country)
    help_headline = None
    help_lines: list[str] = []
    if found is not None:
        emergency = emergency_for(found.code)
        help_headline = _("In an emergency, call {number} ({place}).").format(
            number=emergency.number, place=_(found.name)
        )
        help_lines = _help_lines(found, limit=4)
    return GuideDocument(
        title=page.title_text(),
        intro_lines=[page.summary_text()],
        blocks=[
            (block.heading_text(), block.paragraph_texts(), block.bullet_texts())
            for block in page.blocks
        ],
        help_headline=help_headline,
        help_lines=help_lines,
        footer=_("Information only, not legal advice."),
    )


def guide_pdf_bytes(
    page: guidance.Page,
    country: str | None,
    region: str | None = None,
    fonts: FontSet | None = None,
) -> bytes:
    return guide_pdf(guide_document(page, country, region), fonts)

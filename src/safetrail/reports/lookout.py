"""The lookout sheet: one printable page for neighbours, a building manager, reception or
security at work, a school office.

It shows what they need to recognise the person and their vehicle (chosen photos from the
evidence, a description, the plate), what to do if they see them, whom to call, and asks
them never to give out the person's contact details or schedule.

What it never shows: the person's own address, schedule or case details (incidents,
notes, references), unless the person writes them into the optional note themselves. The
title and file name are neutral, the PDF carries no app name, and photos are re-encoded so
no camera metadata (place, time, device) travels with them. Each copy is an export in the
chain of custody, with whom it was given to.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from safetrail.case import CaseContext
from safetrail.errors import ValidationError
from safetrail.fsutil import atomic_write
from safetrail.i18n import _
from safetrail.planning.emergency import emergency_for
from safetrail.reports.typeset import BOX_FILL, MUTED, SMALL, Doc, Font, paper_for
from safetrail.services import exports, settings
from safetrail.services.evidence import evidence_file
from safetrail.services.people import show_person

__all__ = [
    "LookoutCopy",
    "LookoutInput",
    "LookoutSheet",
    "build_lookout",
    "lookout_copies",
    "write_lookout",
]

PHOTO_MM = 80.0
TEXT = Font("sans", 11.5)  # larger than a report: read at a desk or pinned to a noticeboard
BOLD = Font("bold", 11.5)
MAX_PHOTO_BYTES = 40 * 1024 * 1024


@dataclass
class LookoutInput:
    person: str  # P-001
    given_to: str  # "building manager"
    photo: str | None = None  # EX-0003
    vehicle_photo: str | None = None  # EX-0004
    description: str | None = None  # height, hair, clothes they often wear
    contact: str | None = None  # "Jo (my sister), 07700 900555"
    note: str | None = None  # anything else the person chooses to add
    given_on: date | None = None
    show_name: bool = True
    vehicles: list[int] = field(default_factory=list)  # which vehicles (all when empty)


@dataclass(frozen=True)
class LookoutSheet:
    pdf: bytes
    sha256: str
    file_name: str
    given_to: str
    given_on: date


def _photo(vault: CaseContext, ref: str) -> tuple[bytes, float]:
    """The exhibit as a PNG without metadata, and its height/width ratio."""
    record, stream = evidence_file(vault, ref)
    if int(record.data.get("size") or 0) > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("{ref} is too large to print on the sheet.").format(ref=ref),
            _("Choose a smaller photo."),
        )
    try:
        with Image.open(io.BytesIO(stream.read())) as image:
            image.load()
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError):
        raise ValidationError(
            _("{ref} is not a photo SafeTrail can print.").format(ref=ref),
            _("Choose a JPEG or PNG photo from your evidence."),
        ) from None
    picture.thumbnail((1200, 1200))
    out = io.BytesIO()
    picture.save(out, format="PNG")  # a fresh file: no EXIF, no GPS, no maker notes
    return out.getvalue(), picture.height / max(picture.width, 1)


def _draw_photos(doc: Doc, photos: list[tuple[bytes, float, str]]) -> None:
    if not photos:
        return
    gap = 6.0
    width = min(PHOTO_MM, (doc.content_width - gap * (len(photos) - 1)) / len(photos))
    heights = [min(width * ratio, 75.0) for _png, ratio, _label in photos]
    tallest = max(heights)
    top = doc.get_y()
    x = doc.l_margin
    for (png, ratio, label), height in zip(photos, heights, strict=True):
        shown = height / ratio if ratio else width
        doc.image(io.BytesIO(png), x=x, y=top, w=shown, h=height)
        doc.draw_line(x, top + tallest + 4.5, label, SMALL)
        x += width + gap
    doc.set_y(top + tallest + 8)


def _render(vault: CaseContext, given: LookoutInput, given_on: date) -> bytes:
    place = settings.current(vault)
    record, _versions = show_person(vault, given.person)
    data = record.data
    title = _("Please look out for this person")
    doc = Doc(
        paper=paper_for(place.country),
        running_head="",
        footer_left="",
        title=title,
        created=datetime.now().astimezone(),
        plain=True,
    )
    doc.new_page("P")
    doc.para(title, Font("bold", 20))
    doc.para(
        _(
            "I am asking a few people I trust to help keep me safe. If you see this person "
            "or this vehicle near here, please follow the steps below."
        ),
        TEXT,
    )
    photos: list[tuple[bytes, float, str]] = []
    if given.photo:
        png, ratio = _photo(vault, given.photo)
        photos.append((png, ratio, _("The person")))
    if given.vehicle_photo:
        png, ratio = _photo(vault, given.vehicle_photo)
        photos.append((png, ratio, _("Their vehicle")))
    _draw_photos(doc, photos)
    rows: list[tuple[str, Font]] = []
    if given.show_name and data.get("names"):
        rows.append((_("Name: {name}").format(name=data["names"][0]), BOLD))
    if (given.description or "").strip():
        rows.append((_("Description: {text}").format(text=(given.description or "").strip()), BOLD))
    vehicles = data.get("vehicles") or []
    chosen = [vehicles[i] for i in given.vehicles if 0 <= i < len(vehicles)] or vehicles
    for vehicle in chosen:
        if vehicle.get("plate"):
            line = _("Vehicle: {vehicle}, number plate {plate}").format(
                vehicle=vehicle["description"], plate=vehicle["plate"]
            )
        else:
            line = _("Vehicle: {vehicle}").format(vehicle=vehicle["description"])
        rows.append((line, BOLD))
    for text, font in rows:
        doc.para(text, font)
    doc.gap(2)
    emergency = emergency_for(place.country)
    doc.lines([_("If you see them")], Font("bold", 13), doc.l_margin)
    doc.bullets(
        [
            _("Do not approach them or tell them anything about me."),
            _("Note the time, where they were, what they did and which way they went."),
            _(
                "If they seem about to hurt someone or break in, call {number} straight away."
            ).format(number=emergency.number),
            _("Then let me, or the contact below, know what you saw."),
        ],
        TEXT,
    )
    calls = [(_("Emergency: {number}").format(number=emergency.number), BOLD)]
    if (given.contact or "").strip():
        calls.append(
            (_("Also tell: {contact}").format(contact=(given.contact or "").strip()), BOLD)
        )
    doc.box([(_("Whom to call"), Font("bold", 12)), *calls], BOX_FILL)
    doc.gap(2)
    doc.box(
        [
            (
                _(
                    "Please do not give my phone number, email, address or schedule to anyone "
                    "who asks, even if they say they are family, a friend or a delivery."
                ),
                BOLD,
            ),
        ],
        BOX_FILL,
    )
    if (given.note or "").strip():
        doc.gap(2)
        doc.para((given.note or "").strip(), TEXT)
    doc.gap(2)
    doc.para(
        _("Thank you for helping. Please keep this sheet somewhere private."), SMALL, color=MUTED
    )
    if doc.pages_count > 1:
        raise ValidationError(
            _("The sheet does not fit on one page."),
            _("Shorten the description or the note, or leave out one photo."),
        )
    return bytes(doc.output())


def build_lookout(vault: CaseContext, given: LookoutInput) -> LookoutSheet:
    if not given.given_to.strip():
        raise ValidationError(
            _("Say who this copy is for, for example building manager or school office."),
            _("It is kept in the history, so you can see later who has a copy."),
        )
    given_on = given.given_on or date.today()
    pdf = _render(vault, given, given_on)
    digest = hashlib.sha256(pdf).hexdigest()
    return LookoutSheet(pdf, digest, f"notice-{given_on:%Y-%m-%d}.pdf", given.given_to, given_on)


def record_lookout(
    vault: CaseContext, sheet: LookoutSheet, file_name: str, given: LookoutInput
) -> None:
    exports.record_export(
        vault,
        "lookout-sheet",
        file_name,
        sheet.sha256,
        len(sheet.pdf),
        {
            "given_to": sheet.given_to.strip(),
            "given_on": sheet.given_on.isoformat(),
            "person": given.person,
            "photos": [p for p in (given.photo, given.vehicle_photo) if p],
        },
    )


def write_lookout(vault: CaseContext, given: LookoutInput, output: Path) -> LookoutSheet:
    exports.check_output(output)
    sheet = build_lookout(vault, given)
    atomic_write(output, sheet.pdf)
    record_lookout(vault, sheet, output.name, given)
    return sheet


@dataclass(frozen=True)
class LookoutCopy:
    ref: str  # the export record, X-…
    given_to: str
    given_on: str


def lookout_copies(vault: CaseContext) -> list[LookoutCopy]:
    """Every lookout sheet made, oldest first: who has a copy, and since when."""
    with vault.read() as conn:
        found = vault.store.load(conn, vault.store.list_ids(conn, "export"))
    return [
        LookoutCopy(r.ref, str(r.data.get("given_to") or ""), str(r.data.get("given_on") or ""))
        for r in found
        if r.data.get("format") == "lookout-sheet" and not r.voided
    ]

"""The police report preparation sheet: one page to take to the station or have at hand on
the phone. Key facts, who the person responsible is and how to identify them, the timeline
in brief, and what to bring. It always fits one page: the brief timeline is shortened
until it does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from safetrail.case import CaseContext
from safetrail.domain import vocab
from safetrail.fsutil import atomic_write
from safetrail.i18n import _
from safetrail.reports.findings import (
    Findings,
    arrangement_sentences,
    findings_for,
    notice_sentence,
    order_sentence,
    signal_line,
)
from safetrail.reports.model import CaseData, IncidentRow, ReportOptions, gather, when_columns
from safetrail.reports.pdf_report import custody_details, identifiers_text, new_doc
from safetrail.reports.typeset import BOX_FILL, MUTED, SMALL, STRONG, Column, Doc, Font
from safetrail.services import exports

MAX_BRIEF = 14
LINE_CHARS = 150


@dataclass(frozen=True)
class Sheet:
    pdf: bytes
    case: CaseData
    sha256: str
    file_name: str
    findings: Findings


def brief(case: CaseData, limit: int) -> list[IncidentRow]:
    """The first incident, the most recent ones and the most serious, in date order."""
    chosen: dict[str, IncidentRow] = {}
    if not case.incidents or limit <= 0:
        return []
    chosen[case.incidents[0].id] = case.incidents[0]
    for incident in reversed(case.incidents[-max(1, limit // 3) :]):
        chosen.setdefault(incident.id, incident)
    serious = sorted(case.incidents, key=lambda i: (-i.tier, -(i.fear or 0), i.ref))
    for incident in serious:
        if len(chosen) >= limit:
            break
        chosen.setdefault(incident.id, incident)
    ordered = sorted(chosen.values(), key=lambda i: (i.occurred.start, i.ref))
    return ordered[:limit]


def _brief_when(incident: IncidentRow, tz: str) -> str:
    day, clock = when_columns(incident.occurred, tz)
    return day if clock == _("not recorded") else f"{day} {clock}"


def _shorten(text: str, limit: int = LINE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _signal_lines(findings: Findings) -> list[str]:
    """Every signal, serious ones first; details are shortened to keep to one page."""
    lines = [_shorten(signal_line(s), LINE_CHARS + 40) for s in findings.signals]
    lines += [f.message for f in findings.analysis.failures]
    return lines


def _render(case: CaseData, findings: Findings, limit: int) -> Doc:
    title = _("Police report preparation sheet")
    doc = new_doc(case, title)
    doc.new_page("P")
    doc.lines([title], Font("bold", 16), doc.l_margin)
    doc.para(
        _(
            "Key facts from the log, to have at hand when reporting. The full report "
            "({id}) has every incident, the evidence index and the integrity statement."
        ).format(id=case.report_id),
        SMALL,
        color=MUTED,
    )
    reported = [i for i in case.incidents if i.police.reported or i.police.reference]
    references = sorted({i.police.reference for i in reported if i.police.reference})
    rows = [
        (_("Period"), case.period_text()),
        (
            _("Incidents recorded"),
            _("{n} (first {first}, most recent {last})").format(
                n=len(case.incidents),
                first=when_columns(case.incidents[0].occurred, case.timezone)[0]
                if case.incidents
                else "–",
                last=when_columns(case.incidents[-1].occurred, case.timezone)[0]
                if case.incidents
                else "–",
            ),
        ),
        (
            _("Already reported"),
            _("incidents reported: {n}; references: {refs}").format(
                n=len(reported), refs=", ".join(references) or _("none recorded")
            ),
        ),
        (
            _("Most frequent behaviour"),
            ", ".join(
                f"{vocab.tactic(slug).label_text()} ({n})" for slug, n in case.tactic_counts()[:5]
            )
            or "–",
        ),
        (_("Evidence files"), str(len(case.exhibits))),
    ]
    for notice in case.notices:
        rows.append((_("No-contact notice"), notice_sentence(case, findings, notice)))
    for order in case.orders:
        rows.append((_("Court order"), order_sentence(case, findings, order)))
    for line in arrangement_sentences(case, findings):
        rows.append((_("Permitted contact"), line))
    doc.grid_table([Column("", 26), Column("", 74)], rows, header=False, zebra=False)

    doc.lines([_("The person responsible")], Font("bold", 11), doc.l_margin)
    doc.gap(1)
    if case.people:
        doc.grid_table(
            [
                Column(_("Name(s)"), 26),
                Column(_("Relationship"), 18),
                Column(_("Phone, email, accounts"), 34),
                Column(_("Vehicles, photo"), 22),
            ],
            (
                [
                    f"{p.ref}: " + ", ".join(p.names),
                    p.relationship or "",
                    identifiers_text(p.identifiers),
                    "\n".join(f"{d} ({plate})" if plate else d for d, plate in p.vehicles)
                    + (
                        "\n" + _("photo: {ref}").format(ref=case.refs.get(p.photo_id, ""))
                        if p.photo_id
                        else ""
                    ),
                ]
                for p in case.people[:3]
            ),
            zebra=False,
        )
    else:
        doc.para(_("Not named in the log."), color=MUTED)

    chosen = brief(case, limit)
    if chosen:
        doc.lines([_("Timeline in brief")], Font("bold", 11), doc.l_margin)
        doc.gap(1)
        doc.grid_table(
            [Column(_("Date"), 17), Column(_("Ref"), 9), Column(_("What happened"), 74)],
            (
                [
                    _brief_when(i, case.timezone),
                    i.ref,
                    _shorten(
                        ", ".join(vocab.tactic(t).label_text() for t in i.tactics)
                        + (": " if i.tactics else "")
                        + i.what_happened
                    ),
                ]
                for i in chosen
            ),
            font=Font("sans", 7.2),
        )
        if len(case.incidents) > len(chosen):
            doc.para(
                _("The full report has every incident; not shown here: {n}.").format(
                    n=len(case.incidents) - len(chosen)
                ),
                SMALL,
                color=MUTED,
            )
    signals = _signal_lines(findings)
    if signals:
        doc.lines([_("Signals found in the log")], Font("bold", 11), doc.l_margin)
        doc.gap(0.5)
        doc.bullets(signals, SMALL, after=0.5)
    doc.box(
        [
            (_("What to bring"), STRONG),
            (
                "☐ "
                + _(
                    "This sheet and the full report (or the case bundle, on a USB stick "
                    "or by email)."
                ),
                SMALL,
            ),
            ("☐ " + _("Photo ID, and the reference numbers of any earlier reports."), SMALL),
            (
                "☐ "
                + _(
                    "The phone or device with the messages, calls and photos, charged, "
                    "and screenshots of anything that might be deleted."
                ),
                SMALL,
            ),
            (
                "☐ "
                + _(
                    "Copies of the no-contact notice, any court order and letters or items "
                    "they sent."
                ),
                SMALL,
            ),
            ("☐ " + _("Names and contact details of witnesses who agreed to help."), SMALL),
            (_("Ask for"), STRONG),
            (
                _(
                    "The crime or incident reference number; the officer's name and badge "
                    "number; what happens next and who will contact you; how to add new "
                    "incidents and evidence to the same report."
                ),
                SMALL,
            ),
        ],
        BOX_FILL,
    )
    return doc


def build_sheet(vault: CaseContext, options: ReportOptions) -> Sheet:
    case = gather(vault, options)
    findings = findings_for(vault, case, charts=False)
    for limit in range(MAX_BRIEF, -1, -2):
        doc = _render(case, findings, limit)
        if doc.pages_count == 1:
            break
    pdf = bytes(doc.output())
    digest = hashlib.sha256(pdf).hexdigest()
    return Sheet(pdf, case, digest, f"police-sheet-{case.generated_at:%Y-%m-%d}.pdf", findings)


def record_sheet(vault: CaseContext, sheet: Sheet, file_name: str) -> None:
    exports.record_export(
        vault, "police-sheet", file_name, sheet.sha256, len(sheet.pdf), custody_details(sheet.case)
    )


def write_sheet(vault: CaseContext, options: ReportOptions, output: Path) -> Sheet:
    exports.check_output(output)
    sheet = build_sheet(vault, options)
    atomic_write(output, sheet.pdf)
    record_sheet(vault, sheet, output.name)
    return sheet

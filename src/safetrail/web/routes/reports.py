"""Reports page: choose what to include, then download the PDF report, the police sheet or
the case bundle; exports; letters filled from the log. Every download is recorded in the
ledger before (or, for the streamed bundle, as soon as) it is handed over.

The selection form (shared by the report, the sheet and the bundle) is parsed once, by a
dependency (:func:`report_selection`); the letters are in ``letters.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response, StreamingResponse

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError, ValidationError
from safetrail.i18n import _, use_language
from safetrail.reports import bundle as bundles
from safetrail.reports.model import ReportOptions, gather
from safetrail.reports.pdf_report import build_report, record_report
from safetrail.reports.police_sheet import build_sheet, record_sheet
from safetrail.services import downloads, events, exports, settings
from safetrail.services.people import person_choices
from safetrail.web.deps import CASE_ROUTES, Case, attachment, problem
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)
CSRF = [Depends(require_csrf)]

EMPTY_SELECTION: dict[str, Any] = {
    "from_day": "",
    "to_day": "",
    "offenders": [],
    "incidents": "",
    "witness_contacts": False,
    "communications_appendix": False,
    "prepared_by": "",
}
EMPTY_LETTER = {
    "kind": "no-contact",
    "person": "",
    "your_name": "",
    "provider": "",
    "account": "",
    "your_number": "",
    "from_day": "",
    "to_day": "",
    "police_reference": "",
}
Field = Annotated[str, Form()]


def methods() -> list[tuple[str, str]]:
    return [(slug, events.method_label(slug)) for slug in events.NOTICE_METHODS]


def reports_page_with(
    request: Request, ctx: CaseContext, status_code: int = 200, **extra: Any
) -> Response:
    context: dict[str, Any] = {
        "selection": dict(EMPTY_SELECTION),
        "letter": dict(EMPTY_LETTER),
        "error": None,
        "hint": None,
        "letter_error": None,
        "letter_hint": None,
        **extra,
    }
    return render(
        request,
        "report.html",
        status_code=status_code,
        title_key="reports",
        people=person_choices(ctx),
        handed_out=downloads.handed_out(ctx),
        methods=methods(),
        letter_kinds=[
            ("no-contact", _("No-contact notice (to the person responsible)")),
            ("platform", _("Complaint to a platform or service about an account")),
            ("call-records", _("Request to your phone company for call records")),
        ],
        **context,
    )


@dataclass(frozen=True)
class Selection:
    """What to include, as the report options and as typed (to fill the form again)."""

    options: ReportOptions
    values: dict[str, Any]


def report_selection(
    from_day: Field = "",
    to_day: Field = "",
    offenders: Annotated[list[str] | None, Form()] = None,
    incidents: Field = "",
    witness_contacts: Field = "",
    communications_appendix: Field = "",
    prepared_by: Field = "",
) -> Selection:
    """The selection form, parsed once for the report, the police sheet and the bundle."""
    chosen = offenders or []
    refs = tuple(part.strip() for part in incidents.replace(";", ",").split(",") if part.strip())
    options = ReportOptions(
        from_day=from_day.strip(),
        to_day=to_day.strip(),
        offenders=tuple(o for o in chosen if o.strip()),
        incidents=refs,
        witness_contacts=bool(witness_contacts),
        communications_appendix=bool(communications_appendix),
        prepared_by=prepared_by.strip()[:120],
    )
    values = {
        "from_day": from_day,
        "to_day": to_day,
        "offenders": list(chosen),
        "incidents": incidents,
        "witness_contacts": bool(witness_contacts),
        "communications_appendix": bool(communications_appendix),
        "prepared_by": prepared_by,
    }
    return Selection(options, values)


Chosen = Annotated[Selection, Depends(report_selection)]


@router.get("/reports")
def reports_page(request: Request, ctx: Case) -> Response:
    return reports_page_with(request, ctx)


@router.post("/reports/pdf", dependencies=CSRF)
def report_pdf(
    request: Request, ctx: Case, selection: Chosen, report_language: Field = ""
) -> Response:
    try:
        with use_language(settings.validate_language(report_language)):
            made = build_report(ctx, selection.options)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return reports_page_with(
            request, ctx, 400, selection=selection.values, error=message, hint=hint
        )
    name = f"report-{made.case.generated_at:%Y-%m-%d}.pdf"
    record_report(ctx, made, name)
    return attachment(made.pdf, "application/pdf", name)


@router.post("/reports/police-sheet", dependencies=CSRF)
def police_sheet(
    request: Request, ctx: Case, selection: Chosen, report_language: Field = ""
) -> Response:
    try:
        with use_language(settings.validate_language(report_language)):
            sheet = build_sheet(ctx, selection.options)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return reports_page_with(
            request, ctx, 400, selection=selection.values, error=message, hint=hint
        )
    name = f"sheet-{sheet.case.generated_at:%Y-%m-%d}.pdf"
    record_sheet(ctx, sheet, name)
    return attachment(sheet.pdf, "application/pdf", name)


@router.post("/reports/bundle", dependencies=CSRF)
def case_bundle(
    request: Request,
    ctx: Case,
    selection: Chosen,
    bundle_passphrase: Field = "",
    bundle_confirm: Field = "",
) -> Response:
    options = selection.options
    passphrase = bundle_passphrase or None
    try:
        if passphrase is not None:
            if bundle_passphrase != bundle_confirm:
                raise ValidationError(
                    _("The two bundle passphrases are different."), _("Type them again.")
                )
            bundles.check_bundle_passphrase(ctx, passphrase)
        gather(ctx, options)  # refuse a bad selection before the download starts
    except SafetrailError as exc:
        message, hint = problem(exc)
        return reports_page_with(
            request, ctx, 400, selection=selection.values, error=message, hint=hint
        )
    day = downloads.today_text(ctx)
    name = f"bundle-{day}.stbundle" if passphrase else f"bundle-{day}.zip"
    result = bundles.BundleResult()

    def stream() -> Iterator[bytes]:
        yield from bundles.bundle_pieces(ctx, options, result, passphrase)
        bundles.record_bundle(ctx, result, name, "browser download")

    media = "application/octet-stream" if passphrase else "application/zip"
    return StreamingResponse(
        stream(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/reports/export/{fmt}", dependencies=CSRF)
def export_file(request: Request, ctx: Case, fmt: str) -> Response:
    made = downloads.export_file(ctx, fmt)
    if made is None:
        return reports_page_with(
            request, ctx, 404, error=_("There is no export called {fmt}.").format(fmt=fmt)
        )
    digest = hashlib.sha256(made.payload).hexdigest()
    exports.record_export(ctx, fmt, made.name, digest, len(made.payload))
    return attachment(made.payload, made.media_type, made.name)

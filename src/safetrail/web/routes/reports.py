"""Reports page: choose what to include, then download the PDF report, the police sheet or
the case bundle; exports; letters filled from the log. Every download is recorded in the
ledger before (or, for the streamed bundle, as soon as) it is handed over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from safetrail.domain.when import zone
from safetrail.errors import SafetrailError, ValidationError
from safetrail.i18n import _, use_language
from safetrail.reports import bundle as bundles
from safetrail.reports import letters
from safetrail.reports.comms import communications_csv
from safetrail.reports.messages import communications_section
from safetrail.reports.model import ReportOptions, gather
from safetrail.reports.pdf_report import build_report, record_report
from safetrail.reports.police_sheet import build_sheet, record_sheet
from safetrail.services import events, exports, settings
from safetrail.services.people import local_time_text, person_choices
from safetrail.services.vault import Vault
from safetrail.storage.records import format_ref
from safetrail.web.routes.home import current_vault
from safetrail.web.routes.incidents import problem
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter()

RECENT_EXPORTS = 20
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


def _today(vault: Vault) -> str:
    return datetime.now(zone(settings.current(vault).timezone)).date().isoformat()


def _handed_out(vault: Vault) -> list[dict[str, str]]:
    tz = settings.current(vault).timezone
    with vault.read() as conn:
        ids = vault.store.list_ids(conn, "export")[-RECENT_EXPORTS:]
        found = vault.store.load(conn, ids)
    return [
        {
            "ref": format_ref("export", r.ref_no),
            "at": local_time_text(r.created_at, tz),
            "format": str(r.data.get("format", "")),
            "report_id": str(r.data.get("report_id") or ""),
            "file_name": str(r.data.get("file_name", "")),
            "sha256": str(r.data.get("sha256", "")),
        }
        for r in reversed(found)
    ]


def _page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    vault = current_vault(request)
    context: dict[str, Any] = {
        "selection": dict(EMPTY_SELECTION),
        "letter": dict(EMPTY_LETTER),
        "error": None,
        "hint": None,
        "letter_error": None,
        "letter_hint": None,
    }
    context.update(extra)
    return render(
        request,
        "report.html",
        status_code=status_code,
        title_key="reports",
        people=person_choices(vault),
        handed_out=_handed_out(vault),
        methods=[(slug, events.method_label(slug)) for slug in events.NOTICE_METHODS],
        letter_kinds=[
            ("no-contact", _("No-contact notice (to the person responsible)")),
            ("platform", _("Complaint to a platform or service about an account")),
            ("call-records", _("Request to your phone company for call records")),
        ],
        **context,
    )


def _selection(
    from_day: str,
    to_day: str,
    offenders: list[str],
    incidents: str,
    witness_contacts: str,
    communications_appendix: str,
    prepared_by: str,
) -> tuple[ReportOptions, dict[str, Any]]:
    refs = tuple(part.strip() for part in incidents.replace(";", ",").split(",") if part.strip())
    options = ReportOptions(
        from_day=from_day.strip(),
        to_day=to_day.strip(),
        offenders=tuple(o for o in offenders if o.strip()),
        incidents=refs,
        witness_contacts=bool(witness_contacts),
        communications_appendix=bool(communications_appendix),
        prepared_by=prepared_by.strip()[:120],
    )
    values = {
        "from_day": from_day,
        "to_day": to_day,
        "offenders": list(offenders),
        "incidents": incidents,
        "witness_contacts": bool(witness_contacts),
        "communications_appendix": bool(communications_appendix),
        "prepared_by": prepared_by,
    }
    return options, values


def _attachment(payload: bytes, media_type: str, name: str) -> Response:
    return Response(
        payload,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


SelectionForm = Annotated[str, Form()]


@router.get("/reports")
def reports_page(request: Request) -> Response:
    return _page(request)


@router.post("/reports/pdf", dependencies=[Depends(require_csrf)])
def report_pdf(
    request: Request,
    from_day: SelectionForm = "",
    to_day: SelectionForm = "",
    offenders: Annotated[list[str] | None, Form()] = None,
    incidents: SelectionForm = "",
    witness_contacts: SelectionForm = "",
    communications_appendix: SelectionForm = "",
    prepared_by: SelectionForm = "",
    report_language: SelectionForm = "",
) -> Response:
    vault = current_vault(request)
    options, values = _selection(
        from_day,
        to_day,
        offenders or [],
        incidents,
        witness_contacts,
        communications_appendix,
        prepared_by,
    )
    try:
        with use_language(settings.validate_language(report_language)):
            made = build_report(vault, options)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _page(request, 400, selection=values, error=message, hint=hint)
    name = f"report-{made.case.generated_at:%Y-%m-%d}.pdf"
    record_report(vault, made, name)
    return _attachment(made.pdf, "application/pdf", name)


@router.post("/reports/police-sheet", dependencies=[Depends(require_csrf)])
def police_sheet(
    request: Request,
    from_day: SelectionForm = "",
    to_day: SelectionForm = "",
    offenders: Annotated[list[str] | None, Form()] = None,
    incidents: SelectionForm = "",
    witness_contacts: SelectionForm = "",
    communications_appendix: SelectionForm = "",
    prepared_by: SelectionForm = "",
    report_language: SelectionForm = "",
) -> Response:
    vault = current_vault(request)
    options, values = _selection(
        from_day,
        to_day,
        offenders or [],
        incidents,
        witness_contacts,
        communications_appendix,
        prepared_by,
    )
    try:
        with use_language(settings.validate_language(report_language)):
            sheet = build_sheet(vault, options)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _page(request, 400, selection=values, error=message, hint=hint)
    name = f"sheet-{sheet.case.generated_at:%Y-%m-%d}.pdf"
    record_sheet(vault, sheet, name)
    return _attachment(sheet.pdf, "application/pdf", name)


@router.post("/reports/bundle", dependencies=[Depends(require_csrf)])
def case_bundle(
    request: Request,
    from_day: SelectionForm = "",
    to_day: SelectionForm = "",
    offenders: Annotated[list[str] | None, Form()] = None,
    incidents: SelectionForm = "",
    witness_contacts: SelectionForm = "",
    communications_appendix: SelectionForm = "",
    prepared_by: SelectionForm = "",
    bundle_passphrase: SelectionForm = "",
    bundle_confirm: SelectionForm = "",
) -> Response:
    vault = current_vault(request)
    options, values = _selection(
        from_day,
        to_day,
        offenders or [],
        incidents,
        witness_contacts,
        communications_appendix,
        prepared_by,
    )
    passphrase = bundle_passphrase or None
    try:
        if passphrase is not None:
            if bundle_passphrase != bundle_confirm:
                raise ValidationError(
                    _("The two bundle passphrases are different."), _("Type them again.")
                )
            bundles.check_bundle_passphrase(vault, passphrase)
        gather(vault, options)  # refuse a bad selection before the download starts
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _page(request, 400, selection=values, error=message, hint=hint)
    day = _today(vault)
    name = f"bundle-{day}.stbundle" if passphrase else f"bundle-{day}.zip"
    result = bundles.BundleResult()

    def stream() -> Iterator[bytes]:
        yield from bundles.bundle_pieces(vault, options, result, passphrase)
        bundles.record_bundle(vault, result, name, "browser download")

    media = "application/octet-stream" if passphrase else "application/zip"
    return StreamingResponse(
        stream(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/reports/export/{fmt}", dependencies=[Depends(require_csrf)])
def export_file(request: Request, fmt: str) -> Response:
    vault = current_vault(request)
    day = _today(vault)
    if fmt == "json":
        payload = (
            json.dumps(exports.build_json(vault), ensure_ascii=False, indent=2) + "\n"
        ).encode()
        name, media = f"export-{day}.json", "application/json"
    elif fmt == "csv":
        payload = exports.build_csv(vault).encode("utf-8-sig")
        name, media = f"export-{day}.csv", "text/csv; charset=utf-8"
    elif fmt == "communications-csv":
        case = gather(vault, ReportOptions())
        payload = communications_csv(communications_section(vault, case), case.refs).encode(
            "utf-8-sig"
        )
        name, media = f"communications-{day}.csv", "text/csv; charset=utf-8"
    else:
        return _page(request, 404, error=_("There is no export called {fmt}.").format(fmt=fmt))
    exports.record_export(vault, fmt, name, hashlib.sha256(payload).hexdigest(), len(payload))
    return _attachment(payload, media, name)


def _letter_input(values: dict[str, str]) -> letters.LetterInput:
    return letters.LetterInput(**{key: values.get(key, "") for key in EMPTY_LETTER})


LetterForm = Annotated[str, Form()]


def _letter_values(
    kind: str,
    person: str,
    your_name: str,
    provider: str,
    account: str,
    your_number: str,
    from_day: str,
    to_day: str,
    police_reference: str,
) -> dict[str, str]:
    return {
        "kind": kind,
        "person": person,
        "your_name": your_name,
        "provider": provider,
        "account": account,
        "your_number": your_number,
        "from_day": from_day,
        "to_day": to_day,
        "police_reference": police_reference,
    }


@router.post("/reports/letter", dependencies=[Depends(require_csrf)])
def letter_preview(
    request: Request,
    kind: LetterForm = "no-contact",
    person: LetterForm = "",
    your_name: LetterForm = "",
    provider: LetterForm = "",
    account: LetterForm = "",
    your_number: LetterForm = "",
    from_day: LetterForm = "",
    to_day: LetterForm = "",
    police_reference: LetterForm = "",
) -> Response:
    vault = current_vault(request)
    values = _letter_values(
        kind, person, your_name, provider, account, your_number, from_day, to_day, police_reference
    )
    try:
        composed = letters.compose(vault, _letter_input(values))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _page(request, 400, letter=values, letter_error=message, letter_hint=hint)
    return render(
        request,
        "letter.html",
        title_key="letter",
        composed=composed,
        values=values,
        methods=[(slug, events.method_label(slug)) for slug in events.NOTICE_METHODS],
        today=_today(vault),
        error=None,
        hint=None,
    )


@router.post("/reports/letter/download", dependencies=[Depends(require_csrf)])
def letter_download(
    request: Request,
    file_type: LetterForm = "pdf",
    kind: LetterForm = "no-contact",
    person: LetterForm = "",
    your_name: LetterForm = "",
    provider: LetterForm = "",
    account: LetterForm = "",
    your_number: LetterForm = "",
    from_day: LetterForm = "",
    to_day: LetterForm = "",
    police_reference: LetterForm = "",
) -> Response:
    vault = current_vault(request)
    values = _letter_values(
        kind, person, your_name, provider, account, your_number, from_day, to_day, police_reference
    )
    given = _letter_input(values)
    try:
        composed = letters.compose(vault, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _page(request, 400, letter=values, letter_error=message, letter_hint=hint)
    day = _today(vault)
    if file_type == "text":
        payload, media, name = composed.text().encode(), "text/plain; charset=utf-8", "txt"
    else:
        payload = letters.letter_pdf(composed, settings.current(vault).country)
        media, name = "application/pdf", "pdf"
    file_name = f"letter-{day}.{name}"
    letters.record_letter(
        vault,
        composed,
        given,
        file_name,
        hashlib.sha256(payload).hexdigest(),
        len(payload),
        "text" if name == "txt" else "pdf",
    )
    return _attachment(payload, media, file_name)


@router.post("/reports/letter/sent", dependencies=[Depends(require_csrf)])
def letter_sent(
    request: Request,
    sent_on: LetterForm = "",
    method: LetterForm = "",
    person: LetterForm = "",
    your_name: LetterForm = "",
) -> Response:
    vault = current_vault(request)
    values = _letter_values("no-contact", person, your_name, "", "", "", "", "", "")
    given = _letter_input(values)
    try:
        record = letters.mark_notice_sent(vault, given, sent_on or _today(vault), method)
    except SafetrailError as exc:
        message, hint = problem(exc)
        composed = letters.compose(vault, given)
        return render(
            request,
            "letter.html",
            status_code=400,
            title_key="letter",
            composed=composed,
            values=values,
            methods=[(slug, events.method_label(slug)) for slug in events.NOTICE_METHODS],
            today=_today(vault),
            error=message,
            hint=hint,
        )
    return RedirectResponse(f"/events?saved={record.ref}#notices", status_code=303)

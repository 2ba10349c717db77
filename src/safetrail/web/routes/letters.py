"""Letters filled from the log (no-contact notice, platform complaint, call-records
request): preview, download (recorded in the ledger), and marking a notice as sent.
The letter form is parsed once, by a dependency (:func:`letter_form`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError
from safetrail.reports import letters
from safetrail.services import downloads, settings
from safetrail.web.deps import CASE_ROUTES, Case, attachment, problem, redirect
from safetrail.web.routes.reports import EMPTY_LETTER, methods, reports_page_with
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)
CSRF = [Depends(require_csrf)]
Field = Annotated[str, Form()]

# --- letters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterForm:
    values: dict[str, str]

    @property
    def given(self) -> letters.LetterInput:
        return letters.LetterInput(**{key: self.values.get(key, "") for key in EMPTY_LETTER})


def letter_form(
    kind: Field = "no-contact",
    person: Field = "",
    your_name: Field = "",
    provider: Field = "",
    account: Field = "",
    your_number: Field = "",
    from_day: Field = "",
    to_day: Field = "",
    police_reference: Field = "",
) -> LetterForm:
    """The letter form, parsed once for the preview and the download."""
    return LetterForm(
        {
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
    )


Letter = Annotated[LetterForm, Depends(letter_form)]


def _letter_page(
    request: Request,
    ctx: CaseContext,
    composed: letters.Letter,
    values: dict[str, str],
    status_code: int = 200,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    return render(
        request,
        "letter.html",
        status_code=status_code,
        title_key="letter",
        composed=composed,
        values=values,
        methods=methods(),
        today=downloads.today_text(ctx),
        error=error,
        hint=hint,
    )


@router.post("/reports/letter", dependencies=CSRF)
def letter_preview(request: Request, ctx: Case, letter: Letter) -> Response:
    try:
        composed = letters.compose(ctx, letter.given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return reports_page_with(
            request, ctx, 400, letter=letter.values, letter_error=message, letter_hint=hint
        )
    return _letter_page(request, ctx, composed, letter.values)


@router.post("/reports/letter/download", dependencies=CSRF)
def letter_download(
    request: Request, ctx: Case, letter: Letter, file_type: Field = "pdf"
) -> Response:
    given = letter.given
    try:
        composed = letters.compose(ctx, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return reports_page_with(
            request, ctx, 400, letter=letter.values, letter_error=message, letter_hint=hint
        )
    if file_type == "text":
        payload, media, ext = composed.text().encode(), "text/plain; charset=utf-8", "txt"
    else:
        payload = letters.letter_pdf(composed, settings.current(ctx).country)
        media, ext = "application/pdf", "pdf"
    file_name = f"letter-{downloads.today_text(ctx)}.{ext}"
    digest = hashlib.sha256(payload).hexdigest()
    letters.record_letter(
        ctx, composed, given, file_name, digest, len(payload), "text" if ext == "txt" else "pdf"
    )
    return attachment(payload, media, file_name)


@router.post("/reports/letter/sent", dependencies=CSRF)
def letter_sent(
    request: Request,
    ctx: Case,
    sent_on: Field = "",
    method: Field = "",
    person: Field = "",
    your_name: Field = "",
) -> Response:
    values = {**EMPTY_LETTER, "kind": "no-contact", "person": person, "your_name": your_name}
    given = LetterForm(values).given
    try:
        record = letters.mark_notice_sent(ctx, given, sent_on or downloads.today_text(ctx), method)
    except SafetrailError as exc:
        message, hint = problem(exc)
        composed = letters.compose(ctx, given)
        return _letter_page(request, ctx, composed, values, 400, message, hint)
    return redirect(f"/events?saved={record.ref}#notices")

"""Guidance pages (the digital-safety checklist, phrases for calling for help, the guide
for friends and family as a PDF) and the no-contact notice helper."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.errors import RecordNotFound, SafetrailError, ValidationError
from safetrail.i18n import _
from safetrail.planning import checklist, guidance, notice
from safetrail.services import events, plan_pages, planning
from safetrail.services.events import NoticeInput
from safetrail.web.deps import (
    CASE_ROUTES,
    Case,
    attachment,
    form_fields,
    not_found_page,
    problem,
    read_form,
    redirect,
    run,
)
from safetrail.web.deps import notice as saved_notice
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)
CSRF = [Depends(require_csrf)]


# --- guidance ----------------------------------------------------------------------------


@router.get("/guidance")
def guidance_index(request: Request, ctx: Case) -> Response:
    return render(
        request, "guidance.html", title_key="guidance", **plan_pages.guidance_overview(ctx)
    )


def _digital_page(
    request: Request,
    ctx: CaseContext,
    status_code: int = 200,
    states: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    shown = states if states is not None else planning.checklist_states(ctx)
    return render(
        request,
        "guidance_digital.html",
        status_code=status_code,
        title_key="guidance",
        groups=checklist.GROUPS,
        states=shown,
        progress=checklist.progress({"items": shown}),
        saved=saved_notice(request),
        error=error,
    )


@router.get("/guidance/digital")
def digital_page(request: Request, ctx: Case) -> Response:
    return _digital_page(request, ctx)


@router.post("/guidance/digital", dependencies=CSRF)
async def save_digital(request: Request, ctx: Case) -> Response:
    given = form_fields(await read_form(request))
    states = {item_id: given.get(item_id, "") for item_id in checklist.ITEM_IDS}
    try:
        await run(planning.save_checklist, ctx, states)
    except SafetrailError as exc:
        return _digital_page(request, ctx, 400, states, exc.message)
    return redirect("/guidance/digital?saved=1")


@router.get("/guidance/phrases")
def phrases_page(request: Request, ctx: Case) -> Response:
    return render(
        request, "guidance_phrases.html", title_key="guidance", **plan_pages.phrases_data(ctx)
    )


@router.get("/guidance/supporting/pdf")
def supporting_pdf(request: Request, ctx: Case, region: str = "") -> Response:
    content = plan_pages.supporting_pdf(ctx, region or None)
    return attachment(content, "application/pdf", "supporting-someone-who-is-being-stalked.pdf")


@router.get("/guidance/{slug}")
def guidance_page(request: Request, ctx: Case, slug: str) -> Response:
    try:
        page = guidance.page(slug)
    except RecordNotFound as exc:
        return not_found_page(request, exc.message, exc.hint)
    return render(
        request,
        "guidance_page.html",
        title_key="guidance",
        page=page,
        **plan_pages.guidance_law(ctx, slug),
    )


# --- the no-contact notice helper ----------------------------------------------------------


def _notice_page(
    request: Request,
    ctx: CaseContext,
    status_code: int = 200,
    choices: notice.DraftChoices | None = None,
    message: str = "",
    record: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    data = plan_pages.notice_page_data(ctx)
    return render(
        request,
        "notice_helper.html",
        status_code=status_code,
        title_key="notice_helper",
        choices=choices or notice.DraftChoices(),
        message=message,
        record=record or {"sent_on": data["today"], "method": "", "person": ""},
        saved=saved_notice(request),
        **data,
        **{"error": None, "hint": None, **extra},
    )


@router.get("/notice-helper")
def notice_helper(request: Request, ctx: Case) -> Response:
    return _notice_page(request, ctx)


@router.post("/notice-helper/draft", dependencies=CSRF)
def notice_draft(
    request: Request,
    ctx: Case,
    opening: Annotated[str, Form()] = "",
    list_ways: Annotated[str, Form()] = "",
    third_parties: Annotated[str, Form()] = "",
    consequence: Annotated[str, Form()] = "",
    no_reply: Annotated[str, Form()] = "",
    own_words: Annotated[str, Form()] = "",
) -> Response:
    choices = plan_pages.draft_choices(
        opening, list_ways == "on", third_parties == "on", consequence, no_reply == "on", own_words
    )
    return _notice_page(request, ctx, choices=choices, message=notice.draft(choices))


@router.post("/notice-helper/record", dependencies=CSRF)
def notice_record(
    request: Request,
    ctx: Case,
    message: Annotated[str, Form()] = "",
    sent_on: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
) -> Response:
    try:
        if not message.strip():
            raise ValidationError(
                _("Paste or write the message you sent, so the record shows what it said."),
                _("You can make a draft above first."),
            )
        record = events.add_notice(
            ctx, NoticeInput(sent_on, method, person.strip() or None, message)
        )
    except SafetrailError as exc:
        text, hint = problem(exc)
        values = {"sent_on": sent_on, "method": method, "person": person}
        return _notice_page(
            request, ctx, 400, message=message, record=values, error=text, hint=hint
        )
    return redirect(f"/notice-helper?saved={record.ref}#recorded")

"""The safety plan builder: the overview, each part, the rows pages (if-then, ways out,
trusted people), the go-bag, the history and the PDF.

Protective orders, help and contacts, and guidance with the notice helper have their
own modules (``orders.py``, ``resources.py``, ``guidance.py``); what every page shows is
gathered in ``services/plan_pages.py``. Forms post back to the page they came from; a
form with a problem is shown again with everything that was typed still in it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.errors import RecordNotFound, SafetrailError
from safetrail.i18n import _
from safetrail.planning import plan as model
from safetrail.services import plan_pages, planning, settings
from safetrail.services.plan_pages import ROW_PAGES
from safetrail.web.deps import (
    CASE_ROUTES,
    Case,
    attachment,
    form_fields,
    form_rows,
    form_texts,
    not_found_page,
    notice,
    problem,
    read_form,
    redirect,
    run,
)
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)
CSRF = [Depends(require_csrf)]


# --- the plan overview ---------------------------------------------------------------------


def _plan_page(
    request: Request, ctx: CaseContext, status_code: int = 200, **extra: Any
) -> Response:
    context = plan_pages.plan_overview(ctx)
    context.update({"review_error": None, "review_hint": None, **extra})
    return render(
        request,
        "plan.html",
        status_code=status_code,
        title_key="plan",
        saved=notice(request),
        **context,
    )


@router.get("/plan")
def plan_page(request: Request, ctx: Case) -> Response:
    return _plan_page(request, ctx)


@router.post("/plan/review", dependencies=CSRF)
def save_review(request: Request, ctx: Case, review_on: Annotated[str, Form()] = "") -> Response:
    try:
        planning.save_review_date(ctx, review_on)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _plan_page(
            request, ctx, 400, review_value=review_on, review_error=message, review_hint=hint
        )
    return redirect("/plan?saved=review_on#review")


# --- one section ---------------------------------------------------------------------------


def _section_page(
    request: Request,
    ctx: CaseContext,
    section: model.Section,
    status_code: int = 200,
    form: FormData | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    given = None if form is None else form_fields(form)
    own = None if form is None else form_texts(form, "own")
    items, own_rows = plan_pages.section_items(ctx, section, given, own)
    return render(
        request,
        "plan_section.html",
        status_code=status_code,
        title_key="plan",
        section=section,
        items=items,
        own=own_rows,
        error=error,
        hint=hint,
    )


def _no_section(request: Request) -> Response:
    return not_found_page(
        request, _("There is no such part of the plan."), _("Go back to your plan.")
    )


@router.get("/plan/section/{section_id}")
def section_page(request: Request, ctx: Case, section_id: str) -> Response:
    section = plan_pages.known_section(section_id)
    if section is None:
        return _no_section(request)
    return _section_page(request, ctx, section)


@router.post("/plan/section/{section_id}", dependencies=CSRF)
async def save_section_page(request: Request, ctx: Case, section_id: str) -> Response:
    section = plan_pages.known_section(section_id)
    if section is None:
        return _no_section(request)
    form = await read_form(request)
    choices = plan_pages.section_choices(section, form_fields(form))
    try:
        await run(planning.save_section, ctx, section.id, choices, form_texts(form, "own"))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _section_page(request, ctx, section, 400, form, message, hint)
    return redirect(f"/plan?saved={section.id}#{section.id}")


# --- rows: if-then, ways out, trusted people -----------------------------------------------


def _rows_page(
    request: Request,
    ctx: CaseContext,
    page: str,
    status_code: int = 200,
    rows: list[dict[str, str]] | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    context = plan_pages.plan_rows(ctx, page, rows)
    return render(
        request,
        context.pop("template"),
        status_code=status_code,
        title_key="plan",
        error=error,
        hint=hint,
        **context,
    )


def _row_routes(page: str) -> None:
    key, fields, saver_name, _blanks = ROW_PAGES[page]
    saver = getattr(planning, saver_name)

    @router.get(f"/plan/{page}", name=f"plan_{key}")
    def show(request: Request, ctx: Case) -> Response:
        return _rows_page(request, ctx, page)

    @router.post(f"/plan/{page}", dependencies=CSRF, name=f"save_plan_{key}")
    async def save(request: Request, ctx: Case) -> Response:
        rows = form_rows(await read_form(request), fields)
        try:
            await run(saver, ctx, rows)
        except SafetrailError as exc:
            message, hint = problem(exc)
            return _rows_page(request, ctx, page, 400, rows, message, hint)
        return redirect(f"/plan?saved={key}#{key}")


for _page in ROW_PAGES:
    _row_routes(_page)


# --- the go-bag -----------------------------------------------------------------------------


def _bag_page(
    request: Request,
    ctx: CaseContext,
    status_code: int = 200,
    form: FormData | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    given = form_fields(form) if form else None
    own = form_rows(form, ("item", "state")) if form is not None else None
    suggested, own_rows = plan_pages.bag_items(ctx, given, own)
    return render(
        request,
        "plan_go_bag.html",
        status_code=status_code,
        title_key="plan",
        suggested=suggested,
        own=own_rows,
        error=error,
        hint=hint,
    )


@router.get("/plan/go-bag")
def go_bag_page(request: Request, ctx: Case) -> Response:
    return _bag_page(request, ctx)


@router.post("/plan/go-bag", dependencies=CSRF)
async def save_go_bag(request: Request, ctx: Case) -> Response:
    form = await read_form(request)
    states = {item.id: str(form.get(f"bag-{item.id}") or "") for item in model.GO_BAG}
    try:
        await run(planning.save_go_bag, ctx, states, form_rows(form, ("item", "state")))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _bag_page(request, ctx, 400, form, message, hint)
    return redirect("/plan?saved=go_bag#go_bag")


# --- history and PDF ----------------------------------------------------------------------


@router.get("/plan/history")
def history_page(request: Request, ctx: Case) -> Response:
    return render(
        request, "plan_history.html", title_key="plan", revisions=planning.plan_history(ctx)
    )


@router.get("/plan/history/{number}")
def revision_page(request: Request, ctx: Case, number: int) -> Response:
    try:
        view = planning.plan_version(ctx, number)
    except RecordNotFound as exc:
        return not_found_page(request, exc.message, exc.hint)
    return render(
        request,
        "plan_version.html",
        title_key="plan",
        view=view,
        sections=view.sections(),
        bag=view.go_bag(),
    )


@router.get("/plan/pdf")
def plan_pdf(request: Request, ctx: Case, version: int | None = None, region: str = "") -> Response:
    try:
        content = planning.plan_pdf_bytes(ctx, version, region or None)
    except RecordNotFound as exc:
        return not_found_page(request, exc.message, exc.hint)
    name = "notes.pdf" if settings.preferences(ctx).discreet else "safety-plan.pdf"
    return attachment(content, "application/pdf", name)

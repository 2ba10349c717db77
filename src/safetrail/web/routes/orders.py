"""Protective orders: the list, one order's terms, a copy of it, and recording a breach."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.errors import RecordNotFound, SafetrailError, ValidationError
from safetrail.i18n import _
from safetrail.services import events, plan_pages
from safetrail.services.events import BreachInput, OrderChanges
from safetrail.web.deps import CASE_ROUTES, Case, not_found_page, notice, problem, redirect
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)
CSRF = [Depends(require_csrf)]


@router.get("/plan/orders")
def orders_page(request: Request, ctx: Case) -> Response:
    region = request.query_params.get("region") or None
    return render(
        request, "orders.html", title_key="order", **plan_pages.orders_overview(ctx, region)
    )


def _order_page(
    request: Request, ctx: CaseContext, ref: str, status_code: int = 200, **extra: Any
) -> Response:
    try:
        data = plan_pages.order_page_data(ctx, ref)
    except RecordNotFound:
        return not_found_page(
            request,
            _("We could not find that order."),
            _("Your orders are listed on the plan page."),
        )
    context: dict[str, Any] = {
        "terms_error": None,
        "terms_hint": None,
        "breach_error": None,
        "breach_hint": None,
        "copy_error": None,
        "copy_hint": None,
        "breach": {"what_happened": "", "when": "", "where": ""},
        **extra,
    }
    return render(
        request,
        "order.html",
        status_code=status_code,
        title_key="order",
        saved=notice(request),
        **data,
        **context,
    )


@router.get("/plan/orders/{ref}")
def order_page(request: Request, ctx: Case, ref: str) -> Response:
    return _order_page(request, ctx, ref)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.post("/plan/orders/{ref}/terms", dependencies=CSRF)
def save_terms(
    request: Request,
    ctx: Case,
    ref: str,
    kind_id: Annotated[str, Form()] = "",
    no_contact: Annotated[str, Form()] = "",
    distance_m: Annotated[str, Form()] = "",
    conditions: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
    remind_days: Annotated[str, Form()] = "",
) -> Response:
    changes = OrderChanges(
        kind_id=kind_id,
        no_contact=_yes_no(no_contact),
        distance_m=distance_m,
        conditions=conditions,
        expires_on=expires_on,
        remind_days=remind_days,
    )
    try:
        record = events.update_order(ctx, ref, changes, _("terms updated in the app"))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _order_page(request, ctx, ref, 400, terms_error=message, terms_hint=hint)
    return redirect(f"/plan/orders/{record.ref}?saved=terms#terms")


@router.post("/plan/orders/{ref}/copy", dependencies=CSRF)
def attach_copy(
    request: Request, ctx: Case, ref: str, exhibit: Annotated[str, Form()] = ""
) -> Response:
    try:
        if not exhibit.strip():
            raise ValidationError(
                _("Choose the file that is the copy of the order."),
                _("If it is not in the list, add it on the Evidence page first."),
            )
        record = events.attach_order_copy(ctx, ref, exhibit)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _order_page(request, ctx, ref, 400, copy_error=message, copy_hint=hint)
    return redirect(f"/plan/orders/{record.ref}?saved=copy#copy")


@router.post("/plan/orders/{ref}/breach", dependencies=CSRF)
def record_breach(
    request: Request,
    ctx: Case,
    ref: str,
    what_happened: Annotated[str, Form()] = "",
    when: Annotated[str, Form()] = "",
    where: Annotated[str, Form()] = "",
) -> Response:
    given = BreachInput(what_happened, when.strip() or "now", where.strip() or None)
    try:
        incident = events.record_breach(ctx, ref, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        values = {"what_happened": what_happened, "when": when, "where": where}
        return _order_page(
            request, ctx, ref, 400, breach_error=message, breach_hint=hint, breach=values
        )
    return redirect(f"/incidents/{incident.ref}?done=saved")

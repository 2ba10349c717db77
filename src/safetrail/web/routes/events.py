"""No-contact notices and protective orders: one page with both lists and both forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError
from safetrail.services import events
from safetrail.services.events import NoticeInput, OrderInput
from safetrail.web.deps import CASE_ROUTES, Case, problem
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

EMPTY_NOTICE = {"sent_on": "", "method": "", "person": "", "summary": ""}
EMPTY_ORDER = {
    "order_type": "",
    "issued_on": "",
    "expires_on": "",
    "issuer": "",
    "reference": "",
    "conditions": "",
    "person": "",
}


def _page(
    request: Request,
    ctx: CaseContext,
    status_code: int = 200,
    notice: dict[str, str] | None = None,
    order: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    overview = events.overview(ctx)
    return render(
        request,
        "events.html",
        status_code=status_code,
        title_key="events",
        overview=overview,
        methods=[(slug, events.method_label(slug)) for slug in events.NOTICE_METHODS],
        notice=notice or dict(EMPTY_NOTICE),
        order=order or dict(EMPTY_ORDER),
        saved=request.query_params.get("saved", ""),
        **extra,
    )


@router.get("/events")
def events_page(request: Request, ctx: Case) -> Response:
    return _page(request, ctx)


@router.post("/events/notice", dependencies=[Depends(require_csrf)])
def add_notice(
    request: Request,
    vault: Case,
    sent_on: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
) -> Response:
    try:
        record = events.add_notice(
            vault, NoticeInput(sent_on, method, person.strip() or None, summary)
        )
    except SafetrailError as exc:
        message, hint = problem(exc)
        values = {"sent_on": sent_on, "method": method, "person": person, "summary": summary}
        return _page(request, vault, 400, notice=values, notice_error=message, notice_hint=hint)
    return RedirectResponse(f"/events?saved={record.ref}#notices", status_code=303)


@router.post("/events/order", dependencies=[Depends(require_csrf)])
def add_order(
    request: Request,
    vault: Case,
    order_type: Annotated[str, Form()] = "",
    issued_on: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
    issuer: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    conditions: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
) -> Response:
    given = OrderInput(
        order_type=order_type,
        issued_on=issued_on,
        expires_on=expires_on.strip() or None,
        issuer=issuer,
        reference=reference,
        conditions=conditions,
        person=person.strip() or None,
    )
    try:
        record = events.add_order(vault, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        values = {
            "order_type": order_type,
            "issued_on": issued_on,
            "expires_on": expires_on,
            "issuer": issuer,
            "reference": reference,
            "conditions": conditions,
            "person": person,
        }
        return _page(request, vault, 400, order=values, order_error=message, order_hint=hint)
    return RedirectResponse(f"/events?saved={record.ref}#orders", status_code=303)

"""Check-in pages: trusted contacts, alert settings, starting and closing check-ins, and
the alert history. Trusted contacts and alert settings are in ``checkin_setup.py`` (its
router comes first: its fixed paths must win over ``/checkins/{ref}``), the open
acknowledgement pages for contacts in ``ack.py``.

Checking in with the check-in code and with the emergency (duress) code give the
same redirect and the same page, byte for byte.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError
from safetrail.services import checkins, people
from safetrail.services.checkins import CheckinInput
from safetrail.web.deps import CASE_ROUTES, Case
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

# -- overview and alert history ----------------------------------------------------------------


@router.get("/checkins")
def checkins_page(request: Request, vault: Case) -> Response:
    active, closed = checkins.list_checkins(vault)
    place = checkins.alert_place(vault)
    return render(
        request,
        "checkins.html",
        title_key="checkins",
        active=active,
        closed=closed,
        contacts=checkins.list_contacts(vault),
        alerting=place.alerting,
        problems=checkins.sending_problems(vault),
    )


@router.get("/checkins/alerts")
def alerts_page(request: Request, vault: Case) -> Response:
    return render(
        request, "checkin_alerts.html", title_key="checkins", alerts=checkins.alert_history(vault)
    )


# -- starting a check-in -----------------------------------------------------------------------


def _new_form(
    request: Request,
    vault: CaseContext,
    values: dict[str, Any],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "checkin_new.html",
        status_code=status_code,
        title_key="checkins",
        values=values,
        choices=people.person_choices(vault),
        contacts=checkins.list_contacts(vault),
        alerting=checkins.alert_place(vault).alerting,
        **extra,
    )


@router.get("/checkins/new")
def new_checkin_page(request: Request, ctx: Case) -> Response:
    alerting = checkins.alert_place(ctx).alerting
    values = {
        "where": "",
        "with_whom": "",
        "expected_by": "",
        "grace_minutes": str(alerting.grace_minutes),
        "remind_minutes": str(alerting.remind_minutes),
        "note": "",
        "person_refs": [],
        "photo": False,
        "vehicles": False,
    }
    return _new_form(request, ctx, values)


@router.post("/checkins/new", dependencies=[Depends(require_csrf)])
async def new_checkin(request: Request, ctx: Case) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        key: str(form.get(key, "")).strip()
        for key in ("where", "with_whom", "expected_by", "grace_minutes", "remind_minutes", "note")
    }
    values["person_refs"] = [str(v) for v in form.getlist("person")]
    values["photo"] = form.get("photo") == "on"
    values["vehicles"] = form.get("vehicles") == "on"
    given = CheckinInput(
        where=values["where"],
        expected_by=values["expected_by"],
        with_whom=values["with_whom"],
        grace_minutes=values["grace_minutes"],
        remind_minutes=values["remind_minutes"],
        note=values["note"],
        person_refs=values["person_refs"],
        photo=values["photo"],
        vehicles=values["vehicles"],
    )
    try:
        record = checkins.start_checkin(ctx, given)
    except SafetrailError as exc:
        return _new_form(request, ctx, values, 400, error=exc.message, hint=exc.hint)
    return RedirectResponse(f"/checkins/{record.ref}?started=1", status_code=303)


# -- closing a check-in --------------------------------------------------------------------------


@router.get("/checkins/checked-in")
def checked_in_page(request: Request) -> Response:
    return render(request, "checkin_closed.html", title_key="checkins", how="done")


@router.get("/checkins/called-off")
def called_off_page(request: Request) -> Response:
    return render(request, "checkin_closed.html", title_key="checkins", how="cancel")


def _detail(
    request: Request, vault: CaseContext, ref: str, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "checkin_detail.html",
        status_code=status_code,
        title_key="checkins",
        checkin=checkins.checkin_view(vault, ref),
        codes_required=checkins.codes_required(vault),
        started=request.query_params.get("started") == "1",
        **extra,
    )


def _close(request: Request, ctx: CaseContext, ref: str, code: str, how: str) -> Response:
    try:
        checkins.close_checkin(ctx, ref, code, how)
    except SafetrailError as exc:
        return _detail(request, ctx, ref, 400, error=exc.message, hint=exc.hint)
    target = "/checkins/checked-in" if how == "done" else "/checkins/called-off"
    return RedirectResponse(target, status_code=303)


@router.post("/checkins/{ref}/done", dependencies=[Depends(require_csrf)])
def check_in(request: Request, ctx: Case, ref: str, code: Annotated[str, Form()] = "") -> Response:
    return _close(request, ctx, ref, code, "done")


@router.post("/checkins/{ref}/cancel", dependencies=[Depends(require_csrf)])
def call_off(request: Request, ctx: Case, ref: str, code: Annotated[str, Form()] = "") -> Response:
    return _close(request, ctx, ref, code, "cancel")


# -- one check-in (after the fixed paths above) --------------------------------------------------


@router.get("/checkins/{ref}")
def checkin_page(request: Request, ctx: Case, ref: str) -> Response:
    return _detail(request, ctx, ref)

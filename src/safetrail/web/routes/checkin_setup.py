"""Check-in set-up pages: trusted contacts (add, order, remove, test) and alert settings
(mail server, SMS provider, check-in and emergency codes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError
from safetrail.planning.emergency import emergency_for
from safetrail.services import checkins
from safetrail.services.checkins import AlertSettingsInput, ContactInput
from safetrail.web.deps import CASE_ROUTES, Case
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

# -- trusted contacts ----------------------------------------------------------------------------


def _contacts(
    request: Request, vault: CaseContext, status_code: int = 200, **extra: Any
) -> Response:
    page: dict[str, Any] = {"results": None, "tested": None, "error": None, "hint": None}
    page.update(extra)
    return render(
        request,
        "contacts.html",
        status_code=status_code,
        title_key="checkins",
        contacts=checkins.list_contacts(vault),
        saved=request.query_params.get("saved"),
        **page,
    )


@router.get("/checkins/contacts")
def contacts_page(request: Request, ctx: Case) -> Response:
    return _contacts(request, ctx)


def _contact_form(
    request: Request, ctx: CaseContext, values: dict[str, str], status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "contact_new.html",
        status_code=status_code,
        title_key="checkins",
        values=values,
        **extra,
    )


CONTACT_FIELDS = ("name", "relationship", "email", "phone", "webhook_url", "webhook_secret")


@router.get("/checkins/contacts/new")
def new_contact_page(request: Request, ctx: Case) -> Response:
    return _contact_form(request, ctx, dict.fromkeys(CONTACT_FIELDS, ""))


@router.post("/checkins/contacts/new", dependencies=[Depends(require_csrf)])
def new_contact(
    request: Request,
    ctx: Case,
    name: Annotated[str, Form()] = "",
    relationship: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    webhook_url: Annotated[str, Form()] = "",
    webhook_secret: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "name": name,
        "relationship": relationship,
        "email": email,
        "phone": phone,
        "webhook_url": webhook_url,
        "webhook_secret": "",
    }
    try:
        added = checkins.add_contact(
            ctx,
            ContactInput(name, relationship, email, phone, webhook_url, webhook_secret),
        )
    except SafetrailError as exc:
        return _contact_form(request, ctx, values, 400, error=exc.message, hint=exc.hint)
    if added.new_webhook_secret:
        return render(
            request,
            "contact_secret.html",
            title_key="checkins",
            ref=added.record.ref,
            secret=added.new_webhook_secret,
        )
    return RedirectResponse(f"/checkins/contacts?saved={added.record.ref}", status_code=303)


@router.post("/checkins/contacts/{ref}/move", dependencies=[Depends(require_csrf)])
def move_contact(
    request: Request, ctx: Case, ref: str, direction: Annotated[str, Form()] = ""
) -> Response:
    checkins.move_contact(ctx, ref, "up" if direction == "up" else "down")
    return RedirectResponse("/checkins/contacts", status_code=303)


@router.post("/checkins/contacts/{ref}/remove", dependencies=[Depends(require_csrf)])
def remove_contact(request: Request, ctx: Case, ref: str) -> Response:
    checkins.remove_contact(ctx, ref)
    return RedirectResponse("/checkins/contacts", status_code=303)


@router.post("/checkins/contacts/{ref}/test", dependencies=[Depends(require_csrf)])
def test_contact(request: Request, ctx: Case, ref: str) -> Response:
    try:
        results = checkins.send_test(ctx, ref)
    except SafetrailError as exc:
        return _contacts(request, ctx, 400, error=exc.message, hint=exc.hint)
    return _contacts(request, ctx, results=results, tested=ref)


# -- alert settings ------------------------------------------------------------------------------


def _settings(
    request: Request,
    vault: CaseContext,
    form: AlertSettingsInput | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    place = checkins.alert_place(vault)
    page: dict[str, Any] = {"results": None, "error": None, "hint": None}
    page.update(extra)
    return render(
        request,
        "checkin_settings.html",
        status_code=status_code,
        title_key="checkins",
        values=form or checkins.settings_form(place),
        alerting=place.alerting,
        emergency=emergency_for(place.country),
        saved=request.query_params.get("saved") == "1",
        **page,
    )


@router.get("/checkins/settings")
def settings_page(request: Request, ctx: Case) -> Response:
    return _settings(request, ctx)


SETTINGS_FIELDS = tuple(
    name for name in AlertSettingsInput.__dataclass_fields__ if name != "clear_codes"
)


@router.post("/checkins/settings", dependencies=[Depends(require_csrf)])
async def save_settings(request: Request, ctx: Case) -> Response:
    form = await request.form()
    given = AlertSettingsInput(
        **{name: str(form.get(name, "")) for name in SETTINGS_FIELDS},
        clear_codes=form.get("clear_codes") == "on",
    )
    try:
        checkins.save_alert_settings(ctx, given)
    except SafetrailError as exc:
        for secret in ("smtp_password", "sms_token", "checkin_code", "duress_code"):
            setattr(given, secret, "")  # never sent back into a page
        return _settings(request, ctx, given, 400, error=exc.message, hint=exc.hint)
    return RedirectResponse("/checkins/settings?saved=1", status_code=303)


@router.post("/checkins/settings/test", dependencies=[Depends(require_csrf)])
def test_self(request: Request, ctx: Case) -> Response:
    try:
        results = checkins.send_test(ctx, None)
    except SafetrailError as exc:
        return _settings(request, ctx, None, 400, error=exc.message, hint=exc.hint)
    return _settings(request, ctx, results=results)

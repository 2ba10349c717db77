"""Check-in pages: trusted contacts, alert settings, starting and closing check-ins, and
the alert history (the open acknowledgement pages for contacts are in ``ack.py``).

Checking in with the check-in code and with the emergency (duress) code give the
same redirect and the same page, byte for byte.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.errors import SafetrailError
from safetrail.planning.emergency import emergency_for
from safetrail.services import checkins, people
from safetrail.services.checkins import AlertSettingsInput, CheckinInput, ContactInput
from safetrail.web.deps import CASE_ROUTES, Case, case_of
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
    request: Request, values: dict[str, Any], status_code: int = 200, **extra: Any
) -> Response:
    vault = case_of(request)
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
    return _new_form(request, values)


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
        return _new_form(request, values, 400, error=exc.message, hint=exc.hint)
    return RedirectResponse(f"/checkins/{record.ref}?started=1", status_code=303)


# -- closing a check-in --------------------------------------------------------------------------


@router.get("/checkins/checked-in")
def checked_in_page(request: Request) -> Response:
    return render(request, "checkin_closed.html", title_key="checkins", how="done")


@router.get("/checkins/called-off")
def called_off_page(request: Request) -> Response:
    return render(request, "checkin_closed.html", title_key="checkins", how="cancel")


def _detail(request: Request, ref: str, status_code: int = 200, **extra: Any) -> Response:
    vault = case_of(request)
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


def _close(request: Request, ref: str, code: str, how: str) -> Response:
    try:
        checkins.close_checkin(case_of(request), ref, code, how)
    except SafetrailError as exc:
        return _detail(request, ref, 400, error=exc.message, hint=exc.hint)
    target = "/checkins/checked-in" if how == "done" else "/checkins/called-off"
    return RedirectResponse(target, status_code=303)


@router.post("/checkins/{ref}/done", dependencies=[Depends(require_csrf)])
def check_in(request: Request, ref: str, code: Annotated[str, Form()] = "") -> Response:
    return _close(request, ref, code, "done")


@router.post("/checkins/{ref}/cancel", dependencies=[Depends(require_csrf)])
def call_off(request: Request, ref: str, code: Annotated[str, Form()] = "") -> Response:
    return _close(request, ref, code, "cancel")


# -- trusted contacts ----------------------------------------------------------------------------


def _contacts(request: Request, status_code: int = 200, **extra: Any) -> Response:
    vault = case_of(request)
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
def contacts_page(request: Request) -> Response:
    return _contacts(request)


def _contact_form(
    request: Request, values: dict[str, str], status_code: int = 200, **extra: Any
) -> Response:
    case_of(request)
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
def new_contact_page(request: Request) -> Response:
    return _contact_form(request, dict.fromkeys(CONTACT_FIELDS, ""))


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
        return _contact_form(request, values, 400, error=exc.message, hint=exc.hint)
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
        return _contacts(request, 400, error=exc.message, hint=exc.hint)
    return _contacts(request, results=results, tested=ref)


# -- alert settings ------------------------------------------------------------------------------


def _settings(
    request: Request, form: AlertSettingsInput | None = None, status_code: int = 200, **extra: Any
) -> Response:
    vault = case_of(request)
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
def settings_page(request: Request) -> Response:
    return _settings(request)


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
        return _settings(request, given, 400, error=exc.message, hint=exc.hint)
    return RedirectResponse("/checkins/settings?saved=1", status_code=303)


@router.post("/checkins/settings/test", dependencies=[Depends(require_csrf)])
def test_self(request: Request, ctx: Case) -> Response:
    try:
        results = checkins.send_test(ctx, None)
    except SafetrailError as exc:
        return _settings(request, None, 400, error=exc.message, hint=exc.hint)
    return _settings(request, results=results)


# -- one check-in (after the fixed paths above) --------------------------------------------------


@router.get("/checkins/{ref}")
def checkin_page(request: Request, ref: str) -> Response:
    return _detail(request, ref)

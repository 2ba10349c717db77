"""Check-in pages: trusted contacts, alert settings, starting and closing check-ins, the
alert history, and the open acknowledgement pages for contacts (``/ack/…``).

Checking in with the check-in code and with the emergency (duress) code give the
same redirect and the same page, byte for byte. The ``/ack/`` pages work while the
vault is locked, show nothing but a thank-you, and answer the same whether or not a
token is real (see ``safetrail.checkins.acks``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from safetrail.checkins.acks import TOKEN_SHAPE, AckInbox, find_code, parse_code
from safetrail.errors import SafetrailError
from safetrail.planning.emergency import emergency_for
from safetrail.services import checkins, people
from safetrail.services.checkins import AlertSettingsInput, CheckinInput, ContactInput
from safetrail.web.routes.home import current_vault
from safetrail.web.security import require_csrf
from safetrail.web.state import AppState
from safetrail.web.templating import env, render

router = APIRouter()

# -- overview and alert history ----------------------------------------------------------------


@router.get("/checkins")
def checkins_page(request: Request) -> Response:
    vault = current_vault(request)
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
def alerts_page(request: Request) -> Response:
    vault = current_vault(request)
    return render(
        request, "checkin_alerts.html", title_key="checkins", alerts=checkins.alert_history(vault)
    )


# -- starting a check-in -----------------------------------------------------------------------


def _new_form(
    request: Request, values: dict[str, Any], status_code: int = 200, **extra: Any
) -> Response:
    vault = current_vault(request)
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
def new_checkin_page(request: Request) -> Response:
    alerting = checkins.alert_place(current_vault(request)).alerting
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
async def new_checkin(request: Request) -> Response:
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
        record = checkins.start_checkin(current_vault(request), given)
    except SafetrailError as exc:
        return _new_form(request, values, 400, error=exc.message, hint=exc.hint)
    return RedirectResponse(f"/checkins/{record.ref}?started=1", status_code=303)


# -- closing a check-in --------------------------------------------------------------------------


@router.get("/checkins/checked-in")
def checked_in_page(request: Request) -> Response:
    current_vault(request)
    return render(request, "checkin_closed.html", title_key="checkins", how="done")


@router.get("/checkins/called-off")
def called_off_page(request: Request) -> Response:
    current_vault(request)
    return render(request, "checkin_closed.html", title_key="checkins", how="cancel")


def _detail(request: Request, ref: str, status_code: int = 200, **extra: Any) -> Response:
    vault = current_vault(request)
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
        checkins.close_checkin(current_vault(request), ref, code, how)
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
    vault = current_vault(request)
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
    current_vault(request)
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
            current_vault(request),
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
def move_contact(request: Request, ref: str, direction: Annotated[str, Form()] = "") -> Response:
    checkins.move_contact(current_vault(request), ref, "up" if direction == "up" else "down")
    return RedirectResponse("/checkins/contacts", status_code=303)


@router.post("/checkins/contacts/{ref}/remove", dependencies=[Depends(require_csrf)])
def remove_contact(request: Request, ref: str) -> Response:
    checkins.remove_contact(current_vault(request), ref)
    return RedirectResponse("/checkins/contacts", status_code=303)


@router.post("/checkins/contacts/{ref}/test", dependencies=[Depends(require_csrf)])
def test_contact(request: Request, ref: str) -> Response:
    try:
        results = checkins.send_test(current_vault(request), ref)
    except SafetrailError as exc:
        return _contacts(request, 400, error=exc.message, hint=exc.hint)
    return _contacts(request, results=results, tested=ref)


# -- alert settings ------------------------------------------------------------------------------


def _settings(
    request: Request, form: AlertSettingsInput | None = None, status_code: int = 200, **extra: Any
) -> Response:
    vault = current_vault(request)
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
async def save_settings(request: Request) -> Response:
    form = await request.form()
    given = AlertSettingsInput(
        **{name: str(form.get(name, "")) for name in SETTINGS_FIELDS},
        clear_codes=form.get("clear_codes") == "on",
    )
    try:
        checkins.save_alert_settings(current_vault(request), given)
    except SafetrailError as exc:
        for secret in ("smtp_password", "sms_token", "checkin_code", "duress_code"):
            setattr(given, secret, "")  # never sent back into a page
        return _settings(request, given, 400, error=exc.message, hint=exc.hint)
    return RedirectResponse("/checkins/settings?saved=1", status_code=303)


@router.post("/checkins/settings/test", dependencies=[Depends(require_csrf)])
def test_self(request: Request) -> Response:
    try:
        results = checkins.send_test(current_vault(request), None)
    except SafetrailError as exc:
        return _settings(request, None, 400, error=exc.message, hint=exc.hint)
    return _settings(request, results=results)


# -- one check-in (after the fixed paths above) --------------------------------------------------


@router.get("/checkins/{ref}")
def checkin_page(request: Request, ref: str) -> Response:
    return _detail(request, ref)


# -- acknowledgement pages for contacts: open, locked or not ---------------------------------------


def _open_page(request: Request, **context: Any) -> HTMLResponse:
    """Rendered for someone without a session: from nothing but ``context`` (no session
    token, no menu, nothing of the vault), and the same for every token."""
    return HTMLResponse(env.get_template("ack.html").render(**context))


def _inbox_submit(request: Request, kind: str, text: str) -> None:
    state: AppState = request.app.state.safetrail
    with state.lock:
        vault = state.vault
    now = vault.store.clock() if vault is not None else datetime.now(UTC)
    checkins.submit_acknowledgement(AckInbox.for_vault(state.vault_path), kind, text, now, vault)


@router.get("/ack/")
def ack_code_page(request: Request) -> Response:
    return _open_page(request, stage="code", error=None)


@router.post("/ack/")
def ack_code(request: Request, code: Annotated[str, Form()] = "") -> Response:
    canonical = parse_code(code)
    if canonical is None:
        # Only the check symbol was consulted: this says nothing about which codes exist.
        return _open_page(request, stage="code", error=True)
    _inbox_submit(request, "code", canonical)
    return _open_page(request, stage="thanks", error=None)


@router.post("/ack/reply")
async def ack_reply(request: Request) -> Response:
    """For SMS providers that forward replies: finds a reply code in the text, if any."""
    text = ""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = {}
        if isinstance(body, dict):
            text = " ".join(str(body.get(k, "")) for k in ("Body", "body", "text", "message"))
    else:
        form = await request.form()
        text = " ".join(str(form.get(k, "")) for k in ("Body", "body", "text", "message"))
    found = find_code(text)
    if found:
        _inbox_submit(request, "code", found)
    return Response(status_code=204)


@router.get("/ack/{token}")
def ack_link_page(request: Request, token: str) -> Response:
    # A button, not an automatic acknowledgement: mail scanners open links by themselves.
    return _open_page(request, stage="confirm", token=token, error=None)


@router.post("/ack/{token}")
def ack_link(request: Request, token: str) -> Response:
    if TOKEN_SHAPE.match(token):
        _inbox_submit(request, "link", token)
    return _open_page(request, stage="thanks", error=None)

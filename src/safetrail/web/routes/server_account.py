"""Server mode: the signed-in account's own pages — sessions, second factor, password,
the recovery key after a reset, and the case's audit trail."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.case import CaseContext
from safetrail.errors import Forbidden, SafetrailError
from safetrail.i18n import LANGUAGES, _
from safetrail.server import account_actions, accounts, audit_words, sessions, totp
from safetrail.server.accounts import PERSON
from safetrail.server.provider import client_address
from safetrail.services import settings
from safetrail.web.deps import Case
from safetrail.web.routes.server_auth import home_of, runtime, signed_in
from safetrail.web.security import SESSION_COOKIE, require_csrf
from safetrail.web.templating import render

router = APIRouter()
ISSUER = "SafeTrail"


@router.get("/account")
def account_page(request: Request) -> Response:
    session = signed_in(request)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        account = accounts.get(conn, session.account.id)
        listed = sessions.list_for(conn, account.id, session.id_hash, run.now())
        codes_left = accounts.recovery_codes_left(conn, account.id) if account.has_totp else 0
    return render(
        request,
        "server/account.html",
        title_key="account",
        me=account,
        sessions=listed,
        codes_left=codes_left,
        saved=request.query_params.get("saved", ""),
    )


@router.post("/account/sessions/{id_hash}/revoke", dependencies=[Depends(require_csrf)])
def revoke_session(request: Request, id_hash: str) -> Response:
    session = signed_in(request)
    run = runtime(request)
    account_actions.revoke_session(
        run.server.engine, session.account, id_hash, run.now(), client_address(request)
    )
    request.app.state.cases.end_session(id_hash)
    if id_hash == session.id_hash:
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    return RedirectResponse("/account?saved=revoked", status_code=303)


def _qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG markup (no image request, nothing stored)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, omitsize=False))


def _no_account_key(request: Request) -> Response:
    """A session started before account keys (or without the password) cannot encrypt a
    new TOTP secret: signing in again gives it the key."""
    return render(
        request,
        "server/error_back.html",
        status_code=409,
        title_key="totp",
        message=_("To set up sign-in codes, sign out and sign in again first."),
        back="/account",
    )


@router.get("/account/totp")
def totp_page(request: Request) -> Response:
    session = signed_in(request)
    if session.account_key is None:
        return _no_account_key(request)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        secret = accounts.begin_totp(conn, session.account.id, session.account_key)
    uri = totp.provisioning_uri(secret, session.account.name, ISSUER)
    return render(
        request,
        "server/totp.html",
        title_key="totp",
        qr=_qr_svg(uri),
        secret=totp.secret_text(secret),
        required=session.account.needs_totp,
        error=None,
    )


@router.post("/account/totp", dependencies=[Depends(require_csrf)])
def totp_confirm(request: Request, code: Annotated[str, Form()] = "") -> Response:
    session = signed_in(request)
    if session.account_key is None:
        return _no_account_key(request)
    run = runtime(request)
    codes = account_actions.confirm_totp(
        run.server.engine, session, code, run.now(), client_address(request)
    )
    if codes is None:
        return render(
            request,
            "server/error_back.html",
            status_code=400,
            title_key="totp",
            message=_("That code did not match. Scan the code again and type the newest code."),
            back="/account/totp",
        )
    return render(
        request,
        "server/recovery_codes.html",
        title_key="totp",
        codes=codes,
        next=home_of(session.account),
    )


@router.get("/account/password")
def password_page(request: Request) -> Response:
    session = signed_in(request)
    return render(
        request,
        "server/password.html",
        title_key="password",
        forced=session.stage == sessions.CHANGE_PASSWORD,
        error=None,
    )


@router.post("/account/password", dependencies=[Depends(require_csrf)])
def change_password(
    request: Request,
    old: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    session = signed_in(request)
    run = runtime(request)
    error = None
    if new != confirm:
        error = _("The two new passwords are different.")
    else:
        try:
            if not account_actions.change_password(
                run.server.engine, session, old, new, run.now(), client_address(request)
            ):
                error = _("The current password is not right.")
        except SafetrailError as exc:
            error = exc.message
    if error is not None:
        return render(
            request,
            "server/password.html",
            status_code=400,
            title_key="password",
            forced=session.stage == sessions.CHANGE_PASSWORD,
            error=error,
        )
    if session.account.case_locked:
        return RedirectResponse("/account/recover", status_code=303)
    if session.account.needs_totp:
        return RedirectResponse("/account/totp", status_code=303)
    return RedirectResponse("/account?saved=password", status_code=303)


@router.get("/account/recover")
def recover_page(request: Request) -> Response:
    signed_in(request)
    return render(request, "server/recover.html", title_key="recover", error=None)


@router.post("/account/recover", dependencies=[Depends(require_csrf)])
def recover(
    request: Request,
    recovery_key: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """After an operator's reset: the recovery key opens the case again."""
    session = signed_in(request)
    run = runtime(request)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    opened = account_actions.recover_case(
        run.server.engine,
        session,
        cookie,
        recovery_key,
        password,
        run.now(),
        client_address(request),
    )
    if not opened:
        return render(
            request,
            "server/recover.html",
            status_code=400,
            title_key="recover",
            error=_("The recovery key or the password is not right."),
        )
    return RedirectResponse("/", status_code=303)


@router.get("/account/audit")
def audit_page(request: Request) -> Response:
    """The person's view of who did what with their case and their account."""
    session = signed_in(request)
    run = runtime(request)
    account, entries = account_actions.audit_trail(run.server.engine, session.account.id)
    return render(
        request,
        "server/audit.html",
        title_key="audit",
        entries=entries,
        me=account,
        in_words=audit_words.in_words,
    )


def _case_settings_page(
    request: Request, ctx: CaseContext, status: int = 200, **context: object
) -> Response:
    place = settings.current(ctx)
    prefs = settings.preferences(ctx)
    values = {
        "country": place.country,
        "timezone": place.timezone,
        "discreet": prefs.discreet,
        "exit_url": prefs.exit_url,
        "language": prefs.language,
    }
    values.update(context.pop("values", {}))  # type: ignore[call-overload]
    return render(
        request,
        "server/case_settings.html",
        status_code=status,
        title_key="settings",
        values=values,
        zones=settings.timezone_names(),
        languages=LANGUAGES,
        saved=request.query_params.get("saved", ""),
        error=context.get("error"),
    )


def _owner_only(request: Request) -> None:
    if signed_in(request).account.role != PERSON:
        raise Forbidden(
            _("Only the person whose case it is can change its settings."),
            _("Ask them to change it."),
        )


@router.get("/account/case-settings")
def case_settings_page(request: Request, ctx: Case) -> Response:
    """The case's own settings on the server (discreet mode, language, place, quick exit);
    the idle timeout is the server's."""
    _owner_only(request)
    return _case_settings_page(request, ctx)


@router.post("/account/case-settings", dependencies=[Depends(require_csrf)])
def save_case_settings(
    request: Request,
    ctx: Case,
    country: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    discreet: Annotated[str, Form()] = "",
    exit_url: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "auto",
) -> Response:
    _owner_only(request)
    current = settings.preferences(ctx)
    try:
        saved = settings.save_preferences(
            ctx,
            country,
            timezone,
            current.auto_lock_minutes,
            discreet == "on",
            exit_url,
            _("settings changed in the app"),
            language=language,
        )
    except SafetrailError as exc:
        values = {
            "country": country,
            "timezone": timezone,
            "discreet": discreet == "on",
            "exit_url": exit_url,
            "language": language,
        }
        return _case_settings_page(request, ctx, 400, error=exc.message, values=values)
    run = runtime(request)
    with run.server.engine.begin() as conn:  # pages follow it without opening the case
        accounts.set_language(conn, signed_in(request).account.id, saved.language)
    return RedirectResponse("/account/case-settings?saved=1", status_code=303)

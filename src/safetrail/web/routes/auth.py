"""First-run setup, unlock, lock and quick exit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.errors import SafetrailError
from safetrail.services import settings
from safetrail.web.language import first_run_language
from safetrail.web.security import (
    PRE_COOKIE,
    SESSION_COOKIE,
    pre_cookie,
    require_pre_csrf,
    session_cookie,
)
from safetrail.web.state import AppState
from safetrail.web.templating import render

router = APIRouter()


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.safetrail
    return state


def _with_pre_cookie(request: Request, response: Response) -> Response:
    pre_cookie(response, _state(request).pre_token)
    return response


@router.get("/setup")
def setup_page(request: Request) -> Response:
    state = _state(request)
    if state.exists:
        return RedirectResponse("/unlock", status_code=303)
    tz = settings.system_timezone()
    page = render(
        request,
        "setup.html",
        title_key="setup",
        country=settings.system_country(tz) or "",
        timezone=tz,
        error=None,
    )
    return _with_pre_cookie(request, page)


@router.post("/setup", dependencies=[Depends(require_pre_csrf)])
def setup(
    request: Request,
    passphrase: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
    country: Annotated[str, Form()],
    timezone: Annotated[str, Form()],
) -> Response:
    state = _state(request)
    if state.exists:
        return RedirectResponse("/unlock", status_code=303)
    error = None
    if passphrase != confirm:
        error = "mismatch"
    else:
        try:
            token = state.create(passphrase, country, timezone)
            first_run_language(state, request.headers.get("accept-language"))
        except SafetrailError as exc:
            error = exc.message
        else:
            response = RedirectResponse("/", status_code=303)
            session_cookie(response, token)
            response.delete_cookie(PRE_COOKIE, path="/")
            return response
    page = render(
        request,
        "setup.html",
        status_code=400,
        title_key="setup",
        country=country,
        timezone=timezone,
        error=error,
    )
    return _with_pre_cookie(request, page)


@router.get("/unlock")
def unlock_page(request: Request) -> Response:
    state = _state(request)
    if not state.exists:
        return RedirectResponse("/setup", status_code=303)
    if request.state.session_ok:
        return RedirectResponse("/", status_code=303)
    return _with_pre_cookie(request, render(request, "unlock.html", title_key="unlock", error=None))


@router.post("/unlock", dependencies=[Depends(require_pre_csrf)])
def unlock(request: Request, passphrase: Annotated[str, Form()]) -> Response:
    state = _state(request)
    try:
        token = state.unlock(passphrase)
    except SafetrailError as exc:
        page = render(
            request,
            "unlock.html",
            status_code=401,
            title_key="unlock",
            error=exc.message,
            hint=exc.hint,
        )
        return _with_pre_cookie(request, page)
    response = RedirectResponse("/", status_code=303)
    session_cookie(response, token)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


def _from_own_page(request: Request) -> bool:
    """Locking needs a request this browser's own pages made.

    Fetch Metadata must say same-origin (or "none": the person typed the address): another
    port on this computer is the same site, so SameSite cookies alone do not tell. POSTs had
    their Origin checked already. The browser must also hold this session, or the per-launch
    cookie (which the security middleware has already checked when the server uses one).
    """
    site = request.headers.get("sec-fetch-site")
    if site not in (None, "same-origin", "none"):
        return False
    launched = _state(request).launch_secret is not None and site is not None
    return bool(request.state.session_ok) or launched


def _locked_redirect(request: Request, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    if _from_own_page(request):
        _state(request).lock_now()
        # Only then: a foreign page must not be able to log this browser out either.
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@router.api_route("/exit", methods=["GET", "POST"])
def quick_exit(request: Request) -> Response:
    """Lock at once and leave for the neutral page (no form token, so it is instant).

    Anyone may be sent to the neutral page; only this browser's own pages lock the vault.
    """
    return _locked_redirect(request, _state(request).exit_url)


@router.api_route("/lock", methods=["GET", "POST"])
def lock(request: Request) -> Response:
    return _locked_redirect(request, "/unlock")


@router.get("/away")
def away(request: Request) -> Response:
    return render(request, "away.html", title_key="away")

"""First-run setup, unlock, lock and quick exit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.errors import SafetrailError, WrongPassphrase
from safetrail.i18n import _, ngettext
from safetrail.services import attempts, duress, settings
from safetrail.web.deps import Case
from safetrail.web.language import first_run_language
from safetrail.web.security import (
    PRE_COOKIE,
    SESSION_COOKIE,
    issued_pre_token,
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
    """The cookie half of the token the page just printed (a fresh one per page)."""
    token = issued_pre_token(request)
    if token is not None:
        pre_cookie(response, token, secure=_state(request).tls)
    return response


def _opened(request: Request, token: str, target: str = "/") -> Response:
    response = RedirectResponse(target, status_code=303)
    session_cookie(response, token, secure=_state(request).tls)
    response.delete_cookie(PRE_COOKIE, path="/")
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
    passphrase: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
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
            return _opened(request, token)
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
def unlock(request: Request, passphrase: Annotated[str, Form()] = "") -> Response:
    if not passphrase:  # an empty form is not a wrong passphrase: ask again, count nothing
        return _unlock_error(request, 400, _("Please type your passphrase first."), None)
    return _try_unlock(request, passphrase)


def _try_unlock(request: Request, passphrase: str) -> Response:
    """Check the passphrase unless this client (or everyone) must wait; record failures."""
    state = _state(request)
    client = request.client.host if request.client else "unknown"
    with state.lock:
        wait = state.throttle.wait_seconds(client, state.monotonic())
        if wait == 0:
            # Counted before checking, so tries sent in parallel see each other; a right
            # passphrase clears the count again.
            state.throttle.failed(client, state.monotonic())
    if wait:
        message = ngettext(
            "Several passphrases in a row did not open the vault, so SafeTrail waits a little "
            "before the next try. Try again in {seconds} second.",
            "Several passphrases in a row did not open the vault, so SafeTrail waits a little "
            "before the next try. Try again in {seconds} seconds.",
            wait,
        ).format(seconds=wait)
        return _unlock_error(request, 429, message, _("Nothing was changed."))
    try:
        token = state.unlock(passphrase)
    except WrongPassphrase as exc:
        attempts.record_failure(state.vault_path)
        return _unlock_error(request, 401, exc.message, exc.hint)
    except SafetrailError as exc:
        return _unlock_error(request, 401, exc.message, exc.hint)
    with state.lock:
        state.throttle.succeeded()
    count, times = 0, list[datetime]()
    opened = state.opened()
    if opened is not None and not duress.is_decoy(opened):
        # Kept for the person: the decoy case never reads (or clears) the record.
        count, times = attempts.take_failures(state.vault_path)
    state.unlock_notice = (count, times) if count else None
    return _opened(request, token, "/unlock/notice" if count else "/")


def _unlock_error(request: Request, status: int, message: str, hint: str | None) -> Response:
    page = render(
        request, "unlock.html", status_code=status, title_key="unlock", error=message, hint=hint
    )
    return _with_pre_cookie(request, page)


@router.get("/unlock/notice")
def unlock_notice(request: Request, ctx: Case) -> Response:
    """Once, after unlocking: wrong passphrases tried since the vault was last opened."""
    state = _state(request)
    notice, state.unlock_notice = state.unlock_notice, None
    if notice is None:
        return RedirectResponse("/", status_code=303)
    count, times = notice
    zone = ZoneInfo(settings.current(ctx).timezone)
    shown = [moment.astimezone(zone) for moment in times[-20:][::-1]]
    return render(request, "unlock_notice.html", title_key="unlock", count=count, times=shown)


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

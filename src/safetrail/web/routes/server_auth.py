"""Server mode: sign in, sign up, sign out, and the installable web app's manifest."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from safetrail.errors import SafetrailError
from safetrail.i18n import _, ngettext
from safetrail.server import account_actions, accounts, sessions
from safetrail.server.accounts import ADVOCATE, OPERATOR
from safetrail.server.provider import ANON_CSRF_COOKIE, client_address, session_of
from safetrail.web.security import SESSION_COOKIE
from safetrail.web.templating import render

if TYPE_CHECKING:
    from safetrail.server.app import ServerRuntime

router = APIRouter()


def runtime(request: Request) -> ServerRuntime:
    found: ServerRuntime = request.app.state.server_runtime
    return found


def signed_in(request: Request) -> sessions.Session:
    session = session_of(request)
    if session is None:
        raise HTTPException(401, _("Please sign in first."))
    return session


def home_of(account: accounts.Account) -> str:
    if account.role == OPERATOR:
        return "/operator"
    if account.role == ADVOCATE:
        return "/cases"
    return "/"


async def require_anon_csrf(request: Request) -> None:
    """Forms shown before sign-in: the token in the form must match its cookie."""
    form = await request.form()
    sent = form.get("csrf")
    cookie = request.cookies.get(ANON_CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie or not secrets.compare_digest(sent, cookie):
        raise HTTPException(403, _("This form has expired. Reload the page and try again."))


def _page(request: Request, template: str, status: int = 200, **context: object) -> Response:
    """A page with a form shown before sign-in: its token's cookie goes with it."""
    page = render(request, template, status_code=status, **context)
    token = request.app.state.cases.csrf_token(request)
    page.set_cookie(
        ANON_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=True, path="/"
    )
    return page


def set_session_cookie(response: Response, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, cookie, httponly=True, samesite="strict", secure=True, path="/"
    )
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")


@router.get("/signin")
def signin_page(request: Request) -> Response:
    session = session_of(request)
    if session is not None:
        return RedirectResponse(home_of(session.account), status_code=303)
    return _page(request, "server/signin.html", title_key="signin", error=None)


@router.post("/signin", dependencies=[Depends(require_anon_csrf)])
def signin(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    agent = (request.headers.get("user-agent") or "")[:120]
    result = account_actions.sign_in(
        runtime(request), name, password, code, client_address(request), agent, session_of(request)
    )
    if isinstance(result, sessions.SignInRefused):
        if result.wait_seconds:
            message = ngettext(
                "Too many tries in a row. Try again in {seconds} second.",
                "Too many tries in a row. Try again in {seconds} seconds.",
                result.wait_seconds,
            ).format(seconds=result.wait_seconds)
            return _page(request, "server/signin.html", 429, title_key="signin", error=message)
        message = _("The account name, password or code is not right.")
        return _page(request, "server/signin.html", 401, title_key="signin", error=message)
    target = home_of(result.account)
    if result.stage == sessions.ENROL:
        target = "/account/totp"
    elif result.stage == sessions.CHANGE_PASSWORD:
        target = "/account/password"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, result.cookie)
    return response


def _signup_page(
    request: Request, status: int = 200, error: str | None = None, **values: str
) -> Response:
    from safetrail.services import settings

    zone = values.get("timezone") or settings.system_timezone()
    country = values.get("country") or settings.system_country(zone) or ""
    return _page(
        request,
        "server/signup.html",
        status,
        title_key="signup",
        error=error,
        country=country,
        timezone=zone,
        account_name=values.get("name", ""),
        link=values.get("link", ""),
    )


def _unavailable(request: Request, kind: str) -> Response:
    """Calm pages for a sign-up that cannot happen here (nothing was made)."""
    title, message = {
        "closed": (
            _("Sign-up is closed"),
            _(
                "This server is not making new accounts at the moment. If you already have "
                "an account, you can sign in. If a service is helping you, ask them."
            ),
        ),
        "invite": (
            _("Sign-up is by invitation"),
            _(
                "To make an account here you need a sign-up link from the service that runs "
                "this server. Ask them for one; each link works once."
            ),
        ),
        "link": (
            _("This sign-up link does not work"),
            _(
                "It was used already, it expired, or part of it is missing. Ask the service "
                "that gave it to you for a new one."
            ),
        ),
        "limit": (
            _("Please wait before making another account"),
            _(
                "Several accounts were made from this connection recently. Try again "
                "tomorrow, or ask the service that runs this server for help."
            ),
        ),
    }[kind]
    status = 429 if kind == "limit" else 403
    return render(
        request,
        "server/signup_unavailable.html",
        status_code=status,
        title_key="signup",
        heading=title,
        message=message,
        kind=kind,
    )


def _signup_refusal(request: Request, link: str) -> str | None:
    """Why the server's sign-up setting refuses this sign-up, before any work; None: go on."""
    from safetrail.server import signup as signup_rules

    run = runtime(request)
    mode = run.settings.signup
    if mode == signup_rules.CLOSED:
        return "closed"
    if mode == signup_rules.INVITE:
        if not link:
            return "invite"
        with run.server.engine.begin() as conn:
            if not signup_rules.link_is_valid(conn, link, run.now()):
                return "link"
    return None


@router.get("/signup")
def signup_page(request: Request) -> Response:
    link = request.query_params.get("link", "")
    refused = _signup_refusal(request, link)
    if refused is not None:
        return _unavailable(request, refused)
    return _signup_page(request, link=link)


@router.post("/signup", dependencies=[Depends(require_anon_csrf)])
def signup(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    link: Annotated[str, Form()] = "",
) -> Response:
    """A person's account and their own, new case; the recovery key is shown once.

    The server's ``--signup`` setting decides who may (a sign-up link in ``invite`` mode,
    spent in the same transaction that makes the account), and each client address makes
    at most ``--signup-per-address`` accounts a day."""
    run = runtime(request)
    refused = _signup_refusal(request, link)
    if refused is not None:
        return _unavailable(request, refused)
    given = {"name": name, "country": country, "timezone": timezone, "link": link}
    if password != confirm:
        return _signup_page(request, 400, _("The two passwords are different."), **given)
    agent = (request.headers.get("user-agent") or "")[:120]
    try:
        recovery_key, cookie = account_actions.sign_up(
            run, name, password, country, timezone, link, client_address(request), agent
        )
    except account_actions.SignUpRefused as refusal:
        return _unavailable(request, refusal.kind)
    except SafetrailError as exc:
        return _signup_page(request, 400, exc.message, **given)
    page = render(request, "server/recovery_key.html", title_key="signup", key=recovery_key)
    set_session_cookie(page, cookie)
    return page


def _sign_out(request: Request, target: str) -> Response:
    session = session_of(request)
    response = RedirectResponse(target, status_code=303)
    site = request.headers.get("sec-fetch-site")
    if session is not None and site in (None, "same-origin", "none"):
        run = runtime(request)
        account_actions.sign_out(run.server.engine, session, run.now(), client_address(request))
        request.app.state.cases.end_session(session.id_hash)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@router.post("/signout")
def signout(request: Request) -> Response:
    return _sign_out(request, "/signin")


@router.api_route("/lock", methods=["GET", "POST"])
def lock(request: Request) -> Response:
    """The personal pages' "Lock" link: on the server, signing out."""
    return _sign_out(request, "/signin")


@router.api_route("/exit", methods=["GET", "POST"])
def quick_exit(request: Request) -> Response:
    """Quick exit: sign out at once and leave for the neutral page."""
    return _sign_out(request, "/away")


@router.get("/away")
def away(request: Request) -> Response:
    return render(request, "away.html", title_key="away")


@router.get("/manifest.webmanifest")
def manifest(request: Request) -> Response:
    """Installable on a phone's home screen; discreet mode gives a neutral name and icon."""
    discreet = request.query_params.get("discreet") == "1"
    name = _("Notes") if discreet else "SafeTrail"
    icon = "/static/neutral.svg" if discreet else "/static/icon.svg"
    body = {
        "name": name,
        "short_name": name,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#ffffff",
        "icons": [{"src": icon, "sizes": "any", "type": "image/svg+xml"}],
    }
    return JSONResponse(body, media_type="application/manifest+json")

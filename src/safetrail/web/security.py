"""Headers on every response, who may talk to the server, the locked-vault gate and CSRF.

Every response, error pages and 500s included: no-store (nothing lands in the browser
cache), a strict CSP with no inline script, no framing by others, no referrer; HSTS under
TLS. Before anything else a request must name this server in its Host header (a DNS
rebinding page names its own domain), carry a same-origin Origin on every state change,
and, when the server was started with a per-launch secret, the cookie that the opened
link set. While the vault is locked, only the unlock/setup pages, the quick-exit target
and static files are served.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import URL
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from safetrail.i18n import _
from safetrail.web.state import AppState

SESSION_COOKIE = "st_session"
PRE_COOKIE = "st_pre"
LAUNCH_COOKIE = "st_launch"
LAUNCH_PARAM = "launch"
HSTS = "max-age=31536000"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Paths a request without the per-launch cookie may still reach: styling for the refusal
# page, and acknowledgement links a trusted contact opens (they carry their own secret).
LAUNCH_FREE = ("/static/", "/favicon.ico", "/ack/")
log = logging.getLogger(__name__)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "media-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
EMBEDDABLE = re.compile(r"^/evidence/[^/]+/raw$")
# /ack/ lets a trusted contact acknowledge an alert while the vault is locked; it reveals nothing.
OPEN_PATHS = ("/unlock", "/setup", "/away", "/exit", "/static/", "/favicon.ico", "/ack/")


def is_open(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in OPEN_PATHS)


def host_name(host: str) -> str:
    """The name part of a Host header ("[::1]:8080" -> "[::1]")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rpartition(":")[0] if ":" in host else host


def served_hosts(bind: str, port: int, names: tuple[str, ...] = ()) -> frozenset[str]:
    """Every Host header value that names this server: loopback names on a loopback bind,
    otherwise the bound address and the configured TLS names (bare too on port 443)."""
    loopback = bind in ("localhost", "::1") or bind.startswith("127.")
    bound = f"[{bind}]" if ":" in bind else bind
    chosen = set(LOOPBACK_NAMES) | {bound} if loopback else {bound, *names}
    hosts = {f"{name.lower()}:{port}" for name in chosen}
    if port == 443:
        hosts |= {name.lower() for name in chosen}
    return frozenset(hosts)


def host_allowed(host: str, allowed: frozenset[str] | None) -> bool:
    """``allowed`` holds exact "name:port" values; None means any loopback name (tests, bench)."""
    if not host:
        return False
    if allowed is None:
        return host_name(host) in LOOPBACK_NAMES
    return host.strip().lower() in allowed


def same_origin(request: Request) -> bool:
    """For state changes: the browser says the request comes from a page of this server.

    Browsers send Origin on every POST; Fetch Metadata says "cross-site" or "same-site" for
    pages of another origin (another port on 127.0.0.1 is the same site but not the same
    origin). A client sending neither is not a browser driven by a foreign page.
    """
    origin = request.headers.get("origin")
    site = request.headers.get("sec-fetch-site")
    if origin == "null" and site == "same-origin":
        # Our pages say Referrer-Policy: no-referrer, under which browsers send "null" for
        # a form's origin; Fetch Metadata (which no page script can set) still vouches.
        return True
    if origin is not None:
        parts = urlsplit(origin)
        host = request.headers.get("host", "").lower()
        return parts.scheme == request.url.scheme and parts.netloc.lower() == host
    return site is None or site in ("same-origin", "none")


def _refusal(message: str, status: int) -> Response:
    return PlainTextResponse(message, status_code=status)


def _launch_gate(request: Request, state: AppState) -> Response | None:
    """With a per-launch secret, only the browser that opened the printed link gets in."""
    secret = state.launch_secret
    if secret is None:
        return None
    offered = request.query_params.get(LAUNCH_PARAM)
    if offered is not None and secrets.compare_digest(offered, secret):
        # Set the cookie and drop the secret from the address bar at once.
        clean = URL(str(request.url)).remove_query_params(LAUNCH_PARAM)
        response = RedirectResponse(clean.path + (f"?{clean.query}" if clean.query else ""), 303)
        response.set_cookie(
            LAUNCH_COOKIE, secret, httponly=True, samesite="strict", path="/", secure=state.tls
        )
        return response
    cookie = request.cookies.get(LAUNCH_COOKIE)
    if cookie is not None and secrets.compare_digest(cookie, secret):
        return None
    if request.url.path.startswith(LAUNCH_FREE):
        return None
    return _refusal(
        _(
            "Open SafeTrail with the link it printed when it started (it contains a key "
            "for this browser)."
        ),
        403,
    )


class SecurityMiddleware(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        state: AppState = request.app.state.safetrail
        response = await self._respond(request, state, call_next)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if state.tls:
            response.headers["Strict-Transport-Security"] = HSTS
        if EMBEDDABLE.match(request.url.path) and response.status_code == 200:
            # Evidence shown inside the app's own exhibit page (PDF viewer frame).
            response.headers["Content-Security-Policy"] = CSP.replace(
                "frame-ancestors 'none'", "frame-ancestors 'self'"
            )
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    async def _respond(
        self,
        request: Request,
        state: AppState,
        call_next: Callable[[Request], Awaitable[Response]],
    ) -> Response:
        if not host_allowed(request.headers.get("host", ""), state.allowed_hosts):
            return _refusal(_("This address is not SafeTrail's."), 400)
        if request.method not in SAFE_METHODS and not same_origin(request):
            return _refusal(_("This request did not come from a SafeTrail page."), 400)
        gate = _launch_gate(request, state)
        if gate is not None:
            return gate
        valid = state.session_valid(request.cookies.get(SESSION_COOKIE))
        request.state.session_ok = valid
        if not valid and not is_open(request.url.path):
            target = "/unlock" if state.exists else "/setup"
            if request.headers.get("accept", "").startswith("application/json"):
                return Response(status_code=401)
            return RedirectResponse(target, status_code=303)
        try:
            return await call_next(request)
        except Exception:  # the page failed: a calm error page, still with every header
            log.exception("unexpected error on a web page")
            return server_error_page(request)


def server_error_page(request: Request) -> Response:
    from safetrail.web.templating import render  # local: templating imports the state

    message = _("SafeTrail could not show this page because of an unexpected problem.")
    hint = _("What you saved before is kept. Go back and try again.")
    try:
        return render(request, "error.html", status_code=500, message=message, hint=hint)
    except Exception:  # the template itself failed: plain text is still safe
        return PlainTextResponse(f"{message} {hint}", status_code=500)


def session_cookie(response: Response, token: str, secure: bool = False) -> None:
    """``secure`` under TLS: the browser then never sends the cookie over plain HTTP."""
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", path="/", secure=secure
    )


def pre_cookie(response: Response, token: str, secure: bool = False) -> None:
    response.set_cookie(
        PRE_COOKIE, token, httponly=True, samesite="strict", path="/", secure=secure
    )


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route of an unlocked session (the token is the
    session's, from the case provider)."""
    expected: str = request.app.state.cases.csrf_token(request)
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, expected):
        raise HTTPException(
            403, _("This form has expired. Go back, reload the page and try again.")
        )


async def require_pre_csrf(request: Request) -> None:
    """CSRF for the unlock and setup forms: the page's own token, in the form and the cookie.

    Tokens are issued per page shown and spent by the first try, so a failed unlock always
    gets a fresh one and one browser's token is useless to another.
    """
    state: AppState = request.app.state.safetrail
    form = await request.form()
    sent = form.get("csrf")
    cookie = request.cookies.get(PRE_COOKIE)
    if (
        not isinstance(sent, str)
        or not cookie
        or not secrets.compare_digest(sent, cookie)
        or not state.take_pre_token(sent)
    ):
        raise HTTPException(403, _("This form has expired. Reload the page and try again."))


class PageToken:
    """The unlock/setup form token of one page, issued only if the page prints it."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        request = self._request
        token: str | None = getattr(request.state, "pre_token", None)
        if token is None:
            state: AppState = request.app.state.safetrail
            token = state.issue_pre_token()
            request.state.pre_token = token
        return token

    def __html__(self) -> str:  # Jinja's autoescape: a URL-safe token needs no escaping
        return str(self)


def issued_pre_token(request: Request) -> str | None:
    """The token the page rendered for this request printed, if it printed one."""
    token: str | None = getattr(request.state, "pre_token", None)
    return token

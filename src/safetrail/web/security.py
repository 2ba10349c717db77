"""Headers on every response, the locked-vault gate and CSRF checks.

Every response: no-store (nothing lands in the browser cache), a strict CSP with
no inline script, no framing by others, no referrer. While the vault is locked,
only the unlock/setup pages, the quick-exit target and static files are served.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import RedirectResponse, Response

from safetrail.i18n import _
from safetrail.web.state import AppState

SESSION_COOKIE = "st_session"
PRE_COOKIE = "st_pre"
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


class SecurityMiddleware(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        state: AppState = request.app.state.safetrail
        valid = state.session_valid(request.cookies.get(SESSION_COOKIE))
        request.state.session_ok = valid
        if not valid and not is_open(request.url.path):
            target = "/unlock" if state.exists else "/setup"
            if request.headers.get("accept", "").startswith("application/json"):
                response: Response = Response(status_code=401)
            else:
                response = RedirectResponse(target, status_code=303)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if EMBEDDABLE.match(request.url.path):
            # Evidence shown inside the app's own exhibit page (PDF viewer frame).
            response.headers["Content-Security-Policy"] = CSP.replace(
                "frame-ancestors 'none'", "frame-ancestors 'self'"
            )
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response


def session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", path="/", secure=False
    )


def pre_cookie(response: Response, token: str) -> None:
    response.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", path="/")


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route of an unlocked session."""
    state: AppState = request.app.state.safetrail
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, state.csrf_token):
        raise HTTPException(
            403, _("This form has expired. Go back, reload the page and try again.")
        )


async def require_pre_csrf(request: Request) -> None:
    """CSRF for the unlock and setup forms (double submit: cookie and form must match)."""
    state: AppState = request.app.state.safetrail
    form = await request.form()
    sent = form.get("csrf")
    cookie = request.cookies.get(PRE_COOKIE)
    if (
        not isinstance(sent, str)
        or not cookie
        or not secrets.compare_digest(sent, cookie)
        or not secrets.compare_digest(sent, state.pre_token)
    ):
        raise HTTPException(403, _("This form has expired. Reload the page and try again."))

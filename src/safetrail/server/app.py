"""The server web app: the personal app's case pages, per case, behind accounts.

:func:`create_server_app` is the web app of ``safetrail server run``: the same case route
modules as the personal app (every page works per case unchanged, through the
:class:`~safetrail.server.provider.ServerCaseProvider`), the account routes
(``web/routes/server_*.py``), and a security middleware that resolves the session on
every request. Each web process is stateless: the session row in PostgreSQL and the
cookie together hold all a request needs, so any process can serve any request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from safetrail.errors import SafetrailError
from safetrail.i18n import _, use_language
from safetrail.server import sessions
from safetrail.server.cases import Server
from safetrail.server.provider import audit_export
from safetrail.server.settings import ServerSettings
from safetrail.web.language import LanguageMiddleware, request_language
from safetrail.web.security import (
    CSP,
    EMBEDDABLE,
    HSTS,
    SAFE_METHODS,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    host_name,
    same_origin,
)
from safetrail.web.templating import render

STATIC = Path(__file__).parent.parent / "web" / "static"
# Reachable without a session: signing in and up, the neutral page, static files.
OPEN_PATHS = (
    "/signin",
    "/signup",
    "/away",
    "/exit",
    "/lock",
    "/signout",
    "/manifest.webmanifest",
    "/static/",
    "/favicon.ico",
    "/invite/",
    "/ack/",  # trusted contacts acknowledge a check-in alert (server.alert_jobs)
)
# Reachable in a half-finished session (second factor to set up, password to change).
STAGE_PAGES = {
    sessions.ENROL: ("/account/totp",),
    sessions.CHANGE_PASSWORD: ("/account/password",),
}


def _open(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in OPEN_PATHS)


class ServerRuntime:
    """What the routes of one server process share (no case data: engine, settings, clock)."""

    def __init__(
        self,
        settings: ServerSettings,
        server: Server,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.server = server
        self.clock = clock or (lambda: datetime.now(UTC))
        self.upload_limit = 4 * 1024**3
        self.tls = True  # the server only ever runs under HTTPS (itself or its proxy)

    def now(self) -> datetime:
        return self.clock()


class ServerSecurityMiddleware(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        with use_language(request_language(None, request.headers.get("accept-language"))):
            response = await self._respond(request, call_next)  # its own refusals: browser's
        runtime: ServerRuntime = request.app.state.server_runtime
        response = await audit_export(request, response, runtime.server.engine, runtime.clock)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        response.headers["Strict-Transport-Security"] = HSTS
        if EMBEDDABLE.match(request.url.path) and response.status_code == 200:
            response.headers["Content-Security-Policy"] = CSP.replace(
                "frame-ancestors 'none'", "frame-ancestors 'self'"
            )
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    async def _respond(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        runtime: ServerRuntime = request.app.state.server_runtime
        names = runtime.settings.names
        if names and host_name(request.headers.get("host", "")) not in names:
            return PlainTextResponse(_("This address is not SafeTrail's."), status_code=400)
        if request.method not in SAFE_METHODS and not same_origin(request):
            return PlainTextResponse(
                _("This request did not come from a SafeTrail page."), status_code=400
            )
        cookie = request.cookies.get(SESSION_COOKIE)
        session = None
        if cookie:
            session = await run_in_threadpool(_resolve, runtime, cookie)
        request.state.session = session
        path = request.url.path
        if session is None and not _open(path):
            if request.headers.get("accept", "").startswith("application/json"):
                return Response(status_code=401)
            return RedirectResponse("/signin", status_code=303)
        if session is not None and session.stage in STAGE_PAGES and not _open(path):
            allowed = STAGE_PAGES[session.stage]
            if path not in allowed:
                return RedirectResponse(allowed[0], status_code=303)
        return await call_next(request)


def _resolve(runtime: ServerRuntime, cookie: str) -> sessions.Session | None:
    # every request: single statements (the reads, and at most one update of the row), so
    # no BEGIN and COMMIT round trips around them
    reading = runtime.server.engine.execution_options(isolation_level="AUTOCOMMIT")
    with reading.begin() as conn:
        return sessions.resolve(conn, cookie, runtime.now())


def case_route_modules() -> list[object]:
    """The personal app's case pages (``web.app.CASE_MODULES``), served per case; the
    local-only modules (unlock/setup, the vault's settings, duress, acknowledgements by
    link) are left out."""
    from safetrail.web.app import CASE_MODULES

    return list(CASE_MODULES)


def create_server_app(
    settings: ServerSettings,
    server: Server | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    from safetrail.server.sharing import SharingCaseProvider, install_scopes
    from safetrail.web.routes import (
        ack,
        server_account,
        server_auth,
        server_caseload,
        server_operator,
        server_orgs,
        server_share,
    )

    opened = server or Server.connect(settings.database, settings.blobs)
    runtime = ServerRuntime(settings, opened, clock)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.server_runtime = runtime
    app.state.safetrail = runtime  # what shared routes read: upload limit, TLS
    app.state.cases = SharingCaseProvider(opened, settings.idle_seconds, runtime.clock)
    # The language middleware runs inside the session middleware, so that signed-in pages
    # follow the account's language and the others the browser's.
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(ServerSecurityMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    accounts_pages = (server_auth, server_account, server_operator)
    sharing_pages = (server_share, server_caseload, server_orgs)
    for module in (*accounts_pages, *sharing_pages, ack, *case_route_modules()):
        app.include_router(module.router)  # type: ignore[attr-defined]
    install_scopes(app)
    _error_handlers(app)
    return app


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SafetrailError)
    async def safetrail_error(request: Request, exc: SafetrailError) -> Response:
        status = getattr(exc, "http_status", 400)
        return render(request, "error.html", status_code=status, message=exc.message, hint=exc.hint)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = _("There is nothing at this address.") if exc.status_code == 404 else exc.detail
        return render(
            request, "error.html", status_code=exc.status_code, message=str(message), hint=None
        )

    @app.exception_handler(RequestValidationError)
    async def unreadable(request: Request, exc: RequestValidationError) -> Response:
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return render(
            request,
            "error.html",
            status_code=404 if in_path else 400,
            message=_("There is nothing at this address.")
            if in_path
            else _("Part of what was sent could not be read."),
            hint=None,
        )


def app_from_env() -> FastAPI:
    """The factory ``safetrail server run`` gives uvicorn (each worker process calls it)."""
    app = create_server_app(ServerSettings.from_env(os.environ))
    _warm_threat_detector()
    return app


def _warm_threat_detector() -> None:
    """Build the threat detector (trained once per process) in the background as the web
    process starts, so that the first Patterns page it serves does not wait for it."""
    from safetrail.analysis.threats import default_engine

    threading.Thread(target=default_engine, name="threat-detector", daemon=True).start()

"""The web app: ``create_app()`` wires state, security, routes, templates and static files."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from safetrail.checkins.runner import run_in_app
from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.web.deps import CaseProvider, PersonalCaseProvider
from safetrail.web.language import LanguageMiddleware
from safetrail.web.routes import (
    ack,
    analysis,
    arrangements,
    auth,
    checkin_setup,
    checkins,
    device,
    duress,
    events,
    evidence,
    guidance,
    home,
    imports,
    incidents,
    integrity,
    letters,
    messages,
    orders,
    people,
    planning,
    reports,
    resources,
    settings,
)
from safetrail.web.security import SecurityMiddleware
from safetrail.web.state import AppState
from safetrail.web.templating import render

STATIC = Path(__file__).with_name("static")
#: the case pages: the same modules in personal and server mode (each router's routes all
#: get their case from ``web.deps.case_context``)
CASE_MODULES = (
    home,
    incidents,
    evidence,
    imports,
    messages,
    people,
    events,
    integrity,
    analysis,
    planning,
    orders,
    resources,
    guidance,
    checkin_setup,
    checkins,
    reports,
    letters,
    device,
    arrangements,
)
#: personal mode only: unlock and setup, the vault's settings and passphrase, the duress
#: passphrase, and the acknowledgement pages trusted contacts open while it is locked
LOCAL_MODULES = (auth, settings, duress, ack)
IDLE_CHECK_SECONDS = 1.0


def _not_found() -> str:
    return _("There is nothing at this address.")


def create_app(
    vault_path: Path, state: AppState | None = None, cases: CaseProvider | None = None
) -> FastAPI:
    """The web app. ``cases`` gives each request its case; by default (personal mode) the
    one vault unlocked in this process, whose check-ins the app also runs."""
    app_state = state or AppState(vault_path)
    personal = PersonalCaseProvider(app_state) if cases is None else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_auto_lock(app_state))
        alerts = None
        if personal is not None:  # check-ins of the unlocked vault (server: the workers)
            alerts = asyncio.create_task(run_in_app(personal.open_case))
        try:
            yield
        finally:
            task.cancel()
            if alerts is not None:
                alerts.cancel()
            app_state.lock_now()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.safetrail = app_state
    app.state.cases = cases if cases is not None else personal
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(LanguageMiddleware)  # outermost: error pages are translated too
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Order matters where paths overlap: the fixed paths of a module come before its
    # "{ref}" paths, and every module keeps the order it had. No case page shares a path
    # with the local pages (/unlock, /settings, /ack/...), so the two groups can follow
    # one another.
    for module in (auth, *CASE_MODULES, settings, duress, ack):
        app.include_router(module.router)

    @app.exception_handler(SafetrailError)
    async def safetrail_error(request: Request, exc: SafetrailError) -> Response:
        # Each error class says its status (errors.py): 404 not found, 409 busy, 503 the
        # vault cannot be written, 401/403 for server accounts, 400 otherwise.
        return render(
            request, "error.html", status_code=exc.http_status, message=exc.message, hint=exc.hint
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = _not_found() if exc.status_code == 404 else str(exc.detail)
        return render(
            request, "error.html", status_code=exc.status_code, message=message, hint=None
        )

    @app.exception_handler(RequestValidationError)
    async def unreadable_request(request: Request, exc: RequestValidationError) -> Response:
        # A path part that is not a number where one is expected names nothing: 404.
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return render(
            request,
            "error.html",
            status_code=404 if in_path else 400,
            message=_not_found() if in_path else _("Part of what was sent could not be read."),
            hint=None if in_path else _("Go back, check the form and try again."),
        )

    return app


async def _auto_lock(state: AppState) -> None:
    """Drop the keys after the idle time even if no request arrives."""
    while True:
        await asyncio.sleep(IDLE_CHECK_SECONDS)
        with state.lock:
            if state.idle_expired():
                state.lock_now()

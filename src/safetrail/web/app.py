"""The web app: ``create_app()`` wires state, security, routes, templates and static files."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from safetrail.checkins.runner import run_in_app
from safetrail.errors import SafetrailError
from safetrail.web.routes import (
    analysis,
    auth,
    checkins,
    events,
    evidence,
    home,
    imports,
    incidents,
    integrity,
    people,
    planning,
    reports,
    settings,
)
from safetrail.web.security import SecurityMiddleware
from safetrail.web.state import AppState
from safetrail.web.templating import render

STATIC = Path(__file__).with_name("static")
IDLE_CHECK_SECONDS = 1.0


def create_app(vault_path: Path, state: AppState | None = None) -> FastAPI:
    app_state = state or AppState(vault_path)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_auto_lock(app_state))
        alerts = asyncio.create_task(run_in_app(lambda: app_state.vault))  # check-ins
        try:
            yield
        finally:
            task.cancel()
            alerts.cancel()
            app_state.lock_now()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.safetrail = app_state
    app.add_middleware(SecurityMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth,
        home,
        incidents,
        evidence,
        imports,
        people,
        events,
        integrity,
        settings,
        analysis,
        planning,
        checkins,
        reports,
    ):
        app.include_router(module.router)

    @app.exception_handler(SafetrailError)
    async def safetrail_error(request: Request, exc: SafetrailError) -> Response:
        return render(request, "error.html", status_code=400, message=exc.message, hint=exc.hint)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(
            request, "error.html", status_code=exc.status_code, message=str(exc.detail), hint=None
        )

    return app


async def _auto_lock(state: AppState) -> None:
    """Drop the keys after the idle time even if no request arrives."""
    while True:
        await asyncio.sleep(IDLE_CHECK_SECONDS)
        with state.lock:
            if state.idle_expired():
                state.lock_now()

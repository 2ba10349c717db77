"""Per-request language: each request is served in its own language, chosen in this order.

1. the case's language setting, from the case provider (personal mode: remembered by the
   app state once the vault has been opened, so the unlock page after an auto-lock stays in
   the person's language);
2. ``SAFETRAIL_LANG``;
3. the browser's ``Accept-Language`` (this is how the first run picks a language: the vault
   created on the setup page keeps it as its setting);
4. the system locale, then English.

The choice is put in the i18n context variable for the duration of the request only; nothing
is kept per process, so two requests in two languages never mix.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from safetrail import config
from safetrail.i18n import (
    _,
    accept_language,
    default_language,
    normalise_language,
    use_language,
)
from safetrail.services import settings
from safetrail.web.state import AppState


def request_language(saved: str | None, accept: str | None) -> str:
    """The language for one request (see the module docstring for the order)."""
    return (
        normalise_language(saved)
        or normalise_language(config.languages()[0])
        or accept_language(accept)
        or default_language()
    )


class LanguageMiddleware:
    """Pure ASGI middleware, so the context variable is set in the task that runs the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        accept = None
        for name, value in scope.get("headers", []):
            if name == b"accept-language":
                accept = value.decode("latin-1")
                break
        cases = scope["app"].state.cases  # the case's (or account's) setting, per request
        saved = cases.language(Request(scope)) if scope["type"] == "http" else None
        with use_language(request_language(saved, accept)):
            await self.app(scope, receive, send)


def first_run_language(state: AppState, accept: str | None) -> None:
    """Keep the browser's language as the new vault's setting (first run only).

    Nothing is stored when SAFETRAIL_LANG chose the language or the browser asks for none we
    ship: the vault then follows the environment, as the command line does.
    """
    if state.vault is None or normalise_language(config.languages()[0]):
        return
    chosen = accept_language(accept)
    if chosen is None:
        return
    settings.update(state.vault, _("language taken from the browser at first run"), language=chosen)
    state.apply(settings.preferences(state.vault))

"""The web seam: how a route gets its case, and the helpers every route module shares.

Every case route asks for its case through ONE dependency, :func:`case_context` (the
``Case`` alias: ``def page(request: Request, ctx: Case) -> Response``). It asks the app's
:class:`CaseProvider`, kept on ``app.state.cases``; no route reads ``AppState.vault`` or
opens storage itself.

- Personal mode (``safetrail serve``): :class:`PersonalCaseProvider` hands out the one
  vault the person unlocked (held by :class:`~safetrail.web.state.AppState`). While it
  is locked the security middleware has already sent the browser to the unlock page; a
  request racing with a lock gets the same "locked" answer as before.
- Server mode: a provider that goes session cookie → session row → account → case →
  permission, with the same methods (``safetrail.server.provider``).

What belongs to one session of one case lives behind the provider too (never in a
process-wide global): the CSRF token, the language, the background import jobs. Derived
data kept per case (the analysis cache, the last integrity check) lives in
``CaseContext.cache``, dropped when the case is closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from safetrail.case import CaseContext
from safetrail.errors import Forbidden, RecordNotFound, SafetrailError
from safetrail.i18n import _
from safetrail.services import settings
from safetrail.services.import_jobs import JobBoard
from safetrail.services.vault import Vault
from safetrail.web.templating import render

if TYPE_CHECKING:
    from safetrail.web.state import AppState

_T = TypeVar("_T")


class CaseProvider(Protocol):
    """Where the case of a request comes from (personal vault or server case)."""

    def case_for(self, request: Request) -> CaseContext:
        """The open case this request may use; raises a ``SafetrailError`` (``NotSignedIn``,
        ``Forbidden``, ``RecordNotFound`` for another case's id) otherwise."""

    def release(self, ctx: CaseContext) -> None:
        """Called once the response (streamed downloads included) is finished."""

    def alive(self, ctx: CaseContext) -> bool:
        """Whether ``ctx`` is still open for its session; counts as activity (long uploads)."""

    def jobs(self, ctx: CaseContext) -> JobBoard:
        """The background import jobs of this session of this case."""

    def csrf_token(self, request: Request) -> str:
        """The CSRF token of the request's session (a fresh random one without a session)."""

    def language(self, request: Request) -> str | None:
        """The case's or account's language setting, if any (the browser's is used otherwise)."""

    def page_context(self, request: Request) -> Mapping[str, Any]:
        """What every page template is given about the session (menu, discreet mode, idle)."""

    def acknowledge(self, kind: str, text: str) -> None:
        """A trusted contact's acknowledgement (a code or a link token), accepted while the
        case may be locked: kept until the check-in worker reads it."""


class PersonalCaseProvider:
    """Personal mode: the vault unlocked in this process is the only case."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def open_case(self) -> CaseContext | None:
        """The unlocked vault, or None (the in-app check-in runner asks between ticks)."""
        return self.state.opened()

    def case_for(self, request: Request) -> CaseContext:
        found = self.open_case()
        if found is None:  # the middleware already redirected; this guards races with lock
            raise SafetrailError(_("The vault is locked."), _("Unlock it again."))
        return found

    def release(self, ctx: CaseContext) -> None:
        """Nothing to do: the vault stays open until the person locks it (or idles)."""

    def alive(self, ctx: CaseContext) -> bool:
        state = self.state
        with state.lock:
            if state.vault is not ctx:
                return False
            state.last_seen = state.monotonic()  # a long upload is activity
            return True

    def jobs(self, ctx: CaseContext) -> JobBoard:
        with self.state.lock:
            if self.state.vault is not ctx:
                raise SafetrailError(_("The vault is locked."), _("Unlock it again."))
            return self.state.jobs

    def csrf_token(self, request: Request) -> str:
        return self.state.csrf_token

    def language(self, request: Request) -> str | None:
        return self.state.language

    def page_context(self, request: Request) -> Mapping[str, Any]:
        state = self.state
        return {
            "unlocked": state.unlocked,
            "discreet": state.discreet,
            "auto_lock_seconds": int(state.idle_seconds),
            "exit_url": state.exit_url,
        }

    def preferences_changed(self, prefs: settings.Preferences) -> None:
        """The vault's settings were saved: lock time, discreet mode and language follow."""
        self.state.apply(prefs)

    def acknowledge(self, kind: str, text: str) -> None:
        from safetrail.checkins.acks import AckInbox  # local: keeps this module light
        from safetrail.services import checkins

        vault = self.open_case()
        now = vault.store.clock() if vault is not None else datetime.now(UTC)
        checkins.submit_acknowledgement(
            AckInbox.for_vault(self.state.vault_path), kind, text, now, vault
        )


# -- the one dependency -------------------------------------------------------------------------


def case_provider(request: Request) -> CaseProvider:
    provider: CaseProvider = request.app.state.cases
    return provider


def case_context(request: Request) -> Iterator[CaseContext]:
    """THE dependency of every case route: the request's case from the app's provider."""
    provider = case_provider(request)
    ctx = provider.case_for(request)
    request.state.case = ctx  # for the provider's page context (e.g. discreet mode)
    try:
        yield ctx
    finally:
        provider.release(ctx)


Case = Annotated[CaseContext, Depends(case_context)]


def _local_only() -> Forbidden:
    return Forbidden(
        _("This page belongs to the personal app, where the vault is a folder on this computer."),
        _("Go back to the start page."),
    )


def local_vault(ctx: Case) -> Vault:
    """For the local-only pages (the vault's passphrase, the duress passphrase): the case as
    the vault folder it is in personal mode; ``Forbidden`` for any other case."""
    if not isinstance(ctx, Vault):
        raise _local_only()
    return ctx


def personal_provider(request: Request) -> PersonalCaseProvider:
    """The personal app's provider (for its settings page); ``Forbidden`` in server mode."""
    provider = case_provider(request)
    if not isinstance(provider, PersonalCaseProvider):
        raise _local_only()
    return provider


LocalVault = Annotated[Vault, Depends(local_vault)]
Personal = Annotated[PersonalCaseProvider, Depends(personal_provider)]
#: for a router whose every route is a case route: ``APIRouter(dependencies=CASE_ROUTES)``
CASE_ROUTES = [Depends(case_context)]


# -- helpers shared by the route modules ---------------------------------------------------------


def problem(exc: SafetrailError) -> tuple[str, str | None]:
    """A message and hint for a form; references are looked up on pages here, not commands."""
    if isinstance(exc, RecordNotFound):
        return exc.message, _("Check the reference number and try again.")
    return exc.message, exc.hint


def redirect(url: str) -> Response:
    """After a form: go to ``url`` (303, so the browser asks with GET)."""
    return RedirectResponse(url, status_code=303)


def attachment(payload: bytes, media_type: str, name: str) -> Response:
    """A download that the browser saves as ``name``."""
    return Response(
        payload,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def form_texts(form: FormData, key: str) -> list[str]:
    """Every text value of a repeated form field (files are left out)."""
    return [v for v in form.getlist(key) if isinstance(v, str)]


def form_rows(form: FormData, keys: Sequence[str]) -> list[dict[str, str]]:
    """Repeated fields (one list per key, same length) as rows."""
    columns = {key: form_texts(form, key) for key in keys}
    length = max((len(v) for v in columns.values()), default=0)
    return [
        {key: (columns[key][i] if i < len(columns[key]) else "") for key in keys}
        for i in range(length)
    ]


def form_fields(form: FormData) -> dict[str, str]:
    """The first text value of every form field."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def read_form(request: Request) -> FormData:
    return await request.form()


async def run(function: Callable[..., _T], *args: Any) -> _T:
    """Call a (blocking) service from an async route, in the thread pool."""
    return await run_in_threadpool(function, *args)


def not_found_page(request: Request, message: str, hint: str | None) -> Response:
    return render(
        request, "error.html", status_code=404, title_key="error", message=message, hint=hint
    )


def notice(request: Request, name: str = "saved") -> str:
    """The one-time notice a redirect asked the page to show (``?saved=...``), or ""."""
    return request.query_params.get(name, "")


def local_time(iso: str | None, timezone: str | None) -> str:
    """An ISO time as "2026-03-14 18:30" in the given zone (UTC if unknown)."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    if moment.tzinfo is None:
        return f"{moment:%Y-%m-%d %H:%M}"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

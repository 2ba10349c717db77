"""The server's :class:`~safetrail.web.deps.CaseProvider`: session → account → case →
permission → an open :class:`~safetrail.server.cases.ServerCase`, per request.

The server security middleware has already resolved the session cookie (the row, the
account, the case key unwrapped with the cookie's secret) into ``request.state.session``.
Here the role and the permission are checked again against the database for every
request, so a revoked share or a disabled account stops the very next request, whatever
the session row still says:

- an operator never opens a case (403);
- a person opens only their own case; an advocate only a case shared with them and not
  revoked; anything else answers 404, exactly as an unknown id does;
- each request by someone other than the owner is one audit entry; an export (anyone's)
  is one entry too, written when the file has been made and sent ("export") or when
  making it failed ("export-failed"), never before.

The case is opened for the request only and closed (keys wiped) when the response is done;
nothing of it stays in the process between requests.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.errors import Forbidden, NotSignedIn, RecordNotFound, SafetrailError
from safetrail.i18n import _
from safetrail.server import accounts, audit
from safetrail.server.accounts import OPERATOR
from safetrail.server.cases import Server, ServerCase, open_case
from safetrail.server.sessions import Session
from safetrail.services.import_jobs import JobBoard

log = logging.getLogger("safetrail.server")

ANON_CSRF_COOKIE = "st_pre"
# Requests that take a case's content away (reports, bundles, exports, letters, plan PDF):
# audited for everyone, the owner included.
EXPORT_PATHS = (
    "/reports/pdf",
    "/reports/police-sheet",
    "/reports/bundle",
    "/reports/export/",
    "/reports/letter/download",
    "/plan/pdf",
    "/guidance/supporting/pdf",
)


def is_export(request: Request) -> bool:
    path = request.url.path
    if request.method == "POST" and path == "/lookout":
        return True
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in EXPORT_PATHS)


def client_address(request: Request) -> str:
    """The peer address (uvicorn already replaced it from X-Forwarded-For when, and only
    when, the peer is a trusted proxy)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class PendingExport:
    """An export the request was allowed to make: audited when the response is done."""

    account_id: str
    role: str
    case_id: str
    detail: str
    address: str


def defer_export(request: Request, account: accounts.Account, case_id: str) -> None:
    """Mark the request as an export of ``case_id`` by ``account``: the server middleware
    audits it as made once the whole file was sent, or as failed (see
    :func:`audit_export`). Nothing is audited for an export that never got its case."""
    request.state.pending_export = PendingExport(
        account.id,
        account.role,
        case_id,
        f"{request.method} {request.url.path}",
        client_address(request),
    )


def record_export(engine: Engine, pending: PendingExport, made: bool, at: datetime) -> None:
    with engine.begin() as conn:
        audit.record(
            conn,
            audit.EXPORT if made else audit.EXPORT_FAILED,
            at,
            account_id=pending.account_id,
            role=pending.role,
            case_id=pending.case_id,
            detail=pending.detail,
            address=pending.address,
        )


async def audit_export(
    request: Request,
    response: Response,
    engine: Engine,
    clock: Callable[[], datetime],
) -> Response:
    """Audit the request's export (if it was one) after the fact: a 2xx response whose
    body was sent to the end is "export"; an error page, a redirect or a body that broke
    off while being made is "export-failed"."""
    pending: PendingExport | None = getattr(request.state, "pending_export", None)
    if pending is None:
        return response
    if not 200 <= response.status_code < 300 or not hasattr(response, "body_iterator"):
        made = 200 <= response.status_code < 300
        await run_in_threadpool(record_export, engine, pending, made, clock())
        return response
    body = response.body_iterator

    async def counted() -> AsyncIterator[Any]:
        made = False
        try:
            async for chunk in body:
                yield chunk
            made = True
        finally:
            await run_in_threadpool(record_export, engine, pending, made, clock())

    response.body_iterator = counted()
    return response


def session_of(request: Request) -> Session | None:
    found: Session | None = getattr(request.state, "session", None)
    return found


class ServerCaseProvider:
    def __init__(
        self,
        server: Server,
        idle_seconds: int,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.server = server
        self.idle_seconds = idle_seconds
        self.clock = clock or (lambda: datetime.now(UTC))
        self._jobs: dict[tuple[str, str], JobBoard] = {}
        self._jobs_guard = threading.Lock()
        self._owners: dict[int, str] = {}  # id(ctx) -> session id hash, for jobs

    # -- the case of a request ------------------------------------------------------------

    def case_for(self, request: Request) -> CaseContext:
        session = session_of(request)
        if session is None:
            raise NotSignedIn(_("Please sign in first."), _("Sign in again."))
        account = session.account
        if account.role == OPERATOR:
            raise Forbidden(
                _("Operator accounts manage the server and never open a case."),
                _("Sign in with a person's or an advocate's account to work on a case."),
            )
        if session.case_id is None or session.case_key is None:
            if account.case_locked:
                raise Forbidden(
                    _("Your case is locked since your password was reset."),
                    _("Open it with your recovery key on the account page."),
                )
            raise RecordNotFound(
                _("No case is open in this session."), _("Choose a case from your list.")
            )
        now = self.clock()
        with self.server.engine.begin() as conn:
            fresh = accounts.get(conn, account.id)  # role and case as they are now
            access = accounts.permission(conn, fresh, session.case_id)
            if access is None:
                raise RecordNotFound(_("There is nothing at this address."))
            if is_export(request):  # audited once the file is made (or failed)
                defer_export(request, fresh, session.case_id)
            elif not access.owner:
                audit.record(
                    conn,
                    audit.CASE_ACCESS,
                    now,
                    account_id=fresh.id,
                    role=fresh.role,
                    case_id=session.case_id,
                    detail=f"{request.method} {request.url.path}",
                    address=client_address(request),
                )
        ctx = open_case(
            self.server, session.case_id, session.case_key, fresh.actor, clock=self.clock
        )
        if access.owner:
            _take_in_alert_news(ctx)
        self._owners[id(ctx)] = session.id_hash
        return ctx

    def release(self, ctx: CaseContext) -> None:
        self._owners.pop(id(ctx), None)
        ctx.close()

    def alive(self, ctx: CaseContext) -> bool:
        return id(ctx) in self._owners

    def jobs(self, ctx: CaseContext) -> JobBoard:
        """Imports run in a thread of the process that started them; their board is kept
        per session and case (a page asking on another process sees no job, and says so)."""
        owner = self._owners.get(id(ctx))
        if owner is None:
            raise SafetrailError(_("This session has ended."), _("Sign in again."))
        with self._jobs_guard:
            return self._jobs.setdefault((owner, ctx.case_id), JobBoard())

    def end_session(self, id_hash: str) -> None:
        with self._jobs_guard:
            for key in [k for k in self._jobs if k[0] == id_hash]:
                self._jobs.pop(key).close()

    # -- what pages are given -------------------------------------------------------------

    def csrf_token(self, request: Request) -> str:
        session = session_of(request)
        if session is not None:
            return session.csrf_token
        token: str | None = getattr(request.state, "anon_csrf", None)
        if token is None:
            token = request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(32)
            request.state.anon_csrf = token
        return token

    def language(self, request: Request) -> str | None:
        """The signed-in account's language (the case's setting, kept on the account when
        it is saved); None before sign-in, so those pages follow the browser. The session
        middleware has resolved the session already (the language middleware runs inside
        it), so this reads no case and asks the database nothing more."""
        session = session_of(request)
        return None if session is None else session.account.language

    def page_context(self, request: Request) -> Mapping[str, Any]:
        session = session_of(request)
        case: CaseContext | None = getattr(request.state, "case", None)
        discreet, exit_url = False, "/away"
        if case is not None:
            from safetrail.services import settings

            prefs = settings.preferences(case)
            discreet, exit_url = prefs.discreet, prefs.exit_url
        return {
            "unlocked": session is not None and session.case_key is not None,
            "signed_in": session is not None,
            "account": None if session is None else session.account,
            "discreet": discreet,
            "auto_lock_seconds": self.idle_seconds,
            "exit_url": exit_url,
            "server_mode": True,
        }

    def acknowledge(self, kind: str, text: str) -> None:
        """A contact's link or code stops the escalation at once (``server.alert_jobs``);
        the case records it when its person is back."""
        from safetrail.server import alert_jobs

        with self.server.engine.begin() as conn:
            alert_jobs.acknowledge(conn, kind, text, self.clock())


def _take_in_alert_news(ctx: ServerCase) -> None:
    """What the check-in workers did while the person was away becomes the case's alert
    records (one cheap query when there is nothing new)."""
    from safetrail.server import alert_jobs

    try:
        alert_jobs.sync(ctx)
    except SafetrailError:
        log.warning("check-in news could not be recorded in case %s yet", ctx.case_id)

"""Server mode, the advocate's side: the caseload (every case shared with them, most urgent
first), opening one case, and the shared case's own page (what was shared, the incidents
in scope, notes written by advocates, asking for or completing a risk screening)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import ColumnElement, select, update
from starlette.responses import RedirectResponse, Response

from safetrail.errors import RecordNotFound, ValidationError
from safetrail.i18n import _
from safetrail.server import accounts, caseload, sharing
from safetrail.server.accounts import ADVOCATE, READ_ADD
from safetrail.server.provider import client_address
from safetrail.server.sessions import sessions
from safetrail.storage.records import format_ref
from safetrail.storage.tables import incidents, records
from safetrail.web.deps import Case
from safetrail.web.routes.server_auth import runtime, signed_in
from safetrail.web.routes.server_share import advocate_notes
from safetrail.web.security import SESSION_COOKIE, require_csrf
from safetrail.web.templating import render

router = APIRouter()
MAX_NOTE = 20_000
SHOWN_INCIDENTS = 200


def _advocate(request: Request) -> accounts.Account:
    account = signed_in(request).account
    accounts.require_role(account, ADVOCATE)
    return account


@router.get("/caseload")
def caseload_page(request: Request) -> Response:
    _advocate(request)
    session = signed_in(request)
    run = runtime(request)
    by = request.query_params.get("sort", "urgency")
    if by not in caseload.SORTS:
        by = "urgency"
    rows = caseload.caseload(
        run.server,
        session,
        request.cookies.get(SESSION_COOKIE, ""),
        run.now(),
        run.clock,
        client_address(request),
        by,
    )
    page = caseload.page_of(rows, request.query_params.get("page"))
    return render(
        request,
        "server/caseload.html",
        title_key="caseload",
        rows=page.rows,
        page=page,
        sort=by,
        sorts=caseload.SORTS,
        signal_names=signal_names(),
        share_text=_share_text(),
    )


def _share_text() -> Callable[[sharing.Scope, str], str]:
    """What a row says of its share ("Everything except private notes · Read only"), put
    into words once per kind of share on the page rather than once per row."""
    said: dict[tuple[sharing.Scope, str], str] = {}

    def text(scope: sharing.Scope, access: str) -> str:
        found = said.get((scope, access))
        if found is None:
            found = said[(scope, access)] = (
                f"{scope.describe()} · {sharing.describe_access(access)}"
            )
        return found

    return text


def signal_names() -> dict[str, str]:
    return {
        "approach_places": _("Came to home, work or school"),
        "threats": _("Threats"),
        "after_notice": _("Contact after being told to stop"),
        "order_breach": _("Possible breach of an order"),
    }


@router.post("/caseload/{case_id}/open", dependencies=[Depends(require_csrf)])
def open_shared(request: Request, case_id: str) -> Response:
    """Work on one shared case in this session (404 when it is not shared with them)."""
    account = _advocate(request)
    session = signed_in(request)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        if sharing.grant(conn, account.id, case_id) is None:
            raise RecordNotFound(_("There is nothing at this address."))
        conn.execute(
            update(sessions)
            .where(sessions.c.id_hash == session.id_hash)
            .values(case_id=case_id, wrapped_key=None)
        )
    return RedirectResponse("/shared", status_code=303)


def _shared(ctx: Case) -> sharing.SharedCase:
    if not isinstance(ctx, sharing.SharedCase):
        raise RecordNotFound(_("There is nothing at this address."))
    return ctx


@router.get("/shared")
def shared_page(request: Request, ctx: Case) -> Response:
    case = _shared(ctx)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        owner = conn.execute(
            select(accounts.accounts.c.name).where(accounts.accounts.c.case_id == case.case_id)
        ).scalar()
    listed: list[tuple[str, str]] = []
    if case.scope.kind != sharing.REPORTS:
        since, until = (
            case.store.bounds if isinstance(case.store, sharing.ScopedRecordStore) else (None, None)
        )
        conditions: list[ColumnElement[bool]] = [incidents.c.voided.is_(False)]
        if since:
            conditions.append(incidents.c.occurred_start >= since)
        if until:
            conditions.append(incidents.c.occurred_start < until)
        with case.read() as conn:
            rows = conn.execute(
                select(records.c.ref_no, incidents.c.occurred_start)
                .join(records, records.c.id == incidents.c.record_id)
                .where(*conditions)
                .order_by(incidents.c.occurred_start.desc())
                .limit(SHOWN_INCIDENTS)
            ).all()
        listed = [(format_ref("incident", r.ref_no), str(r.occurred_start)) for r in rows]
    return render(
        request,
        "server/shared.html",
        title_key="shared",
        person=owner or "",
        scope=case.scope,
        scope_text=case.scope.describe(),
        access=case.access,
        access_text=sharing.describe_access(case.access),
        can_add=case.access == READ_ADD and case.scope.kind != sharing.REPORTS,
        incidents=listed,
        notes=advocate_notes(ctx) if case.scope.kind != sharing.REPORTS else [],
        saved=request.query_params.get("saved", ""),
    )


@router.post("/shared/notes", dependencies=[Depends(require_csrf)])
def add_note(request: Request, ctx: Case, text: Annotated[str, Form()] = "") -> Response:
    """An advocate's own note: a record in the case's ledger, attributed to them."""
    case = _shared(ctx)
    account = _advocate(request)
    clean = text.strip()
    if not clean:
        raise ValidationError(_("The note is empty."), _("Write something, then save it."))
    if len(clean) > MAX_NOTE:
        raise ValidationError(_("The note is too long."), _("Keep it under 20,000 characters."))
    with case.write() as conn:
        case.store.create(
            conn,
            "advocate_note",
            {"text": clean, "author": account.id, "author_name": account.name},
        )
    return RedirectResponse("/shared?saved=note", status_code=303)


@router.post("/shared/screening", dependencies=[Depends(require_csrf)])
def ask_screening(request: Request, ctx: Case) -> Response:
    """Ask the person to complete a risk screening (they see the request on their page)."""
    case = _shared(ctx)
    account = _advocate(request)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        sharing.request_screening(conn, account, case.case_id, run.now())
    return RedirectResponse("/shared?saved=screening", status_code=303)

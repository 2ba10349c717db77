"""Server mode, the person's side of sharing: "Who can see my case" (who, since when,
what scope, every look and export with its time, revoke buttons) and the consent flow
(choose who, what and how; read a plain summary; confirm)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.server import accounts, audit_words, sharing
from safetrail.server.accounts import PERSON, READ
from safetrail.server.provider import client_address
from safetrail.storage.records import format_ref
from safetrail.storage.tables import records
from safetrail.web.deps import Case
from safetrail.web.routes.server_auth import runtime, signed_in
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter()
Field = Annotated[str, Form()]


def _person(request: Request) -> accounts.Account:
    session = signed_in(request)
    accounts.require_role(session.account, PERSON)
    return session.account


def _choices(request: Request) -> tuple[list[sharing.Advocate], list[sharing.Organisation]]:
    run = runtime(request)
    with run.server.engine.begin() as conn:
        advocates = [a for a in sharing.list_advocates(conn) if not a.disabled and a.has_key]
        orgs = [o for o in sharing.list_orgs(conn) if o.members]
    return advocates, orgs


def advocate_notes(ctx: Case) -> list[tuple[str, str, str, str]]:
    """(reference, written at, who, text) of the advocates' notes, newest first."""
    with ctx.read() as conn:
        ids = [
            str(i)
            for i in conn.execute(
                select(records.c.id)
                .where((records.c.kind == "advocate_note") & records.c.voided.is_(False))
                .order_by(records.c.ref_no.desc())
            ).scalars()
        ]
        found = ctx.store.load(conn, ids)
    return [
        (
            format_ref(r.kind, r.ref_no),
            r.created_at,
            str(r.data.get("author_name") or ""),
            str(r.data.get("text") or ""),
        )
        for r in found
    ]


def _page(
    request: Request,
    ctx: Case,
    me: accounts.Account,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    run = runtime(request)
    with run.server.engine.begin() as conn:
        shares = sharing.shares_of(conn, ctx.case_id)
        seen = sharing.accesses(conn, ctx.case_id)
        asked = sharing.screening_asked(conn, ctx.case_id)
    by_account: dict[str, list[object]] = {}
    own_exports = []
    for entry in seen:
        if entry.account_id == me.id:
            own_exports.append(entry)
        else:
            by_account.setdefault(entry.account_id or "", []).append(entry)
    advocates, orgs = _choices(request)
    return render(
        request,
        "server/sharing.html",
        status_code=status,
        title_key="sharing",
        live=[s for s in shares if s.revoked_at is None],
        ended=[s for s in shares if s.revoked_at is not None],
        seen=by_account,
        own_exports=own_exports,
        asked=asked,
        notes=advocate_notes(ctx),
        advocates=advocates,
        orgs=orgs,
        describe_access=sharing.describe_access,
        in_words=audit_words.in_words,
        saved=request.query_params.get("saved", ""),
        error=error,
        values=values or {"scope": sharing.ALL, "access": READ},
    )


@router.get("/sharing")
def sharing_page(request: Request, ctx: Case) -> Response:
    return _page(request, ctx, _person(request))


def _form_error(request: Request, ctx: Case, message: str, values: dict[str, str]) -> Response:
    return _page(request, ctx, _person(request), 400, message, values)


@router.post("/sharing/review", dependencies=[Depends(require_csrf)])
def review(
    request: Request,
    ctx: Case,
    target: Field = "",
    scope: Field = sharing.ALL,
    start: Field = "",
    end: Field = "",
    access: Field = READ,
) -> Response:
    """The plain-language summary of what the advocate will and will not see."""
    _person(request)
    values = {"target": target, "scope": scope, "start": start, "end": end, "access": access}
    run = runtime(request)
    try:
        chosen_scope = sharing.Scope.from_form(scope, start, end)
        if access not in sharing.ACCESSES:
            raise SafetrailError(_("Choose what the advocate may do."))
        with run.server.engine.begin() as conn:
            people, _org = sharing.recipients(conn, target)
    except SafetrailError as exc:
        return _form_error(request, ctx, exc.message, values)
    will, wont = sharing.summary(chosen_scope, access)
    return render(
        request,
        "server/share_review.html",
        title_key="sharing",
        target=target,
        names=[p.name for p in people],
        organisation=target.partition(":")[2] if target.startswith("org:") else None,
        scope=chosen_scope,
        access=access,
        access_text=sharing.describe_access(access),
        will=will,
        wont=wont,
        values=values,
    )


@router.post("/sharing/confirm", dependencies=[Depends(require_csrf)])
def confirm(
    request: Request,
    ctx: Case,
    target: Field = "",
    scope: Field = sharing.ALL,
    start: Field = "",
    end: Field = "",
    access: Field = READ,
) -> Response:
    me = _person(request)
    session = signed_in(request)
    run = runtime(request)
    values = {"target": target, "scope": scope, "start": start, "end": end, "access": access}
    if session.case_key is None:
        return _form_error(request, ctx, _("Your case is not open in this session."), values)
    try:
        chosen_scope = sharing.Scope.from_form(scope, start, end)
        with run.server.engine.begin() as conn:
            owner = accounts.get(conn, me.id)
            sharing.share(
                conn,
                owner,
                session.case_key,
                target,
                chosen_scope,
                access,
                run.now(),
                client_address(request),
            )
    except SafetrailError as exc:
        return _form_error(request, ctx, exc.message, values)
    return RedirectResponse("/sharing?saved=shared", status_code=303)


@router.post("/sharing/{account_id}/revoke", dependencies=[Depends(require_csrf)])
def revoke(request: Request, ctx: Case, account_id: str) -> Response:
    me = _person(request)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        owner = accounts.get(conn, me.id)
        done = sharing.revoke(conn, owner, account_id, run.now(), client_address(request))
    return RedirectResponse("/sharing?saved=" + ("revoked" if done else "already"), status_code=303)


__all__ = ["router"]

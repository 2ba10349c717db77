"""Server mode: organisations and invitations. The operator creates organisations and
invites advocates (a single-use link, shown once); the invited advocate opens the link,
chooses a password, and sets up sign-in codes straight after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.server import accounts, audit, sessions, sharing
from safetrail.server.accounts import OPERATOR
from safetrail.server.provider import client_address
from safetrail.web.routes.server_auth import (
    _page,
    require_anon_csrf,
    runtime,
    set_session_cookie,
    signed_in,
)
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter()
Field = Annotated[str, Form()]


def _operator(request: Request) -> accounts.Account:
    account = signed_in(request).account
    accounts.require_role(account, OPERATOR)
    return account


def _orgs_page(request: Request, status: int = 200, **extra: object) -> Response:
    run = runtime(request)
    with run.server.engine.begin() as conn:
        orgs = sharing.list_orgs(conn)
        advocates = sharing.list_advocates(conn)
    context: dict[str, object] = {"link": None, "error": None}
    context.update(extra)
    return render(
        request,
        "server/orgs.html",
        status_code=status,
        title_key="orgs",
        orgs=orgs,
        advocates=advocates,
        **context,
    )


@router.get("/operator/orgs")
def orgs_page(request: Request) -> Response:
    _operator(request)
    return _orgs_page(request)


@router.post("/operator/orgs", dependencies=[Depends(require_csrf)])
def create_org(request: Request, name: Field = "") -> Response:
    operator = _operator(request)
    run = runtime(request)
    try:
        with run.server.engine.begin() as conn:
            sharing.create_org(conn, name, run.now(), operator.id)
    except SafetrailError as exc:
        return _orgs_page(request, 400, error=exc.message)
    return RedirectResponse("/operator/orgs", status_code=303)


@router.post("/operator/orgs/invite", dependencies=[Depends(require_csrf)])
def invite(request: Request, org: Field = "", name: Field = "") -> Response:
    """A new invitation; its link is shown on this page only, once."""
    operator = _operator(request)
    run = runtime(request)
    try:
        with run.server.engine.begin() as conn:
            token = sharing.invite(conn, org, name, run.now(), operator.id)
    except SafetrailError as exc:
        return _orgs_page(request, 400, error=exc.message)
    link = f"{request.base_url}invite/{token}"
    return _orgs_page(request, link=link, invited=accounts.normalise_name(name))


@router.get("/invite/{token}")
def invitation_page(request: Request, token: str) -> Response:
    run = runtime(request)
    with run.server.engine.begin() as conn:
        found = sharing.invitation(conn, token, run.now())
    if found is None:
        return _page(
            request,
            "server/invite.html",
            404,
            title_key="invite",
            invitation=None,
            token=token,
            error=_("This invitation link is not valid: it was used, it expired, or it is wrong."),
        )
    return _page(
        request, "server/invite.html", title_key="invite", invitation=found, token=token, error=None
    )


@router.post("/invite/{token}", dependencies=[Depends(require_anon_csrf)])
def accept(request: Request, token: str, password: Field = "", confirm: Field = "") -> Response:
    """Spend the invitation: the advocate's account and key pair; then sign-in codes."""
    run = runtime(request)
    now = run.now()
    with run.server.engine.begin() as conn:
        found = sharing.invitation(conn, token, now)
    if password != confirm:
        return _page(
            request,
            "server/invite.html",
            400,
            title_key="invite",
            invitation=found,
            token=token,
            error=_("The two passwords are different."),
        )
    try:
        with run.server.engine.begin() as conn:
            account, kek = sharing.accept_invitation(conn, token, password, now)
            cookie = sessions.start(
                conn,
                account,
                now,
                run.settings.idle_seconds,
                stage=sessions.ENROL,
                address=client_address(request),
                agent=(request.headers.get("user-agent") or "")[:120],
                kek=kek,  # the account key: the sign-in codes set up next are encrypted
            )
            sharing.on_sign_in(conn, account, kek, cookie)
            audit.record(
                conn,
                audit.ACCOUNT_CREATED,
                now,
                account_id=account.id,
                role=account.role,
                subject_id=account.id,
                detail="invitation",
                address=client_address(request),
            )
    except SafetrailError as exc:
        status = getattr(exc, "http_status", 400)
        return _page(
            request,
            "server/invite.html",
            status,
            title_key="invite",
            invitation=found,
            token=token,
            error=exc.message,
        )
    response = RedirectResponse("/account/totp", status_code=303)
    set_session_cookie(response, cookie)
    return response

"""Server mode: the operator's pages (accounts and server health — never a case's content)
and the advocate's list of cases shared with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.server import accounts, audit, operator_actions, sessions, signup
from safetrail.server.accounts import ADVOCATE, OPERATOR, ROLES
from safetrail.server.db import cases
from safetrail.server.provider import client_address
from safetrail.web.routes.server_auth import runtime, signed_in
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter()


def _operator(request: Request) -> accounts.Account:
    account = signed_in(request).account
    accounts.require_role(account, OPERATOR)
    return account


@router.get("/operator")
def operator_page(request: Request) -> Response:
    _operator(request)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        listed = accounts.list_accounts(conn)
        case_count = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        active = sessions.active_count(conn, run.now())
        recent = audit.latest(conn, 50)
    return render(
        request,
        "server/operator.html",
        title_key="operator",
        accounts=listed,
        case_count=case_count,
        active=active,
        recent=recent,
        roles=ROLES,
        signup_mode=run.settings.signup,
        error=request.query_params.get("error", ""),
        saved=request.query_params.get("saved", ""),
    )


@router.post("/operator/accounts", dependencies=[Depends(require_csrf)])
def add_account(
    request: Request,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = ADVOCATE,
    password: Annotated[str, Form()] = "",
) -> Response:
    """Advocates and operators; people sign up themselves (their case is made then)."""
    operator = _operator(request)
    run = runtime(request)
    try:
        operator_actions.add_account(
            run.server.engine, operator, name, role, password, run.now(), client_address(request)
        )
    except SafetrailError as exc:
        return render(
            request,
            "server/error_back.html",
            status_code=400,
            title_key="operator",
            message=exc.message,
            back="/operator",
        )
    return RedirectResponse("/operator?saved=account", status_code=303)


@router.post("/operator/signup-links", dependencies=[Depends(require_csrf)])
def make_signup_link(request: Request) -> Response:
    """A single-use sign-up link for one person (``--signup invite``), shown once."""
    operator = _operator(request)
    run = runtime(request)
    token = operator_actions.make_signup_link(
        run.server.engine, operator, run.now(), client_address(request)
    )
    link = f"{str(request.base_url).rstrip('/')}/signup?link={token}"
    return render(
        request,
        "server/signup_link.html",
        title_key="operator",
        link=link,
        days=signup.LINK_DAYS,
        mode=run.settings.signup,
    )


@router.get("/operator/accounts/{account_id}/reset")
def reset_page(request: Request, account_id: str) -> Response:
    _operator(request)
    run = runtime(request)
    with run.server.engine.begin() as conn:
        target = accounts.get(conn, account_id)
    return render(request, "server/reset.html", title_key="operator", target=target, error=None)


@router.post("/operator/accounts/{account_id}/reset", dependencies=[Depends(require_csrf)])
def reset(
    request: Request,
    account_id: str,
    password: Annotated[str, Form()] = "",
    understood: Annotated[str, Form()] = "",
) -> Response:
    operator = _operator(request)
    run = runtime(request)
    now = run.now()
    with run.server.engine.begin() as conn:
        target = accounts.get(conn, account_id)
    if understood != "yes":
        return render(
            request,
            "server/reset.html",
            status_code=400,
            title_key="operator",
            target=target,
            error=_("Tick the box to confirm that you have read what a reset does."),
        )
    try:
        operator_actions.reset_password(
            run.server.engine, operator, target, password, now, client_address(request)
        )
    except SafetrailError as exc:
        return render(
            request,
            "server/reset.html",
            status_code=400,
            title_key="operator",
            target=target,
            error=exc.message,
        )
    return RedirectResponse("/operator?saved=reset", status_code=303)


@router.post("/operator/accounts/{account_id}/role", dependencies=[Depends(require_csrf)])
def change_role(request: Request, account_id: str, role: Annotated[str, Form()] = "") -> Response:
    operator = _operator(request)
    run = runtime(request)
    changed = operator_actions.change_role(
        run.server.engine, operator, account_id, role, run.now(), client_address(request)
    )
    if not changed:
        return RedirectResponse("/operator?error=role", status_code=303)
    return RedirectResponse("/operator?saved=role", status_code=303)


@router.get("/cases")
def caseload(request: Request) -> Response:
    """An advocate's shared cases: the caseload page (``server_caseload``)."""
    account = signed_in(request).account
    accounts.require_role(account, ADVOCATE)
    return RedirectResponse("/caseload", status_code=303)

"""The duress passphrase page: set or remove the second passphrase that opens a decoy case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.errors import SafetrailError, WrongPassphrase
from safetrail.i18n import _
from safetrail.services import duress
from safetrail.web.deps import CASE_ROUTES, LocalVault
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)


def _page(request: Request, status: int = 200, **context: object) -> Response:
    return render(
        request,
        "duress.html",
        status_code=status,
        title_key="duress",
        saved=request.query_params.get("saved"),
        error=context.pop("error", None),
        hint=context.pop("hint", None),
    )


def _refused(request: Request, exc: SafetrailError) -> Response:
    if isinstance(exc, WrongPassphrase):
        return _page(
            request,
            400,
            error=_("That is not the passphrase you use now, so nothing was changed."),
            hint=_("Check capital letters and the keyboard layout, then try again."),
        )
    return _page(request, 400, error=exc.message, hint=exc.hint)


@router.get("/settings/duress")
def duress_page(request: Request) -> Response:
    return _page(request)


@router.post("/settings/duress", dependencies=[Depends(require_csrf)])
def set_duress(
    request: Request,
    vault: LocalVault,
    current: Annotated[str, Form()] = "",
    duress_passphrase: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    alert_contacts: Annotated[str, Form()] = "",
) -> Response:
    if duress_passphrase != confirm:
        return _page(request, 400, error=_("The two duress passphrases are different."))
    try:
        duress.set_duress_passphrase(
            vault, current, duress_passphrase, alert=alert_contacts == "on"
        )
    except SafetrailError as exc:
        return _refused(request, exc)
    return RedirectResponse("/settings/duress?saved=set", status_code=303)


@router.post("/settings/duress/remove", dependencies=[Depends(require_csrf)])
def remove_duress(
    request: Request, vault: LocalVault, current: Annotated[str, Form()] = ""
) -> Response:
    try:
        duress.remove_duress_passphrase(vault, current)
    except SafetrailError as exc:
        return _refused(request, exc)
    return RedirectResponse("/settings/duress?saved=removed", status_code=303)

"""Settings: where you are, how the app behaves, and the passphrase."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError, WrongPassphrase
from safetrail.i18n import LANGUAGES, _
from safetrail.services import settings
from safetrail.vault.session import change_passphrase
from safetrail.web.deps import CASE_ROUTES, Case, LocalVault, Personal, redirect
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)


def _page(request: Request, vault: CaseContext, status_code: int = 200, **context: Any) -> Response:
    place = settings.current(vault)
    prefs = settings.preferences(vault)
    values = {
        "country": place.country,
        "timezone": place.timezone,
        "auto_lock_minutes": prefs.auto_lock_minutes,
        "discreet": prefs.discreet,
        "exit_url": prefs.exit_url,
        "language": prefs.language,
    }
    values.update(context.pop("values", {}))
    page: dict[str, Any] = {
        "saved": None,
        "error": None,
        "hint": None,
        "pass_error": None,
        "pass_hint": None,
    }
    page.update(context)
    return render(
        request,
        "settings.html",
        status_code=status_code,
        title_key="settings",
        values=values,
        zones=settings.timezone_names(),
        languages=LANGUAGES,
        **page,
    )


@router.get("/settings")
def settings_page(request: Request, ctx: Case) -> Response:
    return _page(request, ctx, saved=request.query_params.get("saved"))


@router.post("/settings", dependencies=[Depends(require_csrf)])
def save_settings(
    request: Request,
    ctx: Case,
    personal: Personal,
    country: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    auto_lock_minutes: Annotated[str, Form()] = "",
    discreet: Annotated[str, Form()] = "",
    exit_url: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "auto",
) -> Response:
    try:
        prefs = settings.save_preferences(
            ctx,
            country,
            timezone,
            auto_lock_minutes,
            discreet == "on",
            exit_url,
            _("settings changed in the app"),
            language=language,
        )
    except SafetrailError as exc:
        values = {
            "country": country,
            "timezone": timezone,
            "auto_lock_minutes": auto_lock_minutes,
            "discreet": discreet == "on",
            "exit_url": exit_url,
            "language": language,
        }
        return _page(request, ctx, 400, error=exc.message, hint=exc.hint, values=values)
    personal.preferences_changed(prefs)
    return redirect("/settings?saved=settings")


@router.post("/settings/passphrase", dependencies=[Depends(require_csrf)])
def change_pass(
    request: Request,
    vault: LocalVault,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if new != confirm:
        return _page(
            request,
            vault,
            400,
            pass_error=_("The two new passphrases are different. Please type them again."),
        )
    try:
        change_passphrase(vault.layout.root, current, new)
    except WrongPassphrase:
        return _page(
            request,
            vault,
            400,
            pass_error=_("That is not the passphrase you use now, so nothing was changed."),
            pass_hint=_("Check capital letters and the keyboard layout, then try again."),
        )
    except SafetrailError as exc:
        return _page(request, vault, 400, pass_error=exc.message, pass_hint=exc.hint)
    return redirect("/settings?saved=passphrase")

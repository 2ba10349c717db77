"""Phone check pages: instructions, run a check, results, record a finding, iPhone questions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.analysis.helplines import local_help
from safetrail.case import CaseContext
from safetrail.devicecheck import guide, iphone
from safetrail.errors import SafetrailError, ValidationError
from safetrail.i18n import _
from safetrail.services import devicecheck, settings
from safetrail.web.deps import CASE_ROUTES, Case
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)


def _start_page(
    request: Request, vault: CaseContext, status_code: int = 200, **extra: Any
) -> Response:
    indicators = devicecheck.indicator_info(devicecheck.current_indicators(vault))
    return render(
        request,
        "device.html",
        status_code=status_code,
        title_key="device",
        guide=guide,
        checks=devicecheck.list_checks(vault),
        credit=guide.credit_text(indicators),
        values=extra.pop("values", {}),
        error=extra.pop("error", None),
        hint=extra.pop("hint", None),
        **extra,
    )


@router.get("/device")
def device_page(request: Request, ctx: Case) -> Response:
    return _start_page(request, ctx)


@router.post("/device/check", dependencies=[Depends(require_csrf)])
def run_check(
    request: Request,
    vault: Case,
    serial: Annotated[str, Form()] = "",
    folder: Annotated[str, Form()] = "",
) -> Response:
    try:
        if folder.strip():
            view = devicecheck.check_folder(vault, Path(folder.strip()).expanduser())
        else:
            view = devicecheck.check_phone(vault, serial.strip() or None)
    except SafetrailError as exc:
        return _start_page(
            request,
            vault,
            status_code=400,
            error=exc.message,
            hint=exc.hint,
            values={"serial": serial, "folder": folder},
        )
    return RedirectResponse(f"/device/{view.record.ref}", status_code=303)


@router.get("/device/iphone")
def iphone_page(request: Request) -> Response:
    return render(
        request,
        "device_iphone.html",
        title_key="device",
        questions=iphone.QUESTIONS,
        error=None,
        values={},
    )


@router.post("/device/iphone", dependencies=[Depends(require_csrf)])
async def iphone_save(request: Request, vault: Case) -> Response:
    form = await request.form()
    answers = {q.id: str(form.get(f"q_{q.id}") or "skipped") for q in iphone.QUESTIONS}
    backup = str(form.get("backup") or "").strip()
    try:
        saved = devicecheck.save_iphone_answers(
            vault, answers, Path(backup).expanduser() if backup else None
        )
    except SafetrailError as exc:
        return render(
            request,
            "device_iphone.html",
            status_code=400,
            title_key="device",
            questions=iphone.QUESTIONS,
            error=exc.message,
            hint=exc.hint,
            values={**answers, "backup": backup},
        )
    return RedirectResponse(f"/device/{saved.ref}", status_code=303)


@router.get("/device/{ref}")
def result_page(request: Request, vault: Case, ref: str) -> Response:
    view = devicecheck.get_check(vault, ref)
    help_ = local_help(settings.current(vault).country)
    if view.data.get("platform") == "iphone":
        return render(
            request,
            "device_iphone_result.html",
            title_key="device",
            view=view,
            questions=iphone.QUESTIONS,
            guide=guide,
            help=help_,
            credit=guide.credit_text(view.data.get("indicators", {})),
        )
    return render(
        request,
        "device_result.html",
        title_key="device",
        view=view,
        guide=guide,
        help=help_,
        credit=guide.credit_text(view.data.get("indicators", {})),
        recorded=request.query_params.get("recorded"),
    )


def _finding(vault_view: devicecheck.CheckView, finding_id: str) -> Any:
    found = next((f for f in vault_view.findings if f.id == finding_id), None)
    if found is None:
        raise ValidationError(
            _("This check has no such finding."), _("Go back to the check and choose a finding.")
        )
    return found


@router.get("/device/{ref}/record")
def confirm_page(request: Request, ctx: Case, ref: str, finding: str = "") -> Response:
    view = devicecheck.get_check(ctx, ref)
    return render(
        request,
        "device_confirm.html",
        title_key="device",
        view=view,
        finding=_finding(view, finding),
    )


@router.post("/device/{ref}/record", dependencies=[Depends(require_csrf)])
def record_finding(
    request: Request, vault: Case, ref: str, finding: Annotated[str, Form()] = ""
) -> Response:
    view = devicecheck.get_check(vault, ref)
    incident = devicecheck.record_finding(vault, view.record.ref, _finding(view, finding).id)
    return RedirectResponse(f"/device/{view.record.ref}?recorded={incident.ref}", status_code=303)

"""The import page: bring phone and app exports (messages, call logs) into the log.

Export files are uploaded first, one by one, through ``/evidence/upload``: each is
encrypted into the vault as an exhibit and never written in plaintext. The import then
reads those exhibits back (``evidence_refs``), so the original export stays kept as
evidence whatever happens next.

Reading a large export takes a while, so every import runs as a job in a background
thread (``services/import_jobs.py``): first a preview (nothing is written), then, when the
person agrees, the commit with exactly the same inputs. The job page asks for the job's
JSON twice a second to show progress. Jobs belong to the session of the case (the case
provider's job board): locking the vault stops and forgets them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError, ValidationError
from safetrail.i18n import N_, _
from safetrail.importers.base import Importer
from safetrail.importers.registry import all_importers
from safetrail.services import settings
from safetrail.services.import_jobs import (
    CSV,
    CSV_FIELDS,
    Choices,
    ImportJob,
    people_by_count,
    prepare,
    report_summary,
)
from safetrail.services.imports import mappings
from safetrail.services.imports.report import ImportReport, SourceReport
from safetrail.services.imports.run import list_imports, run_import, undo_import
from safetrail.web.deps import CASE_ROUTES, Case, case_provider, local_time, problem, redirect
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

__all__ = ["ImportJob", "report_summary", "router", "run_import"]

router = APIRouter(dependencies=CASE_ROUTES)
CSRF = [Depends(require_csrf)]

POLL_MS = 500  # how often the job page asks for progress
TOP_UNMATCHED = 10
STATUS_TEXT = {
    "running": N_("Running"),
    "complete": N_("Finished"),
    "cancelled": N_("Stopped before the end"),
    "interrupted": N_("Stopped before the end"),
    "failed": N_("Stopped: the vault could not be written"),
    "undone": N_("Undone"),
}


def _find(request: Request, ctx: CaseContext, job_id: str) -> ImportJob | None:
    return case_provider(request).jobs(ctx).find(job_id)


def _job_gone(request: Request) -> Response:
    return render(
        request,
        "error.html",
        status_code=404,
        title_key="error",
        message=_("This import is no longer shown here."),
        hint=_(
            "Checks and imports are forgotten when SafeTrail locks. Finished imports are "
            "listed on the Import page; a stopped one can be started again from there."
        ),
    )


def _wants_json(request: Request) -> bool:
    return request.headers.get("accept", "").startswith("application/json") or request.headers.get(
        "content-type", ""
    ).startswith("application/json")


async def _fields(request: Request) -> dict[str, list[str]]:
    """The posted fields, from a JSON object (imports.js) or an ordinary form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ValidationError(
                _("The import request was not understood."), _("Reload the page and try again.")
            )
        found: dict[str, list[str]] = {}
        for key, value in body.items():
            values = value if isinstance(value, list) else [value]
            found[str(key)] = [str(v) for v in values if isinstance(v, str | int)]
        return found
    form = await request.form()
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


# -- pages ------------------------------------------------------------------------------


def _status_text(status: str) -> str:
    return _(STATUS_TEXT.get(status, status))


def _translated(text: str) -> str:
    """A label kept untranslated in code (``N_``), translated now. Templates call this, not
    ``_``: Jinja's ``_`` marks its result safe, which is right only for literal strings."""
    return _(text)


def _number(value: int) -> str:
    return f"{value:,}"


def _imports_page(
    request: Request,
    vault: CaseContext,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    importers = all_importers()
    context: dict[str, Any] = {"error": None, "hint": None, "undo_ref": None}
    context.update(extra)
    return render(
        request,
        "imports.html",
        status_code=status_code,
        title_key="imports",
        importers=importers,
        labels=_labels(importers),
        csv_ready=any(i.name == CSV for i in importers),
        csv_fields=CSV_FIELDS,
        saved_mappings=sorted(mappings.saved_mappings(vault)),
        earlier=list_imports(vault),
        jobs=list(reversed(case_provider(request).jobs(vault).jobs())),
        timezone=settings.current(vault).timezone,
        local_time=local_time,
        status_text=_status_text,
        number=_number,
        translated=_translated,
        values=values or {"date_order": "auto"},
        undone=request.query_params.get("undone"),
        **context,
    )


def _labels(importers: tuple[Importer, ...]) -> list[str]:
    seen: list[str] = []
    for importer in importers:
        label = _(importer.label)
        if label not in seen:
            seen.append(label)
    return seen


@router.get("/import")
def import_page(request: Request, ctx: Case) -> Response:
    return _imports_page(request, ctx)


@router.post("/import/jobs", dependencies=CSRF)
async def start_job(request: Request, ctx: Case) -> Response:
    wants_json = _wants_json(request)
    choices = Choices()
    try:
        data = await _fields(request)
        mode = (data.get("mode") or ["preview"])[0]
        if mode not in ("preview", "commit"):
            raise ValidationError(_("The import request was not understood."))
        choices = Choices.read(data)
        choices, options = await run_in_threadpool(prepare, ctx, choices)
        board = case_provider(request).jobs(ctx)
        job = board.start(
            ctx, "commit" if mode == "commit" else "preview", choices, options, run_import
        )
    except SafetrailError as exc:
        message, hint = problem(exc)
        if wants_json:
            return JSONResponse({"error": message, "hint": hint}, status_code=400)
        return await run_in_threadpool(
            lambda: _imports_page(
                request, ctx, 400, values=choices.form_values(), error=message, hint=hint
            )
        )
    if wants_json:
        return JSONResponse({"id": job.id, "url": job.url, "status_url": f"{job.url}.json"})
    return redirect(job.url)


@router.get("/import/jobs/{job_id}.json")
def job_status(request: Request, ctx: Case, job_id: str) -> Response:
    job = _find(request, ctx, job_id)
    if job is None:
        return JSONResponse(
            {"error": _("This import is no longer shown here."), "state": "gone"}, status_code=404
        )
    return JSONResponse(job.snapshot())


@router.get("/import/jobs/{job_id}")
def job_page(request: Request, ctx: Case, job_id: str) -> Response:
    job = _find(request, ctx, job_id)
    if job is None:
        return _job_gone(request)
    snapshot = job.snapshot()
    report = job.report
    return render(
        request,
        "imports_job.html",
        title_key="import_job",
        job=job,
        snap=snapshot,
        report=report,
        sources=_source_views(report),
        people=people_by_count(report) if report else [],
        unmatched=report.unmatched.most_common(TOP_UNMATCHED) if report else [],
        more_unmatched=max(len(report.unmatched) - TOP_UNMATCHED, 0) if report else 0,
        hidden=job.choices.hidden_fields(),
        timezone=settings.current(ctx).timezone,
        local_time=local_time,
        number=_number,
        translated=_translated,
        poll_ms=POLL_MS,
    )


@dataclass(frozen=True)
class SourceView:
    report: SourceReport
    reasons: list[tuple[str, int]]


def _source_views(report: ImportReport | None) -> list[SourceView]:
    if report is None:
        return []
    return [
        SourceView(s, sorted(s.skipped.items(), key=lambda item: (-item[1], item[0])))
        for s in report.sources
    ]


@router.post("/import/jobs/{job_id}/cancel", dependencies=CSRF)
def cancel_job(request: Request, ctx: Case, job_id: str) -> Response:
    job = _find(request, ctx, job_id)
    if job is None:
        if _wants_json(request):
            return JSONResponse({"error": _("This import is no longer shown here.")}, 404)
        return _job_gone(request)
    job.cancel()
    if _wants_json(request):
        return JSONResponse(job.snapshot())
    return redirect(job.url)


@router.post("/import/{ref}/undo", dependencies=CSRF)
def undo(request: Request, ctx: Case, ref: str, reason: Annotated[str, Form()] = "") -> Response:
    try:
        report = undo_import(ctx, ref, reason)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _imports_page(
            request,
            ctx,
            400,
            undo_ref=ref.upper(),
            undo_error=message,
            undo_hint=hint,
            reason=reason,
        )
    return redirect(f"/import?undone={report.ref}")

"""Pages for analysis: the pattern and its signals, charts, the self-check and risk screening."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from safetrail.analysis import charts, risk, self_check
from safetrail.analysis.case import Analysis
from safetrail.analysis.escalation import EVIDENCE_KEPT
from safetrail.analysis.helplines import local_help
from safetrail.analysis.service import (
    assessment,
    assessments,
    risk_questions,
    save_risk,
    save_self_check,
    self_check_for,
)
from safetrail.analysis.text import day_text, weekday_name
from safetrail.case import CaseContext
from safetrail.errors import RecordNotFound, SafetrailError
from safetrail.i18n import _
from safetrail.services.analysis_cache import case_analysis
from safetrail.web.deps import CASE_ROUTES, Case, problem
from safetrail.web.routes.incidents import not_found
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

EVIDENCE_SHOWN = 12  # links shown at once; the rest sit behind a "show all" toggle
BREACHES_SHOWN = 200  # rows on the page; reports list every one


# --- the pattern page --------------------------------------------------------------------


@router.get("/analysis")
def analysis_page(request: Request, vault: Case) -> Response:
    found = case_analysis(vault)
    help_ = local_help(found.facts.country)
    grid = charts.tactic_grid(found)
    return render(
        request,
        "analysis.html",
        title_key="analysis",
        a=found,
        p=found.pattern,
        help=help_,
        grid=grid,
        series=charts.chart_series(found),
        frequency_alt=charts.frequency_alt(found),
        heatmap_alt=charts.heatmap_alt(found),
        tactics_alt=charts.tactics_alt(found),
        day_text=day_text,
        weekday_name=weekday_name,
        shown=EVIDENCE_SHOWN,
        breaches_shown=BREACHES_SHOWN,
        kept=EVIDENCE_KEPT,
        urgent=any(s.urgent for s in found.signals),
    )


_CHARTS: dict[str, Callable[[Analysis], bytes]] = {
    "frequency": charts.frequency_png,
    "heatmap": charts.heatmap_png,
    "tactics": charts.tactics_png,
}


@router.get("/analysis/chart/{name}.png")
def chart(request: Request, ctx: Case, name: str) -> Response:
    draw = _CHARTS.get(name)
    if draw is None:
        return not_found(request, _("There is no chart called {name}.").format(name=name))
    png = draw(case_analysis(ctx))
    return Response(png, media_type="image/png")


# --- "Is this stalking?" --------------------------------------------------------------------


def _check_page(
    request: Request,
    vault: CaseContext,
    status_code: int = 200,
    answers: dict[str, str] | None = None,
    ticked: list[str] | None = None,
    outcome: self_check.CheckResult | None = None,
    saved: str | None = None,
) -> Response:
    check = self_check_for(case_analysis(vault, with_impacts=True))
    if answers is None:
        answers = {q.key: q.suggested or "" for q in check.questions}
    if ticked is None:
        ticked = [t.slug for t in check.tactics if t.count]
    return render(
        request,
        "analysis_check.html",
        status_code=status_code,
        title_key="check",
        check=check,
        answers=answers,
        ticked=ticked,
        outcome=outcome,
        saved=saved,
        help=check.help,
    )


@router.get("/analysis/check")
def check_page(request: Request, ctx: Case) -> Response:
    return _check_page(request, ctx)


@router.post("/analysis/check", dependencies=[Depends(require_csrf)])
async def check_answers(request: Request, ctx: Case) -> Response:
    form = await request.form()
    answers = {key: str(form.get(key, "")) for key, _text, _help in self_check.QUESTIONS}
    ticked = [str(v) for v in form.getlist("tactic")]
    keep = form.get("keep") == "1"

    def work() -> Response:
        vault = ctx
        check = self_check_for(case_analysis(vault, with_impacts=True))
        outcome = self_check.result(check, answers, ticked)
        saved = save_self_check(vault, outcome).ref if keep else None
        return _check_page(request, ctx, 200, answers, list(outcome.tactics), outcome, saved)

    return await run_in_threadpool(work)


# --- risk screening -----------------------------------------------------------------------


def _risk_page(
    request: Request,
    vault: CaseContext,
    status_code: int = 200,
    answers: dict[str, str] | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    found = case_analysis(vault, with_impacts=True)
    questions = risk_questions(found)
    if answers is None:
        answers = {q.key: q.suggested or "" for q in questions}
    return render(
        request,
        "analysis_risk.html",
        status_code=status_code,
        title_key="risk",
        questions=questions,
        sections=[(key, _(label)) for key, label in risk.SECTIONS.items()],
        answers=answers,
        past=list(reversed(assessments(vault))),
        day_text=day_text,
        error=error,
        hint=hint,
    )


@router.get("/analysis/risk")
def risk_page(request: Request, ctx: Case) -> Response:
    return _risk_page(request, ctx)


@router.post("/analysis/risk", dependencies=[Depends(require_csrf)])
async def risk_answers(request: Request, ctx: Case) -> Response:
    form = await request.form()
    answers = {key: str(form.get(key, "")) for key in risk.QUESTIONS}
    answers = {k: v for k, v in answers.items() if v in risk.ANSWERS}

    def work() -> Response:
        vault = ctx
        found = case_analysis(vault, with_impacts=True)
        evidence = {q.key: q.from_log for q in risk_questions(found)}
        try:
            record, _outcome = save_risk(vault, answers, evidence)
        except SafetrailError as exc:
            message, hint = problem(exc)
            return _risk_page(request, ctx, 400, answers, message, hint)
        return RedirectResponse(f"/analysis/risk/{record.ref}?saved=1", status_code=303)

    return await run_in_threadpool(work)


@router.get("/analysis/risk/{ref}")
def risk_result_page(request: Request, vault: Case, ref: str, compare: str = "") -> Response:
    try:
        chosen = assessment(vault, ref)
    except RecordNotFound:
        return not_found(request, _("There is no saved risk check called {ref}.").format(ref=ref))
    history = assessments(vault)
    earlier = [s for s in history if s.ref != chosen.ref and s.recorded_at < chosen.recorded_at]
    other = next((s for s in history if s.ref == compare), None) if compare else None
    if other is None and earlier:
        other = earlier[-1]
    comparison = None
    if other is not None and other.ref != chosen.ref:
        first, second = sorted((other, chosen), key=lambda s: s.recorded_at)
        comparison = (other, risk.compare(first.result, second.result))
    found = case_analysis(vault)
    return render(
        request,
        "analysis_risk_result.html",
        title_key="risk",
        chosen=chosen,
        history=history,
        comparison=comparison,
        help=local_help(found.facts.country),
        saved=request.query_params.get("saved") == "1",
        day_text=day_text,
    )

"""Incident pages: the timeline, the full form, one incident with its history, amend, withdraw."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from safetrail.case import CaseContext
from safetrail.domain import vocab
from safetrail.errors import RecordNotFound, RecordVoided, SafetrailError
from safetrail.i18n import _
from safetrail.services import incidents, places
from safetrail.services.incidents import TimelineQuery
from safetrail.web.deps import CASE_ROUTES, Case, problem
from safetrail.web.incident_form import WITNESS_ROWS, IncidentForm, incident_form
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)


def not_found(request: Request, what: str) -> Response:
    return render(
        request,
        "error.html",
        status_code=404,
        title_key="error",
        message=what,
        hint=_("It may have a different number. You can find everything on the timeline."),
    )


# --- the timeline ------------------------------------------------------------------------


@router.get("/incidents")
def timeline_page(
    request: Request,
    vault: Case,
    since: Annotated[str, Query(alias="from")] = "",
    until: Annotated[str, Query(alias="to")] = "",
    tactic: str = "",
    offender: str = "",
    q: str = "",
    withdrawn: str = "",
    before: str = "",
    after: str = "",
) -> Response:
    filters = {
        "from": since.strip(),
        "to": until.strip(),
        "tactic": tactic.strip(),
        "offender": offender.strip(),
        "q": q.strip(),
        "withdrawn": "1" if withdrawn else "",
    }
    query = TimelineQuery(
        from_day=filters["from"],
        to_day=filters["to"],
        tactic=filters["tactic"],
        offender=filters["offender"],
        text=filters["q"],
        include_voided=bool(withdrawn),
        before=before,
        after=after,
    )
    kept = {key: value for key, value in filters.items() if value}
    try:
        page = incidents.timeline(vault, query)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return render(
            request,
            "incidents.html",
            status_code=400,
            title_key="incidents",
            page=None,
            people=incidents.form_options(vault).people,
            tactics=vocab.TACTICS,
            filters=filters,
            filtered=bool(kept),
            error=message,
            hint=hint,
        )
    return render(
        request,
        "incidents.html",
        title_key="incidents",
        page=page,
        people=page.people,
        tactics=vocab.TACTICS,
        filters=filters,
        filtered=bool(kept.keys() - {"withdrawn"}),
        older_url="/incidents?" + urlencode({**kept, "before": page.older}) if page.older else None,
        newer_url="/incidents?" + urlencode({**kept, "after": page.newer}) if page.newer else None,
        newest_url="/incidents?" + urlencode(kept) if (before or after) else None,
        error=None,
    )


# --- the full form -----------------------------------------------------------------------


def _form_page(
    request: Request,
    ctx: CaseContext,
    template: str,
    title_key: str,
    values: dict[str, Any],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    options = incidents.form_options(ctx)
    return render(
        request,
        template,
        status_code=status_code,
        title_key=title_key,
        values=values,
        witness_rows=max(WITNESS_ROWS, len(values.get("witnesses", [])) + 1),
        people=options.people,
        timezone=options.timezone,
        tactics=vocab.TACTICS,
        channels=vocab.CHANNELS,
        impacts=vocab.IMPACTS,
        fear_levels=[(level, _(label)) for level, label in vocab.FEAR_LEVELS.items()],
        **extra,
    )


@router.get("/incidents/new")
def new_incident_page(request: Request, ctx: Case) -> Response:
    return _form_page(request, ctx, "incident_new.html", "incident_new", IncidentForm().values())


@router.post("/incidents/new", dependencies=[Depends(require_csrf)])
def new_incident(
    request: Request, vault: Case, form: Annotated[IncidentForm, Depends(incident_form)]
) -> Response:
    try:
        record = incidents.record_incident(vault, form.to_input())
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _form_page(
            request,
            vault,
            "incident_new.html",
            "incident_new",
            form.values(),
            status_code=400,
            error=message,
            hint=hint,
        )
    return RedirectResponse(f"/incidents/{record.ref}?done=saved", status_code=303)


# --- one incident ------------------------------------------------------------------------


@router.get("/incidents/{ref}")
def incident_page(request: Request, vault: Case, ref: str, done: str = "") -> Response:
    try:
        detail = incidents.incident_detail(vault, ref)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    _ref, own_places = places.places_near_incident(vault, detail.record.ref)
    return render(
        request,
        "incident_detail.html",
        title_key="incident",
        detail=detail,
        record=detail.record,
        data=detail.record.data,
        done=done,
        own_places=own_places,
    )


@router.get("/incidents/{ref}/amend")
def amend_page(request: Request, vault: Case, ref: str) -> Response:
    try:
        values = incidents.form_values(vault, ref)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    return _form_page(
        request, vault, "incident_amend.html", "amend", values, ref=values["ref"], reason=""
    )


@router.post("/incidents/{ref}/amend", dependencies=[Depends(require_csrf)])
def amend(
    request: Request,
    vault: Case,
    ref: str,
    form: Annotated[IncidentForm, Depends(incident_form)],
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        record = incidents.replace_incident(vault, ref, form.to_input(), reason)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _form_page(
            request,
            vault,
            "incident_amend.html",
            "amend",
            {**form.values(), "voided": isinstance(exc, RecordVoided)},
            status_code=400,
            ref=ref,
            reason=reason,
            error=message,
            hint=hint,
        )
    return RedirectResponse(f"/incidents/{record.ref}?done=amended", status_code=303)


@router.get("/incidents/{ref}/void")
def void_page(request: Request, vault: Case, ref: str) -> Response:
    try:
        detail = incidents.incident_detail(vault, ref)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    return render(
        request, "incident_void.html", title_key="void", detail=detail, reason="", error=None
    )


@router.post("/incidents/{ref}/void", dependencies=[Depends(require_csrf)])
def void(request: Request, vault: Case, ref: str, reason: Annotated[str, Form()] = "") -> Response:
    try:
        record = incidents.withdraw_incident(vault, ref, reason)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return render(
            request,
            "incident_void.html",
            status_code=400,
            title_key="void",
            detail=incidents.incident_detail(vault, ref),
            reason=reason,
            error=message,
            hint=hint,
        )
    return RedirectResponse(f"/incidents/{record.ref}?done=withdrawn", status_code=303)

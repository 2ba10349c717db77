"""Help and contacts: helplines and services for a country and region, and the person's
own list of contacts (advocates, lawyers, police officers...)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.errors import RecordNotFound, SafetrailError
from safetrail.i18n import _
from safetrail.services import plan_pages, planning
from safetrail.services.plan_pages import EMPTY_CONTACT
from safetrail.web.deps import CASE_ROUTES, Case, not_found_page, notice, redirect
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)
CSRF = [Depends(require_csrf)]
ContactField = Annotated[str, Form()]


def _resources_page(
    request: Request, ctx: CaseContext, status_code: int = 200, **extra: Any
) -> Response:
    query = request.query_params
    data = plan_pages.resources_data(ctx, query.get("country"), query.get("region"))
    context: dict[str, Any] = {
        "contact": dict(EMPTY_CONTACT),
        "contact_error": None,
        "region_error": None,
        **extra,
    }
    return render(
        request,
        "resources.html",
        status_code=status_code,
        title_key="resources",
        roles=list(planning.CONTACT_ROLES),
        role_label=planning.role_label,
        saved=notice(request),
        **data,
        **context,
    )


@router.get("/resources")
def resources_page(request: Request, ctx: Case) -> Response:
    return _resources_page(request, ctx)


@router.post("/resources/region", dependencies=CSRF)
def remember_region(request: Request, ctx: Case, region: Annotated[str, Form()] = "") -> Response:
    try:
        planning.save_region(ctx, region)
    except SafetrailError as exc:
        return _resources_page(request, ctx, 400, region_error=exc.message)
    return redirect("/resources?saved=region")


def _contact(name: str, role: str, phone: str, other: str, notes: str) -> planning.ContactInput:
    return planning.ContactInput(name=name, role=role, phone=phone, other=other, notes=notes)


@router.post("/resources/contacts", dependencies=CSRF)
def add_contact(
    request: Request,
    ctx: Case,
    name: ContactField = "",
    role: ContactField = "",
    phone: ContactField = "",
    other: ContactField = "",
    notes: ContactField = "",
) -> Response:
    try:
        record = planning.add_contact(ctx, _contact(name, role, phone, other, notes))
    except SafetrailError as exc:
        values = {"name": name, "role": role, "phone": phone, "other": other, "notes": notes}
        return _resources_page(
            request, ctx, 400, contact=values, contact_error=exc.message, contact_hint=exc.hint
        )
    return redirect(f"/resources?saved={record.ref}#contacts")


def _no_contact(request: Request) -> Response:
    return not_found_page(
        request, _("We could not find that contact."), _("Your contacts are on the Help page.")
    )


def _contact_page(
    request: Request,
    ctx: CaseContext,
    ref: str,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    found = plan_pages.find_contact(ctx, ref)
    if found is None:
        return _no_contact(request)
    return render(
        request,
        "resources_contact.html",
        status_code=status_code,
        title_key="resources",
        record=found,
        contact=values or plan_pages.contact_values(found),
        roles=list(planning.CONTACT_ROLES),
        role_label=planning.role_label,
        error=error,
        hint=hint,
    )


@router.get("/resources/contacts/{ref}")
def contact_page(request: Request, ctx: Case, ref: str) -> Response:
    return _contact_page(request, ctx, ref)


@router.post("/resources/contacts/{ref}", dependencies=CSRF)
def update_contact(
    request: Request,
    ctx: Case,
    ref: str,
    name: ContactField = "",
    role: ContactField = "",
    phone: ContactField = "",
    other: ContactField = "",
    notes: ContactField = "",
) -> Response:
    try:
        planning.update_contact(ctx, ref, _contact(name, role, phone, other, notes))
    except SafetrailError as exc:
        values = {"name": name, "role": role, "phone": phone, "other": other, "notes": notes}
        return _contact_page(request, ctx, ref, 400, values, exc.message, exc.hint)
    return redirect("/resources?saved=contact#contacts")


@router.post("/resources/contacts/{ref}/remove", dependencies=CSRF)
def remove_contact(request: Request, ctx: Case, ref: str) -> Response:
    try:
        planning.remove_contact(ctx, ref)
    except RecordNotFound:
        return _no_contact(request)
    return redirect("/resources?saved=removed#contacts")

"""People pages: the list, the form to add someone, and one person's profile."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.errors import RecordNotFound, SafetrailError
from safetrail.i18n import _
from safetrail.services import people
from safetrail.services.people import PersonInput, Vehicle
from safetrail.web.deps import CASE_ROUTES, Case, problem
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

EMPTY_FORM = {
    "name": "",
    "other_names": "",
    "relationship": "",
    "role": "offender",
    "identifiers": "",
    "vehicles": "",
    "notes": "",
    "photo": "",
}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _vehicle(line: str) -> Vehicle:
    description, _sep, plate = line.partition(",")
    return Vehicle(description.strip(), plate.strip() or None)


@router.get("/people")
def people_page(request: Request, vault: Case) -> Response:
    return render(
        request,
        "people.html",
        title_key="people",
        found=people.list_people(vault),
        role_label=people.role_label,
    )


def _form(
    request: Request, values: dict[str, str], status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "person_new.html",
        status_code=status_code,
        title_key="people",
        values=values,
        roles=[(role, people.role_label(role)) for role in people.ROLES],
        **extra,
    )


@router.get("/people/new")
def new_person_page(request: Request) -> Response:
    return _form(request, dict(EMPTY_FORM))


@router.post("/people/new", dependencies=[Depends(require_csrf)])
def new_person(
    request: Request,
    vault: Case,
    name: Annotated[str, Form()] = "",
    other_names: Annotated[str, Form()] = "",
    relationship: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "offender",
    identifiers: Annotated[str, Form()] = "",
    vehicles: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    photo: Annotated[str, Form()] = "",
) -> Response:
    given = PersonInput(
        names=[name, *_lines(other_names)],
        relationship=relationship,
        role=role,
        identifiers=_lines(identifiers),
        vehicles=[_vehicle(line) for line in _lines(vehicles)],
        notes=notes,
        photo_evidence=photo.strip() or None,
    )
    try:
        record = people.add_person(vault, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        values = {
            "name": name,
            "other_names": other_names,
            "relationship": relationship,
            "role": role,
            "identifiers": identifiers,
            "vehicles": vehicles,
            "notes": notes,
            "photo": photo,
        }
        return _form(request, values, status_code=400, error=message, hint=hint)
    return RedirectResponse(f"/people/{record.ref}?done=saved", status_code=303)


@router.get("/people/{ref}")
def person_page(request: Request, vault: Case, ref: str, done: str = "") -> Response:
    try:
        profile = people.person_profile(vault, ref)
    except RecordNotFound:
        return render(
            request,
            "error.html",
            status_code=404,
            title_key="error",
            message=_("We could not find that person."),
            hint=_("They may have a different number. The People page lists everyone."),
        )
    return render(
        request,
        "person.html",
        title_key="person",
        profile=profile,
        record=profile.record,
        data=profile.record.data,
        done=done,
    )

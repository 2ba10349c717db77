"""Home (the case at a glance) and quick capture."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.domain import vocab
from safetrail.domain.when import OccurredAt
from safetrail.errors import SafetrailError
from safetrail.planning.emergency import emergency_for
from safetrail.services import incidents, summary
from safetrail.services.incidents import IncidentFilter
from safetrail.web.deps import CASE_ROUTES, Case
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)


def when_text(data: dict[str, object]) -> str:
    return OccurredAt.from_json(data["occurred"]).display()  # type: ignore[arg-type]


@router.get("/")
def home(request: Request, vault: Case) -> Response:
    case = summary.summarise(vault)
    latest, _total = incidents.list_incidents(vault, IncidentFilter(limit=5))
    return render(
        request,
        "home.html",
        title_key="home",
        case=case,
        latest=latest,
        when_text=when_text,
        emergency=emergency_for(case.country),
        saved=request.query_params.get("saved"),
    )


@router.get("/capture")
def capture_page(request: Request) -> Response:
    return render(
        request, "capture.html", title_key="capture", tactics=vocab.TACTICS, error=None, values={}
    )


@router.post("/capture", dependencies=[Depends(require_csrf)])
def capture(
    request: Request,
    vault: Case,
    what: Annotated[str, Form()] = "",
    when: Annotated[str, Form()] = "",
    tactic: Annotated[str, Form()] = "",
) -> Response:
    try:
        record = incidents.quick_incident(vault, what, when or "now", tactic or None)
    except SafetrailError as exc:
        return render(
            request,
            "capture.html",
            status_code=400,
            title_key="capture",
            tactics=vocab.TACTICS,
            error=exc.message,
            hint=exc.hint,
            values={"what": what, "when": when, "tactic": tactic},
        )
    return RedirectResponse(f"/?saved={record.ref}", status_code=303)

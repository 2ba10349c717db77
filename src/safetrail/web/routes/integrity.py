"""Integrity: check the whole record (ledger chain, every version, every evidence file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from safetrail.services import settings
from safetrail.services.verify import VerifyReport, verify
from safetrail.web.routes.evidence import local_time
from safetrail.web.routes.home import current_vault
from safetrail.web.security import require_csrf
from safetrail.web.state import AppState
from safetrail.web.templating import render

router = APIRouter()


@dataclass(frozen=True)
class LastCheck:
    """The latest check of this unlocked session (forgotten at lock: a new session)."""

    session: str | None
    at: datetime
    ok: bool
    problems: int
    head_hash: str


def _last_check(request: Request) -> LastCheck | None:
    state: AppState = request.app.state.safetrail
    found: LastCheck | None = getattr(request.app.state, "integrity_last_check", None)
    return found if found is not None and found.session == state.session_token else None


def _when(request: Request, last: LastCheck | None) -> str:
    if last is None:
        return ""
    return local_time(last.at.isoformat(), settings.current(current_vault(request)).timezone)


@router.get("/integrity")
def integrity_page(request: Request) -> Response:
    checkpoint = current_vault(request).read_checkpoint()
    last = _last_check(request)
    return render(
        request,
        "integrity.html",
        title_key="integrity",
        checkpoint=checkpoint,
        last=last,
        checked_at=_when(request, last),
        report=None,
    )


@router.post("/integrity", dependencies=[Depends(require_csrf)])
def integrity_check(request: Request) -> Response:
    state: AppState = request.app.state.safetrail
    report: VerifyReport = verify(current_vault(request))
    last = LastCheck(
        state.session_token,
        datetime.now(UTC),
        report.ok,
        len(report.problems),
        report.head_hash,
    )
    request.app.state.integrity_last_check = last
    return render(
        request,
        "integrity.html",
        title_key="integrity",
        checkpoint=None,
        last=last,
        checked_at=_when(request, last),
        report=report,
    )

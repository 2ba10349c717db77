"""Integrity: check the whole record (ledger chain, every version, every evidence file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from safetrail.case import CaseContext
from safetrail.services import settings
from safetrail.services.verify import VerifyReport, verify
from safetrail.web.deps import CASE_ROUTES, Case, local_time
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)
LAST_CHECK = "integrity_last_check"  # key in the case's cache (dropped when the case closes)


@dataclass(frozen=True)
class LastCheck:
    """The latest check of this open case (forgotten at lock: the next unlock is a new one)."""

    at: datetime
    ok: bool
    problems: int
    head_hash: str


def _last_check(ctx: CaseContext) -> LastCheck | None:
    found = ctx.cache.get(LAST_CHECK)
    return found if isinstance(found, LastCheck) else None


def _page(
    request: Request, ctx: CaseContext, last: LastCheck | None, report: VerifyReport | None
) -> Response:
    when = "" if last is None else local_time(last.at.isoformat(), settings.current(ctx).timezone)
    return render(
        request,
        "integrity.html",
        title_key="integrity",
        checkpoint=ctx.read_checkpoint() if report is None else None,
        last=last,
        checked_at=when,
        report=report,
    )


@router.get("/integrity")
def integrity_page(request: Request, ctx: Case) -> Response:
    return _page(request, ctx, _last_check(ctx), None)


@router.post("/integrity", dependencies=[Depends(require_csrf)])
def integrity_check(request: Request, ctx: Case) -> Response:
    report = verify(ctx)
    last = LastCheck(datetime.now(UTC), report.ok, len(report.problems), report.head_hash)
    ctx.cache[LAST_CHECK] = last
    return _page(request, ctx, last, report)

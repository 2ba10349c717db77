"""Imported messages and calls: read, search and filter them, threatening ones marked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from safetrail.errors import SafetrailError
from safetrail.services import message_log
from safetrail.web.deps import CASE_ROUTES, Case
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

Text = Annotated[str, Query(max_length=message_log.MAX_QUERY)]


@router.get("/messages")
def messages_page(
    request: Request,
    ctx: Case,
    q: Text = "",
    person: Text = "",
    channel: Text = "",
    direction: Text = "",
    kind: Text = "",
    since: Text = "",
    until: Text = "",
    flagged: Text = "",
    page: Text = "1",
) -> Response:
    given = message_log.MessageFilter(
        text=q,
        person=person,
        channel=channel,
        direction=direction,
        kind=kind,
        since=since,
        until=until,
        flagged_only=flagged == "1",
        page=int(page) if page.isascii() and page.isdigit() and len(page) < 8 else 1,
    )
    error = None
    try:
        found = message_log.browse(ctx, given)
    except SafetrailError as exc:
        error = exc
        found = message_log.MessagePage([], 0, 1, False)
    return render(
        request,
        "messages.html",
        status_code=400 if error else 200,
        title_key="messages",
        given=given,
        found=found,
        error=error,
        query=_query(given),
    )


def _query(given: message_log.MessageFilter) -> str:
    """The filter as a query string without the page (for the next/previous links)."""
    from urllib.parse import urlencode

    pairs = {
        "q": given.text,
        "person": given.person,
        "channel": given.channel,
        "direction": given.direction,
        "kind": given.kind,
        "since": given.since,
        "until": given.until,
        "flagged": "1" if given.flagged_only else "",
    }
    return urlencode({k: v for k, v in pairs.items() if v})

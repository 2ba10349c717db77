"""The open acknowledgement pages for trusted contacts (``/ack/…``).

They work while the vault is locked, show nothing but a thank-you, and answer the same
whether or not a token is real (see ``safetrail.checkins.acks``). They are not case
routes: what a contact sends is handed to the case provider, which keeps it for the
check-in runner.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, Response

from safetrail.checkins.acks import TOKEN_SHAPE, find_code, parse_code
from safetrail.web.deps import case_provider
from safetrail.web.templating import env

router = APIRouter()

# -- acknowledgement pages for contacts: open, locked or not ---------------------------------------


def _open_page(request: Request, **context: Any) -> HTMLResponse:
    """Rendered for someone without a session: from nothing but ``context`` (no session
    token, no menu, nothing of the vault), and the same for every token."""
    return HTMLResponse(env.get_template("ack.html").render(**context))


def _inbox_submit(request: Request, kind: str, text: str) -> None:
    case_provider(request).acknowledge(kind, text)


@router.get("/ack/")
def ack_code_page(request: Request) -> Response:
    return _open_page(request, stage="code", error=None)


@router.post("/ack/")
def ack_code(request: Request, code: Annotated[str, Form()] = "") -> Response:
    canonical = parse_code(code)
    if canonical is None:
        # Only the check symbol was consulted: this says nothing about which codes exist.
        return _open_page(request, stage="code", error=True)
    _inbox_submit(request, "code", canonical)
    return _open_page(request, stage="thanks", error=None)


@router.post("/ack/reply")
async def ack_reply(request: Request) -> Response:
    """For SMS providers that forward replies: finds a reply code in the text, if any."""
    text = ""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = {}
        if isinstance(body, dict):
            text = " ".join(str(body.get(k, "")) for k in ("Body", "body", "text", "message"))
    else:
        form = await request.form()
        text = " ".join(str(form.get(k, "")) for k in ("Body", "body", "text", "message"))
    found = find_code(text)
    if found:
        _inbox_submit(request, "code", found)
    return Response(status_code=204)


@router.get("/ack/{token}")
def ack_link_page(request: Request, token: str) -> Response:
    # A button, not an automatic acknowledgement: mail scanners open links by themselves.
    return _open_page(request, stage="confirm", token=token, error=None)


@router.post("/ack/{token}")
def ack_link(request: Request, token: str) -> Response:
    if TOKEN_SHAPE.match(token):
        _inbox_submit(request, "link", token)
    return _open_page(request, stage="thanks", error=None)

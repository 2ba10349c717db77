"""Jinja2 templates with autoescaping and gettext, shared by every route."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from safetrail import i18n
from safetrail.web.security import PageToken

TEMPLATES = Path(__file__).with_name("templates")

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
# The callables read the request's language (a context variable) each time they run, so one
# environment serves every request in its own language.
env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=i18n._, ngettext=i18n.ngettext, newstyle=True
)
env.globals.update(
    lang=i18n.current_language,
    format_day=i18n.format_day,
    format_iso_day=i18n.format_iso_day,
    format_datetime=i18n.format_datetime,
    format_number=i18n.format_number,
    languages=i18n.LANGUAGES,
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    cases = request.app.state.cases  # the session's token and settings, never the process's
    page = env.get_template(name).render(
        request=request,
        csrf=cases.csrf_token(request),
        pre_token=PageToken(request),
        **cases.page_context(request),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)

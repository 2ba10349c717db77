"""Permitted contact arrangements (with suggestions to confirm) and the lookout sheet form."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from safetrail.case import CaseContext
from safetrail.errors import SafetrailError, ValidationError
from safetrail.i18n import LANGUAGES, _, use_language
from safetrail.reports.lookout import LookoutInput, build_lookout, record_lookout
from safetrail.services import arrangement_review, arrangements, settings
from safetrail.services.arrangements import ArrangementInput
from safetrail.services.evidence import list_evidence
from safetrail.services.people import person_choices
from safetrail.web.deps import CASE_ROUTES, Case, problem
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

FIELDS = ("person", "channels", "windows", "about", "children", "place", "source", "order")
FIELDS_MORE = ("starts_on", "ends_on")
LOOKOUT_FIELDS = (
    "person",
    "photo",
    "vehicle_photo",
    "description",
    "contact",
    "note",
    "given_to",
    "given_on",
    "language",
)

Text = Annotated[str, Form()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",\n", "\n").splitlines() if line.strip()]


def _page(request: Request, vault: CaseContext, status_code: int = 200, **extra: Any) -> Response:
    values = extra.pop("values", None) or {k: "" for k in (*FIELDS, *FIELDS_MORE)}
    return render(
        request,
        "arrangements.html",
        status_code=status_code,
        title_key="arrangements",
        views=arrangements.arrangement_views(vault),
        suggestions=arrangement_review.suggest(vault),
        people=person_choices(vault),
        values=values,
        saved=request.query_params.get("saved", ""),
        marked=request.query_params.get("marked", ""),
        **extra,
    )


@router.get("/arrangements")
def arrangements_page(request: Request, ctx: Case) -> Response:
    return _page(request, ctx)


@router.post("/arrangements", dependencies=[Depends(require_csrf)])
def add_arrangement(
    request: Request,
    ctx: Case,
    person: Text = "",
    channels: Text = "",
    windows: Text = "",
    about: Text = "",
    children: Text = "",
    place: Text = "",
    source: Text = "agreement",
    order: Text = "",
    starts_on: Text = "",
    ends_on: Text = "",
) -> Response:
    given = ArrangementInput(
        person=person,
        channels=_lines(channels),
        windows=_lines(windows),
        about=about,
        children=[c.strip() for c in children.split(",") if c.strip()],
        place=place,
        source=source,
        order=order.strip() or None,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    try:
        if not person:
            raise ValidationError(_("Choose who the arrangement is with."))
        record = arrangements.add_arrangement(ctx, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        values = dict(
            zip(
                FIELDS,
                (person, channels, windows, about, children, place, source, order),
                strict=True,
            )
        )
        values.update(starts_on=starts_on, ends_on=ends_on)
        return _page(request, ctx, 400, values=values, error=message, hint=hint)
    return RedirectResponse(f"/arrangements?saved={record.ref}#list", status_code=303)


@router.post("/arrangements/marks", dependencies=[Depends(require_csrf)])
async def confirm_marks(request: Request, vault: Case) -> Response:
    """Confirm the ticked suggestions (``pick`` = "AR-001|C-12"), or mark typed references."""
    form = await request.form()
    reason = str(form.get("reason") or "").strip()
    picks = [str(v) for v in form.getlist("pick")]
    typed = [r for r in str(form.get("refs") or "").replace(",", " ").split() if r]
    target = str(form.get("arrangement") or "").strip()
    groups: dict[str | None, list[str]] = {}
    for pick in picks:
        chosen, _sep, item = pick.partition("|")
        groups.setdefault(chosen, []).append(item)
    if typed:
        groups.setdefault(None if target == "outside" else target or None, []).extend(typed)
    try:
        if not groups:
            raise ValidationError(
                _("Nothing was chosen, so nothing was marked."),
                _("Tick the messages that fell inside the arrangement, then confirm."),
            )
        count = 0
        for group, items in groups.items():
            if group is None and target != "outside":
                raise ValidationError(_("Choose the arrangement, or say the records are outside."))
            saved = arrangements.mark(
                vault,
                items,
                group,
                reason or _("confirmed from the suggestions"),
                suggested=bool(picks),
            )
            count += len(saved)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _page(request, vault, 400, mark_error=message, mark_hint=hint)
    return RedirectResponse(f"/arrangements?marked={count}#review", status_code=303)


@router.post("/arrangements/{ref}/end", dependencies=[Depends(require_csrf)])
def end_arrangement(
    request: Request, ctx: Case, ref: str, ends_on: Text = "", reason: Text = ""
) -> Response:
    try:
        record = arrangements.end_arrangement(ctx, ref, ends_on, reason)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _page(request, ctx, 400, error=message, hint=hint)
    return RedirectResponse(f"/arrangements?saved={record.ref}#list", status_code=303)


# --- the lookout sheet ---------------------------------------------------------------------


def _lookout_page(
    request: Request, vault: CaseContext, status_code: int = 200, **extra: Any
) -> Response:
    photos = [
        r for r in list_evidence(vault) if str(r.data.get("media_type") or "").startswith("image/")
    ]
    values = extra.pop("values", None) or {k: "" for k in LOOKOUT_FIELDS}
    return render(
        request,
        "lookout.html",
        status_code=status_code,
        title_key="lookout",
        people=person_choices(vault),
        photos=photos,
        languages=list(LANGUAGES.items()),
        values=values,
        **extra,
    )


@router.get("/lookout")
def lookout_page(request: Request, ctx: Case) -> Response:
    return _lookout_page(request, ctx)


@router.post("/lookout", dependencies=[Depends(require_csrf)])
def make_lookout(
    request: Request,
    vault: Case,
    person: Text = "",
    photo: Text = "",
    vehicle_photo: Text = "",
    description: Text = "",
    contact: Text = "",
    note: Text = "",
    given_to: Text = "",
    given_on: Text = "",
    language: Text = "",
) -> Response:
    values = dict(
        zip(
            LOOKOUT_FIELDS,
            (
                person,
                photo,
                vehicle_photo,
                description,
                contact,
                note,
                given_to,
                given_on,
                language,
            ),
            strict=True,
        )
    )
    try:
        if not person:
            raise ValidationError(_("Choose the person the sheet is about."))
        try:
            day = date.fromisoformat(given_on) if given_on else None
        except ValueError:
            raise ValidationError(_("The date must look like 2026-08-03.")) from None
        given = LookoutInput(
            person,
            given_to,
            photo or None,
            vehicle_photo or None,
            description,
            contact,
            note,
            day,
        )
        with use_language(settings.validate_language(language) if language else None):
            sheet = build_lookout(vault, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _lookout_page(request, vault, 400, values=values, error=message, hint=hint)
    record_lookout(vault, sheet, sheet.file_name, given)
    return Response(
        sheet.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{sheet.file_name}"'},
    )

"""Planning pages: the safety plan builder, protective orders, help and contacts, guidance,
and the no-contact notice helper.

Every page needs the unlocked vault (the security middleware sends anyone else to the
unlock page). The guidance page for friends and family is shared as a PDF download
that names neither the person nor SafeTrail, so nothing here is served while locked.

Forms post back to the page they came from; a form with a problem is shown again with
everything that was typed still in it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from safetrail.errors import RecordNotFound, SafetrailError, ValidationError
from safetrail.i18n import _
from safetrail.planning import checklist, guidance, notice
from safetrail.planning import plan as model
from safetrail.planning import resources as dataset
from safetrail.planning.emergency import emergency_for
from safetrail.reports.lookout import lookout_copies
from safetrail.services import events, evidence, planning, settings
from safetrail.services.arrangements import arrangement_views
from safetrail.services.events import BreachInput, NoticeInput, OrderChanges
from safetrail.services.people import person_choices
from safetrail.services.vault import Vault
from safetrail.web.routes.home import current_vault
from safetrail.web.routes.incidents import problem
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter()
CSRF = [Depends(require_csrf)]
BLANK_ROWS = 3
_T = TypeVar("_T")


def _not_found(request: Request, message: str, hint: str) -> Response:
    return render(
        request, "error.html", status_code=404, title_key="error", message=message, hint=hint
    )


def _pdf(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _form(request: Request) -> FormData:
    return await request.form()


def _texts(form: FormData, key: str) -> list[str]:
    return [v for v in form.getlist(key) if isinstance(v, str)]


def _rows(form: FormData, keys: Sequence[str]) -> list[dict[str, str]]:
    """Repeated fields (one list per key, same length) as rows."""
    columns = {key: _texts(form, key) for key in keys}
    length = max((len(v) for v in columns.values()), default=0)
    return [
        {key: (columns[key][i] if i < len(columns[key]) else "") for key in keys}
        for i in range(length)
    ]


async def _call(function: Callable[..., _T], *args: Any) -> _T:
    return await run_in_threadpool(function, *args)


# --- the plan overview ---------------------------------------------------------------------


def _plan_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    vault = current_vault(request)
    view = planning.current_plan(vault)
    today = planning.today(vault)
    context: dict[str, Any] = {
        "review_value": view.review_on or model.suggested_review_date(today),
        "review_error": None,
        "review_hint": None,
    }
    context.update(extra)
    return render(
        request,
        "plan.html",
        status_code=status_code,
        title_key="plan",
        view=view,
        sections=view.sections(),
        bag=view.go_bag(),
        review_due=view.review_due(today),
        reminders=events.order_reminders(vault, today),
        orders=events.overview(vault, today).orders,
        arrangements=arrangement_views(vault),
        history=planning.plan_history(vault)[:3],
        saved=request.query_params.get("saved", ""),
        emergency=emergency_for(settings.current(vault).country),
        **context,
    )


@router.get("/plan")
def plan_page(request: Request) -> Response:
    return _plan_page(request)


@router.post("/plan/review", dependencies=CSRF)
def save_review(request: Request, review_on: Annotated[str, Form()] = "") -> Response:
    try:
        planning.save_review_date(current_vault(request), review_on)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _plan_page(
            request, 400, review_value=review_on, review_error=message, review_hint=hint
        )
    return RedirectResponse("/plan?saved=review_on#review", status_code=303)


# --- one section ---------------------------------------------------------------------------


def _section_page(
    request: Request,
    section: model.Section,
    status_code: int = 200,
    form: FormData | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    view = planning.current_plan(current_vault(request))
    stored = (view.data["sections"].get(section.id) or {}).get("choices") or {}
    items = []
    for suggestion in section.suggestions:
        chosen = stored.get(suggestion.id) or {}
        state = chosen.get("state", "")
        text = chosen.get("text") or suggestion.text_now()
        if form is not None:
            state = str(form.get(f"s-{suggestion.id}") or "")
            text = str(form.get(f"t-{suggestion.id}") or text)
        items.append(
            {
                "id": suggestion.id,
                "state": state,
                "text": text,
                "edited": text != suggestion.text_now(),
            }
        )
    own = (
        _texts(form, "own")
        if form is not None
        else list((view.data["sections"].get(section.id) or {}).get("own") or [])
    )
    own = [o for o in own if o.strip()] + [""] * BLANK_ROWS
    return render(
        request,
        "plan_section.html",
        status_code=status_code,
        title_key="plan",
        section=section,
        items=items,
        own=own,
        error=error,
        hint=hint,
    )


def _known_section(section_id: str) -> model.Section | None:
    return next((s for s in model.SECTIONS if s.id == section_id), None)


@router.get("/plan/section/{section_id}")
def section_page(request: Request, section_id: str) -> Response:
    section = _known_section(section_id)
    if section is None:
        return _not_found(
            request, _("There is no such part of the plan."), _("Go back to your plan.")
        )
    return _section_page(request, section)


@router.post("/plan/section/{section_id}", dependencies=CSRF)
async def save_section_page(request: Request, section_id: str) -> Response:
    section = _known_section(section_id)
    if section is None:
        return _not_found(
            request, _("There is no such part of the plan."), _("Go back to your plan.")
        )
    form = await _form(request)
    choices = {
        s.id: model.Choice(str(form.get(f"s-{s.id}") or ""), str(form.get(f"t-{s.id}") or ""))
        for s in section.suggestions
    }
    try:
        await _call(
            planning.save_section, current_vault(request), section.id, choices, _texts(form, "own")
        )
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _section_page(request, section, 400, form, message, hint)
    return RedirectResponse(f"/plan?saved={section.id}#{section.id}", status_code=303)


# --- rows: if-then, ways out, trusted people -----------------------------------------------

ROW_PAGES: dict[str, tuple[str, tuple[str, ...], str, int]] = {
    # url part: (plan key, form fields, saver name, blank rows)
    "if-then": ("contingencies", ("if", "then"), "save_contingencies", BLANK_ROWS),
    "ways-out": ("escape_routes", ("place", "route", "go_to"), "save_escape_routes", 2),
    "people": ("trusted_people", model.TRUSTED_FIELDS, "save_trusted_people", 2),
}


def _rows_page(
    request: Request,
    page: str,
    status_code: int = 200,
    rows: list[dict[str, str]] | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    key, fields, _saver, blanks = ROW_PAGES[page]
    if rows is None:
        rows = [dict(r) for r in planning.current_plan(current_vault(request)).data[key]]
    rows = [r for r in rows if any(v.strip() for v in r.values())]
    rows += [dict.fromkeys(fields, "") for _ in range(blanks)]
    return render(
        request,
        f"plan_{key}.html",
        status_code=status_code,
        title_key="plan",
        rows=rows,
        examples=[_(e) for e in model.CONTINGENCY_EXAMPLES],
        circles=[(key, _(label)) for key, label in model.CIRCLES.items()],
        copies=lookout_copies(current_vault(request)) if key == "trusted_people" else [],
        error=error,
        hint=hint,
    )


def _row_routes(page: str) -> None:
    key, fields, saver_name, _blanks = ROW_PAGES[page]
    saver = getattr(planning, saver_name)

    @router.get(f"/plan/{page}", name=f"plan_{key}")
    def show(request: Request) -> Response:
        return _rows_page(request, page)

    @router.post(f"/plan/{page}", dependencies=CSRF, name=f"save_plan_{key}")
    async def save(request: Request) -> Response:
        rows = _rows(await _form(request), fields)
        try:
            await _call(saver, current_vault(request), rows)
        except SafetrailError as exc:
            message, hint = problem(exc)
            return _rows_page(request, page, 400, rows, message, hint)
        return RedirectResponse(f"/plan?saved={key}#{key}", status_code=303)


for _page in ROW_PAGES:
    _row_routes(_page)


# --- the go-bag -----------------------------------------------------------------------------


def _bag_page(
    request: Request,
    status_code: int = 200,
    form: FormData | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    view = planning.current_plan(current_vault(request))
    suggested = []
    for item in model.GO_BAG:
        chosen = view.data["go_bag"]["choices"].get(item.id) or {}
        state = str(form.get(f"bag-{item.id}") or "") if form else chosen.get("state", "")
        suggested.append(
            {"id": item.id, "text": chosen.get("text") or item.text_now(), "state": state}
        )
    if form is not None:
        own = _rows(form, ("item", "state"))
    else:
        own = [{"item": r["item"], "state": r["state"]} for r in view.data["go_bag"]["own"]]
    own = [r for r in own if r["item"].strip()] + [{"item": "", "state": "to_pack"}] * BLANK_ROWS
    return render(
        request,
        "plan_go_bag.html",
        status_code=status_code,
        title_key="plan",
        suggested=suggested,
        own=own,
        error=error,
        hint=hint,
    )


@router.get("/plan/go-bag")
def go_bag_page(request: Request) -> Response:
    return _bag_page(request)


@router.post("/plan/go-bag", dependencies=CSRF)
async def save_go_bag(request: Request) -> Response:
    form = await _form(request)
    states = {item.id: str(form.get(f"bag-{item.id}") or "") for item in model.GO_BAG}
    try:
        await _call(
            planning.save_go_bag, current_vault(request), states, _rows(form, ("item", "state"))
        )
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _bag_page(request, 400, form, message, hint)
    return RedirectResponse("/plan?saved=go_bag#go_bag", status_code=303)


# --- history and PDF ----------------------------------------------------------------------


@router.get("/plan/history")
def history_page(request: Request) -> Response:
    return render(
        request,
        "plan_history.html",
        title_key="plan",
        revisions=planning.plan_history(current_vault(request)),
    )


@router.get("/plan/history/{number}")
def revision_page(request: Request, number: int) -> Response:
    vault = current_vault(request)
    try:
        view = planning.plan_version(vault, number)
    except RecordNotFound as exc:
        return _not_found(request, exc.message, exc.hint)
    return render(
        request,
        "plan_version.html",
        title_key="plan",
        view=view,
        sections=view.sections(),
        bag=view.go_bag(),
    )


@router.get("/plan/pdf")
def plan_pdf(request: Request, version: int | None = None, region: str = "") -> Response:
    vault = current_vault(request)
    try:
        content = planning.plan_pdf_bytes(vault, version, region or None)
    except RecordNotFound as exc:
        return _not_found(request, exc.message, exc.hint)
    discreet = settings.preferences(vault).discreet
    name = "notes.pdf" if discreet else "safety-plan.pdf"
    return _pdf(content, name)


# --- protective orders ------------------------------------------------------------------


@router.get("/plan/orders")
def orders_page(request: Request) -> Response:
    vault = current_vault(request)
    place = settings.current(vault)
    today = planning.today(vault)
    found = planning.place_resources(vault, request.query_params.get("region") or None)
    return render(
        request,
        "orders.html",
        title_key="order",
        orders=events.overview(vault, today).orders,
        reminders=events.order_reminders(vault, today),
        kinds=found.orders if found else (),
        place=found.place_name if found else place.country,
    )


def _order_page(request: Request, ref: str, status_code: int = 200, **extra: Any) -> Response:
    vault = current_vault(request)
    try:
        detail = events.order_detail(vault, ref)
    except RecordNotFound:
        return _not_found(
            request,
            _("We could not find that order."),
            _("Your orders are listed on the plan page."),
        )
    kinds = dataset.all_order_kinds(settings.current(vault).country)
    context: dict[str, Any] = {
        "terms_error": None,
        "terms_hint": None,
        "breach_error": None,
        "breach_hint": None,
        "copy_error": None,
        "copy_hint": None,
        "breach": {"what_happened": "", "when": "", "where": ""},
    }
    context.update(extra)
    return render(
        request,
        "order.html",
        status_code=status_code,
        title_key="order",
        detail=detail,
        kinds=kinds,
        exhibits=evidence.list_evidence(vault),
        saved=request.query_params.get("saved", ""),
        **context,
    )


@router.get("/plan/orders/{ref}")
def order_page(request: Request, ref: str) -> Response:
    return _order_page(request, ref)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.post("/plan/orders/{ref}/terms", dependencies=CSRF)
def save_terms(
    request: Request,
    ref: str,
    kind_id: Annotated[str, Form()] = "",
    no_contact: Annotated[str, Form()] = "",
    distance_m: Annotated[str, Form()] = "",
    conditions: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
    remind_days: Annotated[str, Form()] = "",
) -> Response:
    changes = OrderChanges(
        kind_id=kind_id,
        no_contact=_yes_no(no_contact),
        distance_m=distance_m,
        conditions=conditions,
        expires_on=expires_on,
        remind_days=remind_days,
    )
    try:
        record = events.update_order(
            current_vault(request), ref, changes, _("terms updated in the app")
        )
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _order_page(request, ref, 400, terms_error=message, terms_hint=hint)
    return RedirectResponse(f"/plan/orders/{record.ref}?saved=terms#terms", status_code=303)


@router.post("/plan/orders/{ref}/copy", dependencies=CSRF)
def attach_copy(request: Request, ref: str, exhibit: Annotated[str, Form()] = "") -> Response:
    try:
        if not exhibit.strip():
            raise ValidationError(
                _("Choose the file that is the copy of the order."),
                _("If it is not in the list, add it on the Evidence page first."),
            )
        record = events.attach_order_copy(current_vault(request), ref, exhibit)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _order_page(request, ref, 400, copy_error=message, copy_hint=hint)
    return RedirectResponse(f"/plan/orders/{record.ref}?saved=copy#copy", status_code=303)


@router.post("/plan/orders/{ref}/breach", dependencies=CSRF)
def record_breach(
    request: Request,
    ref: str,
    what_happened: Annotated[str, Form()] = "",
    when: Annotated[str, Form()] = "",
    where: Annotated[str, Form()] = "",
) -> Response:
    given = BreachInput(what_happened, when.strip() or "now", where.strip() or None)
    try:
        incident = events.record_breach(current_vault(request), ref, given)
    except SafetrailError as exc:
        message, hint = problem(exc)
        values = {"what_happened": what_happened, "when": when, "where": where}
        return _order_page(request, ref, 400, breach_error=message, breach_hint=hint, breach=values)
    return RedirectResponse(f"/incidents/{incident.ref}?done=saved", status_code=303)


# --- help and contacts -------------------------------------------------------------------

EMPTY_CONTACT = {"name": "", "role": "advocate", "phone": "", "other": "", "notes": ""}


def _resources_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    vault = current_vault(request)
    home = settings.current(vault).country
    country = dataset.normalise_country(request.query_params.get("country") or home)
    remembered = planning.home_region(vault) if country == home else None
    region = request.query_params.get("region") or remembered
    found = None
    lookup_error = None
    if dataset.find(country) is not None:
        try:
            found = dataset.lookup(country, region)
        except ValidationError as exc:
            lookup_error = exc.message
            found = dataset.lookup(country)
    context: dict[str, Any] = {
        "contact": dict(EMPTY_CONTACT),
        "contact_error": None,
        "region_error": None,
    }
    context.update(extra)
    return render(
        request,
        "resources.html",
        status_code=status_code,
        title_key="resources",
        found=found,
        country=country,
        home_country=home,
        remembered=remembered,
        lookup_error=lookup_error,
        emergency=emergency_for(country),
        countries=[
            (code, dataset.dataset().countries[code].name) for code in dataset.country_codes()
        ],
        compiled_on=dataset.dataset().compiled_on,
        contacts=planning.list_contacts(vault),
        roles=list(planning.CONTACT_ROLES),
        role_label=planning.role_label,
        saved=request.query_params.get("saved", ""),
        **context,
    )


@router.get("/resources")
def resources_page(request: Request) -> Response:
    return _resources_page(request)


@router.post("/resources/region", dependencies=CSRF)
def remember_region(request: Request, region: Annotated[str, Form()] = "") -> Response:
    try:
        planning.save_region(current_vault(request), region)
    except SafetrailError as exc:
        return _resources_page(request, 400, region_error=exc.message)
    return RedirectResponse("/resources?saved=region", status_code=303)


def _contact_input(
    name: str, role: str, phone: str, other: str, notes: str
) -> planning.ContactInput:
    return planning.ContactInput(name=name, role=role, phone=phone, other=other, notes=notes)


@router.post("/resources/contacts", dependencies=CSRF)
def add_contact(
    request: Request,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    other: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    try:
        record = planning.add_contact(
            current_vault(request), _contact_input(name, role, phone, other, notes)
        )
    except SafetrailError as exc:
        values = {"name": name, "role": role, "phone": phone, "other": other, "notes": notes}
        return _resources_page(
            request, 400, contact=values, contact_error=exc.message, contact_hint=exc.hint
        )
    return RedirectResponse(f"/resources?saved={record.ref}#contacts", status_code=303)


def _contact_page(
    request: Request,
    ref: str,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    error: str | None = None,
    hint: str | None = None,
) -> Response:
    vault = current_vault(request)
    found = next((r for r in planning.list_contacts(vault) if r.ref == ref), None)
    if found is None:
        return _not_found(
            request, _("We could not find that contact."), _("Your contacts are on the Help page.")
        )
    shown = values or {key: found.data.get(key) or "" for key in EMPTY_CONTACT}
    return render(
        request,
        "resources_contact.html",
        status_code=status_code,
        title_key="resources",
        record=found,
        contact=shown,
        roles=list(planning.CONTACT_ROLES),
        role_label=planning.role_label,
        error=error,
        hint=hint,
    )


@router.get("/resources/contacts/{ref}")
def contact_page(request: Request, ref: str) -> Response:
    return _contact_page(request, ref)


@router.post("/resources/contacts/{ref}", dependencies=CSRF)
def update_contact(
    request: Request,
    ref: str,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    other: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    try:
        planning.update_contact(
            current_vault(request), ref, _contact_input(name, role, phone, other, notes)
        )
    except SafetrailError as exc:
        values = {"name": name, "role": role, "phone": phone, "other": other, "notes": notes}
        return _contact_page(request, ref, 400, values, exc.message, exc.hint)
    return RedirectResponse("/resources?saved=contact#contacts", status_code=303)


@router.post("/resources/contacts/{ref}/remove", dependencies=CSRF)
def remove_contact(request: Request, ref: str) -> Response:
    try:
        planning.remove_contact(current_vault(request), ref)
    except RecordNotFound:
        return _not_found(
            request, _("We could not find that contact."), _("Your contacts are on the Help page.")
        )
    return RedirectResponse("/resources?saved=removed#contacts", status_code=303)


# --- guidance ----------------------------------------------------------------------------


@router.get("/guidance")
def guidance_index(request: Request) -> Response:
    vault = current_vault(request)
    progress = checklist.progress({"items": planning.checklist_states(vault)})
    return render(
        request,
        "guidance.html",
        title_key="guidance",
        pages=guidance.PAGES,
        progress=progress,
        has_phrases=bool(_phrases_for(vault)),
    )


def _phrases_for(vault: Vault) -> Sequence[dataset.Phrase]:
    found = dataset.find(settings.current(vault).country)
    return found.phrases if found else ()


@router.get("/guidance/digital")
def digital_page(request: Request) -> Response:
    return _digital_page(request)


def _digital_page(
    request: Request,
    status_code: int = 200,
    states: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    vault = current_vault(request)
    shown = states if states is not None else planning.checklist_states(vault)
    return render(
        request,
        "guidance_digital.html",
        status_code=status_code,
        title_key="guidance",
        groups=checklist.GROUPS,
        states=shown,
        progress=checklist.progress({"items": shown}),
        saved=request.query_params.get("saved", ""),
        error=error,
    )


@router.post("/guidance/digital", dependencies=CSRF)
async def save_digital(request: Request) -> Response:
    form = await _form(request)
    states = {item_id: str(form.get(item_id) or "") for item_id in checklist.ITEM_IDS}
    try:
        await _call(planning.save_checklist, current_vault(request), states)
    except SafetrailError as exc:
        return _digital_page(request, 400, states, exc.message)
    return RedirectResponse("/guidance/digital?saved=1", status_code=303)


@router.get("/guidance/phrases")
def phrases_page(request: Request) -> Response:
    vault = current_vault(request)
    country = settings.current(vault).country
    found = dataset.find(country)
    return render(
        request,
        "guidance_phrases.html",
        title_key="guidance",
        phrases=found.phrases if found else (),
        country_name=found.name if found else country,
        language=found.phrase_language if found else "",
        emergency=emergency_for(country),
        silent=found.silent_call if found else (),
        script=[_(line) for line in guidance.CALL_SCRIPT],
    )


@router.get("/guidance/supporting/pdf")
def supporting_pdf(request: Request, region: str = "") -> Response:
    vault = current_vault(request)
    content = planning.guide_pdf_bytes(
        guidance.SUPPORTING,
        settings.current(vault).country,
        region or planning.home_region(vault),
    )
    return _pdf(content, "supporting-someone-who-is-being-stalked.pdf")


@router.get("/guidance/{slug}")
def guidance_page(request: Request, slug: str) -> Response:
    vault = current_vault(request)
    try:
        page = guidance.page(slug)
    except RecordNotFound as exc:
        return _not_found(request, exc.message, exc.hint)
    found = planning.place_resources(vault) if slug == "is-this-stalking" else None
    return render(
        request,
        "guidance_page.html",
        title_key="guidance",
        page=page,
        law=found.law if found else None,
        place=found.place_name if found else None,
    )


# --- the no-contact notice helper ----------------------------------------------------------


def _notice_page(
    request: Request,
    status_code: int = 200,
    choices: notice.DraftChoices | None = None,
    message: str = "",
    record: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    vault = current_vault(request)
    chosen = choices or notice.DraftChoices()
    today = planning.today(vault)
    return render(
        request,
        "notice_helper.html",
        status_code=status_code,
        title_key="notice_helper",
        choices=chosen,
        message=message,
        record=record or {"sent_on": today.isoformat(), "method": "", "person": ""},
        methods=[(slug, events.method_label(slug)) for slug in events.NOTICE_METHODS],
        people=person_choices(vault),
        notices=events.overview(vault, today).notices,
        saved=request.query_params.get("saved", ""),
        today=today.isoformat(),
        **{"error": None, "hint": None, **extra},
    )


@router.get("/notice-helper")
def notice_helper(request: Request) -> Response:
    return _notice_page(request)


@router.post("/notice-helper/draft", dependencies=CSRF)
def notice_draft(
    request: Request,
    opening: Annotated[str, Form()] = "",
    list_ways: Annotated[str, Form()] = "",
    third_parties: Annotated[str, Form()] = "",
    consequence: Annotated[str, Form()] = "",
    no_reply: Annotated[str, Form()] = "",
    own_words: Annotated[str, Form()] = "",
) -> Response:
    choices = notice.DraftChoices(
        opening=opening if opening in notice.OPENINGS else "",
        list_ways=list_ways == "on",
        third_parties=third_parties == "on",
        consequence=consequence if consequence in notice.CONSEQUENCES else "",
        no_reply=no_reply == "on",
        own_words=own_words,
    )
    return _notice_page(request, choices=choices, message=notice.draft(choices))


@router.post("/notice-helper/record", dependencies=CSRF)
def notice_record(
    request: Request,
    message: Annotated[str, Form()] = "",
    sent_on: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
) -> Response:
    try:
        if not message.strip():
            raise ValidationError(
                _("Paste or write the message you sent, so the record shows what it said."),
                _("You can make a draft above first."),
            )
        record = events.add_notice(
            current_vault(request), NoticeInput(sent_on, method, person.strip() or None, message)
        )
    except SafetrailError as exc:
        text, hint = problem(exc)
        values = {"sent_on": sent_on, "method": method, "person": person}
        return _notice_page(request, 400, message=message, record=values, error=text, hint=hint)
    return RedirectResponse(f"/notice-helper?saved={record.ref}#recorded", status_code=303)

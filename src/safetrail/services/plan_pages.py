"""What the planning pages show: the safety plan and its parts, protective orders, help and
contacts, guidance and the no-contact notice helper — gathered from the case.

The web routes only parse the form, call one of these (or a saver in
``services.planning`` / ``services.events``) and render. A form shown again after a
problem passes what was typed (``given``) so the page keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from safetrail.case import CaseContext
from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.planning import checklist, guidance, notice
from safetrail.planning import plan as model
from safetrail.planning import resources as dataset
from safetrail.planning.emergency import emergency_for
from safetrail.reports.lookout import lookout_copies
from safetrail.services import events, evidence, planning, settings
from safetrail.services.arrangements import arrangement_views
from safetrail.services.people import person_choices
from safetrail.storage.records import Record

BLANK_ROWS = 3
EMPTY_CONTACT = {"name": "", "role": "advocate", "phone": "", "other": "", "notes": ""}
#: url part -> (plan key, form fields, saver in services.planning, blank rows)
ROW_PAGES: dict[str, tuple[str, tuple[str, ...], str, int]] = {
    "if-then": ("contingencies", ("if", "then"), "save_contingencies", BLANK_ROWS),
    "ways-out": ("escape_routes", ("place", "route", "go_to"), "save_escape_routes", 2),
    "people": ("trusted_people", model.TRUSTED_FIELDS, "save_trusted_people", 2),
}


# -- the plan ---------------------------------------------------------------------------------


def plan_overview(ctx: CaseContext) -> dict[str, Any]:
    """The plan page: every part, what is due, orders, arrangements, the latest revisions."""
    view = planning.current_plan(ctx)
    today = planning.today(ctx)
    return {
        "view": view,
        "sections": view.sections(),
        "bag": view.go_bag(),
        "review_due": view.review_due(today),
        "review_value": view.review_on or model.suggested_review_date(today),
        "reminders": events.order_reminders(ctx, today),
        "orders": events.overview(ctx, today).orders,
        "arrangements": arrangement_views(ctx),
        "history": planning.plan_history(ctx)[:3],
        "emergency": emergency_for(settings.current(ctx).country),
    }


def known_section(section_id: str) -> model.Section | None:
    return next((s for s in model.SECTIONS if s.id == section_id), None)


def section_items(
    ctx: CaseContext,
    section: model.Section,
    given: Mapping[str, str] | None = None,
    given_own: Sequence[str] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The suggestions of one part of the plan with their state and text, and the person's
    own lines (plus blank ones); ``given`` holds the form's ``s-<id>``/``t-<id>`` fields."""
    stored_section = planning.current_plan(ctx).data["sections"].get(section.id) or {}
    stored = stored_section.get("choices") or {}
    items = []
    for suggestion in section.suggestions:
        chosen = stored.get(suggestion.id) or {}
        state = chosen.get("state", "")
        text = chosen.get("text") or suggestion.text_now()
        if given is not None:
            state = given.get(f"s-{suggestion.id}", "")
            text = given.get(f"t-{suggestion.id}") or text
        items.append(
            {
                "id": suggestion.id,
                "state": state,
                "text": text,
                "edited": text != suggestion.text_now(),
            }
        )
    own = list(given_own) if given_own is not None else list(stored_section.get("own") or [])
    return items, [o for o in own if o.strip()] + [""] * BLANK_ROWS


def section_choices(section: model.Section, given: Mapping[str, str]) -> dict[str, model.Choice]:
    """The form's choices for every suggestion of one part of the plan."""
    return {
        s.id: model.Choice(given.get(f"s-{s.id}", ""), given.get(f"t-{s.id}", ""))
        for s in section.suggestions
    }


def plan_rows(
    ctx: CaseContext, page: str, given: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """A rows page (if-then, ways out, trusted people): filled rows, then blank ones."""
    key, fields, _saver, blanks = ROW_PAGES[page]
    rows = given if given is not None else [dict(r) for r in planning.current_plan(ctx).data[key]]
    rows = [r for r in rows if any(v.strip() for v in r.values())]
    rows += [dict.fromkeys(fields, "") for _ in range(blanks)]
    return {
        "template": f"plan_{key}.html",
        "rows": rows,
        "examples": [_(e) for e in model.CONTINGENCY_EXAMPLES],
        "circles": [(circle, _(label)) for circle, label in model.CIRCLES.items()],
        "copies": lookout_copies(ctx) if key == "trusted_people" else [],
    }


def bag_items(
    ctx: CaseContext,
    given: Mapping[str, str] | None = None,
    given_own: list[dict[str, str]] | None = None,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The suggested go-bag items with their state, and the person's own items."""
    stored = planning.current_plan(ctx).data["go_bag"]
    suggested = []
    for item in model.GO_BAG:
        chosen = stored["choices"].get(item.id) or {}
        state = given.get(f"bag-{item.id}", "") if given is not None else chosen.get("state", "")
        suggested.append(
            {"id": item.id, "text": chosen.get("text") or item.text_now(), "state": state}
        )
    if given_own is not None:
        own = given_own
    else:
        own = [{"item": r["item"], "state": r["state"]} for r in stored["own"]]
    own = [r for r in own if r["item"].strip()] + [{"item": "", "state": "to_pack"}] * BLANK_ROWS
    return suggested, own


# -- protective orders ------------------------------------------------------------------------


def orders_overview(ctx: CaseContext, region: str | None) -> dict[str, Any]:
    today = planning.today(ctx)
    found = planning.place_resources(ctx, region)
    return {
        "orders": events.overview(ctx, today).orders,
        "reminders": events.order_reminders(ctx, today),
        "kinds": found.orders if found else (),
        "place": found.place_name if found else settings.current(ctx).country,
    }


def order_page_data(ctx: CaseContext, ref: str) -> dict[str, Any]:
    """One order with what its page offers; ``RecordNotFound`` when there is none."""
    detail = events.order_detail(ctx, ref)
    return {
        "detail": detail,
        "kinds": dataset.all_order_kinds(settings.current(ctx).country),
        "exhibits": evidence.list_evidence(ctx),
    }


# -- help and contacts ----------------------------------------------------------------------


def resources_data(ctx: CaseContext, country: str | None, region: str | None) -> dict[str, Any]:
    """The help page for a country (the case's by default) and region, and the contacts."""
    home = settings.current(ctx).country
    chosen = dataset.normalise_country(country or home)
    remembered = planning.home_region(ctx) if chosen == home else None
    found = None
    lookup_error = None
    if dataset.find(chosen) is not None:
        try:
            found = dataset.lookup(chosen, region or remembered)
        except ValidationError as exc:
            lookup_error = exc.message
            found = dataset.lookup(chosen)
    return {
        "found": found,
        "country": chosen,
        "home_country": home,
        "remembered": remembered,
        "lookup_error": lookup_error,
        "emergency": emergency_for(chosen),
        "countries": [
            (code, dataset.dataset().countries[code].name) for code in dataset.country_codes()
        ],
        "compiled_on": dataset.dataset().compiled_on,
        "contacts": planning.list_contacts(ctx),
    }


def find_contact(ctx: CaseContext, ref: str) -> Record | None:
    return next((r for r in planning.list_contacts(ctx) if r.ref == ref), None)


def contact_values(record: Record) -> dict[str, str]:
    return {key: record.data.get(key) or "" for key in EMPTY_CONTACT}


# -- guidance and the notice helper -----------------------------------------------------------


def guidance_overview(ctx: CaseContext) -> dict[str, Any]:
    found = dataset.find(settings.current(ctx).country)
    return {
        "pages": guidance.PAGES,
        "progress": checklist.progress({"items": planning.checklist_states(ctx)}),
        "has_phrases": bool(found.phrases if found else ()),
    }


def phrases_data(ctx: CaseContext) -> dict[str, Any]:
    country = settings.current(ctx).country
    found = dataset.find(country)
    return {
        "phrases": found.phrases if found else (),
        "country_name": found.name if found else country,
        "language": found.phrase_language if found else "",
        "emergency": emergency_for(country),
        "silent": found.silent_call if found else (),
        "script": [_(line) for line in guidance.CALL_SCRIPT],
    }


def supporting_pdf(ctx: CaseContext, region: str | None) -> bytes:
    """The guide for friends and family (it names neither the person nor SafeTrail)."""
    return planning.guide_pdf_bytes(
        guidance.SUPPORTING,
        settings.current(ctx).country,
        region or planning.home_region(ctx),
    )


def guidance_law(ctx: CaseContext, slug: str) -> dict[str, Any]:
    """The local law shown on the "is this stalking?" page."""
    found = planning.place_resources(ctx) if slug == "is-this-stalking" else None
    return {
        "law": found.law if found else None,
        "place": found.place_name if found else None,
    }


def draft_choices(
    opening: str,
    list_ways: bool,
    third_parties: bool,
    consequence: str,
    no_reply: bool,
    own_words: str,
) -> notice.DraftChoices:
    """The notice helper's choices, unknown options dropped."""
    return notice.DraftChoices(
        opening=opening if opening in notice.OPENINGS else "",
        list_ways=list_ways,
        third_parties=third_parties,
        consequence=consequence if consequence in notice.CONSEQUENCES else "",
        no_reply=no_reply,
        own_words=own_words,
    )


def notice_page_data(ctx: CaseContext) -> dict[str, Any]:
    today = planning.today(ctx)
    return {
        "today": today.isoformat(),
        "methods": [(slug, events.method_label(slug)) for slug in events.NOTICE_METHODS],
        "people": person_choices(ctx),
        "notices": events.overview(ctx, today).notices,
    }

"""Incident pages: the timeline, the full form, one incident with its history, amend, withdraw."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from safetrail.domain import vocab
from safetrail.errors import RecordNotFound, RecordVoided, SafetrailError, ValidationError
from safetrail.i18n import _
from safetrail.services import incidents, places
from safetrail.services.incidents import IncidentInput, TimelineQuery, Witness
from safetrail.web.deps import CASE_ROUTES, Case, case_of, problem
from safetrail.web.security import require_csrf
from safetrail.web.templating import render

router = APIRouter(dependencies=CASE_ROUTES)

WITNESS_ROWS = 3
_SEPARATORS = re.compile(r"[\s,;]+")


def not_found(request: Request, what: str) -> Response:
    return render(
        request,
        "error.html",
        status_code=404,
        title_key="error",
        message=what,
        hint=_("It may have a different number. You can find everything on the timeline."),
    )


# --- the timeline ------------------------------------------------------------------------


@router.get("/incidents")
def timeline_page(
    request: Request,
    vault: Case,
    since: Annotated[str, Query(alias="from")] = "",
    until: Annotated[str, Query(alias="to")] = "",
    tactic: str = "",
    offender: str = "",
    q: str = "",
    withdrawn: str = "",
    before: str = "",
    after: str = "",
) -> Response:
    filters = {
        "from": since.strip(),
        "to": until.strip(),
        "tactic": tactic.strip(),
        "offender": offender.strip(),
        "q": q.strip(),
        "withdrawn": "1" if withdrawn else "",
    }
    query = TimelineQuery(
        from_day=filters["from"],
        to_day=filters["to"],
        tactic=filters["tactic"],
        offender=filters["offender"],
        text=filters["q"],
        include_voided=bool(withdrawn),
        before=before,
        after=after,
    )
    kept = {key: value for key, value in filters.items() if value}
    try:
        page = incidents.timeline(vault, query)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return render(
            request,
            "incidents.html",
            status_code=400,
            title_key="incidents",
            page=None,
            people=incidents.form_options(vault).people,
            tactics=vocab.TACTICS,
            filters=filters,
            filtered=bool(kept),
            error=message,
            hint=hint,
        )
    return render(
        request,
        "incidents.html",
        title_key="incidents",
        page=page,
        people=page.people,
        tactics=vocab.TACTICS,
        filters=filters,
        filtered=bool(kept.keys() - {"withdrawn"}),
        older_url="/incidents?" + urlencode({**kept, "before": page.older}) if page.older else None,
        newer_url="/incidents?" + urlencode({**kept, "after": page.newer}) if page.newer else None,
        newest_url="/incidents?" + urlencode(kept) if (before or after) else None,
        error=None,
    )


# --- the full form -----------------------------------------------------------------------


@dataclass
class IncidentForm:
    """The incident form as typed, kept so a page shown again loses nothing."""

    what_happened: str = ""
    when: str = ""
    where: str = ""
    latitude: str = ""
    longitude: str = ""
    tactics: list[str] = field(default_factory=list)
    channel: str = ""
    offenders: list[str] = field(default_factory=list)
    witness_name: list[str] = field(default_factory=list)
    witness_contact: list[str] = field(default_factory=list)
    fear: str = ""
    impacts: list[str] = field(default_factory=list)
    police_reported: str = "unknown"
    police_reference: str = ""
    police_officer: str = ""
    police_badge: str = ""
    evidence: str = ""
    private_note: str = ""

    def witnesses(self) -> list[dict[str, str]]:
        rows = zip_longest(self.witness_name, self.witness_contact, fillvalue="")
        return [
            {"name": name.strip(), "contact": contact.strip()}
            for name, contact in rows
            if name.strip() or contact.strip()
        ]

    def values(self) -> dict[str, Any]:
        """The same shape as ``incidents.form_values`` (the amend form's starting point)."""
        return {
            "what_happened": self.what_happened,
            "when": self.when,
            "where": self.where,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "tactics": self.tactics,
            "channel": self.channel,
            "offenders": self.offenders,
            "witnesses": self.witnesses(),
            "fear": self.fear,
            "impacts": self.impacts,
            "police_reported": self.police_reported,
            "police_reference": self.police_reference,
            "police_officer": self.police_officer,
            "police_badge": self.police_badge,
            "evidence": self.evidence,
            "private_note": self.private_note,
        }

    def to_input(self) -> IncidentInput:
        witnesses = self.witnesses()
        if any(not w["name"] for w in witnesses):
            raise ValidationError(
                _("One of the witnesses has contact details but no name."),
                _("Add their name, or a short description such as 'neighbour at number 12'."),
            )
        return IncidentInput(
            what_happened=self.what_happened,
            when=self.when.strip() or "now",
            where=self.where,
            latitude=_coordinate(self.latitude, _("The latitude")),
            longitude=_coordinate(self.longitude, _("The longitude")),
            tactics=self.tactics,
            channel=self.channel or None,
            offenders=[ref for ref in self.offenders if ref],
            witnesses=[Witness(w["name"], w["contact"] or None) for w in witnesses],
            fear=vocab.validate_fear(self.fear) if self.fear.strip() else None,
            impacts=self.impacts,
            police_reported={"yes": True, "no": False}.get(self.police_reported),
            police_reference=self.police_reference,
            police_officer=self.police_officer,
            police_badge=self.police_badge,
            evidence=[ref for ref in _SEPARATORS.split(self.evidence) if ref],
            private_note=self.private_note,
        )


def _coordinate(text: str, label: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text.strip())
    except ValueError:
        raise ValidationError(
            _("{label} should be a number, like 51.5072 or -0.1276.").format(label=label),
            _("You can leave both map numbers empty: the place in words is enough."),
        ) from None


def incident_form(
    what_happened: Annotated[str, Form()] = "",
    when: Annotated[str, Form()] = "",
    where: Annotated[str, Form()] = "",
    latitude: Annotated[str, Form()] = "",
    longitude: Annotated[str, Form()] = "",
    tactics: Annotated[list[str] | None, Form()] = None,
    channel: Annotated[str, Form()] = "",
    offenders: Annotated[list[str] | None, Form()] = None,
    witness_name: Annotated[list[str] | None, Form()] = None,
    witness_contact: Annotated[list[str] | None, Form()] = None,
    fear: Annotated[str, Form()] = "",
    impacts: Annotated[list[str] | None, Form()] = None,
    police_reported: Annotated[str, Form()] = "unknown",
    police_reference: Annotated[str, Form()] = "",
    police_officer: Annotated[str, Form()] = "",
    police_badge: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    private_note: Annotated[str, Form()] = "",
) -> IncidentForm:
    return IncidentForm(
        what_happened=what_happened,
        when=when,
        where=where,
        latitude=latitude,
        longitude=longitude,
        tactics=tactics or [],
        channel=channel,
        offenders=offenders or [],
        witness_name=witness_name or [],
        witness_contact=witness_contact or [],
        fear=fear,
        impacts=impacts or [],
        police_reported=police_reported,
        police_reference=police_reference,
        police_officer=police_officer,
        police_badge=police_badge,
        evidence=evidence,
        private_note=private_note,
    )


def _form_page(
    request: Request,
    template: str,
    title_key: str,
    values: dict[str, Any],
    status_code: int = 200,
    **extra: Any,
) -> Response:
    options = incidents.form_options(case_of(request))
    return render(
        request,
        template,
        status_code=status_code,
        title_key=title_key,
        values=values,
        witness_rows=max(WITNESS_ROWS, len(values.get("witnesses", [])) + 1),
        people=options.people,
        timezone=options.timezone,
        tactics=vocab.TACTICS,
        channels=vocab.CHANNELS,
        impacts=vocab.IMPACTS,
        fear_levels=[(level, _(label)) for level, label in vocab.FEAR_LEVELS.items()],
        **extra,
    )


@router.get("/incidents/new")
def new_incident_page(request: Request) -> Response:
    return _form_page(request, "incident_new.html", "incident_new", IncidentForm().values())


@router.post("/incidents/new", dependencies=[Depends(require_csrf)])
def new_incident(
    request: Request, vault: Case, form: Annotated[IncidentForm, Depends(incident_form)]
) -> Response:
    try:
        record = incidents.record_incident(vault, form.to_input())
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _form_page(
            request,
            "incident_new.html",
            "incident_new",
            form.values(),
            status_code=400,
            error=message,
            hint=hint,
        )
    return RedirectResponse(f"/incidents/{record.ref}?done=saved", status_code=303)


# --- one incident ------------------------------------------------------------------------


@router.get("/incidents/{ref}")
def incident_page(request: Request, vault: Case, ref: str, done: str = "") -> Response:
    try:
        detail = incidents.incident_detail(vault, ref)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    _ref, own_places = places.places_near_incident(vault, detail.record.ref)
    return render(
        request,
        "incident_detail.html",
        title_key="incident",
        detail=detail,
        record=detail.record,
        data=detail.record.data,
        done=done,
        own_places=own_places,
    )


@router.get("/incidents/{ref}/amend")
def amend_page(request: Request, vault: Case, ref: str) -> Response:
    try:
        values = incidents.form_values(vault, ref)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    return _form_page(request, "incident_amend.html", "amend", values, ref=values["ref"], reason="")


@router.post("/incidents/{ref}/amend", dependencies=[Depends(require_csrf)])
def amend(
    request: Request,
    vault: Case,
    ref: str,
    form: Annotated[IncidentForm, Depends(incident_form)],
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        record = incidents.replace_incident(vault, ref, form.to_input(), reason)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _form_page(
            request,
            "incident_amend.html",
            "amend",
            {**form.values(), "voided": isinstance(exc, RecordVoided)},
            status_code=400,
            ref=ref,
            reason=reason,
            error=message,
            hint=hint,
        )
    return RedirectResponse(f"/incidents/{record.ref}?done=amended", status_code=303)


@router.get("/incidents/{ref}/void")
def void_page(request: Request, vault: Case, ref: str) -> Response:
    try:
        detail = incidents.incident_detail(vault, ref)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    return render(
        request, "incident_void.html", title_key="void", detail=detail, reason="", error=None
    )


@router.post("/incidents/{ref}/void", dependencies=[Depends(require_csrf)])
def void(request: Request, vault: Case, ref: str, reason: Annotated[str, Form()] = "") -> Response:
    try:
        record = incidents.withdraw_incident(vault, ref, reason)
    except RecordNotFound:
        return not_found(request, _("We could not find that incident."))
    except SafetrailError as exc:
        message, hint = problem(exc)
        return render(
            request,
            "incident_void.html",
            status_code=400,
            title_key="void",
            detail=incidents.incident_detail(vault, ref),
            reason=reason,
            error=message,
            hint=hint,
        )
    return RedirectResponse(f"/incidents/{record.ref}?done=withdrawn", status_code=303)

"""The incident form (new and amend): parsed once by the :func:`incident_form` dependency
into an :class:`IncidentForm`, which keeps everything as typed (a page shown again after a
problem loses nothing) and turns it into the service's ``IncidentInput``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Annotated, Any

from fastapi import Form

from safetrail.domain import vocab
from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.services.incidents import IncidentInput, Witness

WITNESS_ROWS = 3
_SEPARATORS = re.compile(r"[\s,;]+")


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

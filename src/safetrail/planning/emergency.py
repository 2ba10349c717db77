"""The emergency number for a country, for the home screen and anywhere else that needs one.

Built on the resources dataset (``planning/data/resources.json``): the first emergency
number listed for the country, with a short note naming the other numbers and how to
call without speaking where such a method exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from safetrail.i18n import N_, _
from safetrail.planning import resources


@dataclass(frozen=True)
class Emergency:
    country: str
    number: str
    note: str | None = None
    verified: bool = True
    # Already-translated parts of the note, when built from the dataset.
    parts: tuple[str, ...] = ()

    def note_text(self) -> str | None:
        if self.parts:
            return " ".join(self.parts)
        return _(self.note) if self.note else None


FALLBACK = Emergency("", "112", N_("112 works from mobile phones in many countries."), False)
# Labels that need no mention on the home card: the number is for everything.
_GENERAL = ("Police, fire and ambulance", "All emergency services", "Emergency services")


def emergency_for(country: str) -> Emergency:
    """The number to call in danger in ``country`` (ISO 3166 code); 112 for unknown places."""
    found = resources.find(country)
    if found is None:
        return FALLBACK
    first, *others = found.emergency
    parts: list[str] = []
    if first.label not in _GENERAL:
        parts.append(_("{label}.").format(label=_(first.label)))
    if first.note:
        parts.append(_(first.note))
    for other in others:
        parts.append(_("{label}: {number}.").format(label=_(other.label), number=other.number))
    parts.extend(_(tip.short) for tip in found.silent_call if tip.short)
    return Emergency(
        country=found.code,
        number=first.number,
        note=" ".join(parts) or None,
        verified=first.verified,
        parts=tuple(parts),
    )

"""Helplines and what the law counts as stalking, for the person's country.

The full dataset (with sources and check dates) is ``safetrail.planning.resources``. For a
country it has no entry for, this module falls back to the emergency number from
``planning.emergency`` and a short, neutral text about the law. Nothing here is legal
advice, and every page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.planning import resources
from safetrail.planning.emergency import emergency_for

__all__ = ["Helpline", "LawInfo", "LocalHelp", "law_info", "local_help"]


@dataclass(frozen=True)
class Helpline:
    name: str
    number: str
    hours: str | None = None
    note: str | None = None
    verified: bool = True


@dataclass(frozen=True)
class LocalHelp:
    country: str
    emergency: str
    emergency_note: str | None
    emergency_verified: bool
    helplines: tuple[Helpline, ...]
    from_dataset: bool


@dataclass(frozen=True)
class LawInfo:
    country: str
    name: str | None
    summary: str
    source: str | None
    checked: str | None
    verified: bool
    from_dataset: bool


def _resources(country: str) -> resources.CountryResources | None:
    """The dataset's entry for ``country``, or None when it has none (or its data is bad)."""
    try:
        return resources.lookup(country)
    except (ValidationError, resources.ResourceDataError):
        return None


def _text(value: str | None) -> str | None:
    """A dataset text (an English msgid) in the reader's language; None when empty."""
    if not value or not value.strip():
        return None
    return _(value.strip())


def _helplines(entry: resources.CountryResources) -> tuple[Helpline, ...]:
    found = []
    for item in entry.helplines:
        name = _text(item.name)
        if not name or not item.number.strip():
            continue
        found.append(
            Helpline(
                name=name,
                number=item.number.strip(),
                hours=_text(item.hours),
                note=_text(item.note),
                verified=item.verified,
            )
        )
    return tuple(found)


def local_help(country: str) -> LocalHelp:
    """Emergency number and helplines (from the dataset when it has the country)."""
    emergency = emergency_for(country)
    entry = _resources(country)
    helplines = _helplines(entry) if entry is not None else ()
    return LocalHelp(
        country=country.upper(),
        emergency=emergency.number,
        emergency_note=emergency.note_text(),
        emergency_verified=emergency.verified,
        helplines=helplines,
        from_dataset=bool(helplines),
    )


def _fallback_law(country: str) -> LawInfo:
    return LawInfo(
        country=country.upper(),
        name=None,
        summary=_(
            "Laws about stalking differ from country to country, and sometimes within a "
            "country. Many of them look at a pattern: behaviour that is repeated (often "
            "twice or more), that you did not want, and that caused fear, alarm or distress. "
            "A local advocate, a helpline or the police can tell you what the law where you "
            "live covers and what it lets you do. This is general information, not legal "
            "advice."
        ),
        source=None,
        checked=None,
        verified=False,
        from_dataset=False,
    )


def law_info(country: str) -> LawInfo:
    """What the person's country's law counts as stalking, in plain words, with its source."""
    entry = _resources(country)
    law = entry.law if entry is not None else None
    summary = _text(law.summary) if law is not None else None
    if law is None or not summary:
        return _fallback_law(country)
    pattern = _text(law.course_of_conduct)
    return LawInfo(
        country=country.upper(),
        name=_text(law.name),
        summary=f"{summary} {pattern}" if pattern else summary,
        source=_text(law.source),
        checked=_text(law.checked),
        verified=law.verified,
        from_dataset=True,
    )

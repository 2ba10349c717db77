"""Helplines and what the law counts as stalking, for the person's country.

The full dataset (with sources and check dates) is ``safetrail.planning.resources``, built
separately. When it is installed, this module reads it; when it is not (or cannot answer),
it falls back to the emergency number from ``planning.emergency`` and a short, neutral text
about the law. Nothing here is legal advice, and every page says so.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from safetrail.i18n import _
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


def _resources(country: str) -> Any:
    """``planning.resources.lookup(country)``, or None when the dataset cannot answer.

    The dataset is another part of SafeTrail, built separately: if it is missing, has no
    entry for the country or fails in any way, the pages still work with the fallback.
    """
    try:
        module = importlib.import_module("safetrail.planning.resources")
    except ImportError:
        return None
    lookup = getattr(module, "lookup", None)
    if not callable(lookup):
        return None
    try:
        return lookup(country)
    except Exception:  # unknown country, or a problem in the other module's data
        return None


def _text(value: Any) -> str | None:
    """A dataset text (an English msgid) in the reader's language; None when empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _(value.strip())


def _helplines(entry: Any) -> tuple[Helpline, ...]:
    found = []
    for item in getattr(entry, "helplines", ()) or ():
        name = _text(getattr(item, "name", None))
        number = getattr(item, "number", None)
        if not name or not isinstance(number, str) or not number.strip():
            continue
        found.append(
            Helpline(
                name=name,
                number=number.strip(),
                hours=_text(getattr(item, "hours", None)),
                note=_text(getattr(item, "note", None)),
                verified=getattr(item, "verified", True) is not False,
            )
        )
    return tuple(found)


def local_help(country: str) -> LocalHelp:
    """Emergency number and helplines (dataset if available, else the emergency number)."""
    emergency = emergency_for(country)
    entry = _resources(country)
    try:
        helplines = _helplines(entry) if entry is not None else ()
    except Exception:  # see _resources
        helplines = ()
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
    law = getattr(entry, "law", None) if entry is not None else None
    try:
        summary = _text(getattr(law, "summary", None))
        if law is None or not summary:
            return _fallback_law(country)
        pattern = _text(getattr(law, "course_of_conduct", None))
        return LawInfo(
            country=country.upper(),
            name=_text(getattr(law, "name", None)),
            summary=f"{summary} {pattern}" if pattern else summary,
            source=_text(getattr(law, "source", None)),
            checked=_text(getattr(law, "checked", None)),
            verified=getattr(law, "verified", True) is not False,
            from_dataset=True,
        )
    except Exception:  # see _resources
        return _fallback_law(country)

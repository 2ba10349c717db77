"""Small wording helpers shared by the analysis modules (dates and counted nouns)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safetrail import i18n
from safetrail.domain.when import OccurredAt
from safetrail.i18n import N_, _

__all__ = ["WEEKDAYS", "WEEKDAYS_SHORT", "day_text", "ngettext", "short_text", "weekday_name"]


def ngettext(singular: str, plural: str, n: int) -> str:
    """The translated singular or plural form (the catalogue knows each language's rule)."""
    return i18n.ngettext(singular, plural, n)


def day_text(day: date) -> str:
    """A calendar day the way the rest of SafeTrail shows one, e.g. "3 Mar 2026"."""
    utc = ZoneInfo("UTC")
    start = datetime.combine(day, time(), tzinfo=utc)
    return OccurredAt(start, start + timedelta(days=1), "UTC", "day").display()


def short_text(text: str, limit: int = 120) -> str:
    """``text`` on one line, cut at a word boundary with an ellipsis when too long."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] if " " in flat[: limit - 1] else flat[: limit - 1]
    return cut + "…"


WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
WEEKDAYS_SHORT = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday_name(index: int, short: bool = False) -> str:
    """Monday is 0."""
    return _((WEEKDAYS_SHORT if short else WEEKDAYS)[index])

"""Translation and locale formatting: every sentence a person reads goes through ``_``.

Catalogues live in ``safetrail/locale/<lang>/LC_MESSAGES/safetrail.mo`` (compiled with Babel;
see docs/translating.md). When no catalogue matches, the English source strings are shown.

Which language a piece of text is in is decided per task, never per process: the web app sets
the language for each request (:func:`use_language` around the request), a report written in
another language wraps its build in ``use_language("en")``, and everything else falls back to
``SAFETRAIL_LANG`` and then the system locale. The choice lives in a context
variable, so two requests served at the same time in two languages never see each other's
choice.

Dates, times and numbers are formatted with Babel for the current language
(``2026年8月1日(土) 21:40``, ``2026년 8월 1일 (토) 오후 9:40``).
"""

from __future__ import annotations

import contextlib
import gettext
import re
from collections.abc import Iterator
from contextvars import ContextVar, Token
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal

from safetrail import config

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "safetrail"

#: Languages SafeTrail ships, with their names written in that language (for the switch).
LANGUAGES: Final[dict[str, str]] = {"en": "English", "ja": "日本語", "ko": "한국어"}
DEFAULT_LANGUAGE: Final = "en"

# How a date and a time of day look in each language (Babel/CLDR patterns). English keeps the
# form SafeTrail always used ("3 Mar 2026", "14:05"); Japanese and Korean use the forms people
# there write by hand, with the weekday, which police and courts expect to see.
_DATE_PATTERNS: Final = {"en": "d MMM y", "ja": "y年M月d日(E)", "ko": "y년 M월 d일 (E)"}
_LONG_DATE_PATTERNS: Final = {
    "en": "EEEE d MMMM y",
    "ja": "y年M月d日(EEEE)",
    "ko": "y년 M월 d일 EEEE",
}
_TIME_PATTERNS: Final = {"en": "HH:mm", "ja": "H:mm", "ko": "a h:mm"}
_TIME_SECONDS_PATTERNS: Final = {"en": "HH:mm:ss", "ja": "H:mm:ss", "ko": "a h:mm:ss"}
_MONTH_PATTERNS: Final = {"en": "MMMM y", "ja": "y年M月", "ko": "y년 M월"}

_current: ContextVar[str | None] = ContextVar("safetrail_language", default=None)
_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*(?:\.[\w-]+)?(?:@\w+)?\s*$")


def normalise_language(tag: str | None) -> str | None:
    """``"ja-JP"``, ``"ko_KR.UTF-8"`` or ``"EN"`` → a shipped language code, else None."""
    if not tag:
        return None
    match = _TAG.match(tag)
    if match is None:
        return None
    code = match.group(1).lower()
    return code if code in LANGUAGES else None


def _system_language(variables: tuple[tuple[str, str], ...]) -> str | None:
    for name, value in variables:
        # LANGUAGE may list several ("ja:en"); the first one we ship wins.
        for part in value.split(":"):
            found = normalise_language(part)
            if found:
                return found
        if name != "LANGUAGE":
            return None
    return None


def default_language() -> str:
    """The language when nothing more specific was chosen: SAFETRAIL_LANG, then the system
    (both from ``config``, where every environment variable is read)."""
    chosen, system = config.languages()
    return normalise_language(chosen) or _system_language(system) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of the task running now (request, report build, or the process default)."""
    return _current.get() or default_language()


@contextlib.contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Run the ``with`` body in ``language`` (None keeps the current one); restores afterwards."""
    chosen = normalise_language(language) or current_language()
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def set_language(language: str | None) -> Token[str | None]:
    """Choose the language for the rest of this task; give the token to :func:`restore_language`."""
    return _current.set(normalise_language(language))


def restore_language(token: Token[str | None]) -> None:
    """Undo :func:`set_language`."""
    _current.reset(token)


def accept_language(header: str | None) -> str | None:
    """The best shipped language in an HTTP Accept-Language header, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = normalise_language(tag)
        if code and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


@lru_cache(maxsize=8)
def translations(language: str | None = None) -> gettext.NullTranslations:
    languages = [language] if language else None
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=languages, fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (English when there is no translation)."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` (each catalogue knows its language's rule)."""
    return translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (module-level constants)."""
    return message


# --- locale formatting --------------------------------------------------------------------


@lru_cache(maxsize=8)
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def _lang(language: str | None) -> str:
    return normalise_language(language) or current_language()


def format_number(value: int | float, language: str | None = None) -> str:
    """``1234`` → "1,234" (the grouping of the current language)."""
    lang = _lang(language)
    return str(format_decimal(value, locale=_locale(lang)))


def format_day(day: date | datetime, language: str | None = None) -> str:
    """A calendar day: "1 Aug 2026", "2026年8月1日(土)", "2026년 8월 1일 (토)"."""
    lang = _lang(language)
    return str(_babel_date(day, _DATE_PATTERNS[lang], locale=_locale(lang)))


def format_iso_day(text: str | None, language: str | None = None) -> str:
    """A stored "2026-11-21" shown as a day in the language; other text is returned as is."""
    if not text:
        return ""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return text
    return format_day(day, language)


def format_long_day(day: date | datetime, language: str | None = None) -> str:
    """A calendar day with the weekday in full: "Saturday 1 August 2026", "2026年8月1日(土曜日)"."""
    lang = _lang(language)
    return str(_babel_date(day, _LONG_DATE_PATTERNS[lang], locale=_locale(lang)))


def format_month(day: date | datetime, language: str | None = None) -> str:
    """A month: "August 2026", "2026年8月", "2026년 8월"."""
    lang = _lang(language)
    return str(_babel_date(day, _MONTH_PATTERNS[lang], locale=_locale(lang)))


def format_clock(moment: datetime, seconds: bool = False, language: str | None = None) -> str:
    """A time of day as shown (no zone conversion): "21:40", "21:40", "오후 9:40"."""
    lang = _lang(language)
    pattern = (_TIME_SECONDS_PATTERNS if seconds else _TIME_PATTERNS)[lang]
    return str(_babel_time(moment, pattern, locale=_locale(lang)))


def format_datetime(moment: datetime, seconds: bool = False, language: str | None = None) -> str:
    """A day and a time: "1 Aug 2026, 21:40", "2026年8月1日(土) 21:40",
    "2026년 8월 1일 (토) 오후 9:40".

    ``moment`` is shown in its own zone; convert it first (``astimezone``) to show it elsewhere.
    """
    lang = _lang(language)
    day, clock = format_day(moment, lang), format_clock(moment, seconds, lang)
    return f"{day}, {clock}" if lang == "en" else f"{day} {clock}"

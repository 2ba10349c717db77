"""Everyday words for "when" in English, Japanese and Korean, read into a day and a clock time.

``parse_when`` (``domain/when.py``) tries the exact forms first and then these. Each language
accepts the same things:

* a day word: today / yesterday / the day before yesterday (今日・昨日・一昨日, 오늘・어제・그저께);
* a weekday: "friday" / 金曜日 / 금요일 is the most recent one, today included; "last friday" /
  先週の金曜日 / 지난주 금요일 is that weekday in the previous calendar week (weeks start on
  Monday);
* optionally a time after it: "21:40", "9pm", "9:40 pm" / 21時, 21時40分, 午後9時半, 夜9時 /
  9시, 9시 40분, 오후 9시 반, 밤 9시.

"About" words are handled by ``parse_when`` itself (``~``, about, 頃, ごろ, 쯤, 경 …).
Full-width digits and colons are read like ASCII ones. Pure functions: no clock, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

__all__ = ["NaturalWhen", "read_natural"]


@dataclass(frozen=True)
class NaturalWhen:
    day: date
    hour: int | None  # None: the whole day
    minute: int


_EN_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_SHORT: Final = tuple(name[:3] for name in _EN_WEEKDAYS)
_JA_WEEKDAYS: Final = "月火水木金土日"
_KO_WEEKDAYS: Final = "월화수목금토일"

_EN_DAYS: Final = {"today": 0, "yesterday": 1, "the day before yesterday": 2}
_JA_DAYS: Final = {
    "今日": 0,
    "きょう": 0,
    "本日": 0,
    "昨日": 1,
    "きのう": 1,
    "さくじつ": 1,
    "一昨日": 2,
    "おととい": 2,
    "おとつい": 2,
}
_KO_DAYS: Final = {"오늘": 0, "어제": 1, "그저께": 2, "그제": 2}

# Words before the hour that say which half of the day it is.
_AFTERNOON: Final = frozenset({"pm", "午後", "夜", "夕方", "晩", "오후", "저녁", "밤"})
_MORNING: Final = frozenset({"am", "午前", "朝", "早朝", "深夜", "未明", "오전", "아침", "새벽"})

_EN = re.compile(
    r"(?P<day>today|yesterday|the day before yesterday|(?P<last>last\s+)?(?P<wd>[a-z]+?)(?:day)?)"
    r"(?:\s*,?\s*(?:at\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<half>am|pm)?)?",
    re.IGNORECASE,
)
_JA = re.compile(
    r"(?P<day>今日|きょう|本日|昨日|きのう|さくじつ|一昨日|おととい|おとつい"
    r"|(?P<last>先週の?|今週の?)?(?P<wd>[月火水木金土日])曜(?:日)?)"
    r"(?:の)?(?P<half>午前|午後|朝|早朝|夜|夕方|晩|深夜|未明)?"
    r"(?:(?P<h>\d{1,2})(?:時(?:(?P<m>\d{1,2})分|(?P<half_hour>半))?|:(?P<m2>\d{2})))?"
)
_KO = re.compile(
    r"(?P<day>오늘|어제|그저께|그제|(?P<last>지난\s*주|이번\s*주)?\s*(?P<wd>[월화수목금토일])요일)"
    r"\s*(?P<half>오전|오후|아침|저녁|밤|새벽|낮)?\s*"
    r"(?:(?P<h>\d{1,2})(?:시(?:\s*(?P<m>\d{1,2})분|\s*(?P<half_hour>반))?|:(?P<m2>\d{2})))?"
)


def _weekday_day(weekday: int, previous_week: bool, today: date) -> date:
    if previous_week:
        monday = today - timedelta(days=today.weekday() + 7)
        return monday + timedelta(days=weekday)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _hour(hour: int, half: str | None) -> int | None:
    """The 24-hour clock hour, or None when the words do not make a real hour."""
    if half in _AFTERNOON:
        if hour > 12:
            return hour if half not in ("pm", "오후", "午後") else None
        return hour % 12 + 12 if half in ("pm", "午後", "오후") or hour != 12 else 0
    if half in _MORNING:
        if hour > 12:
            return None
        return 0 if hour == 12 else hour
    return hour if hour <= 23 else None


def _result(
    match: re.Match[str], day: date, half: str | None, half_hour: bool
) -> NaturalWhen | None:
    hour_text = match.group("h")
    if hour_text is None:
        # "昨日の夜" alone names part of a day, not a time: read it as the whole day.
        return NaturalWhen(day, None, 0)
    hour = _hour(int(hour_text), half.lower() if half else None)
    minute_text = match.groupdict().get("m") or match.groupdict().get("m2")
    minute = 30 if half_hour else int(minute_text or 0)
    if hour is None or minute > 59:
        return None
    return NaturalWhen(day, hour, minute)


def _read_en(text: str, today: date) -> NaturalWhen | None:
    match = _EN.fullmatch(text)
    if match is None:
        return None
    word = match.group("day").lower()
    if word in _EN_DAYS:
        day = today - timedelta(days=_EN_DAYS[word])
    else:
        name = (match.group("wd") or "").lower()
        names = [n for n in _EN_WEEKDAYS if n == name + "day" or n == name]
        if not names and name in _EN_SHORT:
            names = [_EN_WEEKDAYS[_EN_SHORT.index(name)]]
        if not names:
            return None
        day = _weekday_day(_EN_WEEKDAYS.index(names[0]), bool(match.group("last")), today)
    if match.group("h") is not None and match.group("m") is None and match.group("half") is None:
        return None  # "yesterday 9" could be morning or evening: ask for 21:00 or 9pm
    return _result(match, day, match.group("half"), False)


def _read_cjk(
    pattern: re.Pattern[str], days: dict[str, int], weekdays: str, text: str, today: date
) -> NaturalWhen | None:
    match = pattern.fullmatch(text)
    if match is None:
        return None
    word = match.group("day")
    if word in days:
        day = today - timedelta(days=days[word])
    else:
        last = (match.group("last") or "").replace(" ", "")
        previous = last.startswith(("先週", "지난"))
        day = _weekday_day(weekdays.index(match.group("wd")), previous, today)
    return _result(match, day, match.group("half"), bool(match.group("half_hour")))


def read_natural(text: str, today: date) -> NaturalWhen | None:
    """The day and time ``text`` names, counted back from ``today``; None if not such words."""
    flat = unicodedata.normalize("NFKC", text).strip()
    flat = re.sub(r"\s+", " ", flat)
    return (
        _read_cjk(_JA, _JA_DAYS, _JA_WEEKDAYS, flat.replace(" ", ""), today)
        or _read_cjk(_KO, _KO_DAYS, _KO_WEEKDAYS, flat, today)
        or _read_en(flat, today)
    )

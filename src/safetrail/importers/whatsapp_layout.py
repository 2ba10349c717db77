"""WhatsApp chat export: header layouts, dates and times, and the first pass over a file.

A message starts with a header line: a date and a time, then the sender and the text.
WhatsApp writes the header in the phone's locale, so the same chat looks different from
phone to phone. Four regular expressions cover every layout seen in real exports:

========================  ======================================================
``date-time``             ``18/03/2022, 14:56 - Alex: hi`` (Android), also
                          ``18.03.22 14:56 - ``, ``18-03-2022 14:56 - `` (Dutch),
                          ``3/18/22, 2:56 PM - `` (US, U+202F before PM in recent
                          versions), ``18/3/22, 0:08 a. m. - `` (Spanish),
                          ``18/03/2022 à 14:56 - `` (French), ``2022. 3. 18. 오후 2:56 - ``
                          (Korean), Eastern Arabic digits with right-to-left marks
``time-date``             ``14:56, 18/03/2022 - Alex: hi`` (Vietnamese)
``[date-time]``           ``[18/03/22, 14:56:01] Alex: hi`` (iOS), also ``14.56.01``
                          times (Indonesian), ``[3/18/R4 14:56:01]`` (Japanese era
                          years), ``[18/3/2565 BE 14:56:01]`` (Buddhist years)
``[time-date]``           ``[14:56:01, 18/03/2022] Alex: hi``
========================  ======================================================

The first pass (:func:`.whatsapp_scan.scan`) picks the layout that matches most of the
first lines, and :func:`shape` narrows it to the file's own header shape.

Years: four digits as written; two digits mean 20xx; a Japanese era letter and year
(``R4`` = Reiwa 4 = 2022; ``H``, ``S``, ``T``, ``M`` for the earlier eras) are converted;
a year marked ``BE`` or above 2400 is a Thai Buddhist year (2565 BE = 2022). A date whose
first field has three or more digits or an era letter is year-first (year, month, day).

Day and month order (for dates with the year last): any date in the file whose first field
is above 12 means day first, any whose second field is above 12 means month first (when
both happen, the more frequent wins; the dates that then do not exist are skipped).
``ParseOptions.day_first`` overrides the file. When nothing in the file decides, the
default is month first if the times use upper-case AM/PM with ``/`` between the date's
fields (as phones set to United States English write them) or when the year is a Japanese
era year written last; otherwise day first, the order used by most of the world. Call
:func:`safetrail.importers.whatsapp.describe` to learn which rule decided a file.

Hours: a 12-hour clock is recognised by AM/PM in its many forms ("PM", "p. m.", "م",
"오후", "下午", "午後"…); 12 AM is midnight and the impossible "00:08 a. m." some Spanish
exports contain is read as 00:08.
"""

from __future__ import annotations

import re
from datetime import datetime

from safetrail.i18n import N_, _

__all__ = [
    "DATE_ONLY",
    "ERAS",
    "GENERAL_GROUPS",
    "GROUPS",
    "INVISIBLE",
    "INVISIBLE_CLASS",
    "LAYOUTS",
    "LINE_LIMIT",
    "TIME_ONLY",
    "bad_date_reason",
    "bad_time_reason",
    "clean_sender",
    "decode_head",
    "encoding_of",
    "finder",
    "header_hits",
    "resolve_date",
    "resolve_time",
    "shape",
    "splitter",
    "unnamed",
    "year_first_field",
]

#: characters that may come before a header or an attachment line and mean nothing
INVISIBLE = "\ufeff\u200b\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: what is stripped from a sender's name (spaces and the marks around phone numbers)
_NAME_STRIP = INVISIBLE + " \t\u00a0\u202f"
#: a line longer than this many characters is cut there (the rest is reported, not read)
LINE_LIMIT = 1 << 20
#: the same characters as a regular-expression class
INVISIBLE_CLASS = "[\ufeff\u200b\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"

_SP = "[ \u00a0\u202f]"
_MK = "[\u200e\u200f\u061c]*"
ERAS = {"M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}
_ERA = "[MTSHR]"
_DATE = (
    "(?P<date>"
    rf"(?P<d1>{_ERA}?\d{{1,4}}){_MK}[/.\-]{_SP}?{_MK}"
    rf"(?P<d2>\d{{1,2}}){_MK}[/.\-]{_SP}?{_MK}"
    rf"(?P<d3>{_ERA}?\d{{1,4}})\.?(?:{_SP}?B\.?E\.?)?"
    ")"
)
_BEFORE = "오전|오후|上午|下午|午前|午後"
_AFTER = rf"[AaPp]\.?{_SP}?[Mm]\.?|ص|م|SA|CH|π\.μ\.|μ\.μ\.|ق\.ظ|ب\.ظ"
_TIME = (
    "(?P<time>"
    rf"(?:(?P<bp>{_BEFORE}){_SP}?)?"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    rf"(?:{_SP}?{_MK}(?P<ap>{_AFTER}))?"
    ")"
)
_SEP = rf"{_MK}(?:[,،]|{_SP}(?:à|um|às|lúc))?{_SP}*{_MK}"
_PLAIN_END = rf"{_SP}*{_MK}[-–](?:{_SP}|$)"
_BRACKET_END = rf"{_MK}\]{_SP}?"

#: layout name → header expression (``match`` at the start of a line; the text follows
#: ``match.end()``)
LAYOUTS: dict[str, re.Pattern[str]] = {
    "date-time": re.compile(_DATE + _SEP + _TIME + _PLAIN_END),
    "time-date": re.compile(_TIME + _SEP + _DATE + _PLAIN_END),
    "[date-time]": re.compile(rf"\[{_MK}" + _DATE + _SEP + _TIME + _BRACKET_END),
    "[time-date]": re.compile(rf"\[{_MK}" + _TIME + _SEP + _DATE + _BRACKET_END),
}

_AM = frozenset({"am", "ص", "sa", "π.μ.", "ق.ظ", "오전", "上午", "午前"})
_PM = frozenset({"pm", "م", "ch", "μ.μ.", "ب.ظ", "오후", "下午", "午後"})
_MARKS_AND_SPACES = str.maketrans("", "", "\u200e\u200f\u061c")

BAD_DATE = N_("The date {date} does not exist; the message on this line was not read.")
BAD_TIME = N_("The time {time} does not exist; the message on this line was not read.")


def _year(field: str, buddhist: bool) -> int:
    era = ERAS.get(field[0])
    if era is not None:
        return era + int(field[1:])
    year = int(field)
    if len(field) <= 2:
        year += 2000
    if buddhist or year >= 2400:
        year -= 543
    return year


def year_first_field(d1: str) -> bool:
    return d1[0] in ERAS or len(d1) >= 3


def resolve_date(d1: str, d2: str, d3: str, raw: str, day_first: bool) -> tuple[int, int, int]:
    """(year, month, day) of a header's date; ValueError when that date does not exist."""
    buddhist = "B" in raw
    if year_first_field(d1):
        year, month, day = _year(d1, buddhist), int(d2), int(d3)
    else:
        year = _year(d3, buddhist)
        first, second = int(d1), int(d2)
        day, month = (first, second) if day_first else (second, first)
    datetime(year, month, day)  # raises ValueError for 31/02, month 13, year 0…
    return year, month, day


def resolve_time(h: str, mi: str, s: str | None, marker: str | None) -> tuple[int, int, int]:
    """(hour, minute, second) of a header's time; ValueError when that time does not exist."""
    hour, minute, second = int(h), int(mi), int(s) if s else 0
    if marker:
        folded = marker.casefold().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
        plain = folded.replace(".", "") if folded[:1] in "ap" else folded
        if plain in _PM and hour < 12:
            hour += 12
        elif plain in _AM and hour == 12:
            hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("time out of range")
    return hour, minute, second


def bad_date_reason(raw: str) -> str:
    return _(BAD_DATE).format(date=raw.translate(_MARKS_AND_SPACES).strip())


def bad_time_reason(raw: str) -> str:
    return _(BAD_TIME).format(time=raw.translate(_MARKS_AND_SPACES).strip())


def clean_sender(raw: str) -> str | None:
    """A header's sender as a name, or None when the text before ": " is not a name (a
    system line that happens to contain a colon, e.g. a group subject in quotes)."""
    name = raw.strip(_NAME_STRIP)
    if not name or len(name) > 100:
        return None
    # a quote opened and not closed: the ": " is inside a quoted group subject or name
    # (``X changed the subject to "Trip: day 1"``); a contact saved as ``Alex "boss"`` is
    # a name
    if (
        name.count('"') % 2
        or (name.count("“") + name.count("”") + name.count("„")) % 2
        or name.count("«") != name.count("»")
        or name.count("「") != name.count("」")
    ):
        return None
    return name


def encoding_of(head: bytes) -> str:
    """UTF-16 when the bytes start with its byte-order mark; otherwise UTF-8."""
    return "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"


def decode_head(head: bytes) -> list[str]:
    """The first lines of ``head`` (detection), cleaned like the parser cleans them."""
    text = head.decode(encoding_of(head), errors="replace")
    return [line.lstrip(INVISIBLE).replace("\ufeff", "") for line in text.splitlines()[:60]]


def header_hits(lines: list[str]) -> tuple[str, int]:
    """The layout matching most of ``lines``, and on how many lines it matched."""
    best, hits = "date-time", 0
    for name, pattern in LAYOUTS.items():
        count = sum(1 for line in lines if pattern.match(line))
        if count > hits:
            best, hits = name, count
    return best, hits


_INNER = {
    "d1": rf"(?P<d1>{_ERA}?\d{{1,4}})",
    "d2": r"(?P<d2>\d{1,2})",
    "d3": rf"(?P<d3>{_ERA}?\d{{1,4}})",
    "bp": rf"(?P<bp>{_BEFORE})",
    "h": r"(?P<h>\d{1,2})",
    "mi": r"(?P<mi>\d{2})",
    "s": r"(?P<s>\d{2})",
    "ap": rf"(?P<ap>{_AFTER})",
}


#: the same groups when the sampled header wrote them in ASCII digits (no era letter):
#: a tighter and faster expression; other lines still meet the layout's expression
_ASCII = {
    "d1": r"(?P<d1>[0-9]{1,4})",
    "d2": r"(?P<d2>[0-9]{1,2})",
    "d3": r"(?P<d3>[0-9]{1,4})",
    "h": r"(?P<h>[0-9]{1,2})",
    "mi": r"(?P<mi>[0-9]{2})",
    "s": r"(?P<s>[0-9]{2})",
}


def shape(found: re.Match[str]) -> str:
    """A narrower expression for headers shaped exactly like ``found`` (same separators,
    same optional parts): the digits vary, everything between them is literal. It matches a
    subset of what the layout's expression matches, with the same groups, several times
    faster; lines it does not match are tried with the layout's expression."""
    text = found.group(0)
    marks: list[tuple[int, int, str]] = []
    for outer in ("date", "time"):
        start, end = found.span(outer)
        marks += [(start, 0, "(" + outer), (end, 2, ")")]
    for inner in _INNER:
        start = found.start(inner)
        if start >= 0:
            marks.append((start, 1, inner))
    marks.sort()
    parts: list[str] = []
    pos = 0
    for at, _rank, what in marks:
        if at > pos:
            parts.append(re.escape(text[pos:at]))
            pos = at
        if what.startswith("("):
            parts.append(f"(?P<{what[1:]}>")
        elif what == ")":
            parts.append(")")
        else:
            value = found[what]
            plain = value.isascii() and value.isdigit()
            parts.append(_ASCII[what] if plain and what in _ASCII else _INNER[what])
            pos = found.end(what)
    parts.append(re.escape(text[pos:]))
    # the groups this shape lacks still exist (never matching), so found["s"] is None
    parts += [f"(?P<{name}>{_NEVER[3:-2]})?" for name in _INNER if found.start(name) < 0]
    return "".join(parts)


#: the layout expression's group names, and the names they have in :func:`finder`'s
#: second branch
GROUPS = ("date", "time", "d1", "d2", "d3", "h", "mi", "s", "ap", "bp")
GENERAL_GROUPS = tuple("g_" + name for name in GROUPS)
_NAMED = re.compile(r"\(\?P<(\w+)>")
#: a group that never matches, once its name is gone (see :func:`shape`)
_NEVER = "(?:(?!))?"


def unnamed(pattern: str) -> str:
    """``pattern`` with its named groups made non-capturing (and those that never match,
    see :func:`shape`, gone)."""
    return _NAMED.sub("(?:", pattern).replace(_NEVER, "")


def finder(layout: str, tight: re.Pattern[str] | None) -> str:
    """An expression that finds header lines in a block of text, each from its ``"\\n"``
    (the block must start with one): the tight shape first, then the layout's expression,
    whose groups are then named ``g_date``, ``g_time``…; compile with ``re.MULTILINE``.
    Exactly the lines that ``tight.match(line) or layout.match(line)`` accepts after
    invisible marks at the line's start."""
    general = LAYOUTS[layout].pattern
    if tight is None:
        return rf"\n{INVISIBLE_CLASS}*(?:{general})"
    renamed = _NAMED.sub(lambda found: f"(?P<g_{found[1]}>", general)
    return rf"\n{INVISIBLE_CLASS}*(?:{tight.pattern}|{renamed})"


#: a header's date or time alone (to read its fields when a cache misses)
DATE_ONLY = re.compile(_DATE)
TIME_ONLY = re.compile(_TIME)


def splitter(layout: str, tight: re.Pattern[str] | None, names: tuple[str, ...] = ()) -> str:
    """An expression to ``split`` a block of text (starting with ``"\\n"``) at its header
    lines, which are exactly the lines :func:`finder` finds. The pieces are: the text before
    the first header, then for each message five: its header's ``date`` and ``time`` as
    written (when the tight shape matched it; else None), ``general`` (the whole header,
    when only the layout's expression matched it; else None), ``who`` (the sender, when the
    header is followed by one of ``names`` and ": "; else None) and its body: the rest of
    the header line (after the sender, if ``who`` is set) and the continuation lines, up to
    the next header line. Compile with ``re.MULTILINE``."""
    general = unnamed(LAYOUTS[layout].pattern)
    who = "(?P<who>(?!))?"
    if names:
        alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
        who = f"(?:(?P<who>{alternatives}):[ ])?"
    if tight is None:
        return rf"\n{INVISIBLE_CLASS}*(?P<date>(?!))?(?P<time>(?!))?(?P<general>{general}){who}"
    narrow = _NAMED.sub(
        lambda found: found[0] if found[1] in ("date", "time") else "(?:", tight.pattern
    ).replace(_NEVER, "")
    return rf"\n{INVISIBLE_CLASS}*(?:{narrow}|(?P<general>{general})){who}"

"""KakaoTalk chat export: the shapes and words KakaoTalk writes, in Korean and English.

Layouts (:data:`LAYOUTS`; the first pass picks the one most of the first lines match):

================  ==========================================================================
``ko``            ``2026년 4월 25일 오후 3:20, 김민수 : 어디야?`` (phone, Korean)
``dots``          ``2022. 12. 31. 오후 8:21, 김민수 : 뭐해`` (iPhone; notices end the time
                  with ``:`` instead of ``,``), also ``2022. 12. 31. 8:21 PM, …`` in English
``en``            ``January 15, 2024, 2:30 PM, John : hi`` and ``Jan 15, 2024 at 2:30 PM, …``
``pc``            ``[김민수] [오후 3:20] 안녕`` under ``--------------- 2024년 1월 15일 월요일
                  ---------------`` separators (the PC app), also ``[John] [2:30 PM] hi``
================  ==========================================================================

The CSV export of the PC app (``Date,User,Message``) is read by the importer directly.

Calls are written as a message from whoever placed the call (:func:`call`): ``보이스톡
해요`` (a voice call was placed), ``보이스톡 00:12`` (it lasted 12 seconds), ``보이스톡
취소`` (the caller gave up), ``부재중 보이스톡`` (nobody answered), the same with
``페이스톡`` (video), and in English ``Voice Call 00:05:12``, ``Missed Voice Call``,
``Canceled Voice Call``, ``Face Talk``/``Video Call``…
"""

from __future__ import annotations

import re
from datetime import date

from safetrail.importers.base import CallOutcome

__all__ = [
    "CALL_PREFIXES",
    "DATES",
    "DELETED",
    "HEADING",
    "LAYOUTS",
    "PLACEHOLDERS",
    "SAVED",
    "STAMPS",
    "call",
    "chat_name",
    "date_parts",
    "heading_date",
    "is_notice",
    "placeholder",
    "split_stamp",
]

_TIME = r"(?:(?:오전|오후) ?)?\d{1,2}:\d{2}(?: ?[AaPp]\.?[Mm]\.?)?"
_MONTH = r"[A-Z][a-z]{2,8}\.?"

#: the date at the start of a message line, and what comes between it and the time
DATES = {
    "ko": (r"\d{4}년 \d{1,2}월 \d{1,2}일", " "),
    "dots": (r"\d{4}\. ?\d{1,2}\. ?\d{1,2}\.?", " "),
    "en": (rf"{_MONTH} \d{{1,2}}, \d{{4}}", "(?:,| at) "),
}
#: the date and time at the start of a message line, by layout
STAMPS = {name: f"{date}{between}{_TIME}" for name, (date, between) in DATES.items()}
#: layout → expression for the head of a message line: its date (group 1) and time
#: (group 2), and what follows them (group 3: ", " before a sender or a notice, ": " before
#: a notice); for the PC app's layout, the sender (group 1) and the time (group 2)
LAYOUTS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"({date}){between}({_TIME})(, |: )")
    for name, (date, between) in DATES.items()
}
LAYOUTS["pc"] = re.compile(r"\[([^\]\n]{1,100})\] \[([^\]\n]{3,16})\] ?")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip

_DATE_PARTS = re.compile(
    r"(?P<y>\d{4})년 (?P<m>\d{1,2})월 (?P<d>\d{1,2})일"
    r"|(?P<y2>\d{4})\. ?(?P<m2>\d{1,2})\. ?(?P<d2>\d{1,2})\.?"
    rf"|(?P<mon>{_MONTH}) (?P<d3>\d{{1,2}}), (?P<y3>\d{{4}})"
)


_SPLITS = tuple(re.compile(rf"({date}){between}({_TIME})") for date, between in DATES.values())


def split_stamp(text: str) -> tuple[str, str] | None:
    """A date and time as one text (``2024. 1. 15. 오후 3:20``) cut into the two."""
    for pattern in _SPLITS:
        found = pattern.fullmatch(text)
        if found is not None:
            return found[1], found[2]
    return None


def date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a message line's date as written (not checked to exist)."""
    found = _DATE_PARTS.fullmatch(text)
    if found is None:
        return None
    if found["y"]:
        return int(found["y"]), int(found["m"]), int(found["d"])
    if found["y2"]:
        return int(found["y2"]), int(found["m2"]), int(found["d2"])
    month = _MONTHS.get(found["mon"].rstrip(".").casefold())
    if month is None:
        return None
    return int(found["y3"]), month, int(found["d3"])


#: a day's heading (``2022년 10월 27일 목요일``, ``Monday, January 15, 2024``), alone on its
#: line or between dashes (the PC app)
HEADING = re.compile(
    r"(?:-{3,} ?)?"
    r"(?:(?P<y>\d{4})년 (?P<m>\d{1,2})월 (?P<d>\d{1,2})일(?: \S{1,4}요일)?"
    r"|(?P<y2>\d{4})\. ?(?P<m2>\d{1,2})\. ?(?P<d2>\d{1,2})\.?(?: \S{1,4}요일)?"
    rf"|(?:[A-Z][a-z]{{2,8}}, )?(?P<mon>{_MONTH}) (?P<d3>\d{{1,2}}), (?P<y3>\d{{4}}))"
    r"(?: ?-{3,})?"
)


def heading_date(text: str) -> date | str | None:
    """The day a heading line stands for; the heading itself (str) when that day does not
    exist; None when ``text`` is not a heading."""
    found = HEADING.fullmatch(text.strip())
    if found is None:
        return None
    try:
        if found["y"]:
            return date(int(found["y"]), int(found["m"]), int(found["d"]))
        if found["y2"]:
            return date(int(found["y2"]), int(found["m2"]), int(found["d2"]))
        month = _MONTHS.get(found["mon"].rstrip(".").casefold())
        if month is None:
            return text.strip().strip("- ")
        return date(int(found["y3"]), month, int(found["d3"]))
    except ValueError:
        return text.strip().strip("- ")


_CHAT_NAMES = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?P<n>.+?) ?님과 카카오톡 대화$",
        r"(?P<n>.+?) 카카오톡 대화$",
        r"(?i:kakaotalk chats? with) (?P<n>.+?)$",
        r"(?P<n>.+?) (?i:kakaotalk chats?)$",
    )
)


def chat_name(line: str) -> str | None:
    """The chat's name from the header's first line, or None when it is not a header."""
    text = line.strip()
    for pattern in _CHAT_NAMES:
        found = pattern.match(text)
        if found is not None:
            return found["n"].strip()
    return None


#: the export's time after its label (``저장한 날짜 : 2026-04-26 15:40:12``,
#: ``Saved Date : …``, ``Date Saved : …``)
SAVED = re.compile(
    r"(?:저장한 ?날짜|저장 ?일시|(?i:saved date|date saved|saved on))\s*:\s*(?P<value>\S.{3,60})"
)

#: texts KakaoTalk writes for a deleted message
DELETED = frozenset(
    {
        "삭제된 메시지입니다.",
        "삭제된 메시지입니다",
        "메시지가 삭제되었습니다.",
        "This message has been deleted.",
        "This message was deleted.",
        "Deleted message.",
        "Message deleted.",
    }
)

#: placeholder → what kind of file it stands for (None: nothing that comes as a file)
PLACEHOLDERS: dict[str, str | None] = {
    "사진": "photo",
    "Photo": "photo",
    "동영상": "video",
    "Video": "video",
    "음성메시지": "voice",
    "Voice Message": "voice",
    "Voice message": "voice",
    "이모티콘": None,
    "Emoticon": None,
    "Emoticons": None,
    "샵검색": None,
    "Sharp Search": None,
    "지도": None,
    "Map": None,
    "연락처": None,
    "Contact": None,
}
_PHOTOS = re.compile(r"(?:사진 (?P<a>\d{1,3})장|Photos? (?P<b>\d{1,3})|(?P<c>\d{1,3}) Photos)")
_FILE = re.compile(r"(?:파일|File): (?P<name>.+)")


def placeholder(text: str) -> tuple[str, str | None, str | None, int] | None:
    """(placeholder, kind of file, file name, how many files) of a placeholder text, or
    None when ``text`` is not one."""
    if text in PLACEHOLDERS:
        return text, PLACEHOLDERS[text], None, 1
    photos = _PHOTOS.fullmatch(text)
    if photos is not None:
        return text, "photo", None, int(photos["a"] or photos["b"] or photos["c"])
    found = _FILE.fullmatch(text)
    if found is not None:
        return text, "file", found["name"].strip(), 1
    return None


_NOTICE = re.compile(
    r".{1,100}(?:님이 .{0,200}(?:초대했습니다|초대하였습니다|나갔습니다|들어왔습니다|내보냈습니다)"
    r"|님을 내보냈습니다|님이 나갔습니다|님이 들어왔습니다)\.?"
    r"|.{1,100} (?:invited .{1,300}|left (?:this|the) chatroom|joined (?:this|the) chatroom"
    r"|has left|was removed from .{1,100}|removed .{1,100} from (?:this|the) chatroom)\.?"
)


def is_notice(text: str) -> bool:
    """Whether a line without a sender is a notice (invited, left, joined…)."""
    return _NOTICE.fullmatch(text.strip()) is not None


# --- calls ----------------------------------------------------------------------------------

_KO_CALL = r"(?:보이스톡|페이스톡|보이스 ?콜|영상 ?통화|음성 ?통화)"
_EN_CALL = r"(?i:voice ?call|video ?call|face ?talk|voice ?talk|voicetalk)"
_LENGTH = r"(?P<h>\d{1,2}:)?(?P<m>\d{1,3}):(?P<s>\d{2})"
#: (expression, outcome): the first that matches the whole text decides; a length makes the
#: call answered, whatever else the line says
_OUTCOMES: tuple[tuple[str, CallOutcome | None], ...] = (
    (rf"{_KO_CALL} ?{_LENGTH}", "answered"),
    (rf"{_EN_CALL}(?: \(?{_LENGTH}\)?)", "answered"),
    (rf"{_KO_CALL} ?(?:해요|했어요|시작|시작했습니다|걸기)\.?", None),
    (rf"{_EN_CALL}(?: (?i:started|starts))?\.?", None),
    (rf"(?:부재중 {_KO_CALL}|{_KO_CALL} ?(?:부재중|응답 ?없음))", "missed"),
    (rf"{_KO_CALL} ?취소(?:됨|했습니다)?\.?", "missed"),
    (rf"(?i:missed|unanswered|cancell?ed|no answer)[ :]+{_EN_CALL}\.?", "missed"),
    (rf"{_EN_CALL}[ :]+(?i:missed|cancell?ed|no answer|unanswered)\.?", "missed"),
    (rf"{_KO_CALL} ?거절(?:됨|했습니다)?\.?", "rejected"),
    (rf"(?i:declined|rejected)[ :]+{_EN_CALL}\.?", "rejected"),
    (rf"{_EN_CALL}[ :]+(?i:declined|rejected)\.?", "rejected"),
)
_CALLS = tuple((re.compile(pattern), outcome) for pattern, outcome in _OUTCOMES)
#: the first two characters of every call text (a message starting otherwise is no call)
CALL_PREFIXES = frozenset(
    {"보이", "페이", "부재", "영상", "음성", "Vo", "vo", "VO", "Vi", "vi", "VI", "Fa", "fa", "FA",
     "Mi", "mi", "MI", "Ca", "ca", "CA", "Un", "un", "UN", "No", "no", "NO", "De", "de", "DE",
     "Re", "re", "RE"}
)  # fmt: skip


def call(text: str) -> tuple[CallOutcome | None, int | None] | None:
    """A call line's outcome (None when the line only says a call was placed) and length in
    seconds (None when not given), or None when ``text`` is not a call."""
    if len(text) > 40 or text[:2] not in CALL_PREFIXES:
        return None
    for pattern, outcome in _CALLS:
        found = pattern.fullmatch(text)
        if found is not None:
            if outcome != "answered":
                return outcome, None
            hours = int(found["h"][:-1]) if found["h"] else 0
            return outcome, hours * 3600 + int(found["m"]) * 60 + int(found["s"])
    return None

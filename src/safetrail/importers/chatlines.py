"""Chat exports written as lines of text (LINE, KakaoTalk): what their importers share.

* :class:`People`: who is "me" and who the other person is, from the chat's name in the
  export's header, the first senders and ``ParseOptions.me`` (the same rule as WhatsApp:
  when the header names the chat and exactly two people wrote in it, one of them under
  that name, the other one is the person who exported it).
* :class:`Records`: makes :class:`~safetrail.importers.base.ParsedRecord` objects with as
  little work per record as possible: the fields that differ are set at once through the
  slots' setters, the ones shared by many records are set for a whole block in one sweep
  (:meth:`Records.finish`). Without slot setters it falls back on the dataclass.
* :func:`read_clock`: a time of day in the forms phones write (``21:05``, ``9:05 PM``,
  ``09:05PM``, ``午前9:05``, ``午後0:15``, ``오전 12:30``, ``下午9:05``), with every
  ambiguous 12-hour form read the same way in every language (see there).
* :class:`MediaIndex`: the photos, videos and voice notes of a .zip export, found again by
  the minute in their file names, so a placeholder such as ``[Photo]`` or ``사진`` can be
  linked to the file that came with it.
* :func:`sender_finder`: the first pass's search for senders not seen yet (one regular
  expression over the whole file, rebuilt only when a new name turns up).
* :class:`NameSplitter` and :func:`learn_names`: where the sender ends on a line that
  separates the sender from the text by a space only (names may hold spaces): by the names
  known from elsewhere in the file, or learned from how lines repeat.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import repeat
from pathlib import PurePosixPath
from typing import Final

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    CallOutcome,
    Direction,
    ParsedRecord,
    RecordKind,
    Skipped,
    Source,
)
from safetrail.importers.whatsapp_build import (
    BROKEN,
    CACHE_LIMIT,
    MAX_TEXT,
    NOT_FOUND,
    NOT_INCLUDED,
    READ_FAILED,
    TOO_BIG,
    TOO_BIG_NOTE,
    TOO_LONG,
    me_and_partner,
    media_type,
)
from safetrail.importers.whatsapp_scan import chunks, open_or_refuse
from safetrail.importers.whatsapp_slots import SETTERS

__all__ = [
    "BAD_DATE",
    "BAD_TIME",
    "BROKEN",
    "CACHE_LIMIT",
    "LINE_DATE",
    "MAX_TEXT",
    "NOBODY",
    "NOT_FOUND",
    "NOT_INCLUDED",
    "NO_DATE",
    "PREAMBLE",
    "READ_FAILED",
    "TOO_LONG",
    "MediaIndex",
    "NameSplitter",
    "People",
    "Person",
    "Records",
    "Setter",
    "clean_name",
    "learn_names",
    "line_setters",
    "no_setter",
    "read_clock",
    "read_failed",
    "sample_lines",
    "sender_finder",
    "uncounted",
]

#: distinct names the first pass looks for at most (more would only come from damage)
MAX_REBUILDS = 200

PREAMBLE = N_("This line does not belong to any message; it was not read.")
NO_DATE = N_("This message comes before any date line, so its day is unknown; it was not read.")
BAD_DATE = N_("The date {date} does not exist; the messages under it were not read.")
LINE_DATE = N_("The date {date} does not exist; the message on this line was not read.")
BAD_TIME = N_("The time {time} does not exist; the message on this line was not read.")


def read_failed(position: str, exc: Exception) -> Skipped:
    """The item that ends a file's readable part at ``position``, saying why."""
    reason = str(exc) or type(exc).__name__
    return Skipped(position, _(READ_FAILED).format(reason=reason), rest_lost=True)


def sample_lines(source: Source, limit: int) -> list[str]:
    """The first ``limit`` whole lines of a text file (all of them when it has fewer)."""
    with open_or_refuse(source) as text:
        lines: list[str] = []
        for work, _giant in chunks(text):
            lines.extend(work.split("\n")[:-1])
            if len(lines) >= limit:
                break
    return lines[:limit]


#: sets one field of a record in place (the fast path)
Setter = Callable[[ParsedRecord, object], None]
#: (sender, direction, counterpart) of one name as written in the chat
Person = tuple[str | None, Direction | None, str | None]
NOBODY: Final[Person] = (None, None, None)

_NAME_STRIP = (
    "\ufeff\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069 \t\u00a0"
)


def clean_name(raw: str) -> str | None:
    """A sender's name as written, without invisible marks and outer spaces; None when
    nothing is left or it is too long to be a name."""
    name = raw.strip(_NAME_STRIP)
    if not name or len(name) > 100:
        return None
    return name


class People:
    """Who wrote each message, as (sender, direction, counterpart), by name as written.

    ``me`` (``ParseOptions.me``) wins when given. Otherwise, when the export's header
    names the chat, at most two people wrote in it and one of them under the chat's name,
    the other one is "me". Messages from "me" are outgoing with the other person as
    counterpart (None in a group); everyone else's are incoming with their own name as
    counterpart. When nobody can be told to be "me", the direction is None and the
    counterpart is the sender."""

    def __init__(
        self, chat: str | None, senders: tuple[str, ...], many: bool, me: str | None
    ) -> None:
        me, partner = me_and_partner(chat, senders, many, me)
        self.me = me
        self.me_fold = me.casefold() if me is not None else None
        self.partner = partner
        self.cache: dict[str, Person] = {}

    def person(self, raw: str) -> Person:
        known = self.cache.get(raw)
        if known is not None:
            return known
        found: Person
        name = clean_name(raw)
        if name is None:
            found = NOBODY
        elif self.me_fold is not None and name.casefold() == self.me_fold:
            found = (name, "outgoing", self.partner)
        elif self.me_fold is not None or name == self.partner:
            found = (name, "incoming", name)
        else:
            found = (name, None, name)
        if len(self.cache) < CACHE_LIMIT:
            self.cache[raw] = found
        return found

    def myself(self, written: str) -> Person:
        """The person exporting, for lines that say "You …" without a name."""
        if self.me is not None:
            return (self.me, "outgoing", self.partner)
        return (written, "outgoing", self.partner)


# --- clocks -----------------------------------------------------------------------------

_AM = frozenset({"am", "a.m.", "午前", "오전", "上午", "ก่อนเที่ยง"})
_PM = frozenset({"pm", "p.m.", "午後", "오후", "下午", "หลังเที่ยง"})
_MARK = "AM|PM|am|pm|a\\.m\\.|p\\.m\\.|午前|午後|오전|오후|上午|下午|ก่อนเที่ยง|หลังเที่ยง"
_CLOCK = re.compile(
    rf"(?P<b>{_MARK})?[ \u00a0\u202f]?(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?"
    rf"[ \u00a0\u202f]?(?P<a>{_MARK})?"
)


def read_clock(text: str) -> time | str | None:
    """The time of day ``text`` stands for; a reason (str) when it has the shape of a time
    that does not exist; None when it is not a time at all.

    12-hour forms, in every language alike: the marker's half of the day wins and the
    hour is read modulo 12, so ``12:05 AM``, ``午前0:05``, ``午前12:05``, ``오전 12:05``
    are 00:05 and ``12:05 PM``, ``午後0:05``, ``午後12:05``, ``오후 12:05`` are 12:05. An
    afternoon marker before a 24-hour hour (``午後13:05``) is 13:05; a morning marker
    before one is impossible."""
    found = _CLOCK.fullmatch(text.strip())
    if found is None:
        return None
    marker = found["b"] or found["a"]
    if found["b"] and found["a"]:
        return _(BAD_TIME).format(time=text.strip())
    hour, minute = int(found["h"]), int(found["m"])
    second = int(found["s"]) if found["s"] else 0
    if marker is not None:
        pm = marker.casefold() in _PM
        if hour <= 12:
            hour = hour % 12 + (12 if pm else 0)
        elif not pm:
            hour = 99
    if hour > 23 or minute > 59 or second > 59:
        return _(BAD_TIME).format(time=text.strip())
    return time(hour, minute, second)


# --- records ----------------------------------------------------------------------------


def no_setter(record: ParsedRecord, value: object) -> None:  # pragma: no cover
    """Stands in for a slot setter where the shortcut cannot run (it never is called)."""
    raise AssertionError("the shortcut runs only with slot setters")


def line_setters() -> tuple[Setter, Setter, Setter]:
    """The fast setters of a record's position, time and text, or :func:`no_setter` three
    times where the fast path is off."""
    if SETTERS is None:
        return no_setter, no_setter, no_setter
    return SETTERS[0], SETTERS[3], SETTERS[9]


@dataclass
class Records:
    """Makes the records of one export; see the module's docstring."""

    channel: str
    thread: str | None
    people: People
    suffix: str = ""
    plain: list[ParsedRecord] = field(default_factory=list)
    buckets: dict[str, list[ParsedRecord]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._sweep: Callable[[Iterable[None]], None] = deque[None](maxlen=0).extend

    def position(self, number: int) -> str:
        return f"line {number}{self.suffix}"

    def message(self, number: int, at: datetime, name: str, text: str) -> ParsedRecord | None:
        """An ordinary message from ``name`` (as written): made at once, its sender's and
        shared fields set by :meth:`finish`. None when ``name`` is not a name."""
        bucket = self.buckets.get(name)
        if bucket is None:
            if self.people.person(name)[0] is None or len(self.buckets) >= CACHE_LIMIT:
                return None
            bucket = self.buckets[name] = []
        if SETTERS is None:
            sender, direction, counterpart = self.people.person(name)
            return self.make(number, "message", at, (sender, direction, counterpart), text, False)
        record: ParsedRecord = object.__new__(ParsedRecord)
        SETTERS[0](record, f"line {number}{self.suffix}")
        SETTERS[3](record, at)
        SETTERS[9](record, text)
        bucket.append(record)
        self.plain.append(record)
        return record

    def make(
        self,
        number: int,
        kind: RecordKind,
        at: datetime,
        person: Person,
        text: str | None,
        system: bool,
        outcome: CallOutcome | None = None,
        duration: int | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> ParsedRecord:
        sender, direction, counterpart = person
        return ParsedRecord(
            position=f"line {number}{self.suffix}",
            kind=kind,
            channel=self.channel,
            at=at,
            direction=direction,
            counterpart=counterpart,
            sender=sender,
            text=text,
            duration=duration,
            outcome=outcome,
            thread=self.thread,
            system=system,
            attachments=attachments,
        )

    def finish(self) -> None:
        """Set the shared fields of every record :meth:`message` made since the last call."""
        if SETTERS is None or not self.plain:
            return
        sweep, plain = self._sweep, self.plain
        shared = (
            (1, "message"), (2, self.channel), (6, None), (8, ()), (10, None), (11, None),
            (12, None), (13, False), (14, self.thread), (15, None), (16, False), (17, ()),
        )  # fmt: skip
        for index, value in shared:
            sweep(map(SETTERS[index], plain, repeat(value)))
        plain.clear()
        person = self.people.person
        for raw, bucket in self.buckets.items():
            if bucket:
                sender, direction, counterpart = person(raw)
                sweep(map(SETTERS[7], bucket, repeat(sender)))
                sweep(map(SETTERS[4], bucket, repeat(direction)))
                sweep(map(SETTERS[5], bucket, repeat(counterpart)))
                bucket.clear()

    def set_text(self, record: ParsedRecord, text: str | None) -> ParsedRecord:
        """The same record with another text (continuation lines arrived)."""
        if SETTERS is not None:
            SETTERS[9](record, text)
            return record
        return _replace_text(record, text)


def _replace_text(record: ParsedRecord, text: str | None) -> ParsedRecord:
    from dataclasses import replace

    return replace(record, text=text)


# --- media --------------------------------------------------------------------------------

#: a date and a time to the minute inside a file name (20240115_152033, 2024-01-15-15-20-33…)
_STAMP = re.compile(r"(20\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)[-_. T]?([0-2]\d)[-_.]?([0-5]\d)")
_KINDS = {"image": "photo", "video": "video", "audio": "voice"}
#: at most this many media files are indexed (more than any real export holds)
MAX_MEDIA = 100_000


class MediaIndex:
    """The media files next to a chat (in its .zip or folder), by minute and kind.

    A placeholder (``[Photo]``, ``사진``…) of a message written at 15:20 on 15 January
    2024 is linked to the first file not linked yet whose name holds that minute
    (``KakaoTalk_20240115_152033123.jpg``, ``LINE_P20240115_152041.jpg``…) and whose
    kind (photo, video, voice) matches. A file placeholder naming a file is linked to that
    file. Placeholders that find no file are kept noted "not included in the export"."""

    def __init__(self, source: Source, max_bytes: int) -> None:
        self.source = source
        self.max_bytes = max_bytes
        self.by_minute: dict[tuple[str, str], deque[str]] = {}
        self.extra: list[Skipped] = []
        self.not_included = _(NOT_INCLUDED)
        self.not_found = _(NOT_FOUND)
        try:
            members = source.members()
        except SafetrailError:
            raise
        except Exception:
            members = []
        for member in members[:MAX_MEDIA]:
            name = PurePosixPath(member.replace("\\", "/")).name
            kind = _KINDS.get((media_type(name) or "").split("/")[0])
            found = _STAMP.search(name)
            if kind is None or found is None:
                continue
            minute = "".join(found.groups())
            self.by_minute.setdefault((minute, kind), deque()).append(member)

    def __bool__(self) -> bool:
        return bool(self.by_minute)

    def placeholder(self, text: str, kind: str | None, at: datetime, number: int) -> Attachment:
        """The attachment a placeholder stands for (linked when its file is here)."""
        if kind is not None and self.by_minute:
            waiting = self.by_minute.get((at.strftime("%Y%m%d%H%M"), kind))
            if waiting:
                return self.member(waiting.popleft(), number)
        return Attachment(name=text, note=self.not_included)

    def placeholders(
        self, text: str, kind: str | None, at: datetime, number: int, count: int
    ) -> tuple[Attachment, ...]:
        """Up to ``count`` files for one placeholder ("사진 3장": three photos); the
        placeholder itself when none of them is here."""
        found: list[Attachment] = []
        if kind is not None and self.by_minute:
            waiting = self.by_minute.get((at.strftime("%Y%m%d%H%M"), kind))
            while waiting and len(found) < count:
                found.append(self.member(waiting.popleft(), number))
        return tuple(found) or (Attachment(name=text, note=self.not_included),)

    def member(self, name: str, number: int) -> Attachment:
        """A file the chat names, linked when it is next to the chat."""
        kind = media_type(name)
        try:
            sibling = self.source.sibling(name)
        except SafetrailError:
            raise
        except Exception:
            sibling = None
        label = PurePosixPath(name.replace("\\", "/")).name
        if sibling is None:
            return Attachment(name=label, media_type=kind, note=self.not_found)
        if sibling.size > self.max_bytes:
            size = sibling.size // (1024 * 1024)
            limit = self.max_bytes // (1024 * 1024)
            self.extra.append(
                Skipped(f"line {number}", _(TOO_BIG).format(name=label, size=size, limit=limit))
            )
            return Attachment(name=label, media_type=kind, note=_(TOO_BIG_NOTE).format(size=size))
        return Attachment(name=label, media_type=kind, member=sibling.member)


# --- the first pass -------------------------------------------------------------------------


class SenderFinder:
    """Finds the lines whose sender has not been seen yet, and only those: the expression
    excludes every name already seen, so a chat between two people costs one scan of the
    file inside the regular-expression engine and no Python work per line.

    ``head`` is the expression for what comes before the name from the start of its line
    (a leading ``^`` is taken for the newline before the line), ``tail`` what follows it
    (the name itself is ``(?P<raw>…)`` of ``name``)."""

    def __init__(self, head: str, name: str, tail: str, limit: int = 3) -> None:
        head = "\n" + head.removeprefix("^")
        self.head, self.name, self.tail = head, name, tail
        self.limit = limit
        self.known: list[str] = []
        self.found: list[str] = []
        self.pattern = self._compile()
        self.gave_up = False

    def _compile(self) -> re.Pattern[str]:
        exclude = ""
        if self.known:
            names = "|".join(map(re.escape, sorted(self.known, key=len, reverse=True)))
            exclude = f"(?!(?:{names}){self.tail})"
        return re.compile(f"{self.head}{exclude}(?P<raw>{self.name}){self.tail}", re.MULTILINE)

    def wants_more(self) -> bool:
        return not self.gave_up and len(self.found) < self.limit

    def scan(self, block: str) -> None:
        """Look for new senders in ``block`` (whole lines)."""
        block = "\n" + block  # the head starts with a newline: a literal search finds lines
        position = 0
        while self.wants_more():
            found = self.pattern.search(block, position)
            if found is None:
                return
            raw = found["raw"]
            self.known.append(raw)
            name = clean_name(raw)
            if name is not None and name not in self.found:
                self.found.append(name)
            position = found.end()
            if len(self.known) > MAX_REBUILDS:
                self.gave_up = True  # hostile: names without end; keep what we have
                return
            self.pattern = self._compile()


def sender_finder(head: str, name: str, tail: str, limit: int = 3) -> SenderFinder:
    """Finds up to ``limit`` senders (see :class:`SenderFinder`)."""
    return SenderFinder(head, name, tail, limit)


# --- senders separated from their text by a space only ------------------------------------

#: a known name is looked for among at most this many words at the start of a line
MAX_NAME_WORDS = 6
#: a name is learned from at most this many words
MAX_LEARNED_WORDS = 4
#: a name is learned only when at least this many lines start with it
MIN_LINES = 3


class NameSplitter:
    """Splits ``name text`` (one space between them, spaces inside names) by the names it
    knows: the name is the one known name the line starts with, followed by a space or the
    end of the line. None when no known name fits, and when more than one does (``Kim`` and
    ``Kim Min-jun`` both known and the line reads ``Kim Min-jun …``): the sender cannot be
    decided, and the caller keeps the line without one."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.words = 0
        for name in names:
            self.add(name)

    def add(self, raw: str) -> None:
        name = clean_name(raw)
        if name is None or name in self.names:
            return
        words = name.count(" ") + 1
        if words <= MAX_NAME_WORDS:
            self.names.add(name)
            self.words = max(self.words, words)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def split(self, rest: str) -> tuple[str, str] | None:
        names = self.names
        found: tuple[str, str] | None = None
        cut = -1
        for _word in range(self.words):
            cut = rest.find(" ", cut + 1)
            head = rest if cut < 0 else rest[:cut]
            if head in names:
                if found is not None:
                    return None  # two known names fit: undecided
                found = (head, "" if cut < 0 else rest[cut + 1 :])
            if cut < 0:
                break
        return found

    def fits(self, rest: str) -> bool:
        """Whether at least one known name starts ``rest`` (decided or not)."""
        names = self.names
        cut = -1
        for _word in range(self.words):
            cut = rest.find(" ", cut + 1)
            if (rest if cut < 0 else rest[:cut]) in names:
                return True
            if cut < 0:
                break
        return False


_END = "\n"  # stands for the end of a line among the words that follow a prefix


def learn_names(rests: Iterable[str]) -> list[str]:
    """Names learned from how lines start, for lines no known name fits.

    The lines are grouped by their first word. Within a group, the words every line shares
    belong to the name (``佐藤 美咲 …`` on every line: ``佐藤 美咲``); where the lines part,
    the name ends if what follows looks like the start of free text: at least
    :data:`MIN_LINES` lines, at least two different next words, and at least half of those
    words found on one line only. Lines that part into a few words each found on many lines
    (``山田 太郎 …``, ``山田 花子 …``: people sharing a family name) teach nothing, so that
    two people are never taken for one: their lines stay without a sender."""
    counts: Counter[tuple[str, ...]] = Counter()
    after: dict[tuple[str, ...], Counter[str]] = {}
    for rest in rests:
        words = rest.split(" ", MAX_LEARNED_WORDS + 1)
        for depth in range(1, min(len(words), MAX_LEARNED_WORDS) + 1):
            prefix = tuple(words[:depth])
            counts[prefix] += 1
            after.setdefault(prefix, Counter())[words[depth] if depth < len(words) else _END] += 1
    learned: list[str] = []
    for prefix, count in counts.items():
        if len(prefix) != 1 or count < MIN_LINES:
            continue
        node: tuple[str, ...] = prefix
        while True:
            following = after[node]
            if len(following) == 1 and _END not in following:
                if len(node) >= MAX_LEARNED_WORDS:
                    break  # every line shares more words than a name has: no name
                node = (*node, next(iter(following)))
                continue
            once = sum(1 for seen in following.values() if seen == 1)
            if len(following) >= 2 and once * 2 >= len(following) and node[-1] != "":
                name = clean_name(" ".join(node))
                if name is not None:
                    learned.append(name)
            break
    return learned


@contextmanager
def uncounted(source: Source) -> Iterator[None]:
    """Leave the bytes a first pass reads out of the source's progress count (sources
    that count what is read have a ``counter``), so that the progress of an import follows
    the pass that makes the records instead of passing 100 % halfway."""
    counter = getattr(source, "counter", None)
    before = getattr(counter, "consumed", None)
    try:
        yield
    finally:
        if isinstance(before, int):
            counter.consumed = before  # type: ignore[union-attr]

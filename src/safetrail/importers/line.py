"""LINE "Export chat history" (「トーク履歴を送信」): the chat as a UTF-8 text file.

The file starts with a header (``[LINE] 田中とのトーク履歴`` and ``保存日時：2026/04/26
15:40``, in the phone's language), then a date heading per day (``2025/04/18(金)``) and a
line per message: ``HH:MM<TAB>sender<TAB>text``, the time in 24-hour or 12-hour form
(``09:30AM``, ``午前9:30``…; see :func:`.chatlines.read_clock`). The words LINE writes
are in :mod:`.line_text`.

Every message becomes one record: ``channel="line"``, ``at`` the phone's wall-clock time
(naive: the import puts it in the vault's time zone, or the one the person gives),
``sender`` the name as written, ``thread`` the chat's name from the header, ``position``
"line N" and, when the header says when the export was saved, that time as written
("line 12 (export saved 2026/04/26 15:40)").

* A message with line breaks is wrapped in double quotes across lines; the quotes are
  removed (and ``""`` inside read as ``"``). Lines that look like date headings inside the
  quotes are part of the text.
* Placeholders (``[写真]``, ``[Sticker]``…) become an attachment and no text; in a .zip or
  folder with the media, the file of the same minute and kind is linked
  (:class:`.chatlines.MediaIndex`).
* Calls (``☎ 通話時間 1:23``) are ``kind="call"``, ``outcome="answered"`` with their
  duration; missed, cancelled and unanswered calls are ``outcome="missed"``.
* Unsent messages (``田中がメッセージの送信を取り消しました``) are kept as a message from
  that person with ``system=True`` and the line as text.
* Notices (two columns: a time and a text: joined, left, album created…) have
  ``system=True`` and no sender.

Who is "me": see :class:`.chatlines.People`. Days written with the year last
(``Sun, 26/04/2026``) are read day first unless a date in the file has a first field above
12 ... or its second field is; when nothing decides, day first, or month first when the
times use AM/PM; ``ParseOptions.day_first`` overrides.

The file is read twice in blocks of whole lines: first the header, the day/month order and
the first three senders, then the records. Memory stays bounded: one block, its records,
the message running past its end (at most :data:`.chatlines.MAX_TEXT` characters) and
caches that stop growing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePosixPath

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, _
from safetrail.importers.base import (
    ImportFormatError,
    Item,
    ParsedRecord,
    ParseOptions,
    Probe,
    Skipped,
    Source,
)
from safetrail.importers.chatlines import (
    BAD_DATE,
    BROKEN,
    CACHE_LIMIT,
    MAX_TEXT,
    NO_DATE,
    NOBODY,
    PREAMBLE,
    TOO_LONG,
    MediaIndex,
    NameSplitter,
    People,
    Person,
    Records,
    learn_names,
    line_setters,
    read_clock,
    read_failed,
    sample_lines,
    sender_finder,
    uncounted,
)
from safetrail.importers.line_text import (
    HEADING,
    MESSAGE_HEAD,
    PLACEHOLDERS,
    SAVED,
    SPACED,
    UNSENT_ENDINGS,
    YOU,
    call,
    chat_name,
    notice,
    unsent,
)
from safetrail.importers.whatsapp_scan import chunks, open_or_refuse, open_text
from safetrail.importers.whatsapp_slots import SETTERS

__all__ = ["IMPORTERS", "LineImporter", "LinePlan", "describe"]

NOT_LINE = N_(
    "No line near the start of {name} looks like a LINE chat history, so nothing was imported."
)
#: lines read from the start of the file to find the header and the first messages
SAMPLE_LINES = 400
#: a time before the first TAB of a message line is at most this long ("午後12:30", "12:30 PM")
MAX_TIME = 12
NO_SENDER = N_(
    "Who wrote this message cannot be told from the line: its name and text are separated "
    "by spaces only, and no name known from the rest of the chat fits. It was kept without a "
    "sender, with the whole line after the time as its text."
)
#: names of the chat read from tab-separated lines (for the space-separated ones) at most
MAX_NAMES = 200
#: space-separated lines the first pass learns names from at most
MAX_LEARN = 20_000
_MISSING = object()
_SPACED_LINES = re.compile(rf"^{SPACED.pattern}\r?$", re.MULTILINE)
#: the first characters a space-separated message line can start with (a cheap test)
_SPACED_FIRST = frozenset("0123456789AaPp午오上下")
#: the time of a space-separated line without a half-day marker after it
_BARE_TIME = re.compile(r"(?:(?:AM|PM|am|pm|午前|午後|오전|오후|上午|下午) ?)?\d{1,2}:\d{2}")


@dataclass(frozen=True, slots=True)
class LinePlan:
    """What the first pass learns about a file."""

    chat: str | None
    saved: str | None
    #: lines of the header (not read as messages)
    header_lines: int
    day_first: bool
    senders: tuple[str, ...]
    many_senders: bool
    #: the names a sender on a space-separated line is looked for among (empty when the
    #: file has no such lines near its start)
    names: tuple[str, ...] = ()


def _header(lines: list[str]) -> tuple[str | None, str | None, int, bool]:
    """(chat name, export time as written, header lines, whether a "[LINE]" line is there)."""
    chat: str | None = None
    saved: str | None = None
    count = 0
    marked = False
    for index, line in enumerate(lines[:6]):
        text = line.strip()
        if not text:
            continue
        if text.startswith("[LINE]") and not marked:
            marked, chat, count = True, chat_name(text), index + 1
            continue
        found = SAVED.match(text) if saved is None and "\t" not in line else None
        if found is not None and not HEADING.fullmatch(text):
            saved, count = found["value"].strip(), index + 1
            continue
        break
    return chat, saved, count, marked


def _order(a: str, b: str, c: str) -> bool | None:
    """True: day first; False: month first; None: this date does not decide."""
    if len(a) >= 3 or len(c) < 3:
        return None
    first, second = int(a), int(b)
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return None


def scan(source: Source, options: ParseOptions) -> LinePlan:
    """The first pass: header, day/month order and (when useful) the first three senders."""
    lines = sample_lines(source, SAMPLE_LINES)
    chat, saved, header_lines, marked = _header(lines)
    messages = sum(1 for line in lines if re.match(MESSAGE_HEAD, line))
    spaced = sum(1 for line in lines if SPACED.fullmatch(line.rstrip("\r")))
    if not marked and messages == 0 and spaced == 0:
        raise ImportFormatError(_(NOT_LINE).format(name=source.name))
    twelve_hour = any(
        re.match(r"\d{1,2}:\d{2} ?(?:AM|PM|am|pm)[\t ]", line) for line in lines[:SAMPLE_LINES]
    )
    headings = re.compile(rf"^{HEADING.pattern}$", re.MULTILINE)
    votes = {True: 0, False: 0}
    dated = [found for line in lines if (found := HEADING.fullmatch(line.strip()))]
    # year first (2025/04/18) needs no order; the order only matters for the year last
    decided = options.day_first is not None or (
        bool(dated) and all(len(found["a"]) >= 3 for found in dated)
    )
    finder = sender_finder(MESSAGE_HEAD, r"[^\t\n]{1,100}", r"\t")
    want = options.me is not None or chat is not None
    with open_or_refuse(source) as text:
        try:
            for work, _giant in chunks(text):
                block = work
                if not decided:
                    for found in headings.finditer(block):
                        order = _order(found["a"], found["b"], found["c"])
                        if order is not None:
                            votes[order] += 1
                    if votes[True] or votes[False]:
                        decided = True
                if want and finder.wants_more():
                    finder.scan(block)
                if decided and not (want and finder.wants_more()):
                    break
        except SafetrailError:
            raise
        except Exception:  # damage: the second pass reports it where it happens
            pass
    if options.day_first is not None:
        day_first = options.day_first
    elif votes[True] or votes[False]:
        day_first = votes[True] >= votes[False]
    else:
        day_first = not twelve_hour
    senders = tuple(finder.found)
    if not spaced:
        return LinePlan(chat, saved, header_lines, day_first, senders, len(senders) > 2)
    names, writing = _names(source, chat, options.me)
    for name in writing:
        if name not in senders:
            senders += (name,)
    return LinePlan(
        chat, saved, header_lines, day_first, senders[:3], len(senders) > 2, tuple(names)
    )


def _names(source: Source, chat: str | None, me: str | None) -> tuple[list[str], list[str]]:
    """For a file with space-separated message lines: the names their senders are looked
    for among, and the senders of those lines in the order they first write.

    Known: every sender of a tab-separated line, the chat's name from the header, ``me``,
    and the people named in "unsent a message" lines. Learned: see
    :func:`.chatlines.learn_names` (from the lines no known name fits)."""
    finder = sender_finder(MESSAGE_HEAD, r"[^\t\n]{1,100}", r"\t", MAX_NAMES)
    found_rests: list[tuple[str, str]] = []
    with open_or_refuse(source) as text:
        try:
            for work, _giant in chunks(text):
                if finder.wants_more():
                    finder.scan(work)
                if len(found_rests) < MAX_LEARN:
                    found_rests.extend(
                        (found["time"], found["rest"]) for found in _SPACED_LINES.finditer(work)
                    )
        except SafetrailError:
            raise
        except Exception:  # damage: the second pass reports it where it happens
            pass
    del found_rests[MAX_LEARN:]
    known = NameSplitter([*finder.found, *(name for name in (chat, me) if name)])
    rests = [_marker(written, rest, known)[1] for written, rest in found_rests]
    for rest in rests:
        if rest.endswith(UNSENT_ENDINGS) and (who := unsent(rest)):
            known.add(who)
    unknown = [
        rest
        for rest in rests
        if not known.fits(rest) and notice(rest) is None and not rest.endswith(UNSENT_ENDINGS)
    ]
    for name in learn_names(unknown):
        known.add(name)
    order: list[str] = []
    for rest in rests:
        found = known.split(rest)
        if found is not None and found[0] not in order and notice(rest) is None:
            order.append(found[0])
    return sorted(known.names), order


def describe(source: Source, options: ParseOptions | None = None) -> LinePlan:
    """What the first pass learns (the chat's name, the export's time, the day/month order
    and the first senders), e.g. to show before importing."""
    return scan(source, options or ParseOptions())


class LineImporter:
    name = "line"
    version = "1"
    label = N_("LINE chat history")

    def detect(self, probe: Probe) -> float:
        text = probe.head.decode("utf-8", errors="replace").replace("\ufeff", "")
        lines = text.splitlines()[:60]
        suffix = PurePosixPath(probe.name.replace("\\", "/")).suffix.lower()
        first = next((line.strip() for line in lines if line.strip()), "")
        if first.startswith("[LINE]"):
            score = 0.95
        else:
            messages = sum(1 for line in lines if re.match(MESSAGE_HEAD + r"[^\t]*\t", line))
            headings = sum(1 for line in lines if HEADING.fullmatch(line.strip()))
            spaced = sum(1 for line in lines if SPACED.fullmatch(line.rstrip("\r")))
            if messages >= 3 and headings >= 1:
                score = 0.8
            elif spaced >= 3 and headings >= 1:
                score = 0.7
            elif messages >= 1 and headings >= 1:
                score = 0.6
            else:
                return 0.0
        if suffix not in ("", ".txt"):
            score = min(score, 0.4)
        return score

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        return itertools.chain.from_iterable(self._blocks(source, options))

    def _blocks(self, source: Source, options: ParseOptions) -> Iterator[list[Item]]:
        with uncounted(source):
            plan = scan(source, options)
        yield from _Reader(source, options, plan).blocks()


class _Reader:
    """The second pass. The hot loop is :meth:`blocks`; anything unusual goes to a method."""

    def __init__(self, source: Source, options: ParseOptions, plan: LinePlan) -> None:
        self.source = source
        self.plan = plan
        self.people = People(plan.chat, plan.senders, plan.many_senders, options.me)
        suffix = f" (export saved {plan.saved})" if plan.saved else ""
        self.records = Records("line", plan.chat, self.people, suffix)
        self.media = MediaIndex(source, options.max_attachment_bytes)
        self.times: dict[str, time | str | None] = {}
        self.days: dict[str, date | str] = {}
        self.day: date | str = _(NO_DATE)
        self.out: list[Item] = []
        # the message still open (continuation lines may follow)
        self.current: ParsedRecord | None = None
        self.first = ""
        self.more: list[str] = []
        self.quoted = False
        self.absorbing = False  # continuation lines of a skipped message
        self.too_long = _(TOO_LONG).format(limit=f"{MAX_TEXT:,}")
        self.size = 0
        # senders of space-separated lines: the names of the first pass, and every sender
        # of a tab-separated line met since
        self.splitter = NameSplitter(plan.names)
        self.synced = 0
        self.no_sender = _(NO_SENDER)

    # -- dates and times --------------------------------------------------------------

    def clock(self, text: str) -> time | str | None:
        known = self.times.get(text, _MISSING)
        if known is _MISSING:
            known = read_clock(text) if len(text) <= MAX_TIME else None
            if len(self.times) < CACHE_LIMIT:
                self.times[text] = known
        return known  # type: ignore[return-value]

    def heading(self, line: str) -> bool:
        """Make ``line`` the current day if it is a date heading."""
        text = line.strip()
        if not text or len(text) > 40 or "\t" in text:
            return False
        known = self.days.get(text)
        if known is None:
            found = HEADING.fullmatch(text)
            if found is None:
                return False
            known = self._date(found["a"], found["b"], found["c"], text)
            if len(self.days) < CACHE_LIMIT:
                self.days[text] = known
        self.day = known
        return True

    def _date(self, a: str, b: str, c: str, text: str) -> date | str:
        try:
            if len(a) >= 3:
                return date(int(a), int(b), int(c))
            if len(c) < 3:
                raise ValueError(text)
            first, second = int(a), int(b)
            if self.plan.day_first:
                return date(int(c), second, first)
            return date(int(c), first, second)
        except ValueError:
            return _(BAD_DATE).format(date=text)

    # -- the loop -----------------------------------------------------------------------

    def blocks(self) -> Iterator[list[Item]]:
        """Every item, a block's list at a time. The loop takes the ordinary message (three
        columns, a time already seen on this day, a sender already seen, plain text) at
        once and hands every other line to :meth:`line`."""
        fast = SETTERS is not None
        set_position, set_at, set_text = line_setters()
        records = self.records
        buckets_get, keep = records.buckets.get, records.plain.append
        suffix = records.suffix
        new = object.__new__
        #: time as written → time of day (only times that exist)
        clocks: dict[str, time] = {}
        clocks_get = clocks.get
        combine = datetime.combine
        special = frozenset('"[☎☏')
        endings = UNSENT_ENDINGS
        lasts = frozenset(ending[-1] for ending in endings)
        number = 0
        try:
            opened = open_text(self.source)
        except SafetrailError:
            raise
        except Exception as exc:
            yield [read_failed("line 1", exc)]
            return
        with opened as text:
            try:
                current = self.current
                pending = quoted = False
                day = self.day
                dated = fast and isinstance(day, date)
                for work, giant in chunks(text):
                    lines = work.split("\n")
                    lines.pop()
                    add = self.out.append
                    first = number + 1
                    for number, line in enumerate(lines, first):
                        parts = line.split("\t", 2)
                        if quoted and len(parts) == 1:  # inside a quoted message
                            self._more(line)
                            if _closes(line):
                                quoted = False  # ended: a space-separated line may follow
                            continue
                        if dated and len(parts) == 3:
                            clock = clocks_get(parts[0])
                            if clock is not None and pending:  # finish the message before
                                self.current = current
                                self.close()
                                current, pending, quoted = None, False, False
                                day = self.day
                                dated = fast and isinstance(day, date)
                                if not dated:
                                    clock = None
                            if clock is not None:
                                body = parts[2]
                                bucket = buckets_get(parts[1])
                                if (
                                    bucket is not None
                                    and body
                                    and body[0] not in special
                                    and (body[-1] not in lasts or not body.endswith(endings))
                                ):
                                    record = new(ParsedRecord)
                                    set_position(record, f"line {number}{suffix}")
                                    set_at(record, combine(day, clock))  # type: ignore[arg-type]
                                    set_text(record, body)
                                    bucket.append(record)
                                    keep(record)
                                    add(record)
                                    current = record
                                    continue
                        self.current = current
                        found = self.line(number, line, parts)
                        day = self.day
                        dated = fast and isinstance(day, date)
                        if found is not None and len(clocks) < CACHE_LIMIT:
                            clocks[parts[0]] = found
                        current = self.current
                        quoted = self.quoted
                        pending = quoted or bool(self.more)
                    self.current = current
                    if giant:
                        self.cut(number)
                    yield self.ready()
            except SafetrailError:
                raise
            except Exception as exc:  # damage ends the readable part
                self.close()
                self.end()
                self.out.append(read_failed(f"line {number + 1}", exc))
                yield self.out
                return
        self.close()
        self.end()
        yield self.out

    def line(self, number: int, line: str, parts: list[str]) -> time | None:
        """Any line the loop did not take; its time of day when it is a message line
        whose time exists."""
        if len(parts) == 1:
            if line[:1] in _SPACED_FIRST and number > self.plan.header_lines:
                found = SPACED.fullmatch(line)
                if found is not None and self.spaced(number, found["time"], found["rest"]):
                    return None
            self.other(number, line, self.plan.header_lines)
            return None
        clock = self.clock(parts[0])
        if clock is None:
            self.other(number, line, self.plan.header_lines)
            return None
        if self.more or self.quoted:
            self.close()
        self.unusual(number, clock, parts)
        return clock if isinstance(clock, time) else None

    def current_index(self) -> int:
        """Where the open message is in ``self.out`` (it is near the end)."""
        out, current = self.out, self.current
        index = len(out) - 1
        while index >= 0 and out[index] is not current:
            index -= 1
        return index

    def ready(self) -> list[Item]:
        """The items of the block, but not the message still open (nor what follows it)."""
        self.records.finish()
        self.out.extend(self.media.extra)
        self.media.extra.clear()
        if self.current is None:
            done, self.out = self.out, []
            return done
        index = self.current_index()
        done = self.out[:index]
        self.out = self.out[index:]
        return done

    def end(self) -> None:
        self.records.finish()
        self.out.extend(self.media.extra)
        self.media.extra.clear()
        self.current = None

    def cut(self, number: int) -> None:
        if self.current is not None:
            self.out.append(Skipped(self.records.position(number), self.too_long))

    # -- unusual lines --------------------------------------------------------------------

    def other(self, number: int, line: str, header_lines: int) -> None:
        """A line that is not a message line: a continuation, a heading, the header…"""
        if self.current is not None:
            if self.quoted:
                self._more(line)
                return
            if line and self.heading(line):
                self.close()
                self.current = None
                return
            self._more(line)
            return
        if self.absorbing:
            if line and self.heading(line):
                self.absorbing = False
            return
        if not line.strip() or number <= header_lines:
            return
        if self.heading(line):
            return
        self.out.append(Skipped(self.records.position(number), _(PREAMBLE)))

    def _more(self, line: str) -> None:
        if self.size < MAX_TEXT:
            self.more.append(line)
            self.size += len(line) + 1
            if self.size >= MAX_TEXT:
                self.out.append(Skipped(self.current_position(), self.too_long))

    def current_position(self) -> str:
        record = self.current
        return record.position if record is not None else "line 0"

    def close(self) -> None:
        """The open message is complete: put its continuation lines into its text."""
        record = self.current
        more, self.more, self.size = self.more, [], 0
        quoted, self.quoted = self.quoted, False
        self.absorbing = False
        if record is None:
            return
        first = record.text or ""
        rest = 0  # where the lines after the message's text start in ``more``
        if quoted:
            end = next((i for i, text in enumerate(more) if _closes(text)), None)
            if end is not None:
                body = "\n".join([first[1:], *more[:end], more[end].rstrip(" ")[:-1]])
                self._set_text(body.replace('""', '"')[:MAX_TEXT])
                rest = end + 1
        if rest == 0 and more:
            body_lines = more
            rest = len(more)
            for index, line in enumerate(more):
                if line and self.heading(line):
                    body_lines, rest = more[:index], index + 1
                    break
            while body_lines and not body_lines[-1].strip():
                body_lines = body_lines[:-1]
            if body_lines:
                self._set_text("\n".join([first, *body_lines])[:MAX_TEXT])
        self.current = None
        start = _line_of(record) + 1
        for index in range(rest, len(more)):
            line = more[index]
            if not line.strip() or self.heading(line):
                continue
            self.out.append(Skipped(self.records.position(start + index), _(PREAMBLE)))

    def _set_text(self, text: str) -> None:
        record = self.current
        assert record is not None
        changed = self.records.set_text(record, text)
        if changed is not record:
            self.out[self.current_index()] = changed
            self.current = changed

    def unusual(self, number: int, clock: time | str, parts: list[str]) -> None:
        """A message line the shortcut did not take: a bad time or day, a notice, a call,
        a placeholder, an unsent message, a quoted text, or a name that is not a name."""
        self.current = None
        self.absorbing = True
        position = self.records.position(number)
        if isinstance(clock, str):
            self.out.append(Skipped(position, clock))
            return
        day = self.day
        if isinstance(day, str):
            self.out.append(Skipped(position, day))
            return
        try:
            at = datetime.combine(day, clock)
            record = self._record(number, at, parts)
        except Exception as exc:  # one bad message must not stop the import
            self.out.append(Skipped(position, _(BROKEN).format(reason=type(exc).__name__)))
            return
        self.absorbing = False
        self.current = record
        self.out.append(record)
        self.out.extend(self.media.extra)
        self.media.extra.clear()
        body = parts[2] if len(parts) == 3 else ""
        if body[:1] == '"' and record.text is body:
            self.quoted = len(body) == 1 or not _closes(body[1:])

    def spaced(self, number: int, written: str, rest: str) -> bool:
        """A message line whose fields are separated by spaces (the PC app): find its
        sender among the names known (:class:`.chatlines.NameSplitter`), or keep it without
        one, with a note saying why. False when it does not start with a time after all."""
        clock = self.clock(written)
        if not isinstance(clock, time) and written[-1:].isalpha():
            # "21:40 AM…": a 24-hour time before a name that starts like a half-day marker
            bare = _BARE_TIME.match(written)
            if bare is not None and isinstance(self.clock(bare[0]), time):
                rest = f"{written[bare.end() :].strip()} {rest}"
                written = bare[0]
                clock = self.clock(written)
        if clock is None:
            return False
        if self.more or self.quoted:
            self.close()
        splitter, buckets = self.splitter, self.records.buckets
        if len(buckets) != self.synced:
            for raw in itertools.islice(buckets, self.synced, None):
                splitter.add(raw)
            self.synced = len(buckets)
        if written[-1:].isalpha():
            plain, longer = _marker(written, rest, splitter)
            plain_clock = self.clock(plain)
            if longer is not rest and isinstance(plain_clock, time):
                written, rest, clock = plain, longer, plain_clock
        if rest.endswith(UNSENT_ENDINGS) and unsent(rest) is not None:
            self.unusual(number, clock, [written, rest])
            return True
        named = notice(rest)
        if named is not None and (named in splitter or not splitter.fits(rest)):
            self.unusual(number, clock, [written, rest])
            return True
        found = splitter.split(rest)
        if found is not None:
            self.unusual(number, clock, [written, found[0], found[1]])
            return True
        self.unknown(number, clock, rest)
        return True

    def unknown(self, number: int, clock: time | str, rest: str) -> None:
        """A message whose sender cannot be decided: kept, the whole rest as its text, and
        counted in the report with the reason."""
        self.current = None
        self.absorbing = True
        position = self.records.position(number)
        day = self.day
        if isinstance(clock, str) or isinstance(day, str):
            self.out.append(Skipped(position, clock if isinstance(clock, str) else str(day)))
            return
        at = datetime.combine(day, clock)
        record = self.records.make(number, "message", at, NOBODY, rest.strip(), False)
        self.absorbing = False
        self.current = record
        self.out.append(record)
        self.out.append(Skipped(position, self.no_sender))

    def _record(self, number: int, at: datetime, parts: list[str]) -> ParsedRecord:
        records = self.records
        if len(parts) == 2:  # two columns: a notice, or an unsent message
            text = parts[1].strip()
            who = unsent(text) if text.endswith(UNSENT_ENDINGS) else None
            if who is not None:
                return records.make(number, "message", at, self._who(who), text, True)
            return records.make(number, "message", at, NOBODY, text, True)
        name, body = parts[1], parts[2]
        person = self.people.person(name)
        if person[0] is None:
            return records.make(number, "message", at, NOBODY, body.strip() or None, True)
        if body.endswith(UNSENT_ENDINGS) and unsent(body) is not None:
            return records.make(number, "message", at, person, body, True)
        stripped = body.strip()
        found_call = call(stripped)
        if found_call is not None:
            outcome, duration = found_call
            return records.make(
                number, "call", at, person, stripped, False, outcome=outcome, duration=duration
            )
        if stripped.startswith(("☎", "☏")):
            return records.make(number, "message", at, person, stripped, True)
        if stripped.startswith("["):
            close = stripped.find("]")
            key = stripped[: close + 1]
            if close > 0 and key in PLACEHOLDERS:
                kind = PLACEHOLDERS[key]
                extra = stripped[close + 1 :].strip()
                if kind == "file" and extra:
                    attachment = self.media.member(extra, number)
                    return records.make(
                        number, "message", at, person, None, False, attachments=(attachment,)
                    )
                attachment = self.media.placeholder(key, kind, at, number)
                return records.make(
                    number, "message", at, person, extra or None, False, attachments=(attachment,)
                )
        if body:
            made = records.message(number, at, name, body)
            if made is not None:
                return made
        return records.make(number, "message", at, person, body or None, False)

    def _who(self, written: str) -> Person:
        if written.casefold() in YOU:
            return self.people.myself(written or "You")
        person = self.people.person(written)
        return person if person[0] is not None else NOBODY


def _marker(written: str, rest: str, names: NameSplitter) -> tuple[str, str]:
    """The time and the rest of a space-separated line, the half-day marker after the time
    given to the rest when a known name starts with it there and none starts the rest
    without it ("00:05 PM Kim …" in a 24-hour chat where "PM Kim" writes)."""
    if not written[-1:].isalpha() or names.fits(rest):
        return written, rest
    bare = _BARE_TIME.match(written)
    if bare is None or bare.end() >= len(written):
        return written, rest
    longer = f"{written[bare.end() :].strip()} {rest}"
    return (bare[0], longer) if names.fits(longer) else (written, rest)


def _closes(text: str) -> bool:
    """Whether a line of a quoted message ends it: an odd number of quotes at its end."""
    stripped = text.rstrip(" ")
    count = len(stripped) - len(stripped.rstrip('"'))
    return count % 2 == 1


def _line_of(record: ParsedRecord) -> int:
    try:
        return int(record.position.split(" ", 2)[1])
    except (IndexError, ValueError):
        return 0


IMPORTERS: tuple[LineImporter, ...] = (LineImporter(),)

"""KakaoTalk "Export chat" (대화 내보내기): a text file from the phone or the PC app, or
the PC app's CSV file.

The text file starts with a header (``김민수 님과 카카오톡 대화`` and ``저장한 날짜 :
2026-04-26 15:40:12``; in English ``KakaoTalk Chats with …`` and ``Saved Date :`` or
``Date Saved :``), then the messages in one of the layouts of :mod:`.kakaotalk_text`:
each line of a phone export carries its own date and time, the PC app writes a separator
per day and ``[name] [오후 3:20] text`` lines. The CSV file has the columns
``Date,User,Message``.

Every message becomes one record: ``channel="kakaotalk"``, ``at`` the phone's wall-clock
time (naive: the import puts it in the vault's time zone, or the one the person gives),
``sender`` the name as written, ``thread`` the chat's name from the header, ``position``
"line N" and, when the header says when the export was saved, that time as written
("line 12 (export saved 2026-04-26 15:40:12)").

* A message's text continues on the following lines until the next message line.
* Placeholders (``사진``, ``사진 3장``, ``동영상``, ``이모티콘``, ``파일: 계약서.pdf``…)
  become an attachment and no text; in a .zip or folder with the media, the file named
  (or of the same minute and kind) is linked (:class:`.chatlines.MediaIndex`).
* Deleted messages (``삭제된 메시지입니다.``) keep their sender and have ``system=True``.
* Voice and video calls (``보이스톡 00:12``, ``부재중 보이스톡``, ``Missed Voice Call``…; see
  :func:`.kakaotalk_text.call`) are ``kind="call"`` from whoever placed them, like
  WhatsApp's missed calls: ``outcome="answered"`` with the length in ``duration``,
  ``"missed"`` for missed and cancelled calls, ``"rejected"`` for declined ones, and None
  when the line only says a call was placed (``보이스톡 해요``); the text is the line as
  written.
* Notices (invitations, people leaving or joining) have ``system=True`` and no sender. In
  the PC app's export they carry no time: they get the time of the message before them
  on that day (the start of the day when there is none), which the docs say.

Who is "me": see :class:`.chatlines.People`.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
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
    LINE_DATE,
    MAX_TEXT,
    NO_DATE,
    NOBODY,
    PREAMBLE,
    TOO_LONG,
    MediaIndex,
    People,
    Records,
    line_setters,
    read_clock,
    read_failed,
    sample_lines,
    sender_finder,
    uncounted,
)
from safetrail.importers.kakaotalk_text import (
    CALL_PREFIXES,
    DELETED,
    LAYOUTS,
    PLACEHOLDERS,
    SAVED,
    STAMPS,
    call,
    chat_name,
    date_parts,
    heading_date,
    is_notice,
    placeholder,
    split_stamp,
)
from safetrail.importers.whatsapp_scan import chunks, open_or_refuse, open_text
from safetrail.importers.whatsapp_slots import SETTERS

__all__ = ["IMPORTERS", "KakaoPlan", "KakaoTalkImporter", "describe"]

NOT_KAKAO = N_(
    "No line near the start of {name} looks like a KakaoTalk chat, so nothing was imported."
)
BAD_ROW = N_("This row does not have the columns Date, User and Message; it was not read.")
BAD_STAMP = N_("The date and time {date} cannot be read; the message on this line was not read.")
ROW_TOO_LONG = N_(
    "This row is longer than SafeTrail reads in a CSV file ({limit} characters); it was skipped."
)
CSV_HEADER = ("date", "user", "message")
SAMPLE_LINES = 400
_MISSING = object()
#: texts that never take the shortcut (placeholders, deleted messages, calls)
_SPECIAL = frozenset(PLACEHOLDERS) | DELETED
_SPECIAL_PREFIXES = frozenset({"사진", "Ph", "파일", "Fi"}) | CALL_PREFIXES


@dataclass(frozen=True, slots=True)
class KakaoPlan:
    """What the first pass learns about a file."""

    layout: str  # "ko", "dots", "en", "pc" or "csv"
    chat: str | None
    saved: str | None
    header_lines: int
    senders: tuple[str, ...]
    many_senders: bool


def _is_csv_header(line: str) -> bool:
    cells = [cell.strip().strip('"').casefold() for cell in line.split(",")]
    return tuple(cells) == CSV_HEADER


def _layout(lines: list[str]) -> tuple[str | None, int]:
    hits = {name: 0 for name in LAYOUTS}
    for line in lines:
        for name, pattern in LAYOUTS.items():
            if pattern.match(line):
                hits[name] += 1
                break
    best = max(hits, key=lambda name: hits[name])
    return (best, hits[best]) if hits[best] else (None, 0)


def _header(lines: list[str]) -> tuple[str | None, str | None, int]:
    chat: str | None = None
    saved: str | None = None
    count = 0
    for index, line in enumerate(lines[:5]):
        text = line.strip()
        if not text:
            continue
        if index == 0 or (chat is None and saved is None):
            name = chat_name(text)
            if name is not None and chat is None:
                chat, count = name, index + 1
                continue
        found = SAVED.fullmatch(text)
        if found is not None and saved is None:
            saved, count = found["value"].strip(), index + 1
            continue
        break
    return chat, saved, count


def scan(source: Source, options: ParseOptions) -> KakaoPlan:
    """The first pass: layout, header and (when useful) the first three senders."""
    lines = sample_lines(source, SAMPLE_LINES)
    first = next((line for line in lines if line.strip()), "")
    want = options.me is not None
    if _is_csv_header(first):
        senders = _csv_senders(source) if want else ()
        return KakaoPlan("csv", None, None, 1, senders, len(senders) > 2)
    chat, saved, header_lines = _header(lines)
    layout, _hits = _layout(lines)
    if layout is None:
        raise ImportFormatError(_(NOT_KAKAO).format(name=source.name))
    want = want or chat is not None
    if layout == "pc":
        finder = sender_finder(r"^\[", r"[^\]\n]{1,100}", r"\] \[")
    else:
        finder = sender_finder(rf"^(?:{STAMPS[layout]}), ", r"[^\n]{1,100}?", r" : ")
    if want:
        with open_or_refuse(source) as text:
            try:
                for work, _giant in chunks(text):
                    finder.scan(work)
                    if not finder.wants_more():
                        break
            except SafetrailError:
                raise
            except Exception:  # damage: the second pass reports it where it happens
                pass
    senders = tuple(finder.found)
    return KakaoPlan(layout, chat, saved, header_lines, senders, len(senders) > 2)


def _csv_senders(source: Source) -> tuple[str, ...]:
    found: list[str] = []
    with open_or_refuse(source) as text:
        try:
            reader = csv.reader(text)
            next(reader, None)
            for row in reader:
                if len(row) >= 3 and row[1].strip() and row[1].strip() not in found:
                    found.append(row[1].strip())
                    if len(found) >= 3:
                        break
        except SafetrailError:
            raise
        except Exception:  # damage: the second pass reports it where it happens
            pass
    return tuple(found)


def describe(source: Source, options: ParseOptions | None = None) -> KakaoPlan:
    """What the first pass learns (layout, chat name, export time, first senders)."""
    return scan(source, options or ParseOptions())


class KakaoTalkImporter:
    name = "kakaotalk"
    version = "1"
    label = N_("KakaoTalk chat export")

    def detect(self, probe: Probe) -> float:
        text = probe.head.decode("utf-8", errors="replace").replace("\ufeff", "")
        lines = text.splitlines()[:80]
        suffix = PurePosixPath(probe.name.replace("\\", "/")).suffix.lower()
        first = next((line for line in lines if line.strip()), "")
        if _is_csv_header(first):
            rows = sum(1 for line in lines[1:] if re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", line))
            return 0.9 if rows or len(lines) == 1 else 0.6
        _chat, saved, header_lines = _header(lines)
        _layout_name, hits = _layout(lines)
        if hits == 0:
            return 0.6 if header_lines and saved else 0.0
        if header_lines:
            score = 0.95
        elif hits >= 3:
            score = 0.8
        else:
            score = 0.6
        if suffix not in ("", ".txt"):
            score = min(score, 0.4)
        return score

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        return itertools.chain.from_iterable(self._blocks(source, options))

    def _blocks(self, source: Source, options: ParseOptions) -> Iterator[list[Item]]:
        with uncounted(source):
            plan = scan(source, options)
        if plan.layout == "csv":
            yield from _CsvReader(source, options, plan).blocks()
        else:
            yield from _TextReader(source, options, plan).blocks()


class _Base:
    def __init__(self, source: Source, options: ParseOptions, plan: KakaoPlan) -> None:
        self.source = source
        self.plan = plan
        self.people = People(plan.chat, plan.senders, plan.many_senders, options.me)
        suffix = f" (export saved {plan.saved})" if plan.saved else ""
        self.records = Records("kakaotalk", plan.chat, self.people, suffix)
        self.media = MediaIndex(source, options.max_attachment_bytes)
        self.out: list[Item] = []

    def record(self, number: int, at: datetime, name: str | None, body: str) -> ParsedRecord:
        """One message, notice, deleted message or placeholder (not the shortcut's)."""
        records = self.records
        if name is None:
            return records.make(number, "message", at, NOBODY, body.strip(), True)
        person = self.people.person(name)
        if person[0] is None:
            return records.make(number, "message", at, NOBODY, body.strip() or None, True)
        text = body.strip()
        if text in DELETED:
            return records.make(number, "message", at, person, text, True)
        found_call = call(text)
        if found_call is not None:
            outcome, duration = found_call
            return records.make(
                number, "call", at, person, text, False, outcome=outcome, duration=duration
            )
        found = placeholder(text)
        if found is not None:
            label, kind, file_name, count = found
            attachments: tuple[Attachment, ...]
            if file_name:
                attachments = (self.media.member(file_name, number),)
            else:
                attachments = self.media.placeholders(label, kind, at, number, count)
            return records.make(number, "message", at, person, None, False, attachments=attachments)
        if body:
            made = records.message(number, at, name, body)
            if made is not None:
                return made
        return records.make(number, "message", at, person, body or None, False)

    def flush_extra(self) -> None:
        self.records.finish()
        self.out.extend(self.media.extra)
        self.media.extra.clear()


class _TextReader(_Base):
    """The second pass over a text export. The hot loop is :meth:`blocks`."""

    def __init__(self, source: Source, options: ParseOptions, plan: KakaoPlan) -> None:
        super().__init__(source, options, plan)
        self.dates: dict[str, date | str] = {}
        #: a phone export's date and half of the day as written ("2026년 4월 25일 오후", or
        #: the date alone before 24-hour times) → the moment that half-day starts, and the
        #: table of its times ("3:20" → 3 h 20 min)
        self.halves: dict[str, tuple[datetime, dict[str, timedelta]]] = {}
        self.twelve: dict[str, timedelta] = {}
        self.twenty_four: dict[str, timedelta] = {}
        self.times: dict[str, time | str | None] = {}
        self.day: date | str = _(NO_DATE)
        self.last: datetime | None = None
        self.current: ParsedRecord | None = None
        self.more: list[str] = []
        self.size = 0
        self.absorbing = False
        self.too_long = _(TOO_LONG).format(limit=f"{MAX_TEXT:,}")

    def learn(self, day_text: str, time_text: str, day: date) -> None:
        """Remember a phone export's date and time read the careful way, so that the other
        minutes of the same half-day are read with two look-ups (``2026년 4월 25일 오후
        3:20``: the half-day ``2026년 4월 25일 오후`` and the minutes ``3:20``)."""
        half, space, minute = time_text.partition(" ")
        if space and half in ("오전", "오후"):
            left, table, start = f"{day_text} {half}", self.twelve, 12 if half == "오후" else 0
            first, last = 1, 12
        elif not space:
            left, table, start, minute = day_text, self.twenty_four, 0, time_text
            first, last = 0, 23
        else:
            return
        hour, colon, rest = minute.partition(":")
        if not (colon and hour.isdigit() and rest.isdigit() and len(rest) == 2):
            return
        if not (first <= int(hour) <= last and int(rest) <= 59):
            return
        if minute not in table and len(table) < CACHE_LIMIT:
            table[minute] = timedelta(
                hours=int(hour) % 12 if table is self.twelve else int(hour), minutes=int(rest)
            )
        if left not in self.halves and len(self.halves) < CACHE_LIMIT:
            self.halves[left] = (datetime.combine(day, time(start)), table)

    def date(self, text: str) -> date | str:
        """The day a message line's date stands for, or why it cannot be read (cached)."""
        known = self.dates.get(text)
        if known is None:
            parts = date_parts(text)
            try:
                if parts is None:
                    raise ValueError(text)
                known = date(*parts)
            except ValueError:
                known = _(LINE_DATE).format(date=text)
            if len(self.dates) < CACHE_LIMIT:
                self.dates[text] = known
        return known

    def stamp(self, day_text: str, time_text: str) -> datetime | str:
        """A message line's date and time, or why they cannot be read."""
        day = self.date(day_text)
        if isinstance(day, str):
            return day
        clock = self.clock(time_text)
        if clock is None:
            return _(BAD_STAMP).format(date=f"{day_text} {time_text}")
        if isinstance(clock, str):
            return clock
        return datetime.combine(day, clock)

    def when(self, text: str) -> datetime | str:
        """A date and time written as one text (the CSV export's other forms)."""
        parts = split_stamp(text)
        if parts is None:
            return _(BAD_STAMP).format(date=text)
        return self.stamp(*parts)

    def clock(self, text: str) -> time | str | None:
        known = self.times.get(text, _MISSING)
        if known is _MISSING:
            known = read_clock(text)
            if len(self.times) < CACHE_LIMIT:
                self.times[text] = known
        return known  # type: ignore[return-value]

    def blocks(self) -> Iterator[list[Item]]:
        pc = self.plan.layout == "pc"
        match = LAYOUTS[self.plan.layout].match
        fast = SETTERS is not None
        set_position, set_at, set_text = line_setters()
        records = self.records
        buckets, keep = records.buckets, records.plain.append
        buckets_get = buckets.get
        suffix = records.suffix
        new = object.__new__
        dates_get, times_get = self.dates.get, self.times.get
        halves_get = self.halves.get
        digits = frozenset("0123456789")
        phone = fast and self.plan.layout in ("ko", "dots")
        combine = datetime.combine
        special, prefixes = _SPECIAL, _SPECIAL_PREFIXES
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
                for work, giant in chunks(text):
                    lines = work.split("\n")
                    lines.pop()
                    add = self.out.append
                    for line in lines:
                        number += 1
                        if phone:
                            if line[:1] not in digits:  # a phone export's lines start with the year
                                self.other(number, line)
                                continue
                            # a date and time seen before: the head needs no expression
                            head, comma, rest = line.partition(", ")
                            at = None
                            if comma:
                                left, _space, minute = head.rpartition(" ")
                                half = halves_get(left)
                                if half is not None:
                                    offset = half[1].get(minute)
                                    if offset is not None:
                                        at = half[0] + offset
                            if at is not None:
                                name, colon, body = rest.partition(" : ")
                                bucket = buckets_get(name) if colon else None
                                if (
                                    bucket is not None
                                    and body
                                    and body not in special
                                    and body[:2] not in prefixes
                                ):
                                    if self.more:
                                        self.close()
                                    record = new(ParsedRecord)
                                    set_position(record, f"line {number}{suffix}")
                                    set_at(record, at)
                                    set_text(record, body)
                                    bucket.append(record)
                                    keep(record)
                                    add(record)
                                    self.current = record
                                    continue
                        found = match(line)
                        if found is None:
                            self.other(number, line)
                            continue
                        if pc:
                            clock = times_get(found[2], _MISSING)
                            if clock is _MISSING:
                                clock = self.clock(found[2])
                            if clock is None:
                                self.other(number, line)
                                continue
                            if self.more:
                                self.close()
                            day: date | str | None = self.day
                            if clock.__class__ is not time or day.__class__ is not date:
                                self.unusual(number, line, found, None)
                                continue
                            at = combine(day, clock)
                            name = found[1]
                            body = line[found.end() :]
                        else:
                            if self.more:
                                self.close()
                            day = dates_get(found[1])
                            clock = times_get(found[2], _MISSING)
                            if (
                                day.__class__ is not date
                                or clock.__class__ is not time
                                or found[3] != ", "
                            ):
                                self.unusual(number, line, found, None)
                                continue
                            at = combine(day, clock)
                            if phone:
                                self.learn(found[1], found[2], day)
                            rest = line[found.end() :]
                            cut = rest.find(" : ")
                            if cut <= 0:
                                self.unusual(number, line, found, at)
                                continue
                            name = rest[:cut]
                            body = rest[cut + 3 :]
                        bucket = buckets.get(name)
                        if (
                            fast
                            and bucket is not None
                            and body
                            and body not in special
                            and body[:2] not in prefixes
                        ):
                            record = new(ParsedRecord)
                            set_position(record, f"line {number}{suffix}")
                            set_at(record, at)
                            set_text(record, body)
                            bucket.append(record)
                            keep(record)
                            add(record)
                            self.current = record
                            continue
                        self.unusual(number, line, found, at)
                    if giant and self.current is not None:
                        self.out.append(Skipped(self.current.position, self.too_long))
                    yield self.ready()
            except SafetrailError:
                raise
            except Exception as exc:  # damage ends the readable part
                self.close()
                self.flush_extra()
                self.out.append(read_failed(f"line {number + 1}", exc))
                yield self.out
                return
        self.close()
        self.flush_extra()
        yield self.out

    def ready(self) -> list[Item]:
        """The items of the block, but not the message still open (nor what follows it)."""
        self.flush_extra()
        current = self.current
        if current is None:
            done, self.out = self.out, []
            return done
        out = self.out
        index = len(out) - 1
        while index >= 0 and out[index] is not current:
            index -= 1
        done, self.out = out[:index], out[index:]
        return done

    def unusual(
        self, number: int, line: str, found: re.Match[str], at: datetime | str | None
    ) -> None:
        """A message line the shortcut did not take."""
        self.close()
        self.absorbing = True
        position = self.records.position(number)
        try:
            if self.plan.layout == "pc":
                clock = self.clock(found[2])
                if isinstance(clock, str):
                    self.out.append(Skipped(position, clock))
                    return
                if isinstance(self.day, str):
                    self.out.append(Skipped(position, self.day))
                    return
                assert clock is not None
                at = datetime.combine(self.day, clock)
                record = self.record(number, at, found[1], line[found.end() :])
            else:
                if at is None:
                    at = self.stamp(found[1], found[2])
                if isinstance(at, str):
                    self.out.append(Skipped(position, at))
                    return
                rest = line[found.end() :]
                cut = rest.find(" : ")
                if found[3] == ": " or cut <= 0:
                    record = self.record(number, at, None, rest)
                else:
                    record = self.record(number, at, rest[:cut], rest[cut + 3 :])
        except Exception as exc:  # one bad message must not stop the import
            self.out.append(Skipped(position, _(BROKEN).format(reason=type(exc).__name__)))
            return
        self.absorbing = False
        self.last = record.at
        self.current = record
        self.out.append(record)
        self.out.extend(self.media.extra)
        self.media.extra.clear()

    def other(self, number: int, line: str) -> None:
        """A line that is not a message line: a continuation, a heading, a notice (PC)…"""
        text = line.strip()
        if text and len(text) <= 60 and (text[0] in "-0123456789" or text[0].isupper()):
            day = heading_date(text)
            if day is not None:
                self.close()
                self.absorbing = False
                if isinstance(day, str):
                    self.day = _(BAD_DATE).format(date=day)
                else:
                    self.day = day
                return
        if text and self.plan.layout == "pc" and is_notice(text):
            self.close()
            self.notice(number, text)
            return
        if self.current is not None:
            if self.size < MAX_TEXT:
                self.more.append(line)
                self.size += len(line) + 1
                if self.size >= MAX_TEXT:
                    self.out.append(Skipped(self.current.position, self.too_long))
            return
        if self.absorbing or not text or number <= self.plan.header_lines:
            return
        self.out.append(Skipped(self.records.position(number), _(PREAMBLE)))

    def notice(self, number: int, text: str) -> None:
        """A notice of the PC app's export: no time of its own (see the module's docstring)."""
        day = self.day
        position = self.records.position(number)
        if isinstance(day, str):
            self.out.append(Skipped(position, day))
            return
        last = self.last
        at = last if last is not None and last.date() == day else datetime.combine(day, time())
        self.out.append(self.records.make(number, "message", at, NOBODY, text, True))

    def close(self) -> None:
        """The open message is complete: put its continuation lines into its text."""
        record = self.current
        more, self.more, self.size = self.more, [], 0
        self.current = None
        if record is None:
            return
        self.last = record.at
        while more and not more[-1].strip():
            more.pop()
        if not more:
            return
        text = "\n".join([record.text or "", *more])[:MAX_TEXT]
        changed = self.records.set_text(record, text)
        if changed is not record:
            out = self.out
            index = len(out) - 1
            while index >= 0 and out[index] is not record:
                index -= 1
            out[index] = changed


class _CsvReader(_Base):
    """The PC app's CSV export: one row per message, quoted texts across lines."""

    def blocks(self) -> Iterator[list[Item]]:
        try:
            opened = open_text(self.source)
        except SafetrailError:
            raise
        except Exception as exc:
            yield [read_failed("line 1", exc)]
            return
        stamps = _TextReader(self.source, ParseOptions(), self.plan)
        fromiso = datetime.fromisoformat
        with opened as text:
            reader = csv.reader(text)
            number = 1
            errors = 0
            try:
                next(reader, None)
                while True:
                    try:
                        row = next(reader)
                    except csv.Error as exc:
                        errors += 1
                        reason = (
                            _(ROW_TOO_LONG).format(limit=f"{csv.field_size_limit():,}")
                            if "field limit" in str(exc)
                            else _(BROKEN).format(reason=str(exc) or "csv")
                        )
                        self.out.append(Skipped(self.records.position(number + 1), reason))
                        number = reader.line_num
                        if errors > 1000:
                            raise
                        continue
                    except StopIteration:
                        break
                    start, number = number + 1, reader.line_num
                    if len(row) < 3:
                        if any(cell.strip() for cell in row):
                            self.out.append(Skipped(self.records.position(start), _(BAD_ROW)))
                        continue
                    raw, name = row[0].strip(), row[1]
                    body = row[2] if len(row) == 3 else ",".join(row[2:])
                    try:
                        at: datetime | str = fromiso(raw)
                    except ValueError:
                        at = stamps.when(raw)
                    if isinstance(at, str):
                        self.out.append(Skipped(self.records.position(start), at))
                        continue
                    try:
                        record = self.record(start, at, name if name.strip() else None, body)
                    except Exception as exc:  # one bad row must not stop the import
                        self.out.append(
                            Skipped(
                                self.records.position(start),
                                _(BROKEN).format(reason=type(exc).__name__),
                            )
                        )
                        continue
                    self.out.append(record)
                    if len(self.out) >= 4096:
                        self.flush_extra()
                        yield self.out
                        self.out = []
            except SafetrailError:
                raise
            except Exception as exc:  # damage ends the readable part
                self.flush_extra()
                self.out.append(read_failed(f"line {number + 1}", exc))
                yield self.out
                return
        self.flush_extra()
        yield self.out


IMPORTERS: tuple[KakaoTalkImporter, ...] = (KakaoTalkImporter(),)

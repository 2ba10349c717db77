"""WhatsApp chat export: the second pass, which turns each message into a record.

See :mod:`safetrail.importers.whatsapp` for what the records hold. :func:`read_blocks`
splits each block of text at its header lines; :meth:`_Builder.build` is the careful way
from a message to its items, and :meth:`_Builder.batch` a shortcut that gives the same
records for ordinary messages with less work (measured: this parser's time is mostly spent
making records; see bench/bench_whatsapp.py). Held at a time: one block's records, the
message running past its end (at most :data:`MAX_TEXT` characters), and caches of dates,
times and names that stop growing at :data:`_CACHE_LIMIT` entries.
"""

from __future__ import annotations

import dataclasses
import itertools
import mimetypes
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from itertools import repeat
from pathlib import PurePosixPath
from typing import Final

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    CallOutcome,
    Direction,
    Item,
    ParsedRecord,
    ParseOptions,
    RecordKind,
    Skipped,
    Source,
)
from safetrail.importers.whatsapp_layout import (
    DATE_ONLY,
    INVISIBLE,
    LAYOUTS,
    TIME_ONLY,
    bad_date_reason,
    bad_time_reason,
    clean_sender,
    resolve_date,
    resolve_time,
)
from safetrail.importers.whatsapp_scan import Scan, chunks, open_text
from safetrail.importers.whatsapp_text import (
    EVENTS,
    PLACEHOLDERS,
    SPECIAL,
    attached_file,
    chat_name,
    is_placeholder,
)

__all__ = ["MAX_TEXT", "make_record", "media_type", "read_blocks", "read_records"]

combine = datetime.combine
#: the known placeholders, folded, with and without a final stop
_KNOWN_PLACEHOLDERS = PLACEHOLDERS | frozenset(key + "." for key in PLACEHOLDERS)

#: a message's text is cut after this many characters (WhatsApp itself allows 65,536)
MAX_TEXT = 1 << 20
_CACHE_LIMIT = 50_000

NOT_INCLUDED = N_("not included in the export")
NOT_FOUND = N_("not found in the export")
TOO_BIG_NOTE = N_("too large to store ({size} MB)")
TOO_BIG = N_(
    "The file {name} ({size} MB) is larger than SafeTrail stores ({limit} MB); "
    "the message was kept without it."
)
TOO_LONG = N_(
    "This message is longer than SafeTrail reads ({limit} characters); only its beginning was kept."
)
PREAMBLE = N_("The text at the start of the file does not belong to any message; it was not read.")
BROKEN = N_("This message could not be read ({reason}); it was skipped.")
READ_FAILED = N_(
    "The rest of the file could not be read ({reason}); everything before this line was kept."
)

_MEDIA_TYPES = {
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webp": "image/webp",
    ".vcf": "text/vcard",
    ".heic": "image/heic",
}
_MIME = mimetypes.MimeTypes()

#: a sender that is not a person: the text before ": " is part of a system line
_NOBODY: Final = (None, None, None)
#: the chat's own name (iOS writes group system lines under it): a system line
_CHAT_ITSELF: Final = ("", None, None)

Person = tuple[str | None, Direction | None, str | None]
#: one message as the second pass's split gives it: (date, time, general, who, body)
Message = tuple[str | None, str | None, str | None, str | None, str]
#: puts messages' items in a list: (messages, line of the first, whether one can be too
#: long) → the line after the last
_Add = Callable[[Iterable[Message], int, bool], int]


def media_type(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    return _MEDIA_TYPES.get(suffix) or _MIME.guess_type(name)[0]


class _Builder:
    """Turns one message (header match and continuation lines) into a record."""

    def __init__(self, source: Source, options: ParseOptions, plan: Scan) -> None:
        self.source = source
        self.options = options
        self.day_first = plan.day_first
        self.bracketed = plan.layout.startswith("[")
        self.chat = chat_name(source.name)
        self.dates: dict[str, date | str] = {}
        self.times: dict[str, time | str] = {}
        self.general = LAYOUTS[plan.layout].match
        self.people: dict[str, Person] = {}
        self.extra: list[Skipped] = []
        self.not_included = _(NOT_INCLUDED)
        self.not_found = _(NOT_FOUND)
        self._who(plan, options.me)
        for raw in plan.raw_names:
            self.person(raw)

    def _who(self, plan: Scan, me_option: str | None) -> None:
        chat, senders, many = self.chat, plan.senders, plan.many_senders
        me = me_option.strip() if me_option and me_option.strip() else None
        partner: str | None = None
        if me is not None:
            fold = me.casefold()
            others = [name for name in senders if name.casefold() != fold]
            if not many and len(others) == 1:
                partner = others[0]
            elif not many and not others:
                partner = chat
        elif chat is not None and chat in senders and not many:
            partner = chat
            if len(senders) == 2:
                me = senders[1] if senders[0] == chat else senders[0]
        self.me_fold = me.casefold() if me is not None else None
        self.partner = partner
        self.group = partner is None and (
            many or (chat is not None and chat not in senders and len(senders) >= 2)
        )

    def person(self, raw: str) -> Person:
        name = clean_sender(raw)
        found: Person
        if name is None:
            found = _NOBODY
        elif self.group and self.bracketed and name == self.chat:
            found = _CHAT_ITSELF  # iOS writes a group's system lines under its name
        elif self.me_fold is not None and name.casefold() == self.me_fold:
            found = (name, "outgoing", self.partner)
        elif self.me_fold is not None or name == self.partner:
            found = (name, "incoming", name)
        else:
            found = (name, None, name)
        if len(self.people) < _CACHE_LIMIT:
            self.people[raw] = found
        return found

    def attachment(self, name: str, number: int) -> Attachment:
        kind = media_type(name)
        try:
            sibling = self.source.sibling(name)
        except SafetrailError:
            raise
        except Exception:
            sibling = None
        if sibling is None:
            return Attachment(name=name, media_type=kind, note=self.not_found)
        limit = self.options.max_attachment_bytes
        if sibling.size > limit:
            size = sibling.size // (1024 * 1024)
            self.extra.append(
                Skipped(
                    f"line {number}",
                    _(TOO_BIG).format(name=name, size=size, limit=limit // (1024 * 1024)),
                )
            )
            return Attachment(name=name, media_type=kind, note=_(TOO_BIG_NOTE).format(size=size))
        return Attachment(name=name, media_type=kind, member=sibling.member)

    def day(self, raw: str) -> date | str:
        """The date a header's date stands for, or why it cannot be read (cached)."""
        known = self.dates.get(raw)
        if known is None:
            fields = DATE_ONLY.fullmatch(raw)
            try:
                if fields is None:
                    raise ValueError(raw)
                year, month, day = resolve_date(
                    fields["d1"], fields["d2"], fields["d3"], raw, self.day_first
                )
                known = date(year, month, day)
            except ValueError:
                known = bad_date_reason(raw)
            if len(self.dates) < _CACHE_LIMIT:
                self.dates[raw] = known
        return known

    def clock(self, raw: str) -> time | str:
        """The time of day a header's time stands for, or why it cannot be read (cached)."""
        known = self.times.get(raw)
        if known is None:
            fields = TIME_ONLY.fullmatch(raw)
            try:
                if fields is None:
                    raise ValueError(raw)
                marker = fields["ap"] or fields["bp"]
                hour, minute, second = resolve_time(fields["h"], fields["mi"], fields["s"], marker)
                known = time(hour, minute, second)
            except ValueError:
                known = bad_time_reason(raw)
            if len(self.times) < _CACHE_LIMIT:
                self.times[raw] = known
        return known

    def when(
        self, raw_date: str | None, raw_time: str | None, general: str | None
    ) -> datetime | str:
        """The header's date and time, or why they cannot be read."""
        if general is not None:  # only the layout's general expression matched the header
            found = self.general(general.lstrip(INVISIBLE))
            if found is None:
                raise ValueError(general)
            raw_date, raw_time = found["date"], found["time"]
        if raw_date is None or raw_time is None:
            raise ValueError(general)
        day = self.day(raw_date)
        if isinstance(day, str):
            return day
        clock = self.clock(raw_time)
        if isinstance(clock, str):
            return clock
        return combine(day, clock)

    def build(
        self,
        raw_date: str | None,
        raw_time: str | None,
        general: str | None,
        number: int,
        body: str,
    ) -> Item:
        """One message: its header's date and time as written (or the whole header when
        only the layout's general expression read it), the header's line ``number``, and
        ``body``, the rest of the header line and then the continuation lines."""
        try:
            day = self.dates.get(raw_date)  # type: ignore[arg-type]
            clock = self.times.get(raw_time)  # type: ignore[arg-type]
            if day.__class__ is date and clock.__class__ is time:
                at = combine(day, clock)
            else:
                when = self.when(raw_date, raw_time, general)
                if isinstance(when, str):
                    return Skipped(f"line {number}", when)
                at = when
            newline = body.find("\n")
            line = body if newline < 0 else body[:newline]
            cut = line.find(": ")
            if cut > 0:
                raw = line[:cut]
                person = self.people.get(raw) or self.person(raw)
                if person is not _NOBODY:
                    line = line[cut + 2 :]
            elif line[-1:] == ":" and len(line) > 1:
                raw = line[:-1]
                person = self.people.get(raw) or self.person(raw)
                if person is not _NOBODY:
                    line = ""
            else:
                person = _NOBODY
            sender, direction, counterpart = person
            system = not sender
            lrm = False
            if line and line[0] in INVISIBLE:
                lrm = line[0] == "\u200e"
                line = line.lstrip(INVISIBLE)
            kind: RecordKind = "message"
            outcome: CallOutcome | None = None
            attachments: tuple[Attachment, ...] = ()
            first: str | None = line
            if line:
                if line[-1] in ")>" and (name := attached_file(line)):
                    attachments = (self.attachment(name, number),)
                    first = None
                elif len(line) <= 60 and (
                    (key := line.casefold()) in SPECIAL or (key[:1] == "<" and is_placeholder(key))
                ):
                    event = EVENTS.get(key)
                    if event is None:
                        attachments = (Attachment(name=line, note=self.not_included),)
                        first = None
                    else:
                        system = True
                        if event == "missed_voice" or event == "missed_video":
                            kind, outcome = "call", "missed"
                elif lrm and self.bracketed:
                    system = True  # iOS: a system line written under a name
                    sender = None
            text: str | None
            if newline >= 0 and (more := body[newline + 1 :].rstrip("\n")):
                text = f"{first}\n{more}" if first else more
            else:
                text = first or None
            if not sender:
                return make_record(
                    f"line {number}", kind, at, None, None, None, text, outcome, self.chat,
                    True, attachments,
                )  # fmt: skip
            return make_record(
                f"line {number}", kind, at, direction, counterpart, sender, text, outcome,
                self.chat, system, attachments,
            )  # fmt: skip
        except Exception as exc:  # one bad message must not stop the import
            return Skipped(f"line {number}", _(BROKEN).format(reason=type(exc).__name__))

    def batch(self, out: list[Item]) -> tuple[_Add, Callable[[], None]]:
        """``add(messages, line, limit)``, which puts the items of each message (a record or
        a Skipped, then any notes about it) at the end of ``out`` and returns the line after
        the last message, and ``finish()``, to call before anything in ``out`` is handed on.
        ``line`` is the first message's header line; with ``limit``, bodies longer than
        :data:`MAX_TEXT` are cut (and a note says so).

        ``add`` is :meth:`build` with a shortcut for the ordinary message (its date, time
        and sender seen before; plain text, a placeholder or an event, no media file, no
        invisible marks): it sets the fields that differ from record to record at once and
        leaves the rest, which are the same for all, to ``finish``, which sets them for the
        whole block in one sweep. The records are the same as :meth:`build` makes."""
        build = self.build
        extra = self.extra
        append = out.append

        def careful(
            raw_date: str | None,
            raw_time: str | None,
            general: str | None,
            who: str | None,
            number: int,
            body: str,
        ) -> None:
            if who is not None:
                body = f"{who}: {body}"
            append(build(raw_date, raw_time, general, number, body))
            if extra:
                out.extend(extra)
                extra.clear()

        too_long = _(TOO_LONG).format(limit=f"{MAX_TEXT:,}")

        def add_carefully(messages: Iterable[Message], line: int, limit: bool) -> int:
            for raw_date, raw_time, general, who, body in messages:
                number = line
                line += body.count("\n") + 1
                careful(raw_date, raw_time, general, who, number, body[:MAX_TEXT])
                if limit and len(body) > MAX_TEXT:
                    append(Skipped(f"line {number}", too_long))
            return line

        if _SETTERS is None:
            return add_carefully, lambda: None
        dates, times, people, chat = self.dates, self.times, self.people, self.chat
        special, events, placeholders = SPECIAL, EVENTS, _KNOWN_PLACEHOLDERS
        unusual_start = frozenset(INVISIBLE + "<")
        not_included = self.not_included
        shared: dict[str, tuple[Attachment, ...]] = {}
        (
            set_position, set_kind, set_channel, set_at, set_direction, set_counterpart,
            set_counterpart_name, set_sender, set_participants, set_text, set_subject,
            set_duration, set_outcome, set_withheld, set_thread, set_source_id, set_system,
            set_attachments,
        ) = _SETTERS  # fmt: skip
        new = object.__new__
        plain: list[ParsedRecord] = []  # still need every field that is the same for all
        flagged: list[ParsedRecord] = []  # have kind, outcome, system and attachments
        keep_plain, keep_flagged = plain.append, flagged.append
        common = (
            (set_channel, "whatsapp"), (set_counterpart_name, None), (set_participants, ()),
            (set_subject, None), (set_duration, None), (set_withheld, False),
            (set_thread, chat), (set_source_id, None),
        )  # fmt: skip
        ordinary = (
            *common, (set_kind, "message"), (set_outcome, None), (set_system, False),
            (set_attachments, ()),
        )  # fmt: skip
        sweep: Callable[[Iterable[None]], None] = deque[None](maxlen=0).extend

        def add_block(messages: Iterable[Message], line: int, limit: bool) -> int:
            for raw_date, raw_time, general, who, body in messages:
                number = line
                newline = body.find("\n")
                if newline < 0:
                    line += 1
                    text = body
                else:
                    line += body.count("\n", newline) + 1
                    text = body[:newline]
                if limit and len(body) > MAX_TEXT:
                    careful(raw_date, raw_time, general, who, number, body[:MAX_TEXT])
                    append(Skipped(f"line {number}", too_long))
                    continue
                try:
                    day = dates.get(raw_date)  # type: ignore[arg-type]
                    clock = times.get(raw_time)  # type: ignore[arg-type]
                    if day.__class__ is not date or clock.__class__ is not time:
                        careful(raw_date, raw_time, general, who, number, body)
                        continue
                    person: Person | None
                    if who is not None:  # the split found a sender the first pass saw
                        person = people[who]
                    else:
                        cut = text.find(": ")
                        person = people.get(text[:cut]) if cut > 0 else None
                        if person is None:
                            careful(raw_date, raw_time, general, who, number, body)
                            continue
                        text = text[cut + 2 :]
                    sender, direction, counterpart = person
                    if not sender or not text:
                        careful(raw_date, raw_time, general, who, number, body)
                        continue
                    record: ParsedRecord = new(ParsedRecord)
                    if len(text) <= 60 and (key := text.casefold()) in special:
                        event = events.get(key)
                        if event is None:
                            if key not in placeholders:
                                careful(raw_date, raw_time, general, who, number, body)
                                continue
                            caption = body[newline + 1 :].rstrip("\n") if newline >= 0 else ""
                            set_text(record, caption or None)
                            set_attachments(
                                record,
                                shared.get(text)
                                or shared.setdefault(
                                    text, (Attachment(name=text, note=not_included),)
                                ),
                            )
                            set_kind(record, "message")
                            set_outcome(record, None)
                            set_system(record, False)
                        else:
                            missed = event == "missed_voice" or event == "missed_video"
                            if newline >= 0 and (more := body[newline + 1 :].rstrip("\n")):
                                text = f"{text}\n{more}"
                            set_text(record, text)
                            set_attachments(record, ())
                            set_kind(record, "call" if missed else "message")
                            set_outcome(record, "missed" if missed else None)
                            set_system(record, True)
                        keep_flagged(record)
                    elif text[-1] in ")>" or text[0] in unusual_start:
                        careful(raw_date, raw_time, general, who, number, body)
                        continue
                    else:
                        if newline >= 0 and (more := body[newline + 1 :].rstrip("\n")):
                            text = f"{text}\n{more}"
                        set_text(record, text)
                        keep_plain(record)
                    set_position(record, f"line {number}")
                    set_at(record, combine(day, clock))
                    set_direction(record, direction)
                    set_counterpart(record, counterpart)
                    set_sender(record, sender)
                    append(record)
                except Exception:  # the careful path says what went wrong
                    careful(raw_date, raw_time, general, who, number, body)
            return line

        def finish() -> None:
            for setter, value in ordinary:
                sweep(map(setter, plain, repeat(value)))
            for setter, value in common:
                sweep(map(setter, flagged, repeat(value)))
            plain.clear()
            flagged.clear()

        return add_block, finish


def read_records(source: Source, options: ParseOptions, plan: Scan) -> Iterator[Item]:
    """The second pass: every message, in file order (see :func:`read_blocks`)."""
    return itertools.chain.from_iterable(read_blocks(source, options, plan))


def read_blocks(source: Source, options: ParseOptions, plan: Scan) -> Iterator[list[Item]]:
    """The second pass, a list of items at a time (chained, they are every message in
    file order; a list must be used up before the next is asked for, as it is reused).

    The text comes in blocks of whole lines (:func:`.whatsapp_scan.chunks`); one ``split``
    of each block at its header lines (:func:`.whatsapp_layout.splitter`) gives every
    header's date and time and the text up to the next header, the message's body. A
    message that runs past the end of a block is completed from the next one. A block's
    items are handed on when the block is done.
    """
    builder = _Builder(source, options, plan)
    out: list[Item] = []
    add, finish = builder.batch(out)
    pattern = plan.splitter()
    split = pattern.split
    time_first = pattern.groupindex["time"] < pattern.groupindex["date"]
    too_long = _(TOO_LONG).format(limit=f"{MAX_TEXT:,}")
    base = 0  # lines before the current block
    head: list[str | None] | None = None  # the message not finished yet: its header
    head_line = 0
    pieces: list[str] = []  # and its text so far
    size = 0
    cut = False
    preamble = False
    try:
        opened = open_text(source)
    except SafetrailError:
        raise
    except Exception as exc:  # readable in the first pass, damaged now
        reason = str(exc) or type(exc).__name__
        yield [Skipped("line 1", _(READ_FAILED).format(reason=reason), rest_lost=True)]
        return
    with opened as text:
        try:
            for work, giant in chunks(text):
                block = "\n" + work
                parts = split(block)
                if len(parts) == 1:  # no header: all of it continues the message before
                    if head is not None:
                        if size < MAX_TEXT:
                            pieces.append(block[1:-1])
                            size += len(block)
                        else:
                            cut = True
                        cut = cut or giant
                    elif not preamble and block.strip():
                        preamble = True
                        yield [Skipped(_first_text_line(block, base), _(PREAMBLE))]
                    base += work.count("\n")
                    continue
                before = parts[0]
                line = base + before.count("\n") + 1
                if head is not None:
                    if before:
                        pieces.append(before[1:])
                    body = "\n".join(pieces)
                    if len(body) > MAX_TEXT:
                        body, cut = body[:MAX_TEXT], True
                    add(((head[0], head[1], head[2], head[3], body),), head_line, False)
                    if cut:
                        out.append(Skipped(f"line {head_line}", too_long))
                        cut = False
                elif not preamble and before.strip():
                    preamble = True
                    out.append(Skipped(_first_text_line(before, base), _(PREAMBLE)))
                last = parts[-5:]
                del parts[-5:]
                if time_first:  # put every message's date before its time
                    parts[1::5], parts[2::5] = parts[2::5], parts[1::5]
                    last[0], last[1] = last[1], last[0]
                messages = iter(parts)
                next(messages)
                fives = zip(messages, messages, messages, messages, messages, strict=True)
                line = add(fives, line, len(block) > MAX_TEXT)
                head, head_line = last[:4], line
                tail = last[4] or ""
                pieces, size, cut = [tail[:-1]], len(tail), giant
                base += work.count("\n")
                finish()
                yield out
                out.clear()
        except SafetrailError:
            raise
        except Exception as exc:  # damage ends the readable part
            finish()
            if head is not None:
                body = "\n".join(pieces)[:MAX_TEXT]
                add(((head[0], head[1], head[2], head[3], body),), head_line, False)
                finish()
            reason = str(exc) or type(exc).__name__
            out.append(
                Skipped(f"line {base + 1}", _(READ_FAILED).format(reason=reason), rest_lost=True)
            )
            yield out
            return
    if head is not None:
        body = "\n".join(pieces)
        if len(body) > MAX_TEXT:
            body, cut = body[:MAX_TEXT], True
        add(((head[0], head[1], head[2], head[3], body),), head_line, False)
        if cut:
            out.append(Skipped(f"line {head_line}", too_long))
        finish()
        yield out


def _first_text_line(text: str, base: int) -> str:
    """Where the first visible character of ``text`` (which starts a line) is, as "line N"."""
    at = len(text) - len(text.lstrip())
    return f"line {base + text.count(chr(10), 0, at) + (0 if text.startswith(chr(10)) else 1)}"


# --- records -------------------------------------------------------------------------------

_FIELDS = (
    "position",
    "kind",
    "channel",
    "at",
    "direction",
    "counterpart",
    "counterpart_name",
    "sender",
    "participants",
    "text",
    "subject",
    "duration",
    "outcome",
    "withheld",
    "thread",
    "source_id",
    "system",
    "attachments",
)


def _plain_record(
    position: str,
    kind: RecordKind,
    at: datetime,
    direction: Direction | None,
    counterpart: str | None,
    sender: str | None,
    text: str | None,
    outcome: CallOutcome | None,
    thread: str | None,
    system: bool,
    attachments: tuple[Attachment, ...],
) -> ParsedRecord:
    return ParsedRecord(
        position=position,
        kind=kind,
        channel="whatsapp",
        at=at,
        direction=direction,
        counterpart=counterpart,
        sender=sender,
        text=text,
        outcome=outcome,
        thread=thread,
        system=system,
        attachments=attachments,
    )


def _record_factory() -> Callable[..., ParsedRecord]:
    """A constructor for the records this parser makes.

    ``ParsedRecord`` is a frozen dataclass with slots: its ``__init__`` sets each of its 18
    fields through ``object.__setattr__``, which costs about as much as all the rest of
    parsing a message. Setting the slots directly gives the same object in less than half
    the time. This is used only while ``ParsedRecord`` is exactly the plain slotted
    dataclass it was written for (same fields, no ``__post_init__``, no custom
    ``__init__``), and only if a record made both ways compares equal; otherwise the
    dataclass's own constructor is used.
    """
    try:
        names = tuple(field.name for field in dataclasses.fields(ParsedRecord))
        plain = (
            names == _FIELDS
            and "__post_init__" not in vars(ParsedRecord)
            and "__slots__" in vars(ParsedRecord)
            and ParsedRecord.__init__.__qualname__ == "ParsedRecord.__init__"
        )
        if not plain:
            return _plain_record
        setters = [getattr(ParsedRecord, name).__set__ for name in names]
    except (AttributeError, TypeError):
        return _plain_record
    (
        set_position,
        set_kind,
        set_channel,
        set_at,
        set_direction,
        set_counterpart,
        set_counterpart_name,
        set_sender,
        set_participants,
        set_text,
        set_subject,
        set_duration,
        set_outcome,
        set_withheld,
        set_thread,
        set_source_id,
        set_system,
        set_attachments,
    ) = setters
    new = object.__new__

    def fast_record(
        position: str,
        kind: RecordKind,
        at: datetime,
        direction: Direction | None,
        counterpart: str | None,
        sender: str | None,
        text: str | None,
        outcome: CallOutcome | None,
        thread: str | None,
        system: bool,
        attachments: tuple[Attachment, ...],
    ) -> ParsedRecord:
        record: ParsedRecord = new(ParsedRecord)
        set_position(record, position)
        set_kind(record, kind)
        set_channel(record, "whatsapp")
        set_at(record, at)
        set_direction(record, direction)
        set_counterpart(record, counterpart)
        set_counterpart_name(record, None)
        set_sender(record, sender)
        set_participants(record, ())
        set_text(record, text)
        set_subject(record, None)
        set_duration(record, None)
        set_outcome(record, outcome)
        set_withheld(record, False)
        set_thread(record, thread)
        set_source_id(record, None)
        set_system(record, system)
        set_attachments(record, attachments)
        return record

    example = (
        "line 1", "call", datetime(2022, 3, 18, 14, 56), "incoming", "Alex", "Alex", "hi",
        "missed", "Alex", True, (Attachment(name="a.jpg", note="n"),),
    )  # fmt: skip
    try:
        same = fast_record(*example) == _plain_record(*example)  # type: ignore[arg-type]
    except Exception:  # anything unexpected: the dataclass's own constructor
        return _plain_record
    return fast_record if same else _plain_record


#: makes a record from (position, kind, at, direction, counterpart, sender, text, outcome,
#: thread, system, attachments); see :func:`_record_factory`
make_record = _record_factory()
#: the slots' setters, in field order, when :data:`make_record` may set slots directly
_SETTERS: tuple[Callable[[ParsedRecord, object], None], ...] | None = (
    tuple(getattr(ParsedRecord, name).__set__ for name in _FIELDS)
    if make_record is not _plain_record
    else None
)

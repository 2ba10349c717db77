"""sigtop's text messages (``sigtop export-messages``, the default format).

One file per conversation (``Alex (+15551234567).txt``). It starts with
``Conversation: <name> (<detail>)`` and a blank line; then each message is a block of
fields, ``From:`` (``You`` for the person who exported; left out when Signal does not know
the sender), ``Type:`` (``incoming``, ``outgoing``, ``call-history``, or a notice such as
``group-v2-change``), ``Sent:`` and ``Received:`` (``Mon, 2 Jan 2006 15:04:05 -0700``: the
clock of the computer that ran sigtop, with its offset, so every time is exact),
``Attachment:`` and ``Reaction:`` lines; then, after a blank line, a quoted reply (every line
starting with ``>``) and, after another, the text; a blank line ends the message. An edited
message has ``Edited: N versions`` and, after a blank line, every version (newest first)
with each line starting with ``|``.

A message starts after a blank line with ``From:`` followed by ``Type:`` and a time, or with
``Type:`` followed by a time: a line of text that merely says "From: …" does not start one.
(A message written to look exactly like sigtop's fields could still be read as two; the
JSON format has no such weakness and is the one to prefer.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    Direction,
    ImportFormatError,
    Item,
    ParsedRecord,
    Skipped,
    Source,
)
from safetrail.importers.signal_common import (
    CHANNEL,
    Party,
    Words,
    compose,
    conversation_file,
    edited_note,
    noted,
    party,
    reactions_note,
    received_note,
    text_lines,
    too_long,
)

__all__ = ["parse_sigtop_text", "read_time"]

_GO_TIME = re.compile(
    r"^\w{3}, (\d{1,2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$"
)
MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_ZONES: dict[int, timezone] = {}
_TYPE = re.compile(r"^Type: [a-z0-9-]+$")
_TIME_FIELD = re.compile(
    r"^(Sent|Received): (unknown|\w{3}, \d{1,2} \w{3} \d{4} [\d:]{8} [+-]\d{4})$"
)
_ATTACHMENT = re.compile(r"^(?P<name>.*) \((?P<type>[^(),]*), (?P<size>\d+) bytes\)$")
_VERSION = re.compile(r"^Version: \d+$")

NOT_SIGTOP = N_("This file is not a sigtop text export: it does not start with 'Conversation:'.")
NO_MESSAGES = N_("This sigtop file names a conversation but holds no message sigtop writes.")
NO_TIME = N_("This message has no time that can be read, so it was not read.")
LINE = N_("line {n} of '{chat}'")
STRAY = N_("This line is not part of any message sigtop writes, so it was not read.")


def read_time(value: str) -> datetime | None:
    """``Sat, 9 Mar 2024 21:40:12 +0900`` (Go's layout, English names whatever the
    computer's language) as an aware time; None for ``unknown`` or anything else."""
    found = _GO_TIME.match(value.strip())
    if found is None:
        return None
    day, month, year, hour, minute, second, sign, zh, zm = found.groups()
    number = MONTHS.get(month)
    if number is None:
        return None
    offset = (int(zh) * 60 + int(zm)) * (-1 if sign == "-" else 1)
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES[offset] = timezone(timedelta(minutes=offset))
    try:
        return datetime(
            int(year), number, int(day), int(hour), int(minute), int(second), tzinfo=zone
        )
    except ValueError:
        return None


@dataclass
class _Block:
    line: int
    lines: list[str] = field(default_factory=list)


def _starts(lines: list[str], i: int) -> bool:
    """Whether a message starts at ``lines[i]`` (the line before it was blank)."""
    first = lines[i]
    if first.startswith("From: ") and i + 2 < len(lines):
        return bool(_TYPE.match(lines[i + 1]) and _TIME_FIELD.match(lines[i + 2]))
    if _TYPE.match(first) and i + 1 < len(lines):
        return bool(_TIME_FIELD.match(lines[i + 1]))
    return False


def parse_sigtop_text(source: Source) -> Iterator[Item]:
    stem = PurePosixPath(source.member).stem
    w = Words()
    with source.open() as stream:
        lines = text_lines(stream)
        header: str | None = None
        for number, line in lines:
            if line is None:
                yield Skipped(f"line {number}", too_long(w, number))
                continue
            if line.strip():
                header = line
                break
        if header is None or not header.startswith("Conversation: "):
            raise ImportFormatError(_(NOT_SIGTOP))
        chat = party(header.removeprefix("Conversation: "))
        where = w(LINE)
        window: list[str] = []
        numbers: list[int] = []
        block: _Block | None = None

        def advance(keep: int) -> Iterator[Item]:
            """Moves lines from the window into blocks until ``keep`` are left (a message
            start is decided looking two lines ahead), giving each finished message."""
            nonlocal block
            while len(window) > keep:
                start, stray = _take(window, numbers, block)
                if stray is not None:
                    yield Skipped(where.format(n=stray, chat=chat.name), w(STRAY))
                if start is not None:
                    if block is not None:
                        yield _message(w, block, chat, stem, source)
                    block = start

        for number, line in lines:
            if line is None:
                yield Skipped(where.format(n=number, chat=chat.name), too_long(w, number))
                continue
            window.append(line)
            numbers.append(number)
            yield from advance(2)
        yield from advance(0)
        if block is None:
            raise ImportFormatError(_(NO_MESSAGES))
        yield _message(w, block, chat, stem, source)


def _take(
    window: list[str], numbers: list[int], block: _Block | None
) -> tuple[_Block | None, int | None]:
    """Moves the first line of ``window`` into the current block: a new block when a
    message starts there; the line's number when it belongs to no message."""
    line = window[0]
    number = numbers[0]
    previous_blank = block is None or not block.lines or block.lines[-1] == ""
    start = previous_blank and _starts(window, 0)
    del window[0], numbers[0]
    if start:
        return _Block(number, [line]), None
    if block is not None:
        block.lines.append(line)
        return None, None
    return None, number if line.strip() else None


@dataclass
class _Fields:
    sent: str | None = None
    received: str | None = None
    attachments: list[tuple[str | None, str | None]] = field(default_factory=list)
    text: str | None = None
    quote: str | None = None


def _section(lines: list[str]) -> _Fields:
    """Fields, then (after a blank line) a quoted reply and the text, as sigtop writes
    them for a message or for one version of it."""
    found = _Fields()
    i = 0
    while i < len(lines) and lines[i] != "":
        key, _sep, value = lines[i].partition(": ")
        if key == "Sent":
            found.sent = value
        elif key == "Received":
            found.received = value
        elif key == "Attachment":
            match = _ATTACHMENT.match(value)
            if match:
                name = match.group("name")
                found.attachments.append(
                    (None if name == "no filename" else name, match.group("type") or None)
                )
        i += 1
    rest = lines[i + 1 :]
    if rest and rest[0].startswith("> From: "):
        quote: list[str] = []
        while rest and rest[0].startswith(">"):
            quote.append(rest.pop(0)[1:].removeprefix(" "))
        rest = rest[1:]  # the blank line before the text
        inner = _section(quote)
        found.quote = inner.text
    if rest:
        found.text = "\n".join(rest)
    return found


def _message(w: Words, block: _Block, chat: Party, stem: str, source: Source) -> Item:
    lines = block.lines
    if lines and lines[-1] == "":
        lines = lines[:-1]
    position = w(LINE).format(n=block.line, chat=chat.name)
    author: str | None = None
    kind = "unknown"
    edited = 0
    reactions: list[str] = []
    head = 0
    while head < len(lines) and lines[head] != "":
        key, _sep, value = lines[head].partition(": ")
        if key == "From":
            author = value
        elif key == "Type":
            kind = value
        elif key == "Edited":
            edited = int(value.split()[0]) if value.split()[0].isdigit() else 1
        elif key == "Reaction":
            reactions.append(value)
        head += 1
    fields = _section(lines)
    at = read_time(fields.sent or "") or read_time(fields.received or "")
    if at is None:
        return Skipped(position, w(NO_TIME))
    notes: list[str] = []
    if fields.received and fields.received != fields.sent:
        notes.append(received_note(w, fields.received))
    text = compose(fields.text, fields.quote)
    attachments = fields.attachments
    if edited:
        notes.append(edited_note(w, edited))
        versions = _versions(lines[head + 1 :])
        if versions:
            newest = versions[0]
            earlier = [(read_time(v.sent or ""), v.text or "") for v in versions[1:]]
            text = compose(newest.text, newest.quote, earlier)
            attachments = attachments or newest.attachments
    if reactions:
        notes.append(reactions_note(w, reactions))
    direction: Direction | None = None
    who = party(author) if author else None
    if kind == "outgoing" or author == "You":
        direction = "outgoing"
    elif kind == "incoming":
        direction = "incoming"
    counterpart: str | None
    if direction == "outgoing":
        counterpart = chat.address
    elif who is not None:
        counterpart = who.address or who.name
    else:
        counterpart = None if chat.group else chat.address
    call = kind == "call-history"
    content = kind in ("incoming", "outgoing")
    return ParsedRecord(
        position=noted(position, notes),
        kind="call" if call else "message",
        channel=CHANNEL,
        at=at,
        direction=direction,
        counterpart=counterpart,
        counterpart_name=who.name if who and direction != "outgoing" else None,
        sender=who.name if who else None,
        text=None if call else (text if content else kind),
        thread=chat.name,
        system=not (content or call),
        attachments=tuple(_files(w, attachments, stem, source)),
    )


def _versions(lines: list[str]) -> list[_Fields]:
    plain = [line[1:].removeprefix(" ") if line.startswith("|") else line for line in lines]
    found: list[list[str]] = []
    for i, line in enumerate(plain):
        if _VERSION.match(line) and (i == 0 or plain[i - 1] == ""):
            if found and found[-1] and found[-1][-1] == "":
                found[-1].pop()
            found.append([])
            continue
        if found:
            found[-1].append(line)
    return [_section(version) for version in found]


def _files(
    w: Words, items: list[tuple[str | None, str | None]], stem: str, source: Source
) -> Iterator[Attachment]:
    for name, kind in items:
        if kind == "text/x-signal-plain":
            continue
        yield conversation_file(w, source, stem, name, kind)

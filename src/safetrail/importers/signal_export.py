"""signal-export (``sigexport``): a folder per chat with ``chat.md`` and ``data.json``.

Each chat's folder is named after the chat (signal-export keeps only letters and digits:
"Alex Kim" becomes ``AlexKim``); inside it ``chat.md`` (``index.md`` in versions before
1.0), ``data.json`` (one JSON object a line: ``date``, ``sender``, ``body``, ``quote``,
``sticker``, ``reactions``, ``attachments``, and ``deleted`` where the version writes it)
and ``media/`` with the attachments. Both files hold the same messages; both are read,
and every message comes out of both as the same record, so it is stored once (``chat.md``
may hold more: messages merged from an earlier export with ``--old``).

``chat.md`` writes ``[2024-01-05 21:40:12] Alex: text`` (older versions
``[2024-01-05 21:40]`` or ``[2024-01-05, 21:40]``); lines up to the next such line belong to
the same message; a blank line follows every message. A reply starts with the quoted text
(``> ``), reactions come as ``(- Alex: 👍 -)``, a sticker as ``(( 😀 ))``, attachments as
``![name](./media/file)`` links, a deleted message as ``(This message was deleted)`` and
calls as ``Missed voice call``, ``Incoming video call (accepted, 2m 5s)`` and the like.
``Me`` is the person who exported, ``No-Sender`` a message Signal had no sender for.

Times are the wall-clock time of the computer that ran signal-export, without a zone:
they are read in the vault's zone, or the one given with ``--timezone``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import unquote

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    CallOutcome,
    Direction,
    ImportFormatError,
    Item,
    ParsedRecord,
    Skipped,
    Source,
)
from safetrail.importers.jsonstream import file_attachment
from safetrail.importers.signal_common import (
    CHANNEL,
    Words,
    compose,
    deleted_note,
    noted,
    reactions_note,
    text_lines,
    too_long,
)

__all__ = ["MD_LINE", "parse_export_json", "parse_export_md"]

MD_LINE = re.compile(
    r"^\[(?P<day>\d{4}-\d{2}-\d{2}),? (?P<clock>\d{2}:\d{2}(?::\d{2})?)\] "
    r"(?P<who>[^:\n]*?): (?P<rest>.*)$"
)
DELETED = "(This message was deleted)"
ME, NOBODY = "Me", "No-Sender"
_FILE = re.compile(r"!?\[(?P<name>[^\]\n]*)\]\(\./(?P<path>[^)\n]*)\)  $")
_STICKER_LINK = re.compile(r"\[(?P<label>[^\]\n]*)\]\(\.\./exported_stickers/[^)\n]*\)  $")
_STICKER = re.compile(r"\n\(\( (?P<label>.*) \)\)$")
_REACTIONS = re.compile(r"\n\(- (?P<list>.*) -\)$")
_CALL = re.compile(
    r"^(?P<way>Incoming|Outgoing|Missed) (?:(?P<type>[\w-]+) )?call(?: \((?P<detail>[^()]*)\))?$"
)
_DURATION = re.compile(r"^accepted, (?:(?P<m>\d+)m )?(?P<s>\d+)s$")

NOT_MD = N_("This file is not a signal-export chat: no line has the form '[date time] name: text'.")
NOT_JSON = N_("This file is not a signal-export data.json: its lines are not messages.")
BAD_LINE = N_("This line is not a message signal-export writes, so it was not read.")
BAD_DATE = N_("The date '{value}' of this message cannot be read, so it was not read.")
LINE = N_("line {n} of '{chat}'")


@dataclass
class _Message:
    line: int
    when: datetime
    sender: str
    body: str
    quote: str | None
    sticker: str | None
    reactions: list[str]
    files: list[tuple[str, str]]
    deleted: bool


def _chat(source: Source) -> str:
    return PurePosixPath(source.member).parent.name or PurePosixPath(source.member).stem


def _time(day: str, clock: str) -> datetime | None:
    try:
        return datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None


def split_quote(raw: str) -> tuple[str | None, str]:
    """The quoted reply signal-export puts before a text (``\\n\\n> …\\n\\n``) and the rest."""
    if not raw.startswith("\n\n>"):
        return None, raw
    lines = raw[2:].split("\n")
    quote: list[str] = []
    while lines and lines[0].startswith(">"):
        quote.append(lines.pop(0)[1:].removeprefix(" "))
    if lines and lines[0] == "":
        lines.pop(0)
    return "\n".join(quote), "\n".join(lines)


def _from_md(line: int, when: datetime, sender: str, raw: str) -> _Message:
    if raw == DELETED:
        return _Message(line, when, sender, "", None, None, [], [], True)
    files: list[tuple[str, str]] = []
    sticker: str | None = None
    while True:
        found = _FILE.search(raw)
        if found is None:
            break
        files.insert(0, (found.group("name"), found.group("path")))
        raw = raw[: found.start()]
    found_sticker = _STICKER_LINK.search(raw) or _STICKER.search(raw)
    if found_sticker is not None:
        sticker = found_sticker.group("label")
        raw = raw[: found_sticker.start()]
    reactions: list[str] = []
    found_reactions = _REACTIONS.search(raw)
    if found_reactions is not None:
        reactions = found_reactions.group("list").split(", ")
        raw = raw[: found_reactions.start()]
    quote, body = split_quote(raw)
    return _Message(line, when, sender, body, quote, sticker, reactions, files, False)


def parse_export_md(source: Source) -> Iterator[Item]:
    chat = _chat(source)
    current: tuple[int, datetime | None, str, list[str]] | None = None
    found_any = False
    w = Words()
    where = w(LINE)
    with source.open() as stream:
        for number, line in text_lines(stream):
            if line is None:
                yield Skipped(where.format(n=number, chat=chat), too_long(w, number))
                continue
            match = MD_LINE.match(line)
            if match is None:
                if current is not None:
                    current[3].append(line)
                elif line.strip():
                    yield Skipped(where.format(n=number, chat=chat), w(BAD_LINE))
                continue
            if current is not None:
                yield _finish(w, current, chat, source)
            found_any = True
            when = _time(match.group("day"), match.group("clock"))
            current = (number, when, match.group("who"), [match.group("rest")])
        if current is not None:
            yield _finish(w, current, chat, source)
    if not found_any:
        raise ImportFormatError(_(NOT_MD))


def _finish(
    w: Words, current: tuple[int, datetime | None, str, list[str]], chat: str, source: Source
) -> Item:
    number, when, sender, lines = current
    if when is None:
        return Skipped(w(LINE).format(n=number, chat=chat), w(BAD_DATE).format(value="?"))
    raw = "\n".join(lines).removesuffix("\n")
    return _record(w, _from_md(number, when, sender, raw), chat, source)


def parse_export_json(source: Source) -> Iterator[Item]:
    chat = _chat(source)
    found_any = False
    bad = 0
    w = Words()
    where = w(LINE)
    with source.open() as stream:
        for number, line in text_lines(stream):
            position = where.format(n=number, chat=chat)
            if line is None:
                yield Skipped(position, too_long(w, number))
                continue
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            message = _from_json(number, value) if isinstance(value, dict) else None
            if isinstance(message, _Message):
                found_any = True
                yield _record(w, message, chat, source)
            elif isinstance(message, str):
                found_any = True
                yield Skipped(position, w(BAD_DATE).format(value=message[:40]))
            else:
                bad += 1
                if not found_any and bad >= 3:
                    raise ImportFormatError(_(NOT_JSON))
                yield Skipped(position, w(BAD_LINE))
    if not found_any:
        raise ImportFormatError(_(NOT_JSON))


def _from_json(number: int, value: dict[str, object]) -> _Message | str | None:
    date, sender, body = value.get("date"), value.get("sender"), value.get("body")
    if not isinstance(date, str) or not isinstance(sender, str) or not isinstance(body, str):
        return None
    try:
        when = datetime.fromisoformat(date)
    except ValueError:
        return date
    quote_raw = value.get("quote")
    quote = split_quote(quote_raw)[0] if isinstance(quote_raw, str) else None
    sticker_raw = value.get("sticker")
    sticker: str | None = None
    if isinstance(sticker_raw, str) and sticker_raw:
        sticker = sticker_raw
    elif isinstance(sticker_raw, dict):
        label = sticker_raw.get("emoji")
        sticker = label if isinstance(label, str) and label else "sticker"
    reactions: list[str] = []
    for item in _list(value.get("reactions")):
        if isinstance(item, list | tuple) and len(item) == 2:
            reactions.append(f"{item[0]}: {item[1]}")
        elif isinstance(item, dict):
            reactions.append(f"{item.get('name')}: {item.get('emoji')}")
    files: list[tuple[str, str]] = []
    for item in _list(value.get("attachments")):
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            files.append((str(item.get("name") or ""), str(item["path"]).removeprefix("./")))
    deleted = bool(value.get("deleted")) or body == DELETED
    return _Message(number, when, sender, body, quote, sticker, reactions, files, deleted)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _call(body: str, sender: str) -> tuple[Direction | None, CallOutcome | None, int | None]:
    found = _CALL.match(body)
    assert found is not None
    way, detail = found.group("way"), found.group("detail") or ""
    direction: Direction = "outgoing" if way == "Outgoing" or sender == ME else "incoming"
    if way == "Missed":
        return "incoming", "missed", None
    if detail.startswith("accepted"):
        length = _DURATION.match(detail)
        seconds = None
        if length is not None:
            seconds = int(length.group("m") or 0) * 60 + int(length.group("s"))
        return direction, "answered", seconds
    if detail.startswith("declined"):
        return direction, "rejected", None
    if detail in ("unanswered", "missed"):
        return direction, "missed", None
    return direction, None, None


def _record(w: Words, message: _Message, chat: str, source: Source) -> ParsedRecord:
    position = w(LINE).format(n=message.line, chat=chat)
    notes: list[str] = []
    sender: str | None = None if message.sender == NOBODY else message.sender
    direction: Direction | None = None
    if message.sender == ME:
        direction = "outgoing"
    elif sender is not None:
        direction = "incoming"
    body = message.body.removesuffix("  ")
    call = not message.deleted and not message.quote and _CALL.match(body) is not None
    duration = None
    outcome: CallOutcome | None = None
    if call:
        direction, outcome, duration = _call(body, message.sender)
    if message.deleted:
        notes.append(deleted_note(w))
        text = None
    else:
        text = None if call else compose(body, message.quote, (), message.sticker)
    if message.reactions:
        notes.append(reactions_note(w, message.reactions))
    counterpart = chat if direction == "outgoing" or sender is None else sender
    return ParsedRecord(
        position=noted(position, notes),
        kind="call" if call else "message",
        channel=CHANNEL,
        at=message.when,
        direction=direction,
        counterpart=counterpart,
        sender=sender,
        text=text,
        duration=duration,
        outcome=outcome,
        thread=chat,
        attachments=tuple(_attachment(source, name, path) for name, path in message.files),
    )


def _attachment(source: Source, name: str, path: str) -> Attachment:
    return file_attachment(source, unquote(path), name or None)

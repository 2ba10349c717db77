"""Discord channels and direct messages exported with DiscordChatExporter (JSON).

The file is one object: ``guild``, ``channel``, ``dateRange``, ``exportedAt``, then
``messages[]`` (read one at a time with :class:`JsonReader`, whatever the size) and
``messageCount``. Times are ISO 8601 with offsets. Exports can hold the same message twice
(overlapping partial exports glued together): the first copy is kept, the second is
reported.

Who is "me": ``options.me`` (a user name, ``name#1234``, nickname or user id). Without it,
in a direct-message channel (whose ``name`` is the other person's user name) every author
who is not that person is "me"; elsewhere the direction stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    Direction,
    Importer,
    ImportFormatError,
    Item,
    ParsedRecord,
    ParseOptions,
    Probe,
    Skipped,
    Source,
)
from safetrail.importers.jsonstream import (
    BadValue,
    JsonDamage,
    JsonReader,
    damage_skip,
    file_attachment,
    iso_datetime,
    looks_like_json_object,
)

__all__ = ["IMPORTERS", "DiscordImporter"]

_GUILD = re.compile(rb'"guild"\s*:\s*\{')
_CHANNEL = re.compile(rb'"channel"\s*:\s*\{')
_MARKERS = re.compile(rb'"(timestampEdited|isBot|discriminator|exportedAt|messageCount)"\s*:')

NOT_DISCORD = N_("This file is not a DiscordChatExporter export: it has no list of messages.")
NOT_JSON = N_("This file is not a DiscordChatExporter export: it does not start like a JSON file.")
BAD_MESSAGE = N_("This message is damaged in the file and could not be read.")
NO_TIME = N_("This message has no readable time, so it was not read.")
DUPLICATE = N_(
    "Message {id} appears twice in the export; the first copy was kept and this one was not read."
)
UNREADABLE = N_("This message could not be read ({problem}).")
#: message types that are real messages (everything else is a system notice)
CONTENT_TYPES = {"Default", "Reply", "Call", "ThreadStarterMessage", "ChatInputCommand"}


@dataclass
class _Channel:
    guild: str | None = None
    name: str | None = None
    type: str | None = None
    id: str | None = None

    def label(self) -> str:
        channel = self.name or self.id or "?"
        if self.guild and self.guild != "Direct Messages":
            return f"{self.guild} › #{channel}"
        return channel


class DiscordImporter:
    name = "discord"
    version = "1"
    label = N_("Discord (DiscordChatExporter JSON)")

    def detect(self, probe: Probe) -> float:
        head = probe.head
        if not looks_like_json_object(head):
            return 0.0
        guild = bool(_GUILD.search(head))
        channel = bool(_CHANNEL.search(head))
        markers = {m.group(1) for m in _MARKERS.finditer(head)}
        if guild and channel and markers:
            return 0.95
        if guild and channel:
            return 0.7
        if len(markers) >= 3:
            return 0.6
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        with source.open() as stream:
            reader = JsonReader(stream)
            if reader.peek_type() != "object":
                raise ImportFormatError(_(NOT_JSON))
            walk = _Walk(source, options.me)
            try:
                reader.begin_object()
                for key in reader.fields():
                    kind = reader.peek_type()
                    if key in ("guild", "channel") and kind == "object":
                        walk.header(key, reader)
                    elif key == "messages" and kind == "array":
                        walk.found = True
                        yield from walk.messages(reader)
                    else:
                        reader.skip()
            except JsonDamage as damage:
                if not walk.found:
                    raise ImportFormatError(_(NOT_DISCORD)) from None
                position = _("after message {n}").format(n=walk.count)
                yield damage_skip(position, damage)
                return
            if not walk.found:
                raise ImportFormatError(_(NOT_DISCORD))


class _Walk:
    def __init__(self, source: Source, me: str | None) -> None:
        self.source = source
        self.me = me.casefold() if me else None
        self.channel = _Channel()
        self.found = False
        self.count = 0
        #: ids already read (ints when numeric, as Discord's are: smaller than strings)
        self.seen: set[int | str] = set()

    def header(self, key: str, reader: JsonReader) -> None:
        try:
            value = reader.value()
        except BadValue:
            return
        if not isinstance(value, dict):
            return
        if key == "guild":
            self.channel.guild = _str(value.get("name"))
        else:
            self.channel.name = _str(value.get("name"))
            self.channel.type = _str(value.get("type"))
            self.channel.id = _str(value.get("id"))

    def messages(self, reader: JsonReader) -> Iterator[Item]:
        reader.begin_array()
        template = _("message {n} of '{channel}'")
        label = self.channel.label()
        for _step in reader.items():
            self.count += 1
            position = template.format(n=self.count, channel=label)
            try:
                raw = reader.value()
            except BadValue:
                yield Skipped(position, _(BAD_MESSAGE))
                continue
            if not isinstance(raw, dict):
                yield Skipped(position, _(BAD_MESSAGE))
                continue
            try:
                yield self.record(raw, position)
            except Exception as exc:  # one odd message must not stop the rest
                yield Skipped(position, _(UNREADABLE).format(problem=type(exc).__name__))

    def record(self, msg: dict[str, Any], position: str) -> Item:
        source_id = _str(msg.get("id"))
        if source_id is not None:
            key: int | str = int(source_id) if source_id.isdigit() else source_id
            if key in self.seen:
                return Skipped(position, _(DUPLICATE).format(id=source_id))
        at = iso_datetime(msg.get("timestamp"))
        if at is None:
            return Skipped(position, _(NO_TIME))
        if source_id is not None:
            self.seen.add(key)
        raw_author = msg.get("author")
        author: dict[str, Any] = raw_author if isinstance(raw_author, dict) else {}
        sender = _author_name(author)
        mine = self.is_me(author, sender)
        direction: Direction | None = None
        if mine is not None:
            direction = "outgoing" if mine else "incoming"
        counterpart: str | None = None
        counterpart_name: str | None = None
        if direction == "incoming":
            counterpart = sender
            counterpart_name = _str(author.get("nickname"))
        elif self.channel.type == "DirectTextChat":
            counterpart = self.channel.name
        kind_type = _str(msg.get("type")) or "Default"
        call = kind_type == "Call"
        duration = None
        if call:
            ended = iso_datetime(msg.get("callEndedTimestamp"))
            if ended is not None and (ended.tzinfo is None) == (at.tzinfo is None):
                duration = max(int((ended - at).total_seconds()), 0)
        return ParsedRecord(
            position=position,
            kind="call" if call else "message",
            channel="discord",
            at=at,
            direction=direction,
            counterpart=counterpart,
            counterpart_name=counterpart_name if counterpart_name != counterpart else None,
            sender=sender,
            text=_str(msg.get("content")),
            duration=duration,
            thread=self.channel.label(),
            source_id=source_id,
            system=kind_type not in CONTENT_TYPES,
            attachments=self.attachments(msg),
        )

    def is_me(self, author: dict[str, Any], sender: str | None) -> bool | None:
        if self.me is not None:
            names = {_str(author.get(k)) for k in ("name", "nickname", "id")} | {sender}
            return self.me in {n.casefold() for n in names if n}
        if self.channel.type == "DirectTextChat" and self.channel.name and sender:
            return _str(author.get("name")) != self.channel.name
        return None

    def attachments(self, msg: dict[str, Any]) -> tuple[Attachment, ...]:
        items = msg.get("attachments")
        if not isinstance(items, list):
            return ()
        found: list[Attachment] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            url = _str(item.get("url"))
            name = _str(item.get("fileName"))
            if url:
                found.append(file_attachment(self.source, url, name))
            elif name:
                found.append(Attachment(name=name, note=_("The export did not include this file.")))
        return tuple(found)


def _str(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _author_name(author: dict[str, Any]) -> str | None:
    name = _str(author.get("name"))
    if name is None:
        return None
    discriminator = _str(author.get("discriminator"))
    if discriminator and discriminator.strip("0"):
        return f"{name}#{discriminator}"
    return name


IMPORTERS: tuple[Importer, ...] = (DiscordImporter(),)

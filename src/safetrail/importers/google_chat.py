"""Google Takeout: Google Chat (``Google Chat/Groups/<chat>/messages.json``) and the older
Hangouts (``Hangouts/Hangouts.json``).

Google Chat: ``{"messages": [...]}``, each with ``creator`` (``name``, ``email``),
``created_date`` in words ("Tuesday, 2 May 2024 at 20:00:05 UTC", or "Tuesday, May 2,
2024 at 8:00:05 PM UTC" for United States English), ``text``, ``message_id`` and
``attached_files``. The chat's members are in ``group_info.json`` beside it. Who is "me":
``options.me`` (a name or an address); otherwise, in a chat of two whose members are known,
the direction stays unknown (Takeout does not say whose account it is) and the counterpart
is the writer.

Hangouts: ``{"conversations": [{"conversation": {...}, "events": [...]}]}``, read one
event at a time. The participants' names are in ``conversation.conversation.participant_data``
and the account's own id in ``self_conversation_state.self_read_state.participant_id``, so
the direction is known. ``timestamp`` is in microseconds (a string). A chat message's text
is the concatenation of its ``segment`` pieces (a ``LINE_BREAK`` is a new line); a call is
the ``END_HANGOUT`` event with ``hangout_duration_secs`` (the call started that many seconds
earlier; no duration: a missed call), the matching ``START_HANGOUT`` is part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

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
from safetrail.importers.jsonstream import (
    BadValue,
    JsonDamage,
    JsonReader,
    damage_skip,
    epoch_datetime,
    looks_like_json_object,
    missing_attachment,
)

__all__ = ["IMPORTERS", "GoogleChatImporter", "HangoutsImporter", "chat_time"]

NOT_CHAT = N_("This file is not a Google Chat or Hangouts export: it has no list of messages.")
NO_TIME = N_("This message has no readable time, so it was not read.")
BAD_MESSAGE = N_("This message is damaged in the file and could not be read.")

_WEEKDAY = re.compile(r"^[^\W\d_]+,\s*")
_SPACES = re.compile(r"[\s\u202f\u00a0]+")
_LAYOUTS = ("%d %B %Y %H:%M:%S", "%B %d, %Y %I:%M:%S %p", "%d %B %Y %I:%M:%S %p")


def chat_time(value: object) -> datetime | None:
    """Google Chat's ``created_date`` (see the module docstring) as an aware time."""
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", value).strip()
    text = _WEEKDAY.sub("", text)
    day, sep, clock = text.partition(" at ")
    if not sep:
        return None
    zone = UTC
    parts = clock.split(" ")
    if parts and parts[-1].upper() in ("UTC", "GMT"):
        parts.pop()
    for layout in _LAYOUTS:
        try:
            return datetime.strptime(f"{day} {' '.join(parts)}", layout).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


class GoogleChatImporter:
    name = "google-chat"
    version = "1"
    label = N_("Google Chat (Google Takeout)")

    def detect(self, probe: Probe) -> float:
        if not looks_like_json_object(probe.head):
            return 0.0
        head = probe.head
        named = PurePosixPath(probe.name.replace("\\", "/")).name.lower() == "messages.json"
        if b'"messages"' in head and b'"creator"' in head and b'"created_date"' in head:
            return 0.92 if named else 0.85
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        members = self._members(source)
        me = _fold(options.me) or None
        others = [m for m in members if me and me not in (_fold(m[0]), _fold(m[1]))]
        partner = others[0] if len(others) == 1 and len(members) == 2 else None
        thread = PurePosixPath(source.member.replace("\\", "/")).parent.name or None
        found = False
        number = 0
        with source.open() as stream:
            reader = JsonReader(stream)
            try:
                for _key in reader.arrays(("messages",)):
                    found = True
                    for _item in reader.items():
                        number += 1
                        position = _("message {n}").format(n=number)
                        try:
                            value = reader.value()
                        except BadValue:
                            yield Skipped(position, _(BAD_MESSAGE))
                            continue
                        yield self._record(value, position, me, partner, thread, source)
            except JsonDamage as damage:
                if number == 0 and not found:
                    raise ImportFormatError(_(NOT_CHAT)) from None
                yield damage_skip(_("message {n}").format(n=number + 1), damage)
                return
        if not found:
            raise ImportFormatError(_(NOT_CHAT))

    @staticmethod
    def _members(source: Source) -> list[tuple[str, str]]:
        """(name, email) of the chat's members, from ``group_info.json`` beside it."""
        folder = PurePosixPath(source.member.replace("\\", "/")).parent
        wanted = "group_info.json" if str(folder) == "." else str(folder / "group_info.json")
        info = source.sibling(wanted)
        if info is None or info.size > 1024 * 1024:
            return []
        try:
            with info.open() as stream:
                reader = JsonReader(stream)
                reader.begin_object()
                for key in reader.fields():
                    if key == "members":
                        value = reader.value()
                        return [
                            (str(m.get("name") or ""), str(m.get("email") or ""))
                            for m in value
                            if isinstance(m, dict)
                        ]
                    reader.skip()
        except (JsonDamage, BadValue, AttributeError, TypeError):
            return []
        return []

    @staticmethod
    def _record(
        value: Any,
        position: str,
        me: str | None,
        partner: tuple[str, str] | None,
        thread: str | None,
        source: Source,
    ) -> Item:
        if not isinstance(value, dict):
            return Skipped(position, _(BAD_MESSAGE))
        at = chat_time(value.get("created_date"))
        if at is None:
            return Skipped(position, _(NO_TIME))
        found = value.get("creator")
        creator: dict[str, Any] = found if isinstance(found, dict) else {}
        name = str(creator.get("name") or "") or None
        email = str(creator.get("email") or "") or None
        mine = me is not None and me in (_fold(name), _fold(email))
        if me is None:
            direction = None
            counterpart, counterpart_name = email or name, name
        elif mine:
            direction = "outgoing"
            counterpart = (partner[1] or partner[0]) if partner else None
            counterpart_name = partner[0] if partner else None
        else:
            direction = "incoming"
            counterpart, counterpart_name = email or name, name
        files = value.get("attached_files")
        attachments: tuple[Attachment, ...] = ()
        if isinstance(files, list):
            attachments = tuple(
                missing_attachment(str(f.get("export_name") or f.get("original_name") or "file"))
                for f in files
                if isinstance(f, dict)
            )
        text = value.get("text")
        return ParsedRecord(
            position=position,
            kind="message",
            channel="google-chat",
            at=at,
            direction=direction,  # type: ignore[arg-type]
            counterpart=counterpart,
            counterpart_name=counterpart_name,
            sender=name or email,
            text=text if isinstance(text, str) and text else None,
            thread=thread,
            source_id=str(value.get("message_id") or "") or None,
            attachments=attachments,
        )


@dataclass
class _Conversation:
    names: dict[str, str] = field(default_factory=dict)
    me: str | None = None
    title: str | None = None


class HangoutsImporter:
    name = "hangouts"
    version = "1"
    label = N_("Google Hangouts (Google Takeout)")

    def detect(self, probe: Probe) -> float:
        if not looks_like_json_object(probe.head):
            return 0.0
        head = probe.head
        if b'"conversations"' in head and (
            b'"conversation_id"' in head or b'"participant_data"' in head or b'"events"' in head
        ):
            named = PurePosixPath(probe.name.replace("\\", "/")).name.lower() == "hangouts.json"
            return 0.93 if named else 0.85
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        found = False
        number = 0
        with source.open() as stream:
            reader = JsonReader(stream)
            try:
                for _key in reader.arrays(("conversations",)):
                    found = True
                    for chat, _item in enumerate(reader.items(), start=1):
                        for item in self._conversation(reader, chat, options):
                            number += 1
                            yield item
            except JsonDamage as damage:
                if not found:
                    raise ImportFormatError(_(NOT_CHAT)) from None
                yield damage_skip(_("event {n}").format(n=number + 1), damage)
                return
        if not found:
            raise ImportFormatError(_(NOT_CHAT))

    def _conversation(self, reader: JsonReader, chat: int, options: ParseOptions) -> Iterator[Item]:
        state = _Conversation()
        if reader.peek_type() != "object":
            reader.skip()
            return
        reader.begin_object()
        for key in reader.fields():
            if key == "conversation" and reader.peek_type() == "object":
                try:
                    self._learn(reader.value(), state, options)
                except BadValue:
                    continue
            elif key == "events" and reader.peek_type() == "array":
                reader.begin_array()
                event = 0
                for _item in reader.items():
                    event += 1
                    position = _("event {n} of conversation {c}").format(n=event, c=chat)
                    try:
                        value = reader.value()
                    except BadValue:
                        yield Skipped(position, _(BAD_MESSAGE))
                        continue
                    item = self._event(value, position, state)
                    if item is not None:
                        yield item
            else:
                reader.skip()

    @staticmethod
    def _learn(value: Any, state: _Conversation, options: ParseOptions) -> None:
        inner = value.get("conversation", value) if isinstance(value, dict) else {}
        if not isinstance(inner, dict):
            return
        for person in inner.get("participant_data") or []:
            if not isinstance(person, dict):
                continue
            gaia = str((person.get("id") or {}).get("gaia_id") or "")
            if gaia:
                state.names[gaia] = str(person.get("fallback_name") or gaia)
        own = ((inner.get("self_conversation_state") or {}).get("self_read_state") or {}).get(
            "participant_id"
        ) or {}
        state.me = str(own.get("gaia_id") or "") or None
        if options.me:
            wanted = _fold(options.me)
            for gaia, name in state.names.items():
                if _fold(name) == wanted:
                    state.me = gaia
        state.title = str(inner.get("name") or "") or None

    @staticmethod
    def _event(value: Any, position: str, state: _Conversation) -> Item | None:
        if not isinstance(value, dict):
            return Skipped(position, _(BAD_MESSAGE))
        at = epoch_datetime(value.get("timestamp"), scale=1_000_000)
        if at is None:
            return Skipped(position, _(NO_TIME))
        sender = str((value.get("sender_id") or {}).get("gaia_id") or "") or None
        others = [g for g in state.names if g != state.me]
        mine = sender is not None and sender == state.me
        direction = None if state.me is None else "outgoing" if mine else "incoming"
        partner = others[0] if len(others) == 1 else None
        who = partner if mine else sender
        name = state.names.get(who or "", who)
        thread = state.title or (state.names.get(partner or "") if partner else None)
        kind = value.get("event_type")
        if kind == "HANGOUT_EVENT":
            call = value.get("hangout_event") or {}
            if call.get("event_type") != "END_HANGOUT":
                return None  # the start of a call: the end event records it
            try:
                seconds = int(call.get("hangout_duration_secs") or 0)
            except (TypeError, ValueError):
                seconds = 0
            return ParsedRecord(
                position=position,
                kind="call",
                channel="hangouts",
                at=at - timedelta(seconds=seconds),
                direction=direction,  # type: ignore[arg-type]
                counterpart=who,
                counterpart_name=name,
                sender=state.names.get(sender or "", sender),
                duration=seconds or None,
                outcome="answered" if seconds else "missed",
                thread=thread,
                source_id=str(value.get("event_id") or "") or None,
            )
        content = ((value.get("chat_message") or {}).get("message_content")) or {}
        pieces: list[str] = []
        for segment in content.get("segment") or []:
            if not isinstance(segment, dict):
                continue
            if segment.get("type") == "LINE_BREAK":
                pieces.append("\n")
            elif isinstance(segment.get("text"), str):
                pieces.append(segment["text"])
        attachments = tuple(
            missing_attachment(_("attached file")) for _a in content.get("attachment") or []
        )
        if kind != "REGULAR_CHAT_MESSAGE" and not pieces:
            # someone added or removed, the chat renamed…: kept as a system line
            return ParsedRecord(
                position=position, kind="message", channel="hangouts", at=at,
                text=str(kind or "") or None, thread=thread, system=True,
                source_id=str(value.get("event_id") or "") or None,
            )  # fmt: skip
        return ParsedRecord(
            position=position,
            kind="message",
            channel="hangouts",
            at=at,
            direction=direction,  # type: ignore[arg-type]
            counterpart=who,
            counterpart_name=name,
            sender=state.names.get(sender or "", sender),
            text="".join(pieces) or None,
            thread=thread,
            source_id=str(value.get("event_id") or "") or None,
            attachments=attachments,
        )


IMPORTERS = (GoogleChatImporter(), HangoutsImporter())

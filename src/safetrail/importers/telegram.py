"""Telegram Desktop's JSON export (``result.json``).

Two shapes: one chat (``name``, ``type``, ``id``, ``messages[]`` at the top) or the whole
account (``personal_information``, ``chats.list[]`` and ``left_chats.list[]``, each item a
chat of the first shape). The file is read with :class:`JsonReader`, one message at a time,
so its size does not matter.

Who is "me" (for the direction): ``options.me`` when given (a name or a ``user123`` id);
else, in an account export, the account's own ``user_id`` and name from
``personal_information``; else, in a one-to-one chat, whoever is not the other person (a
personal chat's ``id`` is the other person's user id and its ``name`` their name). In group
chats without any of these the direction stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    CallOutcome,
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
    epoch_datetime,
    file_attachment,
    iso_datetime,
    looks_like_json_object,
    missing_attachment,
)

__all__ = ["IMPORTERS", "TelegramImporter"]

CHAT_TYPES = (
    b"personal_chat",
    b"private_group",
    b"private_supergroup",
    b"public_supergroup",
    b"private_channel",
    b"public_channel",
    b"saved_messages",
    b"bot_chat",
)
_STRONG = re.compile(rb'"(date_unixtime|text_entities|from_id|actor_id)"\s*:')
_CHAT_TYPE = re.compile(rb'"type"\s*:\s*"(' + b"|".join(CHAT_TYPES) + rb')"')
_ACCOUNT = re.compile(rb'"personal_information"\s*:')
_MESSAGES = re.compile(rb'"(messages|chats)"\s*:')

NOT_TELEGRAM = N_("This file is not a Telegram export: it has no list of messages or chats.")
NOT_JSON = N_("This file is not a Telegram export: it does not start like a JSON file.")
BAD_MESSAGE = N_("This message is damaged in the file and could not be read.")
NO_DATE = N_("This message has no date, so it was not read.")
BAD_DATE = N_("The date '{value}' of this message cannot be read, so it was not read.")
UNREADABLE = N_("This message could not be read ({problem}).")
PERSONAL = "personal_chat"


@dataclass
class _Chat:
    name: str | None = None
    type: str | None = None
    id: str | None = None
    count: int = 0

    def label(self) -> str:
        if self.name:
            return self.name
        return f"#{self.id}" if self.id else "?"


@dataclass
class _Me:
    name: str | None = None
    user_id: str | None = None
    forced: bool = False


class TelegramImporter:
    name = "telegram"
    version = "1"
    label = N_("Telegram Desktop export (result.json)")

    def detect(self, probe: Probe) -> float:
        head = probe.head
        if not looks_like_json_object(head):
            return 0.0
        named = probe.name.lower().endswith("result.json")
        strong = {m.group(1) for m in _STRONG.finditer(head)}
        if b"date_unixtime" in strong or b"text_entities" in strong:
            return 0.97
        if _CHAT_TYPE.search(head) and (_MESSAGES.search(head) or strong):
            return 0.93
        if _ACCOUNT.search(head) and (named or b"Telegram" in head):
            return 0.9
        if strong and _MESSAGES.search(head):
            return 0.6 if named else 0.45
        return 0.2 if named else 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        with source.open() as stream:
            reader = JsonReader(stream)
            if reader.peek_type() != "object":
                raise ImportFormatError(_(NOT_JSON))
            me = _Me(name=options.me, forced=bool(options.me))
            state = _Walk(source, me)
            try:
                reader.begin_object()
                yield from state.chat_object(reader, _Chat(), root=True)
            except JsonDamage as damage:
                if not state.found_any:
                    raise ImportFormatError(_(NOT_TELEGRAM)) from None
                yield damage_skip(state.where(), damage)
                return
            if not state.found_any:
                raise ImportFormatError(_(NOT_TELEGRAM))


class _Walk:
    """The walk over one file: where it is, and who "me" is."""

    def __init__(self, source: Source, me: _Me) -> None:
        self.source = source
        self.me = me
        self.found_any = False
        self.chat: _Chat | None = None

    def where(self) -> str:
        if self.chat is None:
            return _("start of the file")
        return _("after message {n} of '{chat}'").format(n=self.chat.count, chat=self.chat.label())

    def chat_object(self, reader: JsonReader, chat: _Chat, root: bool) -> Iterator[Item]:
        for key in reader.fields():
            kind = reader.peek_type()
            if key == "messages" and kind == "array":
                self.found_any = True
                self.chat = chat
                yield from self.messages(reader, chat)
            elif root and key in ("chats", "left_chats") and kind == "object":
                yield from self.chat_list(reader)
            elif root and key == "personal_information" and kind == "object":
                self.personal(reader)
            elif key in ("name", "type", "id") and kind != "object" and kind != "array":
                try:
                    value = reader.value()
                except BadValue:
                    continue
                if isinstance(value, str | int) and not isinstance(value, bool):
                    setattr(chat, key, str(value))
            else:
                reader.skip()

    def chat_list(self, reader: JsonReader) -> Iterator[Item]:
        for _key in reader.arrays(("list",)):
            self.found_any = True
            for _step in reader.items():
                if reader.peek_type() != "object":
                    reader.skip()
                    continue
                reader.begin_object()
                yield from self.chat_object(reader, _Chat(), root=False)

    def personal(self, reader: JsonReader) -> None:
        try:
            info = reader.value()
        except BadValue:
            return
        if not isinstance(info, dict) or self.me.forced:
            return
        user_id = info.get("user_id")
        if isinstance(user_id, int | str) and not isinstance(user_id, bool):
            self.me.user_id = f"user{user_id}"
        names = [info.get("first_name"), info.get("last_name")]
        full = " ".join(n for n in names if isinstance(n, str) and n).strip()
        if full:
            self.me.name = full

    def messages(self, reader: JsonReader, chat: _Chat) -> Iterator[Item]:
        reader.begin_array()
        template = _("message {n} of '{chat}'")
        label = chat.label()
        for _step in reader.items():
            chat.count += 1
            position = template.format(n=chat.count, chat=label)
            try:
                raw = reader.value()
            except BadValue:
                yield Skipped(position, _(BAD_MESSAGE))
                continue
            if not isinstance(raw, dict):
                yield Skipped(position, _(BAD_MESSAGE))
                continue
            try:
                yield self.record(raw, chat, position)
            except Exception as exc:  # one odd message must not stop the rest
                yield Skipped(position, _(UNREADABLE).format(problem=type(exc).__name__))

    # -- one message --------------------------------------------------------------------

    def record(self, msg: dict[str, Any], chat: _Chat, position: str) -> Item:
        at = _when(msg)
        if isinstance(at, Skipped):
            return Skipped(position, at.reason)
        service = msg.get("type") == "service"
        sender = _str(msg.get("actor") if service else msg.get("from"))
        sender_id = _str(msg.get("actor_id") if service else msg.get("from_id"))
        if sender is None and not service:
            sender = _str(msg.get("actor"))
        if sender is None:
            sender = sender_id  # a deleted account keeps only its id
        mine = self.is_me(sender, sender_id, chat)
        direction: Direction | None = None
        if mine is not None:
            direction = "outgoing" if mine else "incoming"
        personal = chat.type == PERSONAL
        counterpart: str | None
        if personal and chat.name:
            counterpart = chat.name
        elif mine:
            counterpart = None
        else:
            counterpart = sender
        action = _str(msg.get("action"))
        is_call = service and action == "phone_call"
        duration, outcome = _call(msg, direction) if is_call else (None, None)
        return ParsedRecord(
            position=position,
            kind="call" if is_call else "message",
            channel="telegram",
            at=at,
            direction=direction,
            counterpart=counterpart,
            sender=sender,
            participants=(chat.name,) if personal and chat.name else (),
            text=_message_text(msg, service, action) if not is_call else None,
            duration=duration,
            outcome=outcome,
            thread=chat.label(),
            source_id=_str(msg.get("id")),
            system=service and not is_call,
            attachments=self.attachments(msg),
        )

    def is_me(self, sender: str | None, sender_id: str | None, chat: _Chat) -> bool | None:
        me = self.me
        if me.name or me.user_id:
            if me.user_id and sender_id:
                return sender_id == me.user_id
            if me.name and (sender or sender_id):
                wanted = me.name.casefold()
                return wanted in (
                    (sender or "").casefold(),
                    (sender_id or "").casefold(),
                )
            return None
        if chat.type != PERSONAL:
            return None
        if sender_id and chat.id:
            return sender_id != f"user{chat.id}"
        if sender and chat.name:
            return sender != chat.name
        return None

    def attachments(self, msg: dict[str, Any]) -> tuple[Attachment, ...]:
        found: list[Attachment] = []
        mime = _str(msg.get("mime_type"))
        for key, default_type in (("photo", "image/jpeg"), ("file", None)):
            ref = msg.get(key)
            if not isinstance(ref, str) or not ref:
                continue
            media_type = mime if key == "file" else default_type
            name = _str(msg.get("file_name")) if key == "file" else None
            if ref.startswith("(") and ref.endswith(")"):
                fallback = name or _str(msg.get("media_type")) or key
                found.append(missing_attachment(fallback, media_type))
            else:
                found.append(file_attachment(self.source, ref, name, media_type))
        return tuple(found)


def _str(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _when(msg: dict[str, Any]) -> datetime | Skipped:
    unix = msg.get("date_unixtime")
    if unix is not None:
        at = epoch_datetime(unix)
        if at is not None:
            return at
    date = msg.get("date")
    if date is None and unix is None:
        return Skipped("", _(NO_DATE))
    parsed = iso_datetime(date)
    if parsed is None:
        shown = date if isinstance(date, str) else unix
        return Skipped("", _(BAD_DATE).format(value=str(shown)[:40]))
    return parsed


def _call(
    msg: dict[str, Any], direction: Direction | None
) -> tuple[int | None, CallOutcome | None]:
    raw = msg.get("duration_seconds")
    duration = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    reason = msg.get("discard_reason")
    outcome: CallOutcome | None
    if reason == "missed":
        outcome = "missed"
    elif reason == "busy":
        outcome = "rejected"
    elif duration:
        outcome = "answered"
    elif reason in ("hangup", "disconnect"):
        outcome = "missed"
    else:
        outcome = None
    return duration, outcome


def plain_text(value: object) -> str:
    """Telegram's ``text``: a string, or a list of strings and ``{type, text}`` pieces."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    parts: list[str] = []
    for piece in value:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict):
            text = piece.get("text")
            if isinstance(text, str):
                parts.append(text)
            href = piece.get("href")
            if isinstance(href, str) and href and href != text:
                parts.append(f" ({href})")
    return "".join(parts)


def _message_text(msg: dict[str, Any], service: bool, action: str | None) -> str | None:
    lines: list[str] = []
    forwarded = _str(msg.get("forwarded_from"))
    if forwarded:
        lines.append(_("Forwarded from {name}:").format(name=forwarded))
    text = plain_text(msg.get("text"))
    if text:
        lines.append(text)
    if service and action:
        lines.append(_service_line(msg, action))
    location = msg.get("location_information")
    if isinstance(location, dict):
        lines.append(
            _("Location: {lat}, {lon}").format(
                lat=location.get("latitude"), lon=location.get("longitude")
            )
        )
    contact = msg.get("contact_information")
    if isinstance(contact, dict):
        name = " ".join(str(contact[k]) for k in ("first_name", "last_name") if contact.get(k))
        lines.append(
            _("Contact: {name} {phone}")
            .format(name=name, phone=contact.get("phone_number") or "")
            .strip()
        )
    poll = msg.get("poll")
    if isinstance(poll, dict) and isinstance(poll.get("question"), str):
        lines.append(_("Poll: {question}").format(question=poll["question"]))
    if not text and isinstance(msg.get("sticker_emoji"), str):
        lines.append(msg["sticker_emoji"])
    return "\n".join(lines) or None


def _service_line(msg: dict[str, Any], action: str) -> str:
    details: list[str] = []
    members = msg.get("members")
    if isinstance(members, list):
        details.extend(str(m) for m in members if isinstance(m, str))
    title = msg.get("title")
    if isinstance(title, str) and title:
        details.append(title)
    words = action.replace("_", " ")
    return f"{words}: {', '.join(details)}" if details else words


IMPORTERS: tuple[Importer, ...] = (TelegramImporter(),)

"""Facebook Messenger and Instagram messages from Meta's "Download your information".

Each conversation is a folder ``messages/inbox/<thread>/`` holding ``message_1.json``,
``message_2.json`` … (newest message first; the file order is kept). Instagram exports use
the same layout under ``your_instagram_activity/messages/inbox/`` (older ones without that
folder). A file is taken for Instagram when its path mentions Instagram, or its first bytes
do: a link to instagram.com or a media path under ``your_instagram_activity/``, or
participants who are all Instagram user names (lower-case letters, digits, "." and "_",
with at least one "." or "_" or digit, where Messenger shows people's names); otherwise it
is read as Messenger.

Meta writes UTF-8 text as if each byte were a Latin-1 character (an emoji shows up as
``\\u00f0\\u009f\\u0098\\u0080``); every string is repaired with
``s.encode("latin-1").decode("utf-8")`` when that works, and kept as it is otherwise.

The exporting person ("me", for the direction) is ``options.me`` when given; otherwise, in a
conversation of two, the participant listed last (Meta lists the account owner last in the
``participants`` of one-to-one conversations). In group conversations without
``options.me`` the direction stays unknown.

The newer end-to-end encrypted Messenger export (``senderName``, ``timestamp``, ``text``,
``media``, participants as plain strings) is read too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
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
    looks_like_json_object,
)

__all__ = ["IMPORTERS", "MetaImporter", "repair"]

_PATH = re.compile(
    r"(^|/)messages/(inbox|archived_threads|message_requests|filtered_threads|e2ee_cutover)"
    r"/[^/]+/message_\d+\.json$"
)
_PARTICIPANTS = re.compile(rb'"participants"\s*:')
_CLASSIC = re.compile(rb'"(sender_name|timestamp_ms)"\s*:')
_E2EE = re.compile(rb'"(senderName|threadName)"\s*:')
_MESSAGES = re.compile(rb'"messages"\s*:')

NOT_META = N_("This file is not a Messenger or Instagram conversation: it has no list of messages.")
NOT_JSON = N_(
    "This file is not a Messenger or Instagram conversation: it does not start like a JSON file."
)
BAD_MESSAGE = N_("This message is damaged in the file and could not be read.")
NO_TIME = N_("This message has no readable time, so it was not read.")
UNREADABLE = N_("This message could not be read ({problem}).")
MEDIA_KEYS = ("photos", "videos", "audio_files", "files", "gifs", "media")


def repair(value: str) -> str:
    """Undo Meta's double encoding of UTF-8 (see the module docstring)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _repair_all(value: Any) -> Any:
    if isinstance(value, str):
        return repair(value)
    if isinstance(value, list):
        return [_repair_all(v) for v in value]
    if isinstance(value, dict):
        return {repair(str(k)): _repair_all(v) for k, v in value.items()}
    return value


@dataclass
class _Thread:
    participants: list[str] = field(default_factory=list)
    title: str | None = None
    thread_path: str | None = None


def is_instagram_path(name: str) -> bool:
    return "instagram" in name.lower()


_INSTAGRAM_CONTENT = re.compile(rb"instagram\.com/|your_instagram_activity/")
_NAME_VALUE = re.compile(rb'"name"\s*:\s*"([^"\\]{1,80})"')
_USER_NAME = re.compile(rb"[a-z0-9._]{1,30}")


def instagram_content(head: bytes) -> bool:
    """Whether a conversation's first bytes show it comes from Instagram (see the module's
    docstring)."""
    if _INSTAGRAM_CONTENT.search(head):
        return True
    start = _PARTICIPANTS.search(head)
    if start is None:
        return False
    end = _MESSAGES.search(head, start.end())
    block = head[start.end() : end.start() if end else start.end() + 4096]
    names = _NAME_VALUE.findall(block)
    return bool(names) and all(
        _USER_NAME.fullmatch(name) and any(c in name for c in b"._0123456789") for name in names
    )


class MetaImporter:
    """One class for both apps; ``channel`` is "messenger" or "instagram"."""

    version = "1"

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.name = channel
        if channel == "instagram":
            self.label = N_("Instagram messages (Download your information)")
        else:
            self.label = N_("Facebook Messenger (Download your information)")

    def detect(self, probe: Probe) -> float:
        path_ok = bool(_PATH.search(probe.name.replace("\\", "/")))
        head = probe.head
        if not looks_like_json_object(head):
            return 0.0
        instagram = is_instagram_path(probe.name) or instagram_content(head)
        mine = instagram == (self.channel == "instagram")
        has_participants = bool(_PARTICIPANTS.search(head))
        classic = {m.group(1) for m in _CLASSIC.finditer(head)}
        content = has_participants and (
            len(classic) == 2 or (bool(classic) and bool(_MESSAGES.search(head)))
        )
        e2ee = has_participants and bool(_E2EE.search(head))
        if content or e2ee:
            score = 0.9 if content else 0.85
            if path_ok:
                score += 0.05
            return score if mine else score - 0.35
        if path_ok and has_participants:
            return 0.7 if mine else 0.35
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        thread = self._header(source)
        where = source.member
        me = options.me
        if me is None and len(thread.participants) == 2:
            me = thread.participants[-1]
        count = 0
        found = False
        with source.open() as stream:
            reader = JsonReader(stream)
            try:
                for _key in reader.arrays(("messages",)):
                    found = True
                    template = _("message {n} of {file}")
                    for _step in reader.items():
                        count += 1
                        position = template.format(n=count, file=where)
                        yield self._one(reader, source, thread, me, position)
            except JsonDamage as damage:
                if count == 0 and not thread.participants:
                    raise ImportFormatError(_(NOT_META)) from None
                position = _("after message {n} of {file}").format(n=count, file=where)
                yield damage_skip(position, damage)
                return
        if not found:
            raise ImportFormatError(_(NOT_META))

    def _header(self, source: Source) -> _Thread:
        """Participants and title (they may come after the messages: a first, light pass)."""
        thread = _Thread()
        with source.open() as stream:
            reader = JsonReader(stream)
            if reader.peek_type() != "object":
                raise ImportFormatError(_(NOT_JSON))
            try:
                reader.begin_object()
                for key in reader.fields():
                    if key in ("participants", "title", "threadName", "thread_path"):
                        try:
                            value = _repair_all(reader.value())
                        except BadValue:
                            continue
                        _set_header(thread, key, value)
                    else:
                        reader.skip()
            except JsonDamage:
                pass
        return thread

    def _one(
        self,
        reader: JsonReader,
        source: Source,
        thread: _Thread,
        me: str | None,
        position: str,
    ) -> Item:
        try:
            raw = reader.value()
        except BadValue:
            return Skipped(position, _(BAD_MESSAGE))
        if not isinstance(raw, dict):
            return Skipped(position, _(BAD_MESSAGE))
        try:
            return self._record(_repair_all(raw), source, thread, me, position)
        except Exception as exc:  # one odd message must not stop the rest
            return Skipped(position, _(UNREADABLE).format(problem=type(exc).__name__))

    def _record(
        self,
        msg: dict[str, Any],
        source: Source,
        thread: _Thread,
        me: str | None,
        position: str,
    ) -> Item:
        stamp = msg.get("timestamp_ms", msg.get("timestamp"))
        at = epoch_datetime(stamp, 1000)
        if at is None:
            return Skipped(position, _(NO_TIME))
        sender = _text(msg.get("sender_name", msg.get("senderName")))
        direction: Direction | None = None
        if me is not None and sender is not None:
            direction = "outgoing" if sender.casefold() == me.casefold() else "incoming"
        others = [p for p in thread.participants if me is None or p.casefold() != me.casefold()]
        counterpart: str | None
        if direction == "incoming":
            counterpart = sender
        elif len(others) == 1:
            counterpart = others[0]
        else:
            counterpart = None
        text = _text(msg.get("content", msg.get("text")))
        share = msg.get("share")
        if isinstance(share, dict):
            extra = [s for s in (_text(share.get("share_text")), _text(share.get("link"))) if s]
            extra = [s for s in extra if s not in (text or "")]
            text = "\n".join([t for t in [text, *extra] if t]) or None
        unsent = bool(msg.get("is_unsent", msg.get("isUnsent")))
        if unsent:
            text = None
        call = "call_duration" in msg or msg.get("type") == "Call"
        duration: int | None = None
        outcome: CallOutcome | None = None
        if call:
            raw = msg.get("call_duration")
            duration = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            outcome = "missed" if msg.get("missed") or duration == 0 else "answered"
        return ParsedRecord(
            position=position,
            kind="call" if call else "message",
            channel=self.channel,
            at=at,
            direction=direction,
            counterpart=counterpart,
            counterpart_name=None,
            sender=sender,
            participants=tuple(thread.participants),
            text=text,
            duration=duration,
            outcome=outcome,
            thread=thread.title or _thread_folder(source.member) or None,
            system=msg.get("type") in ("Subscribe", "Unsubscribe"),
            attachments=_attachments(msg, source),
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _set_header(thread: _Thread, key: str, value: object) -> None:
    if key == "participants" and isinstance(value, list):
        for item in value:
            name = item.get("name") if isinstance(item, dict) else item
            if isinstance(name, str) and name:
                thread.participants.append(name)
    elif key in ("title", "threadName") and isinstance(value, str) and value:
        thread.title = value
    elif key == "thread_path" and isinstance(value, str):
        thread.thread_path = value


def _thread_folder(member: str) -> str | None:
    parent = PurePosixPath(member.replace("\\", "/")).parent
    return parent.name or None


def _attachments(msg: dict[str, Any], source: Source) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for key in MEDIA_KEYS:
        items = msg.get(key)
        if not isinstance(items, list):
            continue
        for item in items:
            uri = item.get("uri") if isinstance(item, dict) else None
            if isinstance(uri, str) and uri:
                found.append(file_attachment(source, uri))
    sticker = msg.get("sticker")
    if isinstance(sticker, dict) and isinstance(sticker.get("uri"), str) and sticker["uri"]:
        found.append(file_attachment(source, sticker["uri"]))
    return tuple(found)


IMPORTERS: tuple[Importer, ...] = (MetaImporter("messenger"), MetaImporter("instagram"))

"""sigtop's JSON messages (``sigtop export-messages -f json``).

One file per conversation, named after it as sigtop names people: ``Alex (+15551234567).json``
or ``Family (group).json``. The file is an array of Signal Desktop's own message objects,
copied from its database (their fields change with Signal versions; those read here are
``type``, ``body``, ``sent_at``, ``received_at_ms``/``received_at``, ``source``,
``sourceServiceId``/``sourceUuid``, ``quote``, ``editHistory``, ``deletedForEveryone``,
``reactions``, ``attachments`` and ``callHistoryDetails``). The array is read one message
at a time with :class:`JsonReader`, whatever its size.

Times are milliseconds since 1970 (UTC): the message's ``sent_at`` is its time; the time it
reached this computer is added to the position when it differs. Who wrote it: ``type``
says ``outgoing`` (the person who exported) or ``incoming``; in a one-to-one conversation
the other person is the one the file is named after; in a group the sender's phone number
or service id (the only names the JSON has). ``--me`` is not needed and not used.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

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
from safetrail.importers.jsonstream import (
    BadValue,
    JsonDamage,
    JsonReader,
    damage_skip,
    epoch_datetime,
)
from safetrail.importers.signal_common import (
    CHANNEL,
    Party,
    Words,
    compose,
    conversation_file,
    deleted_note,
    edited_note,
    iso_utc,
    noted,
    party,
    reactions_note,
    received_note,
)

__all__ = ["parse_sigtop_json"]

NOT_ARRAY = N_("This file is not a sigtop JSON export: it does not start with a list of messages.")
BAD_MESSAGE = N_("This message is damaged in the file and could not be read.")
NO_TIME = N_("This message has no time, so it was not read.")
UNREADABLE = N_("This message could not be read ({problem}).")
MESSAGE = N_("message {n} of '{chat}'")
AFTER = N_("after message {n} of '{chat}'")
CONTENT = ("incoming", "outgoing")


def parse_sigtop_json(source: Source) -> Iterator[Item]:
    stem = PurePosixPath(source.member).stem
    chat = party(stem)
    count = whole = 0
    w = Words()
    template = w(MESSAGE)
    with source.open() as stream:
        reader = JsonReader(stream)
        if reader.peek_type() != "array":
            raise ImportFormatError(_(NOT_ARRAY))
        try:
            reader.begin_array()
            for _step in reader.items():
                count += 1
                position = template.format(n=count, chat=chat.name)
                try:
                    raw = reader.value()
                except BadValue:
                    whole += 1
                    yield Skipped(position, w(BAD_MESSAGE))
                    continue
                whole += 1
                if not isinstance(raw, dict):
                    yield Skipped(position, w(BAD_MESSAGE))
                    continue
                try:
                    yield _record(w, raw, chat, stem, position, source)
                except Exception as exc:  # one odd message must not stop the rest
                    yield Skipped(position, w(UNREADABLE).format(problem=type(exc).__name__))
        except JsonDamage as damage:
            if whole == 0:  # not one whole message before the damage
                raise ImportFormatError(_(NOT_ARRAY)) from None
            yield damage_skip(_(AFTER).format(n=count, chat=chat.name), damage)


def _str(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _ms(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return epoch_datetime(value, 1000)


def _record(
    w: Words, msg: dict[str, Any], chat: Party, stem: str, position: str, source: Source
) -> Item:
    kind = _str(msg.get("type")) or "unknown"
    at = _ms(msg.get("sent_at")) or _ms(msg.get("timestamp"))
    received = _ms(msg.get("received_at_ms")) or _ms(msg.get("received_at"))
    if at is None:
        at = received
    if at is None:
        return Skipped(position, w(NO_TIME))
    notes: list[str] = []
    if received is not None and int(received.timestamp()) != int(at.timestamp()):
        notes.append(received_note(w, iso_utc(received)))
    direction: Direction | None = None
    if kind == "outgoing":
        direction = "outgoing"
    elif kind == "incoming":
        direction = "incoming"
    author = (
        _str(msg.get("source")) or _str(msg.get("sourceServiceId")) or _str(msg.get("sourceUuid"))
    )
    sender: str | None
    if direction == "outgoing" or kind not in (*CONTENT, "call-history"):
        sender, counterpart = None, chat.address
    elif chat.group:
        sender, counterpart = author, author
    else:
        sender, counterpart = chat.name, author or chat.address
    if kind == "call-history":
        return _call(w, msg, chat, position, at, sender, counterpart, notes)
    text = _text(w, msg, notes) if kind in CONTENT else kind
    reactions = msg.get("reactions")
    if isinstance(reactions, list) and reactions:
        shown = [r["emoji"] for r in reactions if isinstance(r, dict) and _str(r.get("emoji"))]
        if shown:
            notes.append(reactions_note(w, shown))
    return ParsedRecord(
        position=noted(position, notes),
        kind="message",
        channel=CHANNEL,
        at=at,
        direction=direction,
        counterpart=counterpart,
        counterpart_name=chat.name if not chat.group else None,
        sender=sender,
        text=text,
        thread=chat.name,
        source_id=_str(msg.get("id")),
        system=kind not in CONTENT,
        attachments=_attachments(w, msg, stem, source),
    )


def _text(w: Words, msg: dict[str, Any], notes: list[str]) -> str | None:
    if msg.get("deletedForEveryone") or msg.get("isErased"):
        notes.append(deleted_note(w))
        return None
    body = _str(msg.get("body"))
    quote = _quote(msg.get("quote"))
    history = msg.get("editHistory")
    earlier: list[tuple[datetime | None, str]] = []
    if isinstance(history, list) and len(history) > 1:
        versions = [v for v in history if isinstance(v, dict)]
        notes.append(edited_note(w, len(versions)))
        newest = versions[0]
        body = _str(newest.get("body")) or body
        quote = _quote(newest.get("quote")) or quote
        for version in versions[1:]:
            earlier.append((_ms(version.get("timestamp")), _str(version.get("body")) or ""))
    sticker = msg.get("sticker")
    emoji = _str(sticker.get("emoji")) if isinstance(sticker, dict) else None
    return compose(body, quote, earlier, emoji)


def _quote(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    return _str(value.get("text"))


def _attachments(
    w: Words, msg: dict[str, Any], stem: str, source: Source
) -> tuple[Attachment, ...]:
    items = msg.get("attachments")
    if not isinstance(items, list):
        return ()
    found: list[Attachment] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = _str(item.get("contentType"))
        if kind == "text/x-signal-plain":  # a long message's text, already in the body
            continue
        name = _str(item.get("fileName"))
        found.append(conversation_file(w, source, stem, name, kind, bool(item.get("pending"))))
    return tuple(found)


def _call(
    w: Words,
    msg: dict[str, Any],
    chat: Party,
    position: str,
    at: datetime,
    sender: str | None,
    counterpart: str | None,
    notes: list[str],
) -> ParsedRecord:
    details = msg.get("callHistoryDetails")
    direction: Direction | None = None
    outcome: CallOutcome | None = None
    duration: int | None = None
    if isinstance(details, dict):
        incoming = details.get("wasIncoming")
        if isinstance(incoming, bool):
            direction = "incoming" if incoming else "outgoing"
        accepted = _ms(details.get("acceptedTime"))
        ended = _ms(details.get("endedTime"))
        if details.get("wasDeclined"):
            outcome = "rejected"
        elif accepted is not None:
            outcome = "answered"
            if ended is not None and ended >= accepted:
                duration = int((ended - accepted).total_seconds())
        elif direction is not None:
            outcome = "missed"
    if direction == "outgoing":
        sender, counterpart = None, chat.address
    return ParsedRecord(
        position=noted(position, notes),
        kind="call",
        channel=CHANNEL,
        at=at,
        direction=direction,
        counterpart=counterpart,
        counterpart_name=chat.name if not chat.group else None,
        sender=sender,
        duration=duration,
        outcome=outcome,
        thread=chat.name,
        source_id=_str(msg.get("id")),
    )

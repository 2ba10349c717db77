"""iOS ``sms.db`` and macOS ``chat.db``: the Messages app's own database.

``message`` rows (in ROWID order) joined to ``handle`` (the phone number or e-mail address
of the other side); ``chat``/``chat_handle_join``/``chat_message_join`` say which
conversation a message is in and who else is in it; ``attachment`` and
``message_attachment_join`` name the files, which stay on the phone. ``date`` counts from
2001-01-01 UTC, in seconds in older files and nanoseconds in newer ones (decided per
value). ``service`` "iMessage" → channel "imessage", "SMS"/"RCS" → "sms".

Newer iOS versions often leave ``text`` empty and keep the message in ``attributedBody``,
an NSAttributedString archived as a "typedstream". The plain string is taken from the
archive's first NSString (best effort, no formatting); when it cannot be found the record
keeps ``text=None``. The U+FFFC placeholders iOS puts where attachments sit are removed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    ImportFormatError,
    Item,
    ParsedRecord,
    Skipped,
)
from safetrail.importers.phonedb_sql import (
    Grouped,
    apple_time,
    columns,
    int_value,
    text_value,
)

__all__ = ["MISSING", "NO_DATE", "UNREADABLE", "attributed_text", "read_ios"]

MISSING = N_(
    "This database has a '{table}' table without the column(s) {columns}, so SafeTrail "
    "cannot tell what its messages say or when they were sent."
)
NO_DATE = N_("This message has no date that can be read; it was not imported.")
UNREADABLE = N_("This row holds values SafeTrail cannot read; it was skipped.")
ON_PHONE = N_("stored on the phone, not in this file")

_REQUIRED = ("text", "handle_id", "date", "is_from_me")
_OPTIONAL = ("attributedbody", "service", "subject", "guid", "item_type")
_MAX_CHATS = 10_000


def attributed_text(blob: Any) -> str | None:
    """The plain text of a typedstream-archived NSAttributedString, or None."""
    if not isinstance(blob, bytes):
        return None
    start = blob.find(b"NSString")
    skip = 8
    if start < 0:
        start = blob.find(b"NSMutableString")
        skip = 15
    if start < 0:
        return None
    # the class name is followed by its version and the type of the value: "+" (a string)
    plus = blob.find(b"+", start + skip, start + skip + 12)
    if plus < 0 or plus + 2 > len(blob):
        return None
    at = plus + 1
    length = blob[at]
    at += 1
    if length == 0x81:
        length = int.from_bytes(blob[at : at + 2], "little")
        at += 2
    elif length == 0x82:
        length = int.from_bytes(blob[at : at + 4], "little")
        at += 4
    elif length >= 0x80:
        return None
    raw = blob[at : at + length]
    if len(raw) != length:
        return None
    return raw.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class _Chat:
    identifier: str | None
    participants: tuple[str, ...]


class _Chats:
    """Chat details fetched when a message first refers to the chat, then kept."""

    def __init__(self, connection: sqlite3.Connection, names: dict[str, str]) -> None:
        self._connection = connection
        self._known: dict[int, _Chat] = {}
        self._chat = names.get("chat")
        chat_columns = columns(connection, self._chat) if self._chat else set()
        self._identifier = next((c for c in ("chat_identifier", "guid") if c in chat_columns), None)
        members = names.get("chat_handle_join")
        self._members = (
            members
            if members and {"chat_id", "handle_id"} <= columns(connection, members)
            else None
        )
        self._handle = names["handle"]

    def get(self, chat_id: int) -> _Chat:
        found = self._known.get(chat_id)
        if found is not None:
            return found
        identifier = None
        if self._chat and self._identifier:
            row = self._connection.execute(
                f'SELECT "{self._identifier}" FROM "{self._chat}" WHERE ROWID = ?', (chat_id,)
            ).fetchone()
            identifier = text_value(row[0]) if row else None
        people: list[str] = []
        if self._members:
            rows = self._connection.execute(
                f'SELECT h.id FROM "{self._members}" j JOIN "{self._handle}" h '
                f"ON h.ROWID = j.handle_id WHERE j.chat_id = ? ORDER BY h.ROWID",
                (chat_id,),
            )
            for (value,) in rows:
                person = text_value(value)
                if person and person not in people:
                    people.append(person)
        chat = _Chat(identifier, tuple(people))
        if len(self._known) >= _MAX_CHATS:
            self._known.clear()
        self._known[chat_id] = chat
        return chat


def _check(connection: sqlite3.Connection, names: dict[str, str]) -> set[str]:
    have = columns(connection, names["message"])
    missing = [c for c in _REQUIRED if c not in have]
    if missing:
        raise ImportFormatError(_(MISSING).format(table="message", columns=", ".join(missing)))
    if "id" not in columns(connection, names["handle"]):
        raise ImportFormatError(_(MISSING).format(table="handle", columns="id"))
    return have


def _joined(
    connection: sqlite3.Connection, names: dict[str, str], table: str, sql: str, need: set[str]
) -> Grouped:
    real = names.get(table)
    if real is None or not need <= columns(connection, real):
        return Grouped(None)
    return Grouped(iter(connection.execute(sql)))


def _attachments(connection: sqlite3.Connection, names: dict[str, str]) -> Grouped:
    join, table = names.get("message_attachment_join"), names.get("attachment")
    if join is None or table is None:
        return Grouped(None)
    have = columns(connection, table)
    picked = ", ".join(
        f"a.{c}" if c in have else "NULL" for c in ("transfer_name", "filename", "mime_type")
    )
    return _joined(
        connection,
        names,
        "message_attachment_join",
        f'SELECT j.message_id, {picked} FROM "{join}" j JOIN "{table}" a '
        f"ON a.ROWID = j.attachment_id WHERE typeof(j.message_id) = 'integer' "
        f"ORDER BY j.message_id, a.ROWID",
        {"message_id", "attachment_id"},
    )


def read_ios(connection: sqlite3.Connection, names: dict[str, str]) -> Iterator[Item]:
    """Every message row, in ROWID order (ImportFormatError when the tables do not fit)."""
    have = _check(connection, names)
    optional = ", ".join(f"m.{c}" if c in have else "NULL" for c in _OPTIONAL)
    messages = connection.execute(
        f"SELECT m.ROWID, m.text, m.handle_id, m.date, m.is_from_me, {optional}, h.id "
        f'FROM "{names["message"]}" m LEFT JOIN "{names["handle"]}" h '
        f"ON h.ROWID = m.handle_id ORDER BY m.ROWID"
    )
    chats = _Chats(connection, names)
    chat_links = _joined(
        connection,
        names,
        "chat_message_join",
        f'SELECT message_id, chat_id FROM "{names.get("chat_message_join")}" '
        f"WHERE typeof(message_id) = 'integer' ORDER BY message_id, chat_id",
        {"chat_id", "message_id"},
    )
    attachments = _attachments(connection, names)
    for row in messages:
        rowid = row[0]
        position = f"message row {rowid}"
        try:
            links = chat_links.take(rowid)
            chat_id = int_value(links[0][1]) if links else None
            chat = chats.get(chat_id) if chat_id is not None else None
            yield _record(row, position, chat, attachments.take(rowid))
        except (sqlite3.DatabaseError, sqlite3.InterfaceError):
            raise
        except Exception:  # one bad row must not stop the file
            yield Skipped(position, _(UNREADABLE))


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.replace("\ufffc", "").strip() if "\ufffc" in text else text
    return text or None


def _channel(service: str | None) -> str:
    if service is not None and service.strip().lower() in ("sms", "rcs", "mms"):
        return "sms"
    return "imessage"


def _record(
    row: tuple[Any, ...], position: str, chat: _Chat | None, files: list[tuple[Any, ...]]
) -> Item:
    _rowid, text, _handle_id, date, from_me, body, service, subject, guid, item_type, handle = row
    at = apple_time(date)
    if at is None:
        return Skipped(position, _(NO_DATE))
    outgoing = bool(int_value(from_me))
    handle_text = text_value(handle)
    group = chat is not None and len(chat.participants) > 1
    counterpart: str | None
    sender: str | None = None
    if group:
        counterpart = None if outgoing else handle_text
        sender = None if outgoing else handle_text
    else:
        counterpart = handle_text
        if counterpart is None and chat is not None:
            counterpart = chat.participants[0] if chat.participants else chat.identifier
    message = _clean(text_value(text))
    if message is None:
        message = _clean(attributed_text(body))
    attachments = tuple(
        Attachment(
            name=_file_name(name, path),
            media_type=text_value(mime),
            note=_(ON_PHONE),
        )
        for _id, name, path, mime in files
    )
    return ParsedRecord(
        position=position,
        kind="message",
        channel=_channel(text_value(service)),
        at=at,
        direction="outgoing" if outgoing else "incoming",
        counterpart=counterpart,
        sender=sender,
        participants=chat.participants if group and chat is not None else (),
        text=message,
        subject=text_value(subject),
        thread=chat.identifier if group and chat is not None else None,
        source_id=text_value(guid),
        system=bool(int_value(item_type)),
        attachments=attachments,
    )


def _file_name(name: Any, path: Any) -> str:
    for value in (text_value(name), text_value(path)):
        if value:
            base = PurePosixPath(value.replace("\\", "/")).name.strip()
            if base and base not in (".", ".."):
                return base
    return "attachment"

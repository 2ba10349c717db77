"""WhatsApp's own database from an iPhone backup: ``ChatStorage.sqlite`` (in an iTunes or
Finder backup it is the file ``7c7fba66680ef796b916b067077cc246adacf01d``).

It is a Core Data store. ``ZWACHATSESSION`` holds the chats (``ZCONTACTJID``: the other
person's ``<number>@s.whatsapp.net``, or ``…@g.us`` for a group; ``ZPARTNERNAME``: the
name shown for the chat), ``ZWAMESSAGE`` the messages (``ZCHATSESSION``, ``ZISFROMME``,
``ZMESSAGEDATE`` in seconds since 2001-01-01 UTC, ``ZTEXT``, ``ZMESSAGETYPE``, ``ZSTANZAID``
the message's own id, ``ZFROMJID``, ``ZPUSHNAME``, ``ZGROUPMEMBER``), ``ZWAGROUPMEMBER``
the members of groups (``ZMEMBERJID``, ``ZCONTACTNAME``).

Each message becomes a record with ``channel="whatsapp"``: the direction from
``ZISFROMME``; the counterpart the other person's number (``+`` and the digits of the JID,
so it matches the phone numbers in the case) and their name; in a group, the sender is the
member who wrote (their name, else their number) and the thread the group's name. Types:
0 text, 1 photo, 2 video, 3 voice note or audio, 4 contact card, 5 location, 7 link,
8 document, 11 GIF, 15 sticker: media files stay on the phone (noted on the record);
6 and 10 are group or security notices (system lines, no sender); 14 a deleted message
(kept, from its sender, with the words "This message was deleted").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from safetrail.i18n import N_, _
from safetrail.importers.base import Attachment, ImportFormatError, Item, ParsedRecord, Skipped
from safetrail.importers.phonedb_ios import ON_PHONE, UNREADABLE
from safetrail.importers.phonedb_sql import apple_time, columns, int_value, text_value

__all__ = ["IOS_BACKUP_NAME", "read_whatsapp_ios"]

#: ChatStorage.sqlite's name inside an iPhone backup
IOS_BACKUP_NAME = "7c7fba66680ef796b916b067077cc246adacf01d"

NO_DATE = N_("This message has no readable time, so it was not read.")
MISSING_WA = N_(
    "This WhatsApp database has a '{table}' table without the column(s) {columns}; it may "
    "come from a WhatsApp version SafeTrail does not know yet."
)
DELETED = "This message was deleted"

_REQUIRED = {
    "zwamessage": ("zchatsession", "zisfromme", "zmessagedate", "ztext", "zmessagetype"),
    "zwachatsession": ("z_pk", "zcontactjid"),
}
_MEDIA = {
    1: "photo",
    2: "video",
    3: "audio",
    4: "contact card",
    8: "document",
    11: "GIF",
    15: "sticker",
}
_NOTICES = frozenset({6, 10})
_DELETED = 14


def _number(jid: str | None) -> str | None:
    """ "+447700900123" for "447700900123@s.whatsapp.net"; None for groups and others."""
    if not jid or "@s.whatsapp.net" not in jid:
        return None
    digits = jid.split("@", 1)[0]
    return "+" + digits if digits.isdigit() else None


def read_whatsapp_ios(connection: sqlite3.Connection, names: dict[str, str]) -> Iterator[Item]:
    """Every message, in the order WhatsApp stored them (ImportFormatError when the tables
    do not fit)."""
    for table, needed in _REQUIRED.items():
        have = columns(connection, names[table])
        missing = [c for c in needed if c not in have]
        if missing:
            raise ImportFormatError(
                _(MISSING_WA).format(table=names[table], columns=", ".join(missing))
            )
    message_columns = columns(connection, names["zwamessage"])
    partner = _optional(connection, names, "zwachatsession", "zpartnername")
    chats = {
        int(row[0]): (text_value(row[1]), text_value(row[2]))
        for row in connection.execute(
            f'SELECT Z_PK, ZCONTACTJID, {partner} FROM "{names["zwachatsession"]}"'
        )
        if row[0] is not None
    }
    members: dict[int, tuple[str | None, str | None]] = {}
    if "zwagroupmember" in names:
        have = columns(connection, names["zwagroupmember"])
        if {"z_pk", "zmemberjid"} <= have:
            contact = "ZCONTACTNAME" if "zcontactname" in have else "NULL"
            members = {
                int(row[0]): (text_value(row[1]), text_value(row[2]))
                for row in connection.execute(
                    f'SELECT Z_PK, ZMEMBERJID, {contact} FROM "{names["zwagroupmember"]}"'
                )
                if row[0] is not None
            }

    def pick(name: str) -> str:
        return name.upper() if name in message_columns else "NULL"

    rows = connection.execute(
        "SELECT rowid, ZCHATSESSION, ZISFROMME, ZMESSAGEDATE, ZTEXT, ZMESSAGETYPE, "
        f"{pick('zstanzaid')}, {pick('zfromjid')}, {pick('zpushname')}, "
        f'{pick("zgroupmember")} FROM "{names["zwamessage"]}" ORDER BY rowid'
    )
    for row in rows:
        position = f"message row {row[0]}"
        try:
            yield _message(row, position, chats, members)
        except Exception:  # one bad row must not stop the file
            yield Skipped(position, _(UNREADABLE))


def _optional(
    connection: sqlite3.Connection, names: dict[str, str], table: str, column: str
) -> str:
    return column.upper() if column in columns(connection, names[table]) else "NULL"


def _message(
    row: tuple[Any, ...],
    position: str,
    chats: dict[int, tuple[str | None, str | None]],
    members: dict[int, tuple[str | None, str | None]],
) -> Item:
    _rowid, chat_id, from_me, raw_date, raw_text, raw_type, stanza, from_jid, push, member = row
    at = apple_time(raw_date)
    if at is None:
        return Skipped(position, _(NO_DATE))
    jid, chat_name = chats.get(int_value(chat_id) or -1, (None, None))
    group = bool(jid and jid.endswith("@g.us"))
    kind = int_value(raw_type) or 0
    text = text_value(raw_text)
    outgoing = bool(int_value(from_me))
    if kind in _NOTICES:
        return ParsedRecord(
            position=position, kind="message", channel="whatsapp", at=at, text=text,
            thread=chat_name, source_id=text_value(stanza), system=True,
        )  # fmt: skip
    if group:
        member_jid, member_name = members.get(int_value(member) or -1, (None, None))
        sender_jid = member_jid or text_value(from_jid)
        who = None if outgoing else (member_name or text_value(push) or _number(sender_jid))
        counterpart = None if outgoing else (_number(sender_jid) or who)
        name = None if outgoing else (member_name or text_value(push))
    else:
        who = None if outgoing else (chat_name or _number(jid))
        counterpart = _number(jid) or chat_name
        name = chat_name
    if kind == _DELETED:
        text = DELETED
    attachments: tuple[Attachment, ...] = ()
    media = _MEDIA.get(kind)
    if media is not None:
        attachments = (Attachment(name=media, note=_(ON_PHONE)),)
    return ParsedRecord(
        position=position,
        kind="message",
        channel="whatsapp",
        at=at,
        direction="outgoing" if outgoing else "incoming",
        counterpart=counterpart,
        counterpart_name=name,
        sender=who if not outgoing else None,
        text=text,
        thread=chat_name,
        source_id=text_value(stanza),
        attachments=attachments,
    )

"""Android ``mmssms.db``: the telephony provider's database of SMS and MMS.

``sms`` rows (in row order): ``date`` in epoch milliseconds, ``type`` 1 received, 2 sent,
3 draft (skipped: never sent), 4 outbox, 5 failed, 6 queued. Then ``pdu`` rows (MMS):
``date`` in seconds, ``msg_box`` 1 inbox, 2 sent, 3 drafts (skipped), 4 outbox,
5 failed; their ``part`` rows give the text (``text/plain``) and the files, which stay on
the phone (``_data`` is a path there); their ``addr`` rows the addresses (137 from, 151 to,
130 cc).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    Direction,
    ImportFormatError,
    Item,
    ParsedRecord,
    Skipped,
)
from safetrail.importers.phonedb_ios import MISSING, NO_DATE, ON_PHONE, UNREADABLE
from safetrail.importers.phonedb_sql import Grouped, columns, int_value, text_value, unix_time

__all__ = ["read_android"]

DRAFT = N_("This message is a draft that was never sent; it was not imported.")

_SMS_REQUIRED = ("address", "date", "type", "body")
_PDU_REQUIRED = ("date", "msg_box")
_SMS_DIRECTIONS: dict[int | None, Direction] = {
    1: "incoming",
    2: "outgoing",
    4: "outgoing",
    5: "outgoing",
    6: "outgoing",
}
_MMS_DIRECTIONS: dict[int | None, Direction] = {
    1: "incoming",
    2: "outgoing",
    4: "outgoing",
    5: "outgoing",
}
_PLACEHOLDER = "insert-address-token"


def _require(connection: sqlite3.Connection, table: str, needed: tuple[str, ...]) -> set[str]:
    have = columns(connection, table)
    missing = [c for c in needed if c not in have]
    if missing:
        raise ImportFormatError(_(MISSING).format(table=table, columns=", ".join(missing)))
    return have


def read_android(connection: sqlite3.Connection, names: dict[str, str]) -> Iterator[Item]:
    """SMS rows, then MMS rows (ImportFormatError when the tables do not fit)."""
    sms = names.get("sms")
    pdu = names.get("pdu")
    sms_columns = _require(connection, sms, _SMS_REQUIRED) if sms else set()
    if pdu:
        _require(connection, pdu, _PDU_REQUIRED)
    if sms:
        subject = "subject" if "subject" in sms_columns else "NULL"
        rows = connection.execute(
            f'SELECT rowid, address, date, type, body, {subject} FROM "{sms}" ORDER BY rowid'
        )
        for row in rows:
            position = f"sms row {row[0]}"
            try:
                yield _sms(row, position)
            except Exception:  # one bad row must not stop the file
                yield Skipped(position, _(UNREADABLE))
    if pdu:
        yield from _read_mms(connection, names, pdu)


def _sms(row: tuple[Any, ...], position: str) -> Item:
    rowid, address, date, kind, body, subject = row
    at = unix_time(date)
    if at is None:
        return Skipped(position, _(NO_DATE))
    code = int_value(kind)
    if code == 3:
        return Skipped(position, _(DRAFT))
    return ParsedRecord(
        position=position,
        kind="message",
        channel="sms",
        at=at,
        direction=_SMS_DIRECTIONS.get(code),
        counterpart=text_value(address),
        text=text_value(body),
        subject=text_value(subject),
        source_id=f"sms:{rowid}",
    )


def _read_mms(connection: sqlite3.Connection, names: dict[str, str], pdu: str) -> Iterator[Item]:
    have = columns(connection, pdu)
    optional = ", ".join(c if c in have else "NULL" for c in ("sub", "m_id"))
    rows = connection.execute(
        f'SELECT rowid, date, msg_box, {optional} FROM "{pdu}" ORDER BY rowid'
    )
    parts = Grouped(None)
    part = names.get("part")
    if part:
        part_columns = columns(connection, part)
        if {"mid", "ct"} <= part_columns:
            picked = ", ".join(
                c if c in part_columns else "NULL" for c in ("ct", "text", "cl", "name", "fn")
            )
            data = "_data" if "_data" in part_columns else "NULL"
            seq = "seq" if "seq" in part_columns else "0"
            parts = Grouped(
                iter(
                    connection.execute(
                        f'SELECT mid, {picked}, {data} FROM "{part}" '
                        f"WHERE typeof(mid) = 'integer' ORDER BY mid, {seq}, rowid"
                    )
                )
            )
    addresses = Grouped(None)
    addr = names.get("addr")
    if addr and {"msg_id", "address", "type"} <= columns(connection, addr):
        addresses = Grouped(
            iter(
                connection.execute(
                    f'SELECT msg_id, address, type FROM "{addr}" '
                    f"WHERE typeof(msg_id) = 'integer' ORDER BY msg_id, rowid"
                )
            )
        )
    for row in rows:
        position = f"mms row {row[0]}"
        try:
            yield _mms(row, position, parts.take(row[0]), addresses.take(row[0]))
        except (sqlite3.DatabaseError, sqlite3.InterfaceError):
            raise
        except Exception:  # one bad row must not stop the file
            yield Skipped(position, _(UNREADABLE))


def _mms(
    row: tuple[Any, ...],
    position: str,
    parts: list[tuple[Any, ...]],
    addresses: list[tuple[Any, ...]],
) -> Item:
    rowid, date, box, subject, message_id = row
    at = unix_time(date)
    if at is None:
        return Skipped(position, _(NO_DATE))
    code = int_value(box)
    if code == 3:
        return Skipped(position, _(DRAFT))
    direction = _MMS_DIRECTIONS.get(code)
    sender: str | None = None
    recipients: list[str] = []
    for _mid, value, kind in addresses:
        address = text_value(value)
        if address is None or address == _PLACEHOLDER:
            continue
        code = int_value(kind)
        if code == 137 and sender is None:
            sender = address
        elif code in (151, 130) and address not in recipients:
            recipients.append(address)
    counterpart: str | None
    participants: tuple[str, ...] = ()
    group_sender: str | None = None
    if direction == "incoming":
        counterpart = sender
        if len(recipients) > 1:
            # the person's own number is among the recipients of a group message
            participants = tuple(dict.fromkeys([*([sender] if sender else []), *recipients]))
            group_sender = sender
    elif len(recipients) == 1:
        counterpart = recipients[0]
    else:
        counterpart = None
        participants = tuple(recipients)
    texts: list[str] = []
    attachments: list[Attachment] = []
    for index, (_mid, media, text, location, name, file_name, data) in enumerate(parts, 1):
        media_type = (text_value(media) or "").strip().lower()
        if media_type == "application/smil":
            continue
        if media_type.startswith("text/plain"):
            value = text_value(text)
            if value:
                texts.append(value)
            continue
        attachments.append(
            Attachment(
                name=_part_name((location, name, file_name, data), index),
                media_type=media_type or None,
                note=_(ON_PHONE),
            )
        )
    return ParsedRecord(
        position=position,
        kind="message",
        channel="mms",
        at=at,
        direction=direction,
        counterpart=counterpart,
        sender=group_sender,
        participants=participants,
        text="\n".join(texts) or None,
        subject=text_value(subject),
        source_id=text_value(message_id) or f"mms:{rowid}",
        attachments=tuple(attachments),
    )


def _part_name(candidates: tuple[Any, ...], index: int) -> str:
    for candidate in candidates:
        value = text_value(candidate)
        if value:
            base = PurePosixPath(value.replace("\\", "/")).name.strip()
            if base and base not in (".", ".."):
                return base
    return f"part-{index}"

"""MMS records of SMS Backup & Restore backups, and the values every record shares.

An ``<mms>`` element carries its parts (``<parts><part …/></parts>``: text, pictures, the
SMIL layout) and its addresses (``<addrs><addr address type/></addrs>``: 137 from,
151 to, 130 cc). Text parts become the message text, SMIL is layout and is dropped, every
other part becomes an :class:`Attachment` with its bytes decoded from base64. A part that
cannot be decoded costs only that part: the message is kept and a ``Skipped`` says which
part is missing.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    Direction,
    Item,
    ParsedRecord,
    ParseOptions,
    Skipped,
)

__all__ = [
    "DRAFT",
    "NO_DATE",
    "NO_NAMES",
    "NULLS",
    "PendingMms",
    "build_mms",
    "contact",
    "epoch_ms",
    "known",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: below this a ``date`` is in seconds (1e11 ms is March 1973; 1e11 s is the year 5138)
_SECONDS_BELOW = 100_000_000_000
#: below this (the year 2223) milliseconds / 1000 as a float rounds back to the exact
#: millisecond in ``datetime.fromtimestamp``
_FLOAT_EXACT = 8_000_000_000_000
_fromtimestamp = datetime.fromtimestamp
#: values SMS Backup & Restore writes for "nothing here"
NULLS = frozenset({"", "null"})
#: ... and for "no contact name"
NO_NAMES = frozenset({"", "null", "(Unknown)"})

NO_DATE = N_("This message has no date that can be read ('{value}'); it was not imported.")
DRAFT = N_("This message is a draft that was never sent; it was not imported.")
_NOT_IN_BACKUP = N_("not included in the backup")
_BAD_PART = N_(
    "The attachment '{name}' of this message is damaged (its contents are not valid "
    "base64), so the message was imported without it."
)
_BIG_PART = N_(
    "The attachment '{name}' of this message is larger than {limit} MB, so the message "
    "was imported without it."
)

#: PDU address types
_FROM = "137"
_TO = ("151", "130")
_PLACEHOLDER = "insert-address-token"

#: MIBenum character set numbers used by MMS text parts
_CHARSETS = {
    "3": "ascii",
    "4": "latin-1",
    "17": "shift_jis",
    "36": "cp949",
    "106": "utf-8",
    "113": "gbk",
    "1000": "utf-16",
    "1015": "utf-16",
    "2025": "gb2312",
    "2026": "big5",
}
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "audio/amr": ".amr",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "text/x-vcard": ".vcf",
    "text/vcard": ".vcf",
}


def known(value: str | None) -> str | None:
    """The attribute value, or None for the ways the app writes "nothing"."""
    if value is None or value in NULLS:
        return None
    return value


def contact(value: str | None) -> str | None:
    """``contact_name``, or None when the phone had no contact for the number."""
    if value is None or value in NO_NAMES:
        return None
    return value


def epoch_ms(value: str | None) -> datetime | None:
    """``date`` (epoch milliseconds; seconds in a few old MMS) as an aware UTC time, or
    None when there is no usable date (missing, zero, negative, garbage, out of range)."""
    if not value:
        return None
    try:
        stamp = int(value)
        if stamp <= 0:
            return None
        if stamp < _SECONDS_BELOW:
            stamp *= 1000
        if stamp < _FLOAT_EXACT:
            # twice as fast as adding a timedelta, and exact to the millisecond here
            return _fromtimestamp(stamp / 1000, UTC)
        return EPOCH + timedelta(milliseconds=stamp)
    except (ValueError, OverflowError, OSError):
        return None


@dataclass(slots=True)
class PendingMms:
    """An ``<mms>`` element whose end tag has not been read yet."""

    position: str
    attrs: dict[str, str]
    parts: list[dict[str, str]] = field(default_factory=list)
    addrs: list[dict[str, str]] = field(default_factory=list)


def _split(address: str | None) -> list[str]:
    if address is None:
        return []
    return [a.strip() for a in address.split("~") if a.strip() and a.strip() not in NULLS]


def build_mms(pending: PendingMms, options: ParseOptions) -> list[Item]:
    """The record for one complete ``<mms>`` (then one Skipped per unreadable part)."""
    attrs = pending.attrs
    raw_date = attrs.get("date")
    at = epoch_ms(raw_date)
    if at is None:
        return [Skipped(pending.position, _(NO_DATE).format(value=(raw_date or "")[:40]))]
    box = attrs.get("msg_box")
    if box == "3":
        return [Skipped(pending.position, _(DRAFT))]
    direction: Direction | None = (
        "incoming" if box == "1" else "outgoing" if box in ("2", "4", "5") else None
    )
    listed = _split(known(attrs.get("address")))
    sender_addr: str | None = None
    recipients: list[str] = []
    for addr in pending.addrs:
        value = known(addr.get("address"))
        if value is None or value == _PLACEHOLDER:
            continue
        kind = addr.get("type")
        if kind == _FROM and sender_addr is None:
            sender_addr = value
        elif kind in _TO and value not in recipients:
            recipients.append(value)
    group = len(listed) > 1
    participants = tuple(listed) if group else ()
    counterpart: str | None
    sender: str | None = None
    if direction == "incoming":
        counterpart = sender_addr or (listed[0] if len(listed) == 1 else None)
        sender = counterpart if group else None
    elif group:
        counterpart = None
    elif listed:
        counterpart = listed[0]
    elif len(recipients) == 1:
        counterpart = recipients[0]
    else:
        counterpart = None
        participants = tuple(recipients)
    texts, attachments, skipped = _parts(pending, options)
    record = ParsedRecord(
        position=pending.position,
        kind="message",
        channel="mms",
        at=at,
        direction=direction,
        counterpart=counterpart,
        counterpart_name=contact(attrs.get("contact_name")),
        sender=sender,
        participants=participants,
        text="\n".join(texts) or None,
        subject=known(attrs.get("sub")),
        thread=known(attrs.get("address")) if group else None,
        source_id=known(attrs.get("m_id")),
        attachments=tuple(attachments),
    )
    return [record, *skipped]


def _parts(
    pending: PendingMms, options: ParseOptions
) -> tuple[list[str], list[Attachment], list[Skipped]]:
    texts: list[str] = []
    attachments: list[Attachment] = []
    skipped: list[Skipped] = []
    for index, part in enumerate(pending.parts, 1):
        media_type = (part.get("ct") or "").strip().lower()
        if media_type == "application/smil":
            continue
        data = known(part.get("data"))
        if media_type.startswith("text/plain"):
            text = known(part.get("text"))
            if text is None and data is not None:
                text = _decoded_text(data, part.get("chset"))
            if text:
                texts.append(text)
            continue
        name = _part_name(part, index, media_type)
        where = f"{pending.position}, part {index}"
        if data is None:
            attachments.append(
                Attachment(name=name, media_type=media_type or None, note=_(_NOT_IN_BACKUP))
            )
            continue
        compact = data.replace(" ", "")
        if len(compact) // 4 * 3 > options.max_attachment_bytes:
            limit = options.max_attachment_bytes // (1024 * 1024)
            skipped.append(Skipped(where, _(_BIG_PART).format(name=name, limit=limit)))
            continue
        try:
            decoded = binascii.a2b_base64(compact, strict_mode=True)
        except ValueError:
            skipped.append(Skipped(where, _(_BAD_PART).format(name=name)))
            continue
        attachments.append(Attachment(name=name, media_type=media_type or None, data=decoded))
    return texts, attachments, skipped


def _decoded_text(data: str, charset: str | None) -> str | None:
    try:
        raw = binascii.a2b_base64(data.replace(" ", ""), strict_mode=True)
    except ValueError:
        return None
    return raw.decode(_CHARSETS.get(charset or "", "utf-8"), errors="replace")


def _part_name(part: dict[str, str], index: int, media_type: str) -> str:
    for key in ("cl", "name", "fn"):
        value = known(part.get(key))
        if value:
            base = value.replace("\\", "/").rsplit("/", 1)[-1].strip()
            if base and base not in (".", ".."):
                return base
    seq = part.get("seq") or ""
    number = seq if seq.isdigit() else str(index)
    return f"part-{number}{_EXTENSIONS.get(media_type, '.bin')}"

"""E-mail: one message (.eml) or a whole mailbox (.mbox), read with the standard library.

An mbox is split while it streams, at ``From `` lines as Python's ``mailbox.mbox`` splits
it: a line starting with ``From `` begins a message when it follows a blank line, starts
the file, looks like a full ``From address date`` line, or is followed by a header line
(``Name: value``), also when no blank line comes before it. Only a ``From `` line inside a
message's text that is not followed by a header ("From now on, …", left unquoted by some
programs) stays part of the text. ``>From `` lines are unquoted one level;
``Content-Length`` headers are ignored (as ``mailbox.mbox`` ignores them) because they
often disagree with the separators. Each message is parsed on its own with
``email.policy.default`` and may be at most ``MAX_MESSAGE_BYTES`` long.

The time is the ``Date`` header; when it is missing or unreadable, the date on the mbox
``From `` line (UTC unless it carries an offset); when neither exists the message is
skipped. Direction: with ``options.me`` (an address, or a display name without ``@``), mail
from that address is outgoing (counterpart: the first recipient); everything else, and all
mail when ``me`` is not known, is incoming (counterpart: the sender).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import BinaryIO

from safetrail.i18n import N_, _
from safetrail.importers.base import (
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
from safetrail.importers.email_parts import (
    addresses,
    decode_words,
    fix_surrogates,
    mail_date,
    split_body,
)

__all__ = ["IMPORTERS", "MAX_MESSAGE_BYTES", "EmailImporter", "split_mbox"]

MAX_MESSAGE_BYTES = 100 * 1024 * 1024
LINE_PIECE = 1024 * 1024

_FROM_LINE = re.compile(
    rb"From \S+\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d{2}"
)
_QUOTED_FROM = re.compile(rb">+From ")
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
_KNOWN = re.compile(
    rb"(?im)^(from|to|cc|subject|date|message-id|received|return-path|mime-version|"
    rb"delivered-to|content-type|reply-to|x-[a-z0-9-]+|in-reply-to|references|sender):"
)
_STRONG = re.compile(rb"(?im)^(from|date|received|message-id|mime-version|return-path):")
FROM_LINE_FORMATS = (
    "%a %b %d %H:%M:%S %Y",
    "%a %b %d %H:%M:%S %z %Y",
    "%a %b %d %H:%M:%S %Y %z",
    "%a %b %d %H:%M %Y",
    "%a, %d %b %Y %H:%M:%S %z",
)

NO_DATE = N_("This e-mail has no readable date, so it was not read.")
BAD_DATE = N_("The date '{value}' of this e-mail cannot be read, so it was not read.")
TOO_BIG = N_("This e-mail is larger than {limit} MB, more than SafeTrail reads; it was not read.")
UNREADABLE = N_("This e-mail could not be read ({problem}).")
TRUNCATED = N_(
    "The file ends in the middle of this e-mail; it was read as far as it goes, and "
    "nothing after it exists."
)
NOT_MAIL = N_("This file is not an e-mail: it does not start with mail headers.")


@dataclass
class RawMessage:
    """One message cut out of an mbox (``data`` None when it was too large)."""

    number: int
    data: bytes | None
    from_line: bytes | None = None
    complete: bool = True
    lines: list[bytes] = field(default_factory=list, repr=False)


class EmailImporter:
    name = "email"
    version = "2"
    label = N_("E-mail (.eml or .mbox)")

    def detect(self, probe: Probe) -> float:
        head = probe.head
        lower = probe.name.lower()
        if head.startswith(b"From "):
            first, _newline, rest = head.partition(b"\n")
            if _FROM_LINE.match(first) or first.startswith(b"From - "):
                return 0.95
            named = lower.endswith((".mbox", ".mbx"))
            if (named or _STRONG.search(head)) and _HEADER_LINE.match(rest):
                return 0.9  # a separator with an unusual date, then the headers
            return 0.75 if named or _STRONG.search(head) else 0.3
        block = _header_block(head)
        if block is None:
            return 0.0
        known = {m.group(1).lower() for m in _KNOWN.finditer(block)}
        strong = bool(_STRONG.search(block))
        if len(known) >= 2 and strong:
            return 0.9
        if known and lower.endswith(".eml"):
            return 0.6
        return 0.1 if known else 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        with source.open() as stream:
            first = stream.read(5)
        with source.open() as stream:
            if first == b"From ":
                yield from self._mbox(stream, source, options)
            else:
                yield from self._single(stream, source, options)

    def _single(self, stream: BinaryIO, source: Source, options: ParseOptions) -> Iterator[Item]:
        data = stream.read(MAX_MESSAGE_BYTES + 1)
        position = source.member
        if len(data) > MAX_MESSAGE_BYTES:
            yield Skipped(position, _(TOO_BIG).format(limit=MAX_MESSAGE_BYTES // 2**20))
            return
        if _header_block(data[:65536]) is None:
            raise ImportFormatError(_(NOT_MAIL))
        yield message_item(data, None, position, options)

    def _mbox(self, stream: BinaryIO, source: Source, options: ParseOptions) -> Iterator[Item]:
        for raw in split_mbox(stream):
            position = _("message {n}").format(n=raw.number)
            if raw.data is None:
                yield Skipped(position, _(TOO_BIG).format(limit=MAX_MESSAGE_BYTES // 2**20))
                continue
            yield message_item(raw.data, raw.from_line, position, options)
            if not raw.complete:
                yield Skipped(position, _(TRUNCATED), rest_lost=True)


def _header_block(head: bytes) -> bytes | None:
    """The header lines at the start of ``head`` if they look like mail headers."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    lines = text.split(b"\n")
    good = 0
    for number, line in enumerate(lines[:200]):
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t") and number > 0:
            continue
        if not _HEADER_LINE.match(line):
            if number == len(lines) - 1:
                break  # cut off by the end of the probe
            return None
        good += 1
    if good == 0:
        return None
    return text[: sum(len(line) + 1 for line in lines[: good + 50])]


def split_mbox(stream: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> Iterator[RawMessage]:
    """The messages of an mbox stream, one at a time (see the module docstring).

    A message longer than ``limit`` bytes comes out with ``data`` None (its lines are
    dropped as they are read, so memory stays bounded); the last message has ``complete``
    False when the file does not end with a line break (it was cut off).
    """
    number = 0
    current: RawMessage | None = None
    size = 0
    prev_blank = True
    line_start = True
    last_piece = b""
    #: a "From " line inside a message: a separator if a header line follows it
    maybe: bytes | None = None
    while True:
        piece = stream.readline(LINE_PIECE)
        if not piece:
            break
        last_piece = piece
        at_start, line_start = line_start, piece.endswith(b"\n")
        separator = False
        if maybe is not None:
            if at_start and _HEADER_LINE.match(piece):
                separator, from_line = True, maybe
            elif current is not None:  # text after all: it belongs to the message
                size += len(maybe)
                if size <= limit:
                    current.lines.append(maybe)
            maybe = None
        elif at_start and piece.startswith(b"From "):
            if prev_blank or _FROM_LINE.match(piece):
                separator, from_line = True, piece
            elif piece.endswith(b"\n"):
                maybe = piece
                prev_blank = False
                continue
        if separator:
            if current is not None:
                yield _finish(current, size <= limit)
            number += 1
            current = RawMessage(number, None, from_line=from_line.rstrip(b"\r\n"))
            size, prev_blank = 0, False
            if from_line is piece:
                continue
        if current is None:
            if not piece.strip():
                continue  # blank lines before the first separator
            number += 1
            current = RawMessage(number, None)
        if at_start and _QUOTED_FROM.match(piece):
            piece = piece[1:]
        size += len(piece)
        if size <= limit:
            current.lines.append(piece)
        elif current.lines:
            current.lines = []
        prev_blank = at_start and not piece.strip()
    if current is not None:
        if maybe is not None:
            size += len(maybe)
            if size <= limit:
                current.lines.append(maybe)
        current.complete = last_piece.endswith(b"\n")
        yield _finish(current, size <= limit)


def _finish(message: RawMessage, within_limit: bool) -> RawMessage:
    lines, message.lines = message.lines, []
    if within_limit:
        if lines and not lines[-1].strip():
            lines.pop()  # the blank line that separates messages
        message.data = b"".join(lines)
    return message


def _from_line_date(line: bytes | None) -> datetime | None:
    if not line:
        return None
    text = line.decode("ascii", errors="replace")
    parts = text.split()[2:]
    joined = " ".join(parts)
    for layout in FROM_LINE_FORMATS:
        try:
            parsed = datetime.strptime(joined, layout)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _header(message: Message, name: str) -> str | None:
    """The first raw value of a header (as written, before any decoding)."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def _is_me(me: str, name: str, address: str) -> bool:
    wanted = me.strip().casefold()
    if "@" in wanted:
        return address.casefold() == wanted
    return bool(name) and name.casefold() == wanted


def message_item(
    data: bytes, from_line: bytes | None, position: str, options: ParseOptions
) -> Item:
    """One message's bytes → a record (or the reason it could not be read)."""
    try:
        message = BytesParser(policy=default_policy).parsebytes(data)
        return _record(message, from_line, position, options)
    except Exception as exc:  # a hostile message must never stop the mailbox
        return Skipped(position, _(UNREADABLE).format(problem=type(exc).__name__))


def _record(
    message: Message, from_line: bytes | None, position: str, options: ParseOptions
) -> Item:
    charset = message.get_content_charset()
    date_raw = _header(message, "date")
    at = mail_date(date_raw) or _from_line_date(from_line)
    if at is None:
        if date_raw and date_raw.strip():
            shown = decode_words(date_raw)[:60]
            return Skipped(position, _(BAD_DATE).format(value=shown))
        return Skipped(position, _(NO_DATE))
    senders = addresses(_header(message, "from"), charset)
    recipients = [
        pair for key in ("to", "cc", "bcc") for pair in addresses(_header(message, key), charset)
    ]
    sender_name, sender_address = senders[0] if senders else ("", "")
    mine = bool(options.me) and _is_me(options.me or "", sender_name, sender_address)
    direction: Direction = "outgoing" if mine else "incoming"
    if mine:
        other_name, other_address = recipients[0] if recipients else ("", "")
    else:
        other_name, other_address = sender_name, sender_address
    participants: list[str] = []
    for name, address in senders + recipients:
        shown = address or name
        if shown and shown not in participants:
            participants.append(shown)
    subject_raw = _header(message, "subject")
    body = split_body(message, options.max_attachment_bytes)
    message_id = _header(message, "message-id")
    return ParsedRecord(
        position=position,
        kind="message",
        channel="email",
        at=at,
        direction=direction,
        counterpart=other_address or other_name or None,
        counterpart_name=other_name or None,
        sender=sender_address or sender_name or None,
        participants=tuple(participants),
        text=body.text,
        subject=decode_words(subject_raw, charset) if subject_raw is not None else None,
        thread=_thread(message),
        source_id=decode_words(message_id).strip() or None if message_id else None,
        attachments=body.attachments,
    )


def _thread(message: Message) -> str | None:
    """The conversation's first message id (References), else the one replied to."""
    for key in ("references", "in-reply-to"):
        raw = _header(message, key)
        if raw:
            found = re.search(r"<[^<>\s]+>", fix_surrogates(raw))
            if found:
                return found.group(0)
    return None


IMPORTERS: tuple[Importer, ...] = (EmailImporter(),)

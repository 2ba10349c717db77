"""SMS Backup & Restore (Android): ``sms-*.xml`` and ``calls-*.xml`` backups.

The file is read in 1 MiB pieces by expat (see :mod:`safetrail.importers.xmlsafe` for
what is refused and repaired on the way), so a backup of hundreds of megabytes costs a few
megabytes of memory; the exception is one MMS, whose inline attachments expat holds
until its end tag. Records come out in file order:

* ``<sms>``: ``type`` 1 received, 2 sent, 4 outbox, 5 failed, 6 queued (the last three
  are outgoing messages too); 3 is a draft, never sent, and is skipped with a reason.
* ``<mms>``: see :mod:`safetrail.importers.smsbackup_mms`.
* ``<call>``: ``type`` 1 answered, 2 outgoing, 3 missed, 4 voicemail, 5 rejected,
  6 blocked, 7 answered on another device. ``number`` -1/-2/-3 or empty, or
  ``presentation`` 2/3, is a withheld number.

``date`` is epoch milliseconds (an aware UTC time). The app writes the word ``null`` for
missing values; ``readable_date`` is ignored (it is ``date`` in the phone's words).
Positions read "record 7 (line 12)": the 7th sms/mms/call element, on line 12.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from typing import Any
from xml.parsers import expat

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, _
from safetrail.importers.base import (
    CallOutcome,
    Direction,
    ImportFormatError,
    Item,
    ParsedRecord,
    ParseOptions,
    Probe,
    Skipped,
    Source,
)
from safetrail.importers.smsbackup_mms import (
    DRAFT,
    NO_DATE,
    NO_NAMES,
    NULLS,
    PendingMms,
    build_mms,
    contact,
    epoch_ms,
)
from safetrail.importers.xmlsafe import CHUNK_BYTES, CharRefRepair, is_truncation, new_parser

__all__ = ["IMPORTERS", "SmsBackupImporter"]

_NO_CALL_DATE = N_("This call has no date that can be read ('{value}'); it was not imported.")
_UNREADABLE = N_("This record holds values SafeTrail cannot read; it was skipped.")
_TRUNCATED = N_(
    "The file ends in the middle of a record at line {line}: it was cut short, probably "
    "while it was being copied. Everything before that point was imported."
)
_DAMAGED = N_(
    "The file is damaged at line {line} ({problem}); nothing after that point could be read."
)
_TRAILING = N_(
    "The backup ends at line {line}, but the file goes on with data that is not part of "
    "it ({problem}); that data was not read."
)
_READ_FAILED = N_(
    "The file could not be read beyond line {line} ({problem}); nothing after that point "
    "was imported."
)
_NOT_XML = N_(
    "This file is not an SMS Backup & Restore backup: it cannot be read as XML ({problem})."
)
_WRONG_ROOT = N_(
    "This XML file is not an SMS Backup & Restore backup: it starts with <{element}>, "
    "not <smses> or <calls>."
)

_SMS_DIRECTIONS: dict[str | None, Direction] = {
    "1": "incoming",
    "2": "outgoing",
    "4": "outgoing",
    "5": "outgoing",
    "6": "outgoing",
}
_CALL_TYPES: dict[str | None, tuple[Direction, CallOutcome | None]] = {
    "1": ("incoming", "answered"),
    "2": ("outgoing", None),
    "3": ("incoming", "missed"),
    "4": ("incoming", "voicemail"),
    "5": ("incoming", "rejected"),
    "6": ("incoming", "blocked"),
    "7": ("incoming", "answered"),
}
_HIDDEN_NUMBERS = frozenset({"", "null", "-1", "-2", "-3"})
_HIDDEN_WORDS = frozenset({"private", "unknown", "anonymous", "withheld", "restricted"})
_HIDDEN_PRESENTATION = frozenset({"2", "3"})
_ROOTS = ("smses", "calls")
#: whether ParsedRecord's first fields are still in the order _sms passes them by position
_POSITIONAL = tuple(f.name for f in fields(ParsedRecord))[:11] == (
    "position",
    "kind",
    "channel",
    "at",
    "direction",
    "counterpart",
    "counterpart_name",
    "sender",
    "participants",
    "text",
    "subject",
)
_JUNK_AFTER = expat.errors.codes[expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]


class _Reader:
    """expat callbacks; finished items wait in ``out`` until the current piece is parsed.

    The start handler is a closure over locals (cheaper than attribute lookups on every
    one of millions of calls), and an end handler is only installed while an ``<mms>`` is
    open: ``<sms>`` and ``<call>`` are complete at their start tag.
    """

    def __init__(self, parser: Any, options: ParseOptions) -> None:
        self.out: list[Item] = []
        self.root: str | None = None
        self.mms: PendingMms | None = None
        append = self.out.append
        count = 0

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal count
            if name == "sms":
                count += 1
                position = f"record {count} (line {parser.CurrentLineNumber})"
                try:
                    append(_sms(attrs, position))
                except Exception:  # one bad record must not stop the file
                    append(_unreadable(position))
            elif name == "call":
                count += 1
                position = f"record {count} (line {parser.CurrentLineNumber})"
                try:
                    append(_call(attrs, position))
                except Exception:
                    append(_unreadable(position))
            elif name == "part":
                if self.mms is not None:
                    self.mms.parts.append(attrs)
            elif name == "addr":
                if self.mms is not None:
                    self.mms.addrs.append(attrs)
            elif name == "mms":
                count += 1
                self.mms = PendingMms(f"record {count} (line {parser.CurrentLineNumber})", attrs)
                parser.EndElementHandler = end
            elif self.root is None:
                if name not in _ROOTS:
                    raise ImportFormatError(_(_WRONG_ROOT).format(element=name[:40]))
                self.root = name

        def end(name: str) -> None:
            if name == "mms" and self.mms is not None:
                pending, self.mms = self.mms, None
                parser.EndElementHandler = None
                try:
                    self.out.extend(build_mms(pending, options))
                except Exception:
                    append(_unreadable(pending.position))

        parser.StartElementHandler = start

    def drain(self) -> list[Item]:
        items = self.out[:]
        self.out.clear()
        return items


def _unreadable(position: str) -> Skipped:
    return Skipped(position, _(_UNREADABLE))


def _sms(attrs: dict[str, str], position: str) -> Item:
    get = attrs.get
    raw_date = get("date")
    at = epoch_ms(raw_date)
    if at is None:
        return Skipped(position, _(NO_DATE).format(value=(raw_date or "")[:40]))
    kind = get("type")
    if kind == "3":
        return Skipped(position, _(DRAFT))
    # inlined known()/contact(): this runs once per message of a backup with millions
    address = get("address")
    body = get("body")
    subject = get("subject")
    name = get("contact_name")
    if _POSITIONAL:
        # positional arguments cost a quarter less than keywords (order checked above)
        return ParsedRecord(
            position,
            "message",
            "sms",
            at,
            _SMS_DIRECTIONS.get(kind),
            None if address is None or address in NULLS else address,
            None if name is None or name in NO_NAMES else name,
            None,
            (),
            None if body is None or body in NULLS else body,
            None if subject is None or subject in NULLS else subject,
        )
    return ParsedRecord(
        position=position,
        kind="message",
        channel="sms",
        at=at,
        direction=_SMS_DIRECTIONS.get(kind),
        counterpart=None if address is None or address in NULLS else address,
        counterpart_name=None if name is None or name in NO_NAMES else name,
        text=None if body is None or body in NULLS else body,
        subject=None if subject is None or subject in NULLS else subject,
    )


def _call(attrs: dict[str, str], position: str) -> Item:
    raw_date = attrs.get("date")
    at = epoch_ms(raw_date)
    if at is None:
        return Skipped(position, _(_NO_CALL_DATE).format(value=(raw_date or "")[:40]))
    direction, outcome = _CALL_TYPES.get(attrs.get("type"), (None, None))
    duration: int | None
    try:
        duration = int(attrs.get("duration") or "")
    except ValueError:
        duration = None
    if duration is not None and duration < 0:
        duration = None
    if direction == "outgoing" and duration:
        outcome = "answered"
    number = (attrs.get("number") or "").strip()
    withheld = (
        number in _HIDDEN_NUMBERS
        or number.lower() in _HIDDEN_WORDS
        or attrs.get("presentation") in _HIDDEN_PRESENTATION
    )
    return ParsedRecord(
        position=position,
        kind="call",
        channel="phone",
        at=at,
        direction=direction,
        counterpart=None if withheld else number,
        counterpart_name=contact(attrs.get("contact_name")),
        duration=duration,
        outcome=outcome,
        withheld=withheld,
    )


def _damage(reader: _Reader, parser: Any, exc: Exception, before: bytes) -> Skipped:
    """The Skipped for an error expat raised; ``before`` is the text fed just before it."""
    line = parser.ErrorLineNumber or parser.CurrentLineNumber
    problem = (expat.ErrorString(parser.ErrorCode) if parser.ErrorCode else None) or str(exc)
    problem = problem[:200]
    if reader.root is None:
        raise ImportFormatError(_(_NOT_XML).format(problem=problem)) from None
    where = f"line {line}"
    if f"</{reader.root}>".encode() in before:
        return Skipped(where, _(_TRAILING).format(line=line, problem=problem), rest_lost=True)
    if is_truncation(parser):
        return Skipped(where, _(_TRUNCATED).format(line=line), rest_lost=True)
    return Skipped(where, _(_DAMAGED).format(line=line, problem=problem), rest_lost=True)


class SmsBackupImporter:
    name = "smsbackup"
    version = "1"
    label = N_("SMS Backup & Restore (Android)")

    def detect(self, probe: Probe) -> float:
        head = probe.head
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            head = head.replace(b"\x00", b"")
        if b"<smses" in head and (b"<sms " in head or b"<mms " in head or b"count=" in head):
            return 0.95
        if b"<calls" in head and b"<call " in head and b"duration=" in head:
            return 0.95
        if b"<smses" in head or (b"<calls" in head and b"<?xml" in head[:100]):
            return 0.7
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        parser = new_parser()
        parser.buffer_text = True
        reader = _Reader(parser, options)
        repair = CharRefRepair()
        fed = 0  # bytes handed to expat before the current piece
        tail = b""  # the end of the previous piece
        with source.open() as stream:
            while True:
                try:
                    piece = stream.read(CHUNK_BYTES)
                except SafetrailError:
                    raise
                except Exception as exc:  # a damaged zip member, an I/O error
                    line = parser.CurrentLineNumber
                    yield Skipped(
                        f"line {line}",
                        _(_READ_FAILED).format(line=line, problem=str(exc)[:200]),
                        rest_lost=True,
                    )
                    return
                final = not piece
                data = repair.flush() if final else repair.feed(piece)
                try:
                    parser.Parse(data, final)
                except SafetrailError:
                    raise
                except Exception as exc:  # ExpatError; LookupError for an unknown encoding
                    yield from reader.drain()
                    offset = max(0, parser.ErrorByteIndex - fed)
                    yield _damage(reader, parser, exc, tail + data[:offset])
                    return
                yield from reader.drain()
                if final:
                    return
                fed += len(data)
                tail = (tail + data)[-64:]


IMPORTERS = (SmsBackupImporter(),)

"""WhatsApp chat export: making :class:`~safetrail.importers.base.ParsedRecord` objects fast.

``ParsedRecord`` is a frozen dataclass with slots: its ``__init__`` sets each of its 18
fields through ``object.__setattr__``, which costs about as much as all the rest of
parsing a message. Setting the slots through their descriptors gives the same objects in
less than half the time. See :func:`_record_factory` for when this is used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from safetrail.importers.base import Attachment, CallOutcome, Direction, ParsedRecord, RecordKind

__all__ = ["SETTERS", "make_record"]

_FIELDS = (
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
    "duration",
    "outcome",
    "withheld",
    "thread",
    "source_id",
    "system",
    "attachments",
)


def _plain_record(
    position: str,
    kind: RecordKind,
    at: datetime,
    direction: Direction | None,
    counterpart: str | None,
    sender: str | None,
    text: str | None,
    outcome: CallOutcome | None,
    thread: str | None,
    system: bool,
    attachments: tuple[Attachment, ...],
) -> ParsedRecord:
    return ParsedRecord(
        position=position,
        kind=kind,
        channel="whatsapp",
        at=at,
        direction=direction,
        counterpart=counterpart,
        sender=sender,
        text=text,
        outcome=outcome,
        thread=thread,
        system=system,
        attachments=attachments,
    )


def _record_factory() -> Callable[..., ParsedRecord]:
    """A constructor for the records this parser makes.

    ``ParsedRecord`` is a frozen dataclass with slots: its ``__init__`` sets each of its 18
    fields through ``object.__setattr__``, which costs about as much as all the rest of
    parsing a message. Setting the slots directly gives the same object in less than half
    the time. This is used only while ``ParsedRecord`` is exactly the plain slotted
    dataclass it was written for (same fields, no ``__post_init__``, no custom
    ``__init__``), and only if a record made both ways compares equal; otherwise the
    dataclass's own constructor is used.
    """
    try:
        names = tuple(field.name for field in dataclasses.fields(ParsedRecord))
        plain = (
            names == _FIELDS
            and "__post_init__" not in vars(ParsedRecord)
            and "__slots__" in vars(ParsedRecord)
            and ParsedRecord.__init__.__qualname__ == "ParsedRecord.__init__"
        )
        if not plain:
            return _plain_record
        setters = [getattr(ParsedRecord, name).__set__ for name in names]
    except (AttributeError, TypeError):
        return _plain_record
    (
        set_position,
        set_kind,
        set_channel,
        set_at,
        set_direction,
        set_counterpart,
        set_counterpart_name,
        set_sender,
        set_participants,
        set_text,
        set_subject,
        set_duration,
        set_outcome,
        set_withheld,
        set_thread,
        set_source_id,
        set_system,
        set_attachments,
    ) = setters
    new = object.__new__

    def fast_record(
        position: str,
        kind: RecordKind,
        at: datetime,
        direction: Direction | None,
        counterpart: str | None,
        sender: str | None,
        text: str | None,
        outcome: CallOutcome | None,
        thread: str | None,
        system: bool,
        attachments: tuple[Attachment, ...],
    ) -> ParsedRecord:
        record: ParsedRecord = new(ParsedRecord)
        set_position(record, position)
        set_kind(record, kind)
        set_channel(record, "whatsapp")
        set_at(record, at)
        set_direction(record, direction)
        set_counterpart(record, counterpart)
        set_counterpart_name(record, None)
        set_sender(record, sender)
        set_participants(record, ())
        set_text(record, text)
        set_subject(record, None)
        set_duration(record, None)
        set_outcome(record, outcome)
        set_withheld(record, False)
        set_thread(record, thread)
        set_source_id(record, None)
        set_system(record, system)
        set_attachments(record, attachments)
        return record

    example = (
        "line 1", "call", datetime(2022, 3, 18, 14, 56), "incoming", "Alex", "Alex", "hi",
        "missed", "Alex", True, (Attachment(name="a.jpg", note="n"),),
    )  # fmt: skip
    try:
        same = fast_record(*example) == _plain_record(*example)  # type: ignore[arg-type]
    except Exception:  # anything unexpected: the dataclass's own constructor
        return _plain_record
    return fast_record if same else _plain_record


#: makes a record from (position, kind, at, direction, counterpart, sender, text, outcome,
#: thread, system, attachments); see :func:`_record_factory`
make_record = _record_factory()
#: the slots' setters, in field order, when :data:`make_record` may set slots directly
SETTERS: tuple[Callable[[ParsedRecord, object], None], ...] | None = (
    tuple(getattr(ParsedRecord, name).__set__ for name in _FIELDS)
    if make_record is not _plain_record
    else None
)

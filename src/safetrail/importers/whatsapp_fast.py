"""WhatsApp chat export: the second pass's shortcut for ordinary messages.

Most messages are plain text from someone already seen, at a date and time already seen.
:func:`batch` makes their records with as little Python work per message as it can:
the fields that differ are set at once through the slots' setters
(:data:`.whatsapp_slots.SETTERS`); the ones that are the same for many records (the
sender's three fields, and those equal for all) are set for a whole block in one sweep
each. Anything out of the ordinary goes to :meth:`.whatsapp_build.Builder.build`; the
records are the same either way (tests/test_import_whatsapp.py checks it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from itertools import repeat

from safetrail.i18n import _
from safetrail.importers.base import Attachment, Item, ParsedRecord, Skipped
from safetrail.importers.whatsapp_build import CACHE_LIMIT, MAX_TEXT, TOO_LONG, Builder
from safetrail.importers.whatsapp_layout import INVISIBLE
from safetrail.importers.whatsapp_slots import SETTERS
from safetrail.importers.whatsapp_text import (
    EVENTS,
    NOTICES,
    PLACEHOLDERS,
    SPECIAL,
    SPECIAL_LIMIT,
)

__all__ = ["Add", "Message", "batch"]

combine = datetime.combine
#: the known placeholders, folded, with and without a final stop
_KNOWN_PLACEHOLDERS = PLACEHOLDERS | frozenset(key + "." for key in PLACEHOLDERS)
#: one message as the second pass's split gives it: (date, time, general, who, body)
Message = tuple[str | None, str | None, str | None, str | None, str]
#: puts messages' items in a list: (messages, line of the first, whether one can be too
#: long) → the line after the last (see :func:`batch`)
Add = Callable[[Iterable[Message], int, bool], int]


def batch(builder: Builder, out: list[Item]) -> tuple[Add, Callable[[], None]]:
    """``add(messages, line, limit)``, which puts the items of each message (a record or
    a Skipped, then any notes about it) at the end of ``out`` and returns the line after
    the last message, and ``finish()``, to call before anything in ``out`` is handed on.
    ``line`` is the first message's header line; with ``limit``, bodies longer than
    :data:`MAX_TEXT` are cut (and a note says so).

    ``add`` is :meth:`.Builder.build` with a shortcut for the ordinary message (its date, time
    and sender seen before; plain text, a placeholder or an event, no media file, no
    invisible marks): it sets the fields that differ from record to record at once and
    leaves the rest, which are the same for all, to ``finish``, which sets them for the
    whole block in one sweep. The records are the same as :meth:`.Builder.build` makes."""
    build = builder.build
    extra = builder.extra
    append = out.append

    def careful(
        raw_date: str | None,
        raw_time: str | None,
        general: str | None,
        who: str | None,
        number: int,
        body: str,
    ) -> None:
        if who is not None:
            body = f"{who}: {body}"
        append(build(raw_date, raw_time, general, number, body))
        if extra:
            out.extend(extra)
            extra.clear()

    too_long = _(TOO_LONG).format(limit=f"{MAX_TEXT:,}")

    def add_carefully(messages: Iterable[Message], line: int, limit: bool) -> int:
        for raw_date, raw_time, general, who, body in messages:
            number = line
            line += body.count("\n") + 1
            careful(raw_date, raw_time, general, who, number, body[:MAX_TEXT])
            if limit and len(body) > MAX_TEXT:
                append(Skipped(f"line {number}", too_long))
        return line

    if SETTERS is None:
        return add_carefully, lambda: None
    dates, times, people, chat = builder.dates, builder.times, builder.people, builder.chat
    special, events, placeholders = SPECIAL, EVENTS, _KNOWN_PLACEHOLDERS
    special_limit, notices = SPECIAL_LIMIT, NOTICES
    unusual_start = frozenset(INVISIBLE + "<")
    not_included = builder.not_included
    shared: dict[str, tuple[Attachment, ...]] = {}
    #: records still needing their sender's fields, by the sender's name as written
    buckets: dict[str, list[ParsedRecord]] = {}
    (
        set_position, set_kind, set_channel, set_at, set_direction, set_counterpart,
        set_counterpart_name, set_sender, set_participants, set_text, set_subject,
        set_duration, set_outcome, set_withheld, set_thread, set_source_id, set_system,
        set_attachments,
    ) = SETTERS  # fmt: skip
    new = object.__new__
    plain: list[ParsedRecord] = []  # still need every field that is the same for all
    flagged: list[ParsedRecord] = []  # have kind, outcome, system and attachments
    keep_plain, keep_flagged = plain.append, flagged.append
    common = (
        (set_channel, "whatsapp"), (set_counterpart_name, None), (set_participants, ()),
        (set_subject, None), (set_duration, None), (set_withheld, False),
        (set_thread, chat), (set_source_id, None),
    )  # fmt: skip
    ordinary = (
        *common, (set_kind, "message"), (set_outcome, None), (set_system, False),
        (set_attachments, ()),
    )  # fmt: skip
    sweep: Callable[[Iterable[None]], None] = deque[None](maxlen=0).extend

    def add_block(messages: Iterable[Message], line: int, limit: bool) -> int:
        for raw_date, raw_time, general, who, body in messages:
            number = line
            newline = body.find("\n")
            if newline < 0:
                line += 1
                text = body
            else:
                line += body.count("\n", newline) + 1
                text = body[:newline]
            if limit and len(body) > MAX_TEXT:
                careful(raw_date, raw_time, general, who, number, body[:MAX_TEXT])
                append(Skipped(f"line {number}", too_long))
                continue
            try:
                day = dates.get(raw_date)  # type: ignore[arg-type]
                clock = times.get(raw_time)  # type: ignore[arg-type]
                if day.__class__ is not date or clock.__class__ is not time:
                    careful(raw_date, raw_time, general, who, number, body)
                    continue
                if who is None:
                    cut = text.find(": ")
                    name = text[:cut] if cut > 0 else ""
                    text = text[cut + 2 :]
                else:  # the split found a sender the first pass saw
                    name = who
                bucket = buckets.get(name)
                if bucket is None:
                    person = people.get(name)
                    if person is None or not person[0] or len(buckets) >= CACHE_LIMIT:
                        careful(raw_date, raw_time, general, who, number, body)
                        continue
                    bucket = buckets[name] = []
                if not text:
                    careful(raw_date, raw_time, general, who, number, body)
                    continue
                record: ParsedRecord = new(ParsedRecord)
                if len(text) <= special_limit and (key := text.casefold()) in special:
                    event = events.get(key)
                    if event is None:
                        if key not in placeholders:
                            careful(raw_date, raw_time, general, who, number, body)
                            continue
                        caption = body[newline + 1 :].rstrip("\n") if newline >= 0 else ""
                        set_text(record, caption or None)
                        set_attachments(
                            record,
                            shared.get(text)
                            or shared.setdefault(text, (Attachment(name=text, note=not_included),)),
                        )
                        set_kind(record, "message")
                        set_outcome(record, None)
                        set_system(record, False)
                    else:
                        missed = event == "missed_voice" or event == "missed_video"
                        if newline >= 0 and (more := body[newline + 1 :].rstrip("\n")):
                            text = f"{text}\n{more}"
                        set_text(record, text)
                        set_attachments(record, ())
                        set_kind(record, "call" if missed else "message")
                        set_outcome(record, "missed" if missed else None)
                        set_system(record, False)
                    keep_flagged(record)
                elif text[-1] in ")>" or text[0] in unusual_start or text.startswith(notices):
                    careful(raw_date, raw_time, general, who, number, body)
                    continue
                else:
                    if newline >= 0 and (more := body[newline + 1 :].rstrip("\n")):
                        text = f"{text}\n{more}"
                    set_text(record, text)
                    keep_plain(record)
                set_position(record, f"line {number}")
                set_at(record, combine(day, clock))
                bucket.append(record)
                append(record)
            except Exception:  # the careful path says what went wrong
                careful(raw_date, raw_time, general, who, number, body)
        return line

    def finish() -> None:
        for setter, value in ordinary:
            sweep(map(setter, plain, repeat(value)))
        for setter, value in common:
            sweep(map(setter, flagged, repeat(value)))
        plain.clear()
        flagged.clear()
        for raw, bucket in buckets.items():
            if bucket:
                sender, direction, counterpart = people[raw]
                sweep(map(set_sender, bucket, repeat(sender)))
                sweep(map(set_direction, bucket, repeat(direction)))
                sweep(map(set_counterpart, bucket, repeat(counterpart)))
                bucket.clear()

    return add_block, finish

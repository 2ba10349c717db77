"""WhatsApp chat export: the second pass, which turns each message into a record.

See :mod:`safetrail.importers.whatsapp` for what the records hold. :func:`read_blocks`
splits each block of text at its header lines (:func:`.whatsapp_layout.splitter`) and
hands the messages to :func:`.whatsapp_fast.batch` (which falls back on
:meth:`.whatsapp_build.Builder.build`). Held at a time: one block's records, the message
running past its end (at most :data:`MAX_TEXT` characters), and caches of dates, times
and names that stop growing at a fixed size.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.importers.base import Item, ParseOptions, Skipped, Source
from safetrail.importers.whatsapp_build import (
    MAX_TEXT,
    PREAMBLE,
    READ_FAILED,
    TOO_LONG,
    Builder,
)
from safetrail.importers.whatsapp_fast import batch
from safetrail.importers.whatsapp_scan import Scan, chunks, open_text

__all__ = ["MAX_TEXT", "read_blocks", "read_records"]


def read_records(source: Source, options: ParseOptions, plan: Scan) -> Iterator[Item]:
    """The second pass: every message, in file order (see :func:`read_blocks`)."""
    return itertools.chain.from_iterable(read_blocks(source, options, plan))


def read_blocks(source: Source, options: ParseOptions, plan: Scan) -> Iterator[list[Item]]:
    """The second pass, a list of items at a time (chained, they are every message in
    file order; a list must be used up before the next is asked for, as it is reused).

    The text comes in blocks of whole lines (:func:`.whatsapp_scan.chunks`); one ``split``
    of each block at its header lines (:func:`.whatsapp_layout.splitter`) gives every
    header's date and time and the text up to the next header, the message's body. A
    message that runs past the end of a block is completed from the next one. A block's
    items are handed on when the block is done.
    """
    builder = Builder(source, options, plan)
    out: list[Item] = []
    add, finish = batch(builder, out)
    pattern = plan.splitter()
    split = pattern.split
    time_first = pattern.groupindex["time"] < pattern.groupindex["date"]
    too_long = _(TOO_LONG).format(limit=f"{MAX_TEXT:,}")
    base = 0  # lines before the current block
    head: list[str | None] | None = None  # the message not finished yet: its header
    head_line = 0
    pieces: list[str] = []  # and its text so far
    size = 0
    cut = False
    preamble = False
    try:
        opened = open_text(source)
    except SafetrailError:
        raise
    except Exception as exc:  # readable in the first pass, damaged now
        reason = str(exc) or type(exc).__name__
        yield [Skipped("line 1", _(READ_FAILED).format(reason=reason), rest_lost=True)]
        return
    with opened as text:
        try:
            for work, giant in chunks(text):
                block = "\n" + work
                parts = split(block)
                if len(parts) == 1:  # no header: all of it continues the message before
                    if head is not None:
                        if size < MAX_TEXT:
                            pieces.append(block[1:-1])
                            size += len(block)
                        else:
                            cut = True
                        cut = cut or giant
                    elif not preamble and block.strip():
                        preamble = True
                        yield [Skipped(_first_text_line(block, base), _(PREAMBLE))]
                    base += work.count("\n")
                    continue
                before = parts[0]
                line = base + before.count("\n") + 1
                if head is not None:
                    if before:
                        pieces.append(before[1:])
                    body = "\n".join(pieces)
                    if len(body) > MAX_TEXT:
                        body, cut = body[:MAX_TEXT], True
                    add(((head[0], head[1], head[2], head[3], body),), head_line, False)
                    if cut:
                        out.append(Skipped(f"line {head_line}", too_long))
                        cut = False
                elif not preamble and before.strip():
                    preamble = True
                    out.append(Skipped(_first_text_line(before, base), _(PREAMBLE)))
                last = parts[-5:]
                del parts[-5:]
                if time_first:  # put every message's date before its time
                    parts[1::5], parts[2::5] = parts[2::5], parts[1::5]
                    last[0], last[1] = last[1], last[0]
                messages = iter(parts)
                next(messages)
                fives = zip(messages, messages, messages, messages, messages, strict=True)
                line = add(fives, line, len(block) > MAX_TEXT)
                head, head_line = last[:4], line
                tail = last[4] or ""
                pieces, size, cut = [tail[:-1]], len(tail), giant
                base += work.count("\n")
                finish()
                yield out
                out.clear()
        except SafetrailError:
            raise
        except Exception as exc:  # damage ends the readable part
            finish()
            if head is not None:
                body = "\n".join(pieces)[:MAX_TEXT]
                add(((head[0], head[1], head[2], head[3], body),), head_line, False)
                finish()
            reason = str(exc) or type(exc).__name__
            out.append(
                Skipped(f"line {base + 1}", _(READ_FAILED).format(reason=reason), rest_lost=True)
            )
            yield out
            return
    if head is not None:
        body = "\n".join(pieces)
        if len(body) > MAX_TEXT:
            body, cut = body[:MAX_TEXT], True
        add(((head[0], head[1], head[2], head[3], body),), head_line, False)
        if cut:
            out.append(Skipped(f"line {head_line}", too_long))
        finish()
        yield out


def _first_text_line(text: str, base: int) -> str:
    """Where the first visible character of ``text`` (which starts a line) is, as "line N"."""
    at = len(text) - len(text.lstrip())
    return f"line {base + text.count(chr(10), 0, at) + (0 if text.startswith(chr(10)) else 1)}"

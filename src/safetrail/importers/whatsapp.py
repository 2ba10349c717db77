"""WhatsApp "Export chat": the chat's text file (``_chat.txt`` inside the exported .zip,
or ``WhatsApp Chat with Alex.txt``), with the exported media as its siblings.

Every message becomes one record: ``channel="whatsapp"``, ``at`` the phone's wall-clock
time (naive: the export never says which time zone), ``sender`` the name as written,
``text`` with continuation lines joined by ``"\\n"``, ``position`` "line N" (the line of
the message's header), ``thread`` the chat's name when the file's name gives it.

* Header layouts, dates and the day/month rule: :mod:`.whatsapp_layout`.
* Placeholders, deleted messages, missed calls, attachment lines, chat names in several
  languages: :mod:`.whatsapp_text`.
* A header followed by "Name: " always has that sender, whatever follows (iOS puts a
  left-to-right mark before media, deleted messages, calls and often before a person's
  own words). Only lines without a sender are system lines (``system=True``, no sender),
  and the group's own name, under which iOS writes a group's system lines. Deleted
  messages, view-once media and missed calls are the sender's own (``system=False``);
  missed calls are ``kind="call"``, ``outcome="missed"``. The encryption notice iOS writes
  under the other person's name keeps that name and has ``system=True``.
* Media: a placeholder ("<Media omitted>") becomes an attachment noted "not included in
  the export" and no text; a named file becomes an attachment pointing at the sibling file
  (``member``) or noted "not found in the export"; a caption on the next lines is the text.

Who is "me": ``ParseOptions.me`` when given. Otherwise, when the file's name gives the
chat's name and exactly two people wrote in it, one of them under that name, the other one
is the person exporting. Their messages are ``outgoing`` with ``counterpart`` the chat's
other person (None in a group); everyone else's are ``incoming`` with ``counterpart`` their
name. When nobody can be told to be "me", ``direction`` is None and ``counterpart`` is the
sender.

The file is read twice, in blocks of whole lines (about half a million characters):
first :func:`.whatsapp_scan.scan` (layout, day/month order, who wrote), then
:func:`.whatsapp_records.read_blocks` (the records). Memory stays bounded whatever the
file's size: one block, the records made from it, the message running past its end (at
most :data:`MAX_TEXT` characters), and caches of dates, times and names that stop growing
at a fixed size. Both passes leave the scanning of text to regular expressions (one
``split`` per block finds every header, date, time, known sender and body), so Python
work is spent per message, not per line or character.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import PurePosixPath

from safetrail.i18n import N_
from safetrail.importers.base import Item, ParseOptions, Probe, Source
from safetrail.importers.whatsapp_layout import decode_head, header_hits
from safetrail.importers.whatsapp_records import MAX_TEXT, read_blocks
from safetrail.importers.whatsapp_scan import Scan, scan
from safetrail.importers.whatsapp_text import chat_name, is_chat_file_name

__all__ = ["IMPORTERS", "MAX_TEXT", "WhatsAppImporter", "describe"]


def describe(source: Source, options: ParseOptions | None = None) -> Scan:
    """What the first pass learns about a file: its header layout, the day/month order and
    which rule chose it ("file", "option", "default" or "year-first"; see
    :mod:`.whatsapp_layout`), the date that decided it, and the first three senders. A user
    interface can show this before importing, e.g. to ask about the day/month order when
    the default was used."""
    options = options or ParseOptions()
    return scan(source, options.day_first, want_senders=True, chat=chat_name(source.name))


class WhatsAppImporter:
    name = "whatsapp"
    version = "2"
    label = N_("WhatsApp chat export")

    def detect(self, probe: Probe) -> float:
        named = is_chat_file_name(probe.name)
        lines = [line for line in decode_head(probe.head) if line.strip()][:40]
        _layout, hits = header_hits(lines)
        if hits == 0:
            return 0.3 if named else 0.0
        if hits >= 3 and hits * 10 >= len(lines) * 3:
            score = 0.9  # most of the first lines are message headers
        elif hits == 2:
            score = 0.75
        else:
            score = 0.6
        if named:
            score += 0.08
        suffix = PurePosixPath(probe.name.replace("\\", "/")).suffix.lower()
        if suffix not in ("", ".txt"):
            score = min(score, 0.4)
        return score

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        # nothing is read before the first item is asked for; the items then come from
        # lists of a block's messages, chained in C (no Python frame per item)
        return itertools.chain.from_iterable(self._blocks(source, options))

    def _blocks(self, source: Source, options: ParseOptions) -> Iterator[list[Item]]:
        chat = chat_name(source.name)
        plan = scan(source, options.day_first, options.me is not None or chat is not None, chat)
        yield from read_blocks(source, options, plan)


IMPORTERS: tuple[WhatsAppImporter, ...] = (WhatsAppImporter(),)

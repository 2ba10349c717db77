"""Signal Desktop conversations, exported with sigtop or signal-export.

Signal itself has no export; two community tools read Signal Desktop's database:

* sigtop (``sigtop export-messages``): one file per conversation, in its text format
  (:mod:`.signal_sigtop_text`) or as JSON (:mod:`.signal_sigtop`); ``sigtop
  export-attachments`` writes the files into a folder per conversation next to them.
* signal-export (``sigexport``): a folder per chat with ``chat.md``, ``data.json`` and
  ``media/`` (:mod:`.signal_export`).

One importer, ``signal``, reads all four: each file says which it is by its first bytes
(and, for signal-export, by its name, since a ``[date] name: text`` line alone could as
well be a WhatsApp chat). ``--format signal`` reads a file by its content even when its
name was changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Importer,
    ImportFormatError,
    Item,
    ParseOptions,
    Probe,
    Source,
)
from safetrail.importers.signal_export import MD_LINE, parse_export_json, parse_export_md
from safetrail.importers.signal_sigtop import parse_sigtop_json
from safetrail.importers.signal_sigtop_text import parse_sigtop_text

__all__ = ["IMPORTERS", "SignalImporter", "shape"]

_SIGTOP_KEYS = re.compile(rb'"(conversationId|sent_at|received_at|sourceServiceId|sourceUuid)"\s*:')
_SIGTOP_TYPE = re.compile(rb'"type"\s*:\s*"[a-z0-9-]+"')
_SIGTOP_TEXT_TYPE = re.compile(rb"\nType: [a-z0-9-]+\r?\n")
_SIGTOP_TEXT_TIME = re.compile(
    rb"\n(Sent|Received): \w{3}, \d{1,2} \w{3} \d{4} [\d:]{8} [+-]\d{4}\r?\n"
)
_EXPORT_KEYS = ("date", "sender", "body")
_EXPORT_MORE = ("quote", "sticker", "reactions", "attachments")
MD_NAMES = ("chat.md", "index.md")

NOT_SIGNAL = N_(
    "This file is not a Signal Desktop export that SafeTrail reads (sigtop text or JSON, "
    "or signal-export's chat.md or data.json)."
)


def _text(head: bytes) -> str:
    return head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")


def _first_line(head: bytes) -> str:
    for line in _text(head).splitlines():
        if line.strip():
            return line
    return ""


def shape(probe: Probe) -> tuple[str, float] | None:
    """Which of the four layouts the file has, and how sure that is."""
    head = probe.head.removeprefix(b"\xef\xbb\xbf")
    start = head.lstrip()[:1]
    name = PurePosixPath(probe.name).name
    if start == b"[":
        keys = {m.group(1) for m in _SIGTOP_KEYS.finditer(head[:8192])}
        if b"conversationId" in keys and len(keys) >= 2 and _SIGTOP_TYPE.search(head[:8192]):
            return "sigtop-json", 0.95
        if name.lower().endswith(MD_NAMES) and MD_LINE.match(_first_line(head)):
            return "export-md", 0.9
        return None
    if head.startswith(b"Conversation: "):
        if _SIGTOP_TEXT_TYPE.search(head) and _SIGTOP_TEXT_TIME.search(head):
            return "sigtop-text", 0.95
        return "sigtop-text", 0.3
    if start == b"{":
        try:
            first = json.loads(_first_line(head))
        except ValueError:
            return None
        if isinstance(first, dict) and all(k in first for k in _EXPORT_KEYS):
            more = sum(1 for k in _EXPORT_MORE if k in first)
            if name == "data.json" and more >= 2:
                return "export-json", 0.9
            if more == len(_EXPORT_MORE):
                return "export-json", 0.6
            return "export-json", 0.3
    return None


class SignalImporter:
    name = "signal"
    version = "1"
    label = N_("Signal Desktop (sigtop or signal-export)")

    def detect(self, probe: Probe) -> float:
        found = shape(probe)
        return found[1] if found else 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        with source.open() as stream:
            head = stream.read(64 * 1024)
        found = shape(Probe(source.member, source.size, head))
        kind = found[0] if found else None
        if kind is None and MD_LINE.match(_first_line(head)):
            kind = "export-md"  # a chat.md under another name, read because it was asked for
        if kind == "sigtop-json":
            return parse_sigtop_json(source)
        if kind == "sigtop-text":
            return parse_sigtop_text(source)
        if kind == "export-md":
            return parse_export_md(source)
        if kind == "export-json":
            return parse_export_json(source)
        raise ImportFormatError(_(NOT_SIGNAL))


IMPORTERS: tuple[Importer, ...] = (SignalImporter(),)

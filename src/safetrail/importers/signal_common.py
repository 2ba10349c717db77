"""What the Signal Desktop importers share (sigtop and signal-export files).

* :func:`party`: a conversation or a sender as sigtop names it, ``Name (detail)``, where the
  detail is the phone number, the user name, the account's service id, or ``group``.
* :func:`compose`: one message's stored text, built the same way from every layout, so the
  same message read from two files of one export (signal-export writes ``chat.md`` and
  ``data.json`` side by side) is the same record and is stored once: a quoted reply first
  (``> `` before each line), then the text, then every earlier version of an edited message
  (``✎`` and the UTC time of that version), newest first. None of these marks depend on the
  language SafeTrail runs in, so a record's identity does not either.
* :func:`noted`: the position with what the record cannot hold itself (deleted for
  everyone, edited, reactions, received time), in words a person reads.
* :func:`text_lines`: the lines of a text file, each at most ``MAX_LINE`` characters; a
  longer line is reported (None) and passed over, so one huge line costs no memory.
* :func:`conversation_file`: an attachment exported next to the messages, looked for only
  in the folder named after the conversation (never a file of the same name elsewhere).
"""

from __future__ import annotations

import io
import mimetypes
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import BinaryIO

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, current_language, translations
from safetrail.importers.base import Attachment, Source

__all__ = [
    "CHANNEL",
    "MAX_LINE",
    "Party",
    "Words",
    "compose",
    "conversation_file",
    "iso_utc",
    "noted",
    "party",
    "text_lines",
]

CHANNEL = "signal"
MAX_LINE = 1024 * 1024
EDIT_MARK = "✎"
_NAMED = re.compile(r"^(?P<name>.*) \((?P<detail>[^()]*)\)$", re.DOTALL)

TOO_LONG = N_(
    "Line {n} is longer than {limit} characters; it was not read (the lines around it were)."
)
NOT_EXPORTED = N_("This file was not found next to the export.")
PENDING = N_("Signal had not downloaded this file, so the export does not include it.")
DELETED = N_("deleted for everyone")
EDITED = N_("edited, {count} versions")
REACTIONS = N_("reactions: {list}")
RECEIVED = N_("received {time}")
NO_NAME = N_("(no file name)")


class Words:
    """The messages of one parse in the language it runs in, each looked up once (finding
    the language costs more than parsing a message)."""

    def __init__(self) -> None:
        self._gettext = translations(current_language()).gettext
        self._cache: dict[str, str] = {}

    def __call__(self, message: str) -> str:
        found = self._cache.get(message)
        if found is None:
            found = self._cache[message] = self._gettext(message)
        return found


@dataclass(frozen=True, slots=True)
class Party:
    """A conversation or a person as the export names them."""

    name: str
    detail: str | None = None

    @property
    def group(self) -> bool:
        return self.detail == "group"

    @property
    def address(self) -> str | None:
        """The identifier to match the person by (phone, user name, service id)."""
        if self.detail and self.detail != "group":
            return self.detail
        return None


def party(text: str) -> Party:
    """``Alex (+15551234567)``, ``Family (group)`` or a bare name."""
    text = text.strip()
    found = _NAMED.match(text)
    if found is None or not found.group("name").strip():
        return Party(text or "?")
    detail = found.group("detail").strip() or None
    return Party(found.group("name").strip(), detail)


def iso_utc(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def compose(
    body: str | None,
    quote: str | None = None,
    earlier: Sequence[tuple[datetime | None, str]] = (),
    sticker: str | None = None,
) -> str | None:
    """The stored text of one message (see the module's docstring)."""
    parts: list[str] = []
    if quote:
        parts.append(quoted(quote))
    main = body or ""
    if sticker:
        main = f"{main}\n{sticker}" if main else sticker
    if main:
        parts.append(main)
    for when, text in earlier:
        parts.append(f"{EDIT_MARK} {iso_utc(when)}\n{text}")
    return "\n\n".join(parts) or None


def noted(position: str, notes: Sequence[str]) -> str:
    return f"{position} ({'; '.join(notes)})" if notes else position


def edited_note(w: Words, count: int) -> str:
    return w(EDITED).format(count=count)


def reactions_note(w: Words, items: Sequence[str]) -> str:
    return w(REACTIONS).format(list=", ".join(items))


def received_note(w: Words, when: str) -> str:
    return w(RECEIVED).format(time=when)


def deleted_note(w: Words) -> str:
    return w(DELETED)


def text_lines(stream: BinaryIO, limit: int = MAX_LINE) -> Iterator[tuple[int, str | None]]:
    """``(number, line)`` without its line break; ``line`` is None when it was too long."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="\n")
    number = 0
    while True:
        line = text.readline(limit)
        if not line:
            return
        number += 1
        if len(line) >= limit and not line.endswith("\n"):
            while True:
                more = text.readline(limit)
                if not more or more.endswith("\n"):
                    break
            yield number, None
            continue
        yield number, line.rstrip("\n").removesuffix("\r")


def too_long(w: Words, number: int) -> str:
    return w(TOO_LONG).format(n=number, limit=MAX_LINE)


def conversation_file(
    w: Words,
    source: Source,
    folder: str,
    name: str | None,
    media_type: str | None,
    pending: bool = False,
) -> Attachment:
    """An attachment that ``sigtop export-attachments`` wrote into ``folder`` (named after
    the conversation, next to the messages file or one level up)."""
    shown = name or w(NO_NAME)
    kind = media_type or (mimetypes.guess_type(name)[0] if name else None)
    if pending:
        return Attachment(name=shown, media_type=kind, note=w(PENDING))
    if name:
        wanted = f"{folder}/{name}"
        try:
            found = source.sibling(wanted)
        except SafetrailError:
            found = None
        if found is not None:
            member = PurePosixPath(found.member)
            if member.name == name and member.parent.name == folder:
                return Attachment(name=shown, media_type=kind, member=found.member)
    return Attachment(name=shown, media_type=kind, note=w(NOT_EXPORTED))

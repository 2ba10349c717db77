"""Reading very large JSON exports piece by piece, with bounded memory.

Chat exports (Telegram's ``result.json``, DiscordChatExporter files) are one JSON object that
can be hundreds of megabytes, almost all of it one array of messages. :class:`JsonReader`
walks the outer structure (objects and arrays) token by token and hands out each array
item as a fully decoded value, so memory holds one message at a time, not the file.

How a value is read: ``json.JSONDecoder.raw_decode`` is tried on the buffered text; when it
fails, a scanner that knows only brackets and strings finds where the value ends (reading
more of the file as needed, up to ``max_value_chars``) and decoding is tried once more on
the complete text. A value that is complete but not valid JSON is reported with
:class:`BadValue` and the reader goes on after it; a file that ends inside a value, or whose
structure cannot be followed any more, raises :class:`JsonDamage` (nothing after it can be
read).
"""

from __future__ import annotations

import codecs
import json
import mimetypes
import re
from collections.abc import Container, Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.importers.base import Attachment, Skipped, Source

__all__ = [
    "BadValue",
    "JsonDamage",
    "JsonReader",
    "damage_skip",
    "epoch_datetime",
    "file_attachment",
    "iso_datetime",
    "looks_like_json_object",
    "missing_attachment",
]

CHUNK = 1024 * 1024
#: one message (or one skipped-over scalar) may not be longer than this, in characters
MAX_VALUE_CHARS = 16 * 1024 * 1024
MAX_DEPTH = 64

_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_STOP = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[\s,\]}:\[{\"]")
_WS = re.compile(r"[ \t\r\n]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonDamage(Exception):
    """The rest of the file cannot be read (``truncated``: it simply ends too early)."""

    def __init__(self, truncated: bool, detail: str = "") -> None:
        super().__init__(detail)
        self.truncated = truncated
        self.detail = detail


class BadValue(Exception):
    """One complete value is not valid JSON; the reader has already moved past it."""


class JsonReader:
    """A pull reader over a binary stream holding UTF-8 JSON (a leading BOM is allowed).

    Usage: ``begin_object()`` then ``for key in fields(): ...`` where each key's value must be
    consumed with :meth:`value`, :meth:`skip`, :meth:`begin_object`/:meth:`keys` or
    :meth:`begin_array`/:meth:`items`.
    """

    def __init__(self, stream: BinaryIO, max_value_chars: int = MAX_VALUE_CHARS) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._json = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._started = False
        self._max = max_value_chars
        self._depth = 0

    # -- buffer -------------------------------------------------------------------------

    def _fill(self) -> bool:
        """Append the next piece of the file; False at the end."""
        if self._eof:
            return False
        data = self._stream.read(CHUNK)
        if not data:
            self._eof = True
            tail = self._decoder.decode(b"", final=True)
            self._buf += tail
            return bool(tail)
        text = self._decoder.decode(data)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        self._buf += text
        return True

    def _compact(self) -> None:
        if self._pos > CHUNK:
            self._buf = self._buf[self._pos :]
            self._pos = 0

    def _peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            match = _WS.match(self._buf, self._pos)
            assert match is not None
            self._pos = match.end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            self._compact()
            if not self._fill():
                return ""

    def _expect(self, char: str) -> None:
        found = self._peek()
        if found != char:
            raise JsonDamage(found == "", f"expected {char!r}, found {found!r}")
        self._pos += 1

    def at_end(self) -> bool:
        return self._peek() == ""

    # -- structure ----------------------------------------------------------------------

    def peek_type(self) -> str:
        """'object', 'array', 'string', 'scalar' or 'end' for what comes next."""
        char = self._peek()
        if char == "{":
            return "object"
        if char == "[":
            return "array"
        if char == '"':
            return "string"
        return "end" if char == "" else "scalar"

    def begin_object(self) -> None:
        self._enter("{")

    def begin_array(self) -> None:
        self._enter("[")

    def _enter(self, char: str) -> None:
        if self._depth >= MAX_DEPTH:
            raise JsonDamage(False, "nested too deeply")
        self._expect(char)
        self._depth += 1

    def fields(self) -> Iterator[str]:
        """The keys of the object just begun; the caller consumes each value in between."""
        first = True
        while True:
            char = self._peek()
            if char == "}":
                self._pos += 1
                self._depth -= 1
                return
            if not first:
                if char != ",":
                    raise JsonDamage(char == "", f"expected ',' or '}}', found {char!r}")
                self._pos += 1
                char = self._peek()
            first = False
            if char != '"':
                raise JsonDamage(char == "", f"expected a key, found {char!r}")
            try:
                key = self.value()
            except BadValue:
                raise JsonDamage(False, "unreadable key") from None
            self._expect(":")
            yield str(key)

    def arrays(self, keys: Container[str]) -> Iterator[str]:
        """Begins the object at the reader's place and stops at each of its fields named in
        ``keys`` that holds an array, with that array begun (the caller walks its items
        before asking for the next one); every other field is skipped."""
        self.begin_object()
        for key in self.fields():
            if key in keys and self.peek_type() == "array":
                self.begin_array()
                yield key
            else:
                self.skip()

    def items(self) -> Iterator[None]:
        """One step per item of the array just begun; the caller consumes each item."""
        first = True
        while True:
            char = self._peek()
            if char == "]":
                self._pos += 1
                self._depth -= 1
                return
            if not first:
                if char != ",":
                    raise JsonDamage(char == "", f"expected ',' or ']', found {char!r}")
                self._pos += 1
                if self._peek() == "":
                    raise JsonDamage(True, "ends after a comma")
            first = False
            yield None

    # -- values -------------------------------------------------------------------------

    def value(self) -> Any:
        """The next complete value, decoded (raises :class:`BadValue` when it is not JSON)."""
        if self._peek() == "":
            raise JsonDamage(True, "the file ends where a value should be")
        self._compact()
        start = self._pos
        try:
            found, end = self._json.raw_decode(self._buf, start)
        except (ValueError, RecursionError):
            pass
        else:
            if end < len(self._buf) or self._eof:
                self._pos = end
                return self._cleaned(found, start, end)
        end = self._scan(start, keep=True)
        try:
            found, stop = self._json.raw_decode(self._buf[:end], start)
        except (ValueError, RecursionError):
            self._pos = end
            raise BadValue from None
        self._pos = end
        if stop != end:
            raise BadValue
        return self._cleaned(found, start, end)

    def _cleaned(self, value: Any, start: int, end: int) -> Any:
        """``value`` without lone surrogates (only escapes can make them: check for one)."""
        if _SURROGATE_ESCAPE.search(self._buf, start, end) is None:
            return value
        try:
            return _clean(value)
        except RecursionError:
            raise BadValue from None

    def skip(self) -> None:
        """Move past the next value without keeping it (any size)."""
        if self._peek() == "":
            raise JsonDamage(True, "the file ends where a value should be")
        self._pos = self._scan(self._pos, keep=False)

    def _scan(self, start: int, keep: bool) -> int:
        """Where the value starting at ``start`` ends (exclusive), reading more as needed.

        With ``keep`` false, text already passed is dropped while scanning (``start`` may
        then move); the returned index is valid for the buffer as it is afterwards.
        """
        i = start
        depth = 0
        in_string = False
        first = self._buf[start]
        if first not in '"[{':
            return self._scan_scalar(start)
        while True:
            if keep and i - start > self._max:
                raise JsonDamage(False, "a value is too large")
            pattern = _STRING_STOP if in_string else _STRUCTURE
            match = pattern.search(self._buf, i)
            if match is None:
                i = len(self._buf)
                if not keep:
                    self._pos = i
                    self._compact()
                    i = self._pos
                if not self._fill():
                    raise JsonDamage(True, "the file ends inside a value")
                continue
            i = match.start()
            char = self._buf[i]
            if in_string:
                if char == "\\":
                    if i + 1 >= len(self._buf):
                        if not self._fill():
                            raise JsonDamage(True, "the file ends inside a string")
                        continue
                    i += 2
                    continue
                in_string = False
                i += 1
                if depth == 0:
                    return i
                continue
            if char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            else:
                depth -= 1
                if depth <= 0:
                    return i + 1
            i += 1

    def _scan_scalar(self, start: int) -> int:
        while True:
            match = _SCALAR_END.search(self._buf, start + 1)
            if match is not None:
                return match.start()
            if len(self._buf) - start > 1024:
                raise JsonDamage(False, "a value is too large")
            if not self._fill():
                return len(self._buf)


def _clean(value: Any) -> Any:
    """Lone surrogates (from unpaired ``\\ud83d`` escapes) become U+FFFD: they cannot be
    stored or shown."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def looks_like_json_object(head: bytes) -> bool:
    """True when ``head`` starts (after a BOM and white space) with ``{``."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{"


# -- helpers shared by the chat-export importers (Telegram, Meta, Discord) -------------------


def epoch_datetime(value: object, scale: int = 1) -> datetime | None:
    """An aware UTC time from epoch seconds (``scale`` 1000 for milliseconds), or None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, str) else value
        if not isinstance(number, int | float):
            return None
        return datetime.fromtimestamp(number / scale, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def iso_datetime(value: object) -> datetime | None:
    """An ISO 8601 time: aware when it carries an offset (or Z), naive otherwise."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def file_attachment(
    source: Source, ref: str, name: str | None = None, media_type: str | None = None
) -> Attachment:
    """An attachment named by a path inside the export (or a note when it is not there)."""
    base = PurePosixPath(ref.replace("\\", "/")).name or ref
    kind = media_type or mimetypes.guess_type(base)[0]
    found = None
    if ref and "://" not in ref:
        try:
            found = source.sibling(ref)
        except SafetrailError:
            found = None
    if found is not None:
        return Attachment(name=name or base, media_type=kind, member=found.member)
    if "://" in ref:
        note = _("The export has only a link to this file: {link}").format(link=ref)
    else:
        note = _("This file was not found next to the export.")
    return Attachment(name=name or base, media_type=kind, note=note)


def missing_attachment(name: str, media_type: str | None = None) -> Attachment:
    return Attachment(
        name=name, media_type=media_type, note=_("The export did not include this file.")
    )


def damage_skip(position: str, damage: JsonDamage) -> Skipped:
    """The one ``Skipped(rest_lost=True)`` that ends a damaged JSON file."""
    if damage.truncated:
        reason = _(
            "The file ends in the middle of a message; everything before this point "
            "was read, nothing after it."
        )
    else:
        reason = _(
            "The file is damaged at this point; everything before it was read, nothing after it."
        )
    return Skipped(position, reason, rest_lost=True)

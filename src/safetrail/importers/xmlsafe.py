"""Streaming XML over pyexpat that cannot be turned against the computer reading it.

* Any document type declaration is refused before its contents are read: entity
  definitions are how XML files read other files (XXE) or blow up in memory (billion
  laughs). Nothing is ever fetched or expanded; parameter entities are never parsed.
* Exporters written in Java (SMS Backup & Restore) escape every UTF-16 code unit on its
  own, so an emoji arrives as two numeric references (``&#55357;&#56832;``) that expat
  rejects. :class:`CharRefRepair` rewrites such pairs into one reference
  (``&#128512;``) and turns references or raw bytes that XML forbids (control characters,
  lone surrogates) into U+FFFD, piece by piece, holding back the few bytes at the end of a
  piece that could be the first half of something the next piece completes.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

from safetrail.i18n import N_, _
from safetrail.importers.base import ImportFormatError

__all__ = ["CHUNK_BYTES", "CharRefRepair", "XmlRefused", "is_truncation", "new_parser"]

#: how much of the file is handed to expat at a time
CHUNK_BYTES = 1024 * 1024

_REFUSED = N_(
    "This file contains a document type declaration (<!DOCTYPE …>). Such declarations "
    "can define entities that make a program read other files on the computer or use up "
    "all its memory, and the exports SafeTrail reads never contain one, so SafeTrail did "
    "not open this file."
)


class XmlRefused(ImportFormatError):
    """The XML file carries declarations SafeTrail never processes."""

    default_hint = (
        "Export the backup again from the app that made it and import the new file. "
        "If someone else gave you this file, be careful with it."
    )


def _refuse(*_args: Any) -> Any:
    raise XmlRefused(_(_REFUSED))


def new_parser() -> Any:
    """An expat parser that refuses DTDs and entity definitions of every kind."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    return parser


def is_truncation(parser: Any) -> bool:
    """Whether the error expat just raised at the end of input means "the file stops here"."""
    code = parser.ErrorCode
    return code in _TRUNCATION_CODES


_TRUNCATION_CODES = frozenset(
    expat.errors.codes[message]
    for message in (
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_PARTIAL_CHAR,
        expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)

# Numeric references XML forbids or that need pairing: hexadecimal ones (rare, checked in
# full), decimal ones with leading zeros, control characters 0-8, 11, 12, 14-31,
# surrogates 55296-57343 and the non-characters 65534/65535. ``&#9;``, ``&#10;``, ``&#13;``
# and every ordinary character never match, so the common case costs one scan per piece.
_REF = rb"&#(?:[xX][0-9a-fA-F]+|0[0-9]*|[1-8]|1[124-9]|2[0-9]|3[01]|5[5-7][0-9]{3}|6553[45]);"
_LOW = rb"&#(?:5[67][0-9]{3}|[xX]0*[dD][c-fC-F][0-9a-fA-F]{2});"
_BAD_REF = re.compile(rb"(" + _REF + rb")(" + _LOW + rb")?")
_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_BAD_RAW = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HIGH_AT_END = re.compile(rb"&#(?:5[56][0-9]{3}|[xX]0*[dD][89abAB][0-9a-fA-F]{2});\Z")
_REPLACEMENT = b"&#65533;"
_RAW_REPLACEMENT = "\ufffd".encode()
#: longest incomplete reference held back for the next piece
_HOLD = 24


def _value(ref: bytes) -> int:
    body = ref[2:-1]
    if body[:1] in (b"x", b"X"):
        return int(body[1:], 16) if len(body) <= 9 else -1
    return int(body) if len(body) <= 8 else -1


def _allowed(value: int) -> bool:
    return (
        value in (0x9, 0xA, 0xD)
        or 0x20 <= value <= 0xD7FF
        or 0xE000 <= value <= 0xFFFD
        or 0x10000 <= value <= 0x10FFFF
    )


def _one(value: int) -> bytes:
    return b"&#%d;" % value if _allowed(value) else _REPLACEMENT


def _fix(match: re.Match[bytes]) -> bytes:
    high = _value(match.group(1))
    second = match.group(2)
    if second is None:
        return _one(high)
    low = _value(second)
    if 0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
        return b"&#%d;" % (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return _one(high) + _one(low)


def _repair(data: bytes) -> bytes:
    # two fast scans instead of one slow one: a literal "&#" prefix, and a C-level delete
    # whose length shows whether any raw control byte is there at all
    if len(data.translate(None, _CONTROLS)) != len(data):
        data = _BAD_RAW.sub(_RAW_REPLACEMENT, data)
    return _BAD_REF.sub(_fix, data)


class CharRefRepair:
    """Rewrites one byte stream piece by piece (see the module docstring)."""

    def __init__(self) -> None:
        self._held = b""
        self._active: bool | None = None

    def feed(self, piece: bytes) -> bytes:
        data = self._held + piece if self._held else piece
        if self._active is None:
            if len(data) < 4:
                self._held = data
                return b""
            # UTF-16 / UTF-32 documents: byte patterns do not apply; expat checks them.
            self._active = not (data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4])
        if not self._active:
            self._held = b""
            return data
        cut = len(data)
        amp = data.rfind(b"&", max(0, cut - _HOLD))
        if amp >= 0 and data.find(b";", amp) < 0:
            cut = amp
        high = _HIGH_AT_END.search(data, max(0, cut - 16), cut)
        if high is not None and 0xD800 <= _value(high.group()) <= 0xDBFF:
            cut = high.start()
        self._held = data[cut:]
        return _repair(data[:cut]) if cut else b""

    def flush(self) -> bytes:
        data, self._held = self._held, b""
        if self._active is False:
            return data
        return _repair(data)

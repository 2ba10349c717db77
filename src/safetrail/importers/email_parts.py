"""Taking one parsed e-mail apart: header words, addresses, body text and attachments.

Everything here tolerates what real mailboxes contain: unknown or wrong charsets, raw 8-bit
bytes in headers, broken base64, HTML-only mail, parts without boundaries. Text is always
decoded with replacement characters rather than failing.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import PurePosixPath

from safetrail.i18n import _
from safetrail.importers.base import Attachment

__all__ = [
    "Body",
    "addresses",
    "decode_bytes",
    "decode_words",
    "html_to_text",
    "mail_date",
    "split_body",
]

#: charsets as labelled in mail → the codec that reads them best (supersets)
CHARSET_ALIASES = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-2022-jp": "iso2022_jp_ext",
    "big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes in a declared (maybe wrong or unknown) charset; never raises."""
    codec = _codec(charset)
    if codec is not None and codec not in ("utf-8", "cp1252"):
        try:
            return data.decode(codec, errors="replace")
        except Exception:  # some codecs raise odd errors on odd input
            codec = None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if codec == "utf-8":
            return data.decode("utf-8", errors="replace")
    return data.decode("cp1252", errors="replace")


def fix_surrogates(text: str, charset: str | None = None) -> str:
    """Raw 8-bit header bytes arrive as lone surrogates; decode them properly."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", errors="surrogateescape")
    return decode_bytes(raw, charset)


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "bB":
            padded = payload + "=" * (-len(payload) % 4)
            return base64.b64decode(padded)
        return binascii.a2b_qp(payload.encode("ascii", errors="replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def decode_words(value: str, charset: str | None = None) -> str:
    """A header value with RFC 2047 encoded words (``=?utf-8?q?…?=``) as plain text.

    Adjacent encoded words in the same charset are joined before decoding (a character may
    be split across them); white space between encoded words is dropped, as the RFC says.
    """
    text = fix_surrogates(_FOLD.sub("", value), charset)
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_charset: str | None = None
    last = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[last : match.start()]
        word_charset = match.group(1).split("*")[0]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            continue
        joined = pending_charset is not None and not between.strip()
        if joined and word_charset.lower() == (pending_charset or "").lower():
            pending.extend(data)
        else:
            if pending_charset is not None:
                out.append(decode_bytes(bytes(pending), pending_charset))
            if not joined:
                out.append(between)
            pending = bytearray(data)
            pending_charset = word_charset
        last = match.end()
    if pending_charset is not None:
        out.append(decode_bytes(bytes(pending), pending_charset))
    out.append(text[last:])
    return _CONTROL.sub("", "".join(out)).strip()


def addresses(value: str | None, charset: str | None = None) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header, names decoded."""
    if not value:
        return []
    raw = fix_surrogates(_FOLD.sub("", value), charset)
    found: list[tuple[str, str]] = []
    try:
        pairs = getaddresses([raw])
    except Exception:  # malformed address lists must not stop the message
        pairs = []
    for name, address in pairs:
        address = address.strip()
        name = decode_words(name, charset) if name else ""
        if address or name:
            found.append((name, address))
    if not found and raw.strip():
        found.append(("", decode_words(raw, charset)))
    return found


def mail_date(value: str | None) -> datetime | None:
    """The Date header as an aware time (``-0000``, "zone unknown", is read as UTC)."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(fix_surrogates(_FOLD.sub("", value)).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class _TextOfHtml(HTMLParser):
    BLOCKS = re.compile(r"p|div|br|li|tr|h[1-6]|blockquote|pre|table|ul|ol|hr|section|article")
    HIDDEN = frozenset(("script", "style", "head", "title"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif self.BLOCKS.fullmatch(tag):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif self.BLOCKS.fullmatch(tag):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (tags, scripts and styles removed)."""
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient, but never trust it with hostile markup
        pass
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@dataclass
class Body:
    text: str | None
    attachments: tuple[Attachment, ...]


def _safe_name(name: str, fallback: str) -> str:
    name = _CONTROL.sub("", name.replace("\\", "/"))
    name = PurePosixPath(name).name.strip(" .")
    return name[:200] or fallback


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return decode_bytes(payload, part.get_content_charset())
    raw = part.get_payload()
    return fix_surrogates(raw) if isinstance(raw, str) else ""


def _nested_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        try:
            return inner[0].as_bytes(policy=compat32)
        except Exception:  # regenerating a damaged message can fail; keep what is there
            return str(inner[0]).encode("utf-8", errors="surrogateescape")
    if isinstance(inner, str):
        return inner.encode("utf-8", errors="surrogateescape")
    return b""


def _nested_name(part: Message) -> str:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        subject = inner[0].get("subject")
        if isinstance(subject, str) and subject.strip():
            return _safe_name(decode_words(str(subject))[:80], "forwarded") + ".eml"
    return "forwarded.eml"


def _leaves(message: Message) -> list[Message]:
    """Leaf parts in order; forwarded messages (message/rfc822) count as leaves."""
    found: list[Message] = []
    stack = [message]
    while stack:
        part = stack.pop()
        if part.is_multipart() and part.get_content_type() != "message/rfc822":
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(reversed([c for c in children if isinstance(c, Message)]))
            continue
        found.append(part)
        if len(found) > 10_000:
            break
    return found


def split_body(message: Message, max_attachment: int) -> Body:
    """The readable text (plain parts, else HTML parts as text) and the attachments."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for number, part in enumerate(_leaves(message), start=1):
        try:
            _take_part(part, number, plain, html, attachments, max_attachment)
        except Exception as exc:  # one broken part must not lose the others
            attachments.append(
                Attachment(
                    name=f"part-{number}",
                    note=_("This part of the e-mail could not be read ({problem}).").format(
                        problem=type(exc).__name__
                    ),
                )
            )
    if plain:
        text = "\n\n".join(t.strip("\r\n") for t in plain)
    else:
        text = "\n\n".join(html_to_text(h) for h in html)
    text = text.replace("\r\n", "\n")
    return Body(text.strip("\n") or None, tuple(attachments))


def _take_part(
    part: Message,
    number: int,
    plain: list[str],
    html: list[str],
    attachments: list[Attachment],
    max_attachment: int,
) -> None:
    ctype = part.get_content_type()
    disposition = part.get_content_disposition()
    raw_name = part.get_filename()
    filename = decode_words(str(raw_name)) if raw_name else None
    if disposition != "attachment" and not filename:
        if ctype == "text/plain" or (ctype.startswith("multipart/") and not part.is_multipart()):
            plain.append(_part_text(part))
            return
        if ctype == "text/html":
            html.append(_part_text(part))
            return
    if ctype == "message/rfc822":
        data = _nested_bytes(part)
        name = _safe_name(filename, "") if filename else _nested_name(part)
        if not name.lower().endswith(".eml"):
            name += ".eml"
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        extension = ctype.split("/")[-1][:10]
        name = _safe_name(filename or "", f"part-{number}.{extension}")
    if len(data) > max_attachment:
        attachments.append(
            Attachment(
                name=name,
                media_type=ctype,
                note=_("This attachment is larger than SafeTrail stores ({size} MB).").format(
                    size=len(data) // (1024 * 1024)
                ),
            )
        )
        return
    attachments.append(Attachment(name=name, media_type=ctype, data=data))

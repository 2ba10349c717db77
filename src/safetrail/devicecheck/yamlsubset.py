"""A small, safe reader for the plain YAML used by the stalkerware indicator files.

Why not PyYAML: it is not in SafeTrail's locked dependencies, and ``update-indicators``
must read a newer copy of the same files at run time, so converting to JSON at build
time would not be enough. The indicator files use a small part of YAML: block
sequences and block mappings of plain (or simply quoted) strings, comments and blank
lines. This reader accepts exactly that and refuses everything else (flow
collections, anchors, aliases, tags, block scalars, multi-line plain scalars) with the
line number, so nothing is ever guessed. Values are always strings (or None for an
empty value): no number, date or boolean conversion happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 16
_REFUSED_START = set("[]{}&*!|>%@`")


class YamlSubsetError(ValueError):
    """The text is not in the supported subset; ``line`` is 1-based (0: whole file)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class _Line:
    number: int
    indent: int
    text: str

    @property
    def is_item(self) -> bool:
        return self.text == "-" or self.text.startswith("- ")


def _strip_comment(text: str) -> str:
    """Drop a comment: '#' at the start or after whitespace, outside quotes."""
    if "#" not in text:
        return text.rstrip()
    quote: str | None = None
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"" and (index == 0 or text[index - 1] in " :-"):
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return text[:index].rstrip()
    return text.rstrip()


def _lines(text: str) -> list[_Line]:
    found: list[_Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError(number, "tabs are not allowed for indentation")
        content = _strip_comment(raw.strip())
        if not content:
            continue
        if content == "---" and not found:
            continue  # one optional start-of-document marker
        if content == "...":
            break
        if content.startswith("---") or content.startswith("%"):
            raise YamlSubsetError(number, "only one plain document is supported")
        found.append(_Line(number, len(raw) - len(raw.lstrip(" ")), content))
    return found


def _scalar(text: str, number: int) -> str | None:
    if text in ("", "~", "null"):
        return None if text else ""
    first = text[0]
    if first in "'\"":
        if len(text) < 2 or text[-1] != first:
            raise YamlSubsetError(number, "a quoted value must end on the same line")
        inner = text[1:-1]
        if first == "'":
            return inner.replace("''", "'")
        if "\\" in inner.replace('\\"', "").replace("\\\\", ""):
            raise YamlSubsetError(number, 'escape sequences other than \\" and \\\\ are refused')
        return inner.replace('\\"', '"').replace("\\\\", "\\")
    if first in _REFUSED_START or text.startswith("- ") or text == "-":
        raise YamlSubsetError(number, f"unsupported YAML construct starting with {first!r}")
    return text


def _split_key(line: _Line) -> tuple[str, str] | None:
    """'key: value' or 'key:' → (key, value); None when the line is not a mapping entry."""
    text = line.text
    if text[0] in "'\"":
        return None
    index = text.find(": ")
    if index < 0:
        if not text.endswith(":"):
            return None
        index = len(text) - 1
    key = text[:index].strip()
    if not key:
        raise YamlSubsetError(line.number, "empty key")
    if key[0] in _REFUSED_START or key.startswith("? "):
        raise YamlSubsetError(line.number, "complex keys are not supported")
    return key, text[index + 1 :].strip()


class _Parser:
    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.pos = 0

    def node(self, indent: int, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise YamlSubsetError(self.lines[self.pos].number, "nesting is too deep")
        line = self.lines[self.pos]
        if line.is_item:
            return self.sequence(line.indent, depth)
        if _split_key(line) is None:
            raise YamlSubsetError(line.number, "expected 'key: value' or '- item'")
        return self.mapping(line.indent, depth)

    def _child(self, parent: _Line, allow_same_indent_items: bool, depth: int) -> Any:
        if self.pos >= len(self.lines):
            return None
        nxt = self.lines[self.pos]
        if nxt.indent > parent.indent or (
            allow_same_indent_items and nxt.indent == parent.indent and nxt.is_item
        ):
            return self.node(nxt.indent, depth + 1)
        return None

    def sequence(self, indent: int, depth: int) -> list[Any]:
        items: list[Any] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent or (line.indent == indent and not line.is_item):
                break
            if line.indent > indent:
                raise YamlSubsetError(line.number, "unexpected indentation")
            rest = line.text[1:].lstrip(" ")
            if not rest:
                self.pos += 1
                items.append(self._child(line, False, depth))
                continue
            inner = _Line(line.number, indent + (len(line.text) - len(rest)), rest)
            if _split_key(inner) is not None:
                self.lines[self.pos] = inner  # the item's mapping starts on this line
                items.append(self.mapping(inner.indent, depth + 1))
            else:
                self.pos += 1
                items.append(_scalar(rest, line.number))
        return items

    def mapping(self, indent: int, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent or (line.indent == indent and line.is_item):
                break
            if line.indent > indent:
                raise YamlSubsetError(line.number, "unexpected indentation")
            pair = _split_key(line)
            if pair is None:
                raise YamlSubsetError(line.number, "expected 'key: value'")
            key, value = pair
            if key in result:
                raise YamlSubsetError(line.number, f"the key {key!r} appears twice")
            self.pos += 1
            if value:
                result[key] = _scalar(value, line.number)
            else:
                result[key] = self._child(line, True, depth)
        return result


def loads(text: str) -> Any:
    """Parse ``text``; raises :class:`YamlSubsetError` for anything outside the subset."""
    lines = _lines(text)
    if not lines:
        return None
    parser = _Parser(lines)
    result = parser.node(lines[0].indent, 0)
    if parser.pos < len(lines):
        raise YamlSubsetError(lines[parser.pos].number, "unexpected indentation")
    return result

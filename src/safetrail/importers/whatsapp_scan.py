"""WhatsApp chat export: the first pass over a file.

:func:`scan` reads the first lines, picks the header layout that matches most of them
(:data:`.whatsapp_layout.LAYOUTS`) and the most common header shape among them
(:func:`.whatsapp_layout.shape`), then reads on only as far as it must to learn the
day/month order (the rule is described in :mod:`.whatsapp_layout`) and, when directions are
wanted, who wrote in the chat. It keeps a few counters, a bounded set of the dates and names
already seen, and at most three senders, whatever the file's size.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, _
from safetrail.importers.base import ImportFormatError, Source
from safetrail.importers.whatsapp_layout import (
    ERAS,
    GENERAL_GROUPS,
    GROUPS,
    INVISIBLE,
    INVISIBLE_CLASS,
    LAYOUTS,
    LINE_LIMIT,
    clean_sender,
    encoding_of,
    finder,
    shape,
    splitter,
    unnamed,
    year_first_field,
)

__all__ = ["CHUNK", "OrderRule", "Scan", "chunks", "open_or_refuse", "open_text", "scan"]

NOT_WHATSAPP = N_(
    "No line near the start of {name} looks like a WhatsApp message, so nothing was imported."
)
UNREADABLE = N_("SafeTrail cannot read {name}: {reason}.")


#: characters read at a time (both passes work on blocks of whole lines this long)
CHUNK = 1 << 19


def open_text(source: Source) -> io.TextIOWrapper:
    """The source as text: UTF-8 (UTF-16 when it starts with that byte-order mark),
    undecodable bytes as U+FFFD, ``\\r\\n`` and ``\\r`` read as ``\\n``."""
    stream: BinaryIO = source.open()
    peek = getattr(stream, "peek", None)
    head: bytes = peek(4)[:4] if peek is not None else b""
    return io.TextIOWrapper(stream, encoding=encoding_of(head), errors="replace", newline=None)


def open_or_refuse(source: Source) -> io.TextIOWrapper:
    try:
        return open_text(source)
    except SafetrailError:
        raise
    except Exception as exc:  # the very first bytes are damaged: nothing to import
        reason = str(exc) or type(exc).__name__
        raise ImportFormatError(_(UNREADABLE).format(name=source.name, reason=reason)) from None


def chunks(text: io.TextIOWrapper) -> Iterator[tuple[str, bool]]:
    """The text in blocks of whole lines, each ending with ``"\\n"``, without byte-order
    marks (WhatsApp leaves them at the start of lines and even inside URLs). A line longer
    than :data:`LINE_LIMIT` is cut there; the block holding it comes with ``True`` (it is
    the block's last line) and the rest of that line is dropped."""
    read = text.read
    carry = ""
    skipping = False
    while chunk := read(CHUNK):
        if "\ufeff" in chunk:
            chunk = chunk.replace("\ufeff", "")
        if skipping:
            newline = chunk.find("\n")
            if newline < 0:
                continue
            chunk = chunk[newline + 1 :]
            skipping = False
        data = carry + chunk if carry else chunk
        end = data.rfind("\n") + 1
        if end == 0:
            if len(data) <= LINE_LIMIT:
                carry = data
                continue
            carry, skipping = "", True
            yield data[:LINE_LIMIT] + "\n", True
            continue
        carry = data[end:]
        yield data[:end], False
    if carry:
        yield carry + "\n", False


OrderRule = Literal["file", "option", "default", "year-first"]

SAMPLE_LINES = 1000
SAMPLE_HEADERS = 50
SAMPLE_CHARS = 400
MAX_SEEN_DATES = 20_000
MAX_SEEN_NAMES = 20_000
#: distinct names the first pass looks for at most (more would only come from damage)
MAX_REBUILDS = 200
#: senders' names the second pass recognises inside its regular expression
MAX_SPLIT_NAMES = 16


@dataclass(frozen=True, slots=True)
class Scan:
    """What the first pass learned about a file."""

    layout: str
    day_first: bool
    #: who decided ``day_first``: the file's dates, ParseOptions.day_first, the default, or
    #: "year-first" when every date reads year, month, day (the order does not matter)
    order_rule: OrderRule
    #: up to three distinct senders, in order of appearance
    senders: tuple[str, ...]
    #: True when the chat has more than two senders
    many_senders: bool
    #: the header's date that decided the order (e.g. "18/03/2022"), if the file decided
    deciding_date: str | None = None
    #: the file's most common header shape (see :func:`.whatsapp_layout.shape`)
    tight: re.Pattern[str] | None = None
    #: senders' names exactly as the headers write them (before cleaning), at most
    #: :data:`MAX_SPLIT_NAMES`, for :meth:`splitter`
    raw_names: tuple[str, ...] = ()

    def finder(self) -> re.Pattern[str]:
        """Header lines in a block of text (see :func:`.whatsapp_layout.finder`)."""
        return re.compile(finder(self.layout, self.tight), re.MULTILINE)

    def splitter(self) -> re.Pattern[str]:
        """Splits a block of text into messages (see :func:`.whatsapp_layout.splitter`)."""
        return re.compile(splitter(self.layout, self.tight, self.raw_names), re.MULTILINE)


class _Evidence:
    def __init__(self, want_senders: bool, chat: str | None = None) -> None:
        self.want_senders = want_senders
        self.chat = chat
        self.seen: set[str] = set()
        self.names: set[str] = set()
        self.first_big = 0
        self.second_big = 0
        self.deciding: str | None = None
        self.us_style = 0
        self.era_last = 0
        self.headers = 0
        self.year_first = 0
        self.year_last = 0
        self.senders: list[str] = []
        self.raw_senders: list[str] = []

    def date(self, match: re.Match[str], names: tuple[str, ...] = GROUPS) -> None:
        self.headers += 1
        raw = match[names[0]]
        if raw in self.seen or len(self.seen) >= MAX_SEEN_DATES:
            return
        self.seen.add(raw)
        d1 = match[names[2]]
        if year_first_field(d1):
            self.year_first += 1
            return
        self.year_last += 1
        try:
            first, second = int(d1), int(match[names[3]])
        except ValueError:
            return
        if first > 12 >= second:
            self.first_big += 1
            self.deciding = self.deciding or raw
        elif second > 12 >= first:
            self.second_big += 1
            self.deciding = self.deciding or raw
        if match[names[4]][0] in ERAS:
            self.era_last += 1
        marker = match[names[8]]
        if (
            self.headers <= SAMPLE_HEADERS
            and marker
            and marker.strip(" .\u00a0\u202f").replace(".", "") in ("AM", "PM")
            and "/" in raw
        ):
            self.us_style += 1

    def sender(self, end: int, line: str) -> None:
        cut = line.find(": ", end)
        if cut <= end:
            return
        self.raw_name(line[end:cut])

    def raw_name(self, raw: str) -> None:
        if raw in self.names or len(self.names) >= MAX_SEEN_NAMES:
            return
        self.names.add(raw)
        name = clean_sender(raw)
        if name is None:
            return
        if len(self.raw_senders) < MAX_SPLIT_NAMES:
            self.raw_senders.append(raw)
        if name not in self.senders:
            self.senders.append(name)

    def decided(self) -> bool:
        return self.first_big > 0 or self.second_big > 0

    def need_senders(self) -> bool:
        # up to three people besides the chat's own name (an iOS group writes its system
        # lines under the group's name)
        wanted = 4 if self.chat is not None and self.chat in self.senders else 3
        return self.want_senders and len(self.senders) < wanted


class _SenderFinder:
    """Finds the header lines whose sender has not been seen yet, and only those: the
    expression excludes every name already seen, so a chat between two people costs one
    scan of the file in the regular-expression engine and no Python work per line."""

    def __init__(self, layout: str, tight: re.Pattern[str] | None, evidence: _Evidence) -> None:
        general = unnamed(LAYOUTS[layout].pattern)
        heads = f"{unnamed(tight.pattern)}|{general}" if tight is not None else general
        self.head = rf"\n{INVISIBLE_CLASS}*(?>{heads})"
        self.evidence = evidence
        self.known = sorted(evidence.names)
        self.pattern = self._compile()

    def _compile(self) -> re.Pattern[str]:
        exclude = ""
        if self.known:
            exclude = "(?!(?:" + "|".join(map(re.escape, self.known)) + ")(?::[ ]))"
        # the text up to the line's first ": "
        name = r"(?P<raw>(?:[^:\n]|:(?![ ])){1,200}):[ ]"
        return re.compile(self.head + exclude + name, re.MULTILINE)

    def scan(self, block: str) -> None:
        position = 0
        evidence = self.evidence
        while evidence.need_senders():
            found = self.pattern.search(block, position)
            if found is None:
                return
            evidence.raw_name(found["raw"])
            self.known.append(found["raw"])
            position = found.end()
            if len(self.known) > MAX_REBUILDS:
                evidence.want_senders = False  # hostile: names without end; keep what we have
                return
            self.pattern = self._compile()


def scan(
    source: Source, day_first: bool | None, want_senders: bool, chat: str | None = None
) -> Scan:
    """The first pass: layout, day/month order and (when wanted) up to three senders.

    ``chat`` is the chat's name when the file's name gives it. Every name before ": " in a
    header counts as a sender, also when the text after it starts with a left-to-right mark
    (iOS writes one before media, deleted messages, calls, and often before a person's own
    words). Only in iOS layouts, and when two or more other people wrote in the chat, is
    the chat's own name taken for the group's name, under which iOS writes a group's
    system lines: it is then left out of ``senders``."""
    sample: list[str] = []
    hits = dict.fromkeys(LAYOUTS, 0)
    evidence = _Evidence(want_senders, chat)
    layout = "date-time"
    tight: re.Pattern[str] | None = None
    with open_or_refuse(source) as text:
        blocks = chunks(text)
        try:
            rest = ""
            for work, _cut in blocks:
                lines = work.split("\n")
                lines.pop()  # the block ends with "\n"
                for index, line in enumerate(lines):
                    line = line.lstrip(INVISIBLE)
                    sample.append(line[:SAMPLE_CHARS])
                    for name, pattern in LAYOUTS.items():
                        if pattern.match(line):
                            hits[name] += 1
                    if len(sample) >= SAMPLE_LINES or max(hits.values()) >= SAMPLE_HEADERS:
                        rest = "\n".join([*lines[index + 1 :], ""])
                        break
                else:
                    continue
                break
            layout = max(hits, key=lambda name: hits[name])
            if hits[layout]:
                tight = _learn(sample, layout, evidence)
                _read_on(rest, blocks, evidence, Scan(layout, True, "file", (), False, None, tight))
        except SafetrailError:
            raise
        except Exception:  # damage: the second pass reports it where it happens
            if not evidence.headers:
                layout = max(hits, key=lambda name: hits[name])
                tight = _learn(sample, layout, evidence) if hits[layout] else None
    if hits[layout] == 0:
        raise ImportFormatError(_(NOT_WHATSAPP).format(name=source.name))
    rule: OrderRule
    if day_first is not None:
        order, rule = day_first, "option"
    elif evidence.first_big != evidence.second_big:
        order, rule = evidence.first_big > evidence.second_big, "file"
    elif evidence.year_first and not evidence.year_last:
        order, rule = True, "year-first"  # year, month, day: nothing to decide
    else:
        order, rule = not (evidence.us_style or evidence.era_last), "default"
    senders = evidence.senders
    if chat is not None and chat in senders and layout.startswith("["):
        others = [name for name in senders if name != chat]
        if len(others) >= 2:  # an iOS group: its name is not a person
            senders = others
    return Scan(
        layout=layout,
        day_first=order,
        order_rule=rule,
        senders=tuple(senders[:3]),
        many_senders=len(senders) > 2,
        deciding_date=evidence.deciding if rule == "file" else None,
        tight=tight,
        raw_names=tuple(evidence.raw_senders),
    )


def _read_on(
    first: str, blocks: Iterator[tuple[str, bool]], evidence: _Evidence, plan: Scan
) -> None:
    """The rest of the first pass: only as far as the order and the senders need."""
    if evidence.decided() and not evidence.need_senders():
        return
    find_headers = plan.finder().finditer
    senders = _SenderFinder(plan.layout, plan.tight, evidence)
    for work in itertools.chain((first,), (work for work, _cut in blocks)):
        block = "\n" + work
        if not evidence.decided():
            for found in find_headers(block):
                evidence.date(found, GROUPS if found["date"] is not None else GENERAL_GROUPS)
                if evidence.decided():
                    break
        if evidence.need_senders():
            senders.scan(block)
        if evidence.decided() and not evidence.need_senders():
            return


def _learn(sample: list[str], layout: str, evidence: _Evidence) -> re.Pattern[str] | None:
    """Feed the sample's headers to ``evidence``; the most common header shape."""
    pattern = LAYOUTS[layout]
    shapes: Counter[str] = Counter()
    for line in sample:
        if found := pattern.match(line):
            evidence.date(found)
            evidence.sender(found.end(), line)
            if len(shapes) < SAMPLE_HEADERS:
                shapes[shape(found)] += 1
    if not shapes:
        return None
    return re.compile(shapes.most_common(1)[0][0])

"""Call or message records in a CSV table (carrier call records, tools' exports).

CSV files have no standard columns, so this importer never chooses itself (``detect`` stays
below the threshold) and ``parse`` needs ``options.csv_mapping``. :func:`preview` shows the
first rows and suggests a mapping from the header names (English, German, French, Spanish,
Japanese) for the mapping step.

Reading rules: UTF-8 (with or without BOM) and UTF-16 with BOM; bytes that are not UTF-8 are
read as Windows-1252. The delimiter is sniffed among ``,`` ``;`` tab and ``|`` unless the
mapping names it. Times: the mapping's ``time_format`` (``strptime``), else ISO 8601 (an
offset makes the time aware, none leaves it naive), else epoch seconds or milliseconds (by
magnitude; aware UTC).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TextIO

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    CsvMapping,
    Importer,
    ImportFormatError,
    Item,
    ParsedRecord,
    ParseOptions,
    Probe,
    RecordKind,
    Skipped,
    Source,
)
from safetrail.importers.csvfile_mapping import (
    CALL_WORDS,
    MESSAGE_WORDS,
    WITHHELD,
    header_roles,
    impossible_date,
    read_direction,
    read_duration,
    read_time,
    suggest_mapping,
)

__all__ = ["IMPORTERS", "CsvImporter", "CsvPreview", "preview", "sniff"]

DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 64 * 1024
MAX_LINE = 1024 * 1024
MAX_COLUMNS = 1000

NEEDS_MAPPING = N_(
    "A CSV file needs a column mapping: which column holds the time, the number, and so on."
)
MAPPING_HINT = N_(
    "Choose the columns in the mapping step (SafeTrail shows a preview of the file), "
    "then import again."
)
NO_COLUMN = N_("The column '{column}' of the mapping is not in this file (its columns: {names}).")
SHORT_ROW = N_("This line has {count} columns, fewer than the mapping needs; it was not read.")
BAD_TIME = N_(
    "The time '{value}' on this line is not in a form SafeTrail knows, so the line was not "
    "read. Set the time format in the column mapping."
)
NO_SUCH_DAY = N_("The date {value} does not exist; this line was not read.")
NO_TIME = N_("This line has no time, so it was not read.")
LONG_LINE = N_("This line is longer than 1 MB, so it was not read.")
BAD_ROW = N_("This line could not be read ({problem}).")


@dataclass(frozen=True, slots=True)
class CsvPreview:
    """What the mapping step shows: the table as SafeTrail reads it, and a suggestion."""

    encoding: str
    delimiter: str
    has_header: bool
    #: header names, or "0", "1", … when the file has no header
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    suggested: CsvMapping | None


# -- text and table shape -------------------------------------------------------------------


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", errors="replace"), error.end


codecs.register_error("safetrail-cp1252", _cp1252_fallback)


def _encoding(head: bytes) -> tuple[str, str]:
    """(codec, error handler) for a file starting with ``head``."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "replace"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "safetrail-cp1252"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252", "replace"
    return "utf-8", "safetrail-cp1252"


def _decode_head(head: bytes) -> str:
    codec, errors = _encoding(head)
    return codecs.getincrementaldecoder(codec)(errors=errors).decode(head, final=False)


def sniff(text: str) -> str | None:
    """The delimiter that splits the first lines into the same number (≥ 2) of columns."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    if len(lines) > 1 and len(text) >= HEAD_BYTES // 2:
        lines = lines[:-1]  # the last one may be cut off
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        common, times = Counter(counts).most_common(1)[0]
        if common < 2:
            continue
        share = times / len(counts)
        if share < 0.6:
            continue
        score = (share, common, delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


class _Lines:
    """Lines of a text stream for ``csv.reader``; overlong lines are replaced by a blank
    line and remembered (by the physical line number) instead of filling memory."""

    def __init__(self, text: TextIO) -> None:
        self.text = text
        self.number = 0
        self.overlong: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        while True:
            line = self.text.readline(MAX_LINE)
            if not line:
                return
            self.number += 1
            if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
                while True:
                    more = self.text.readline(MAX_LINE)
                    if not more or more.endswith(("\n", "\r")):
                        break
                self.overlong.add(self.number)
                yield "\n"
                continue
            yield line


def _open_text(source: Source) -> tuple[TextIO, str]:
    with source.open() as stream:
        head = stream.read(HEAD_BYTES)
    codec, errors = _encoding(head)
    text = io.TextIOWrapper(source.open(), encoding=codec, errors=errors, newline="")
    return text, codec


def _looks_numeric(cell: str) -> bool:
    cell = cell.strip()
    return bool(cell) and any(c.isdigit() for c in cell) and not re.search(r"[^\W\d_]", cell)


def _guess_header(rows: list[list[str]]) -> bool:
    if not rows:
        return False
    first = rows[0]
    if len(header_roles(first)) >= 2:
        return True
    if len(rows) < 2:
        return not any(_looks_numeric(c) for c in first)
    numeric_first = sum(_looks_numeric(c) for c in first)
    numeric_next = sum(_looks_numeric(c) for c in rows[1])
    return numeric_first < numeric_next


def preview(source: Source, mapping: CsvMapping | None = None, rows: int = 10) -> CsvPreview:
    """The first ``rows`` rows as SafeTrail would read them, and a suggested mapping."""
    with source.open() as stream:
        head = stream.read(HEAD_BYTES)
    codec, _errors = _encoding(head)
    text = _decode_head(head)
    delimiter = (mapping.delimiter if mapping else None) or sniff(text) or ","
    if len(head) == HEAD_BYTES and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # the last line may be cut off
    table: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if row:
                table.append(row)
            if len(table) > rows:
                break
    except csv.Error:
        pass
    has_header = mapping.has_header if mapping else _guess_header(table)
    width = max((len(r) for r in table), default=0)
    if has_header and table:
        columns = tuple(table[0])
        body = table[1:]
    else:
        columns = tuple(str(i) for i in range(width))
        body = table[:rows]
    suggested = suggest_mapping(list(columns) if has_header else [], body)
    if suggested is not None:
        suggested = _with(suggested, delimiter, has_header)
    return CsvPreview(
        encoding=codec,
        delimiter=delimiter,
        has_header=has_header,
        columns=columns,
        rows=tuple(tuple(r) for r in body[:rows]),
        suggested=suggested,
    )


def _with(mapping: CsvMapping, delimiter: str, has_header: bool) -> CsvMapping:
    return replace(mapping, delimiter=delimiter, has_header=has_header)


# -- values ---------------------------------------------------------------------------------


# -- the importer ---------------------------------------------------------------------------


class CsvImporter:
    name = "csv"
    version = "2"
    label = N_("Call or message records (CSV)")

    def detect(self, probe: Probe) -> float:
        head = probe.head
        start = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if start in (b"{", b"[", b"<") or (b"\x00" in head and not utf16):
            return 0.0
        named = probe.name.lower().endswith((".csv", ".tsv"))
        try:
            text = _decode_head(head)
        except (UnicodeError, LookupError):
            return 0.0
        if sniff(text) is not None:
            return 0.3
        return 0.1 if named else 0.0

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        mapping = options.csv_mapping
        if mapping is None:
            raise ImportFormatError(_(NEEDS_MAPPING), _(MAPPING_HINT))
        text, _codec = _open_text(source)
        with text:
            delimiter = mapping.delimiter
            if not delimiter:
                with source.open() as stream:
                    delimiter = sniff(_decode_head(stream.read(HEAD_BYTES))) or ","
            lines = _Lines(text)
            reader = csv.reader(lines, delimiter=delimiter)
            columns: _Columns | None = None
            if not mapping.has_header:
                columns = _Columns.resolve(mapping, None)
            last_line = 0
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    yield Skipped(
                        _("line {n}").format(n=last_line + 1),
                        _(BAD_ROW).format(problem=str(exc)[:80]),
                    )
                    last_line = reader.line_num
                    continue
                first_line, last_line = last_line + 1, reader.line_num
                position = _("line {n}").format(n=first_line)
                if first_line in lines.overlong:
                    yield Skipped(position, _(LONG_LINE))
                    continue
                if not row or not any(cell.strip() for cell in row):
                    continue
                if columns is None:
                    columns = _Columns.resolve(mapping, row)
                    first = (
                        None
                        if _Columns.names_header(mapping, row)
                        else columns.record(row, position)
                    )
                    if isinstance(first, ParsedRecord):
                        # the mapping names columns by number and this row reads as a
                        # record: the file has no header, and this row is data
                        yield first
                    continue
                try:
                    yield columns.record(row, position)
                except Exception as exc:  # one odd row must not stop the file
                    yield Skipped(position, _(BAD_ROW).format(problem=type(exc).__name__))


@dataclass(frozen=True)
class _Columns:
    mapping: CsvMapping
    time: int
    counterpart: int
    direction: int | None
    kind: int | None
    text: int | None
    duration: int | None
    name: int | None

    @staticmethod
    def names_header(mapping: CsvMapping, header: list[str]) -> bool:
        """Whether any column the mapping names is a cell of ``header`` (by name)."""
        names = {h.strip().removeprefix("\ufeff").casefold() for h in header}
        refs = (
            mapping.timestamp, mapping.counterpart, mapping.direction, mapping.kind,
            mapping.text, mapping.duration, mapping.name,
        )  # fmt: skip
        return any(ref is not None and ref.strip().casefold() in names for ref in refs)

    @classmethod
    def resolve(cls, mapping: CsvMapping, header: list[str] | None) -> _Columns:
        names = [h.strip().removeprefix("\ufeff").casefold() for h in header or []]

        def index(ref: str | None) -> int | None:
            if ref is None or not ref.strip():
                return None
            wanted = ref.strip().casefold()
            if wanted in names:
                return names.index(wanted)
            if wanted.isdigit() and wanted.isascii() and int(wanted) < MAX_COLUMNS:
                return int(wanted)
            shown = ", ".join(h.strip() for h in header or []) or "—"
            raise ImportFormatError(_(NO_COLUMN).format(column=ref, names=shown[:300]))

        time = index(mapping.timestamp)
        counterpart = index(mapping.counterpart)
        assert time is not None and counterpart is not None
        return cls(
            mapping,
            time,
            counterpart,
            index(mapping.direction),
            index(mapping.kind),
            index(mapping.text),
            index(mapping.duration),
            index(mapping.name),
        )

    def record(self, row: list[str], position: str) -> Item:
        used = [
            i
            for i in (self.time, self.counterpart, self.direction, self.kind, self.text,
                      self.duration, self.name)
            if i is not None
        ]  # fmt: skip
        if max(used) >= len(row):
            return Skipped(position, _(SHORT_ROW).format(count=len(row)))
        mapping = self.mapping
        raw_time = row[self.time].strip()
        if not raw_time:
            return Skipped(position, _(NO_TIME))
        at = read_time(raw_time, mapping.time_format)
        if at is None:
            if impossible_date(raw_time, mapping.time_format):
                return Skipped(position, _(NO_SUCH_DAY).format(value=raw_time[:40]))
            return Skipped(position, _(BAD_TIME).format(value=raw_time[:40]))
        direction, outcome = (None, None)
        if self.direction is not None:
            direction, outcome = read_direction(row[self.direction], mapping)
        duration = read_duration(row[self.duration]) if self.duration is not None else None
        kind: RecordKind = "call" if self.duration is not None else "message"
        if self.kind is not None:
            said = row[self.kind].strip().casefold()
            if any(w in said for w in CALL_WORDS):
                kind = "call"
            elif any(w in said for w in MESSAGE_WORDS):
                kind = "message"
        if outcome is not None and kind != "call":
            kind = "call"
        counterpart = row[self.counterpart].strip() or None
        withheld = kind == "call" and (counterpart is None or counterpart.casefold() in WITHHELD)
        if withheld:
            counterpart = None
        if kind == "call" and outcome is None and duration:
            outcome = "answered"
        channel = mapping.channel
        if kind == "message" and channel == "phone":
            channel = "sms"
        name = row[self.name].strip() or None if self.name is not None else None
        text = row[self.text] if self.text is not None else None
        return ParsedRecord(
            position=position,
            kind=kind,
            channel=channel,
            at=at,
            direction=direction,
            counterpart=counterpart,
            counterpart_name=name,
            text=text if text and text.strip() else None,
            duration=duration if kind == "call" else None,
            outcome=outcome if kind == "call" else None,
            withheld=withheld,
        )


IMPORTERS: tuple[Importer, ...] = (CsvImporter(),)

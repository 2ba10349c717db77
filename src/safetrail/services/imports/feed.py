"""From parsed records to the rows the writer inserts, in chunks; for a large export in a
process of its own, beside the one that writes.

Everything an import does per record that needs nothing from the vault happens here:
building the row (identifiers, UTC stamps, dedupe keys, same-second counts, content
hashes), matching the counterpart to a person (the people are loaded once per import and
given to the parser process with its arguments) and counting what the report says (records,
times read in the export's zone, first and last stamp, each person's count and time span,
counterparts nobody is known for). The writer receives :class:`Chunk` objects and per
record only inserts.

For a large plain file this runs in a child process on the other core while this one
checks for duplicates and writes. The child sends its chunks in order through a pipe; it
never opens the vault, so one writer, one transaction per batch, the ledger and crash
safety stay exactly as they are. A pipe holds little, so the child is never far ahead
(memory stays bounded). If this process dies, the child's next send fails and it ends; if
the child dies, this process sees the pipe close and reports the file as not read.

What comes through the pipe, in the order the parser made it: ``(bytes read, Chunk)``
pairs, then ``(bytes read, _End)`` with the error to raise here if the parser failed.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safetrail import config
from safetrail.errors import SafetrailError
from safetrail.i18n import current_language, set_language
from safetrail.importers.base import Attachment, Importer, ParsedRecord, ParseOptions, Skipped
from safetrail.importers.sources import FileSource, SourceItem

from .matching import Matcher
from .rows import (
    AT,
    COUNTERPART,
    COUNTERPART_KIND,
    HASH,
    N_HASHED,
    PERSON,
    WALL_TIME,
    RowBuilder,
    digest_values,
)

__all__ = ["CHUNK", "MIN_BYTES", "Chunk", "Chunker", "fed_items", "in_process"]

#: files at least this large are parsed in a child process (smaller ones: not worth the
#: child's start, about half a second); tests lower it (SAFETRAIL_TEST_IMPORT_CHILD_BYTES)
MIN_BYTES = 24 * 1024 * 1024
#: records per chunk (one message through the pipe)
CHUNK = 2000


@dataclass(slots=True)
class Chunk:
    """Consecutive parsed records as the writer needs them, with what the report counts."""

    #: one tuple per record: the stored columns in ``rows.COLUMNS`` order, then the person
    #: id; the content hash is filled in, except for records with attachments (their
    #: stored form is known only once the attachments are stored)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    #: position in ``rows`` → that record's attachments
    attachments: dict[int, tuple[Attachment, ...]] = field(default_factory=dict)
    #: the parser's skips among these records, in order
    skips: list[Skipped] = field(default_factory=list)
    #: records with only the local time of the device (read in the export's zone)
    local_times: int = 0
    first_at: str | None = None
    last_at: str | None = None
    #: person id → [records, first stamp, last stamp]
    people: dict[str, list[Any]] = field(default_factory=dict)
    #: counterparts matched to nobody → records, in the order first seen
    unmatched: dict[str, int] = field(default_factory=dict)


class Chunker:
    """Turns the parser's items into :class:`Chunk` objects of at most ``size`` records."""

    def __init__(self, builder: RowBuilder, matcher: Matcher, size: int = CHUNK) -> None:
        self.builder = builder
        self.matcher = matcher
        self.size = size

    def chunks(self, items: Iterable[ParsedRecord | Skipped]) -> Iterator[Chunk]:
        """The chunks, in order. If the parser fails, what it made before (a partly filled
        chunk) comes first, then its error."""
        chunk = Chunk()
        try:
            for item in items:
                if isinstance(item, Skipped):
                    chunk.skips.append(item)
                    continue
                self._add(chunk, item)
                if len(chunk.rows) >= self.size:
                    yield chunk
                    chunk = Chunk()
        except Exception:
            if chunk.rows or chunk.skips:
                yield chunk
            raise
        if chunk.rows or chunk.skips:
            yield chunk

    def _add(self, chunk: Chunk, item: ParsedRecord) -> None:
        row = self.builder.row(item)
        stamp = row[AT]
        if row[WALL_TIME]:
            chunk.local_times += 1
        if chunk.first_at is None or stamp < chunk.first_at:
            chunk.first_at = stamp
        if chunk.last_at is None or stamp > chunk.last_at:
            chunk.last_at = stamp
        person = self.matcher.match(
            row[COUNTERPART_KIND], row[COUNTERPART], item.counterpart, item.counterpart_name
        )
        row[PERSON] = person
        if person is not None:
            counted = chunk.people.get(person)
            if counted is None:
                chunk.people[person] = [1, stamp, stamp]
            else:
                counted[0] += 1
                if stamp < counted[1]:
                    counted[1] = stamp
                elif stamp > counted[2]:
                    counted[2] = stamp
        elif not item.system and (item.counterpart or item.counterpart_name):
            who = str(item.counterpart or item.counterpart_name)
            chunk.unmatched[who] = chunk.unmatched.get(who, 0) + 1
        if item.attachments:
            chunk.attachments[len(chunk.rows)] = item.attachments
        else:
            row[HASH] = digest_values(row[:N_HASHED])
        chunk.rows.append(tuple(row))


@dataclass
class _End:
    #: (kind, class, message, hint): kind "safetrail", "os" (errno in hint) or "other"
    error: tuple[str, Any, str, str | None] | None = None


def in_process(source: SourceItem) -> bool:
    """Whether ``source`` is parsed in a child process: a large plain file, and a Python
    that can start this module (not a frozen application)."""
    if getattr(sys, "frozen", False) or not sys.executable:
        return False
    threshold = config.current().import_child_bytes
    return isinstance(source, FileSource) and source.size >= (
        MIN_BYTES if threshold is None else threshold
    )


def _child() -> None:
    """The child process (``python -m safetrail.services.imports.feed``): its arguments
    come pickled on stdin; everything it parses goes, pickled in chunks, to stdout."""
    from safetrail.importers import registry

    out = sys.stdout.buffer
    given = pickle.load(sys.stdin.buffer)
    importer_name, path, options, region, zone, source_no, matcher, language = given
    set_language(language)
    source = FileSource(Path(path))
    end = _End()

    def send(message: object) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        importer = registry.by_name(importer_name)
        chunker = Chunker(RowBuilder(region, zone, source_no), matcher)
        for chunk in chunker.chunks(importer.parse(source, options)):
            send((source.counter.consumed, chunk))
    except BrokenPipeError:
        return  # the writer is gone: nothing to do
    except SafetrailError as exc:
        end.error = ("safetrail", type(exc), exc.message, exc.hint)
    except OSError as exc:
        end.error = ("os", exc.errno, exc.strerror or "", str(exc.filename or ""))
    except Exception as exc:  # reported by the writer as "could not be read"
        end.error = ("other", type(exc).__name__, str(exc)[:200], None)
    with contextlib.suppress(OSError):  # BrokenPipeError: the writer is gone
        send((source.counter.consumed, end))


def _raise(error: tuple[str, Any, str, str | None]) -> None:
    kind, cls, message, hint = error
    if kind == "safetrail":
        try:
            raise cls(message, hint)
        except TypeError:
            raise SafetrailError(message, hint) from None
    if kind == "os":
        raise OSError(cls, message, hint or None)
    raise _ChildFailure(f"{cls}: {message}")


class _ChildFailure(RuntimeError):
    """The parser raised something else in the child (reported as a read failure)."""


def fed_items(
    importer: Importer,
    source: FileSource,
    options: ParseOptions,
    region: str,
    zone: str,
    source_no: int,
    matcher: Matcher,
) -> Iterator[Chunk]:
    """What the importer parses from ``source``, in chunks, from a child process.

    ``source.counter.consumed`` follows the child's reading, chunk by chunk. Errors the
    parser raised in the child are raised here, after everything it made before them."""
    child = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    receive = child.stdout
    try:
        with child.stdin as given:
            arguments = (importer.name, str(source.path), options, region, zone, source_no)
            pickle.dump((*arguments, matcher, current_language()), given)
        while True:
            try:
                consumed, got = pickle.load(receive)
            except EOFError:
                raise _ChildFailure("the parser process ended unexpectedly") from None
            source.counter.consumed = consumed
            if isinstance(got, _End):
                if got.error is not None:
                    _raise(got.error)
                return
            yield got
    finally:
        receive.close()  # a child still sending ends on its next write
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    # through the package's module, so what is pickled names its classes, not __main__'s
    from safetrail.services.imports import feed as _feed

    _feed._child()

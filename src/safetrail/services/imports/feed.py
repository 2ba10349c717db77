"""Parsing a large export in a process of its own, beside the one that writes.

Parsing a file and building its rows (identifiers, UTC stamps, dedupe keys, content
hashes) is about a third of an import's work and needs nothing from the vault, so for a
large plain file it runs in a child process on the other core while this one matches,
checks for duplicates and writes. The child sends what it made in order, in chunks, through
a pipe; it never opens the vault, so one writer, one transaction per batch, the ledger and
crash safety stay exactly as they are. A pipe holds little, so the child is never far
ahead (memory stays bounded). If this process dies, the child's next send fails and it
ends; if the child dies, this process sees the pipe close and reports the file as not read.

What comes through the pipe, in the order the parser made it:

* ``Fed`` for each parsed record: the row (as :class:`RowBuilder` builds it, content hash
  filled in unless the record has attachments, whose stored form is only known when they
  are stored), and the record's fields matching and counting need;
* :class:`Skipped` items, as the parser gave them;
* at the end, or when the parser fails, a :class:`_End` with the error to raise here.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetrail import config
from safetrail.errors import SafetrailError
from safetrail.i18n import current_language, set_language
from safetrail.importers.base import Attachment, Importer, ParsedRecord, ParseOptions, Skipped
from safetrail.importers.sources import FileSource, SourceItem

from .rows import HASH, N_HASHED, Row, RowBuilder, digest_values

__all__ = ["CHUNK", "MIN_BYTES", "Fed", "fed", "fed_items", "in_process"]

#: files at least this large are parsed in a child process (smaller ones: not worth the
#: child's start, about half a second); tests lower it (SAFETRAIL_TEST_IMPORT_CHILD_BYTES)
MIN_BYTES = 24 * 1024 * 1024
#: records per message through the pipe
CHUNK = 2000
#: whether the child fills in content hashes (the writer then keeps them)
HASHED_IN_CHILD = True


@dataclass(slots=True)
class Fed:
    """One parsed record as the writer needs it."""

    row: Row
    counterpart: str | None
    counterpart_name: str | None
    system: bool
    attachments: tuple[Attachment, ...]


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


def fed(builder: RowBuilder, item: ParsedRecord, hashed: bool = False) -> Fed:
    """``item``'s row and what matching needs; ``hashed``: with its content hash (left
    empty for a record with attachments: their stored form is known only once stored)."""
    row = builder.row(item)
    if hashed and not item.attachments:
        row[HASH] = digest_values(row[:N_HASHED])
    return Fed(row, item.counterpart, item.counterpart_name, item.system, item.attachments)


def _child() -> None:
    """The child process (``python -m safetrail.services.imports.feed``): its arguments
    come pickled on stdin; everything it parses goes, pickled in chunks, to stdout."""
    from safetrail.importers import registry

    out = sys.stdout.buffer
    importer_name, path, options, region, zone, source_no, language = pickle.load(sys.stdin.buffer)
    set_language(language)
    source = FileSource(Path(path))
    end = _End()

    def send(message: object) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        importer = registry.by_name(importer_name)
        builder = RowBuilder(region, zone, source_no)
        chunk: list[Fed | Skipped] = []
        for item in importer.parse(source, options):
            chunk.append(item if isinstance(item, Skipped) else fed(builder, item, HASHED_IN_CHILD))
            if len(chunk) >= CHUNK:
                send((source.counter.consumed, chunk))
                chunk = []
        if chunk:
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
) -> Iterator[Fed | Skipped]:
    """What the importer parses from ``source``, rows built, from a child process.

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
            pickle.dump((*arguments, current_language()), given)
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
            yield from got
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

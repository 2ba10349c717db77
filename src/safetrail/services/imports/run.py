"""Preview, commit and undo an import.

Commit, step by step (each step its own transaction, so a crash or a kill loses at most
the batch in flight, and running the same import again completes it):

1. the import record (IM-001) is created with status "running";
2. each input file is stored as evidence (once: the same file is never stored twice);
3. records are parsed and written in batches (see :mod:`.writer`), duplicates of what the
   vault already holds are left out;
4. summary incidents are brought up to date for the people whose contacts were imported;
5. the import record gets its final version: the counts, the skip reasons, the status.

Preview runs the same parsing and matching without writing anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from safetrail.case import CaseContext
from safetrail.errors import (
    InputFileError,
    SafetrailError,
    ValidationError,
    VaultBusy,
    VaultError,
)
from safetrail.i18n import _
from safetrail.importers import registry
from safetrail.importers.base import (
    Attachment,
    CsvMapping,
    Importer,
    ParseOptions,
    Skipped,
)
from safetrail.importers.sources import (
    FileSource,
    FolderSource,
    SourceItem,
    StreamSource,
    ZipMemberSource,
    find_sources,
    probe,
    zip_sources,
)
from safetrail.services import settings
from safetrail.services.evidence import evidence_file, live_evidence_with_sha256
from safetrail.storage import faults
from safetrail.storage.columns import metadata
from safetrail.storage.comm_tables import communications
from safetrail.storage.records import Record, format_ref, utc_stamp
from safetrail.storage.tables import records

from . import feed
from .feed import Chunk, Chunker
from .matching import Matcher
from .report import ImportReport, PersonCount, SourceReport
from .rows import ATTACHMENTS, DEDUPE, Row, RowBuilder
from .summaries import Span, resummarise, resummarise_all
from .writer import Pending, evidence_for_blob, existing_keys, revert_revisions

__all__ = [
    "ImportOptions",
    "Progress",
    "ProgressInfo",
    "list_imports",
    "run_import",
    "undo_import",
]

BATCH_SIZE = 10_000
#: tables a batch may write besides the communications (whose one reference, the import's
#: record, is checked by itself): records made for attachments, corrected rows
_CHECKED_TABLES = tuple(
    table.name
    for table in metadata.sorted_tables
    if table.foreign_keys and table.name not in ("communications", "communication_incidents")
)
log = logging.getLogger("safetrail.imports")
IMPORT_METHOD = "imported by SafeTrail from an export file"
ATTACHMENT_METHOD = "attachment extracted by SafeTrail from an imported export file"


@dataclass(frozen=True)
class ProgressInfo:
    source: str
    done_bytes: int
    total_bytes: int
    records: int


Progress = Callable[[ProgressInfo], None]


@dataclass
class ImportOptions:
    format: str | None = None
    me: str | None = None
    day_first: bool | None = None
    csv_mapping: CsvMapping | None = None
    batch_size: int = BATCH_SIZE
    #: the time zone of the phone or computer that made the export, for times written
    #: without one (WhatsApp, Telegram's "date", CSV); None: the vault's zone
    timezone: str | None = None


@dataclass
class _Input:
    """A path given on the command line, or an exhibit already in the vault (uploads)."""

    path: Path | None = None
    evidence_ref: str | None = None


@dataclass
class _Run:
    vault: CaseContext
    options: ImportOptions
    report: ImportReport
    matcher: Matcher
    region: str
    timezone: str
    commit: bool
    import_id: str = ""
    batch_no: int = 0
    spans: dict[str, Span] = field(default_factory=dict)
    containers: dict[str, tuple[str, str]] = field(default_factory=dict)
    attachments: dict[str, str] = field(default_factory=dict)
    progress: Progress | None = None
    cancel: threading.Event | None = None
    last_progress: float = 0.0


class ImportCancelled(SafetrailError):
    default_hint = "What was saved before stopping stays; run the same import again to finish it."


# -- locking -----------------------------------------------------------------------------


@contextlib.contextmanager
def _import_lock(vault: CaseContext, wait: bool = False) -> Iterator[bool]:
    """Hold the case's import lock (``CaseContext.locks``) and yield True. When another
    import holds it, refuse with a ValidationError, or (``wait=True`` being for settling
    only) yield False."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(vault.locks.import_lock())
        except VaultBusy:
            if wait:
                yield False
                return
            raise ValidationError(
                _("Another import into this vault is running."),
                _("Wait until it has finished, then try again."),
            ) from None
        yield True


def _running_imports(vault: CaseContext, conn: Connection) -> list[Record]:
    found = []
    for record_id in vault.store.list_ids(conn, "import"):
        record = vault.store.get(conn, record_id)
        if record.data.get("status") == "running":
            found.append(record)
    return found


def _close_interrupted(vault: CaseContext) -> int:
    """Imports left "running" by a crash (the caller holds the lock, so none really runs).

    Each becomes "interrupted" with the count of what it had saved, and the summary
    incidents of what it saved are built, as a finished import would have."""
    with vault.read() as conn:
        running = _running_imports(vault, conn)
    if not running:
        return 0
    place = settings.current(vault)
    reason = _("the import stopped before it finished")
    for record in running:
        with vault.write() as conn:
            kept = conn.execute(
                select(func.count()).where(communications.c.import_id == record.id)
            ).scalar_one()
            spans = _spans_of(conn, record.id)
            matcher = Matcher.load(conn)
            created = amended = 0
            for person_id, span in sorted(spans.items()):
                info = matcher.people.get(person_id)
                if info is None or info.role != "offender":
                    continue
                made, changed, _voided = resummarise(
                    vault, conn, person_id, span, record.id, place.timezone, reason
                )
                created, amended = created + made, amended + changed
            data = {
                **record.data,
                "status": "interrupted",
                "new": int(kept),
                "incidents": {"created": created, "amended": amended, "voided": 0},
            }
            vault.store.amend(conn, record.id, data, reason)
    return len(running)


def settle_interrupted(vault: CaseContext) -> int:
    """On opening a vault: settle imports a crash left "running", unless one really runs."""
    with vault.read() as conn:
        if not conn.execute(
            select(records.c.id).where(records.c.kind == "import").limit(1)
        ).first():
            return 0
    with _import_lock(vault, wait=True) as held:
        return _close_interrupted(vault) if held else 0


def _spans_of(conn: Connection, import_id: str) -> dict[str, Span]:
    spans: dict[str, Span] = {}
    at = communications.c.at
    for person_id, lo, hi in conn.execute(
        select(communications.c.person_id, func.min(at), func.max(at))
        .where(communications.c.import_id == import_id, communications.c.person_id.isnot(None))
        .group_by(communications.c.person_id)
    ):
        spans[person_id] = Span(lo, hi)
    return spans


# -- evidence ----------------------------------------------------------------------------


def _container(source: SourceItem) -> tuple[str, Path | None]:
    """The file the person gave (a zip for its members) that is kept as evidence."""
    if isinstance(source, ZipMemberSource):
        return f"zip:{source.archive}", None
    if isinstance(source, FolderSource):
        path = source.root / source.relative
        return f"file:{path}", path
    if isinstance(source, FileSource):
        return f"file:{source.path}", source.path
    return f"bytes:{source.member}", None


def _keep_source(run: _Run, source: SourceItem, given: _Input, rep: SourceReport) -> None:
    key, path = _container(source)
    if given.evidence_ref is not None:
        key = f"evidence:{given.evidence_ref}"
    if key not in run.containers:
        if given.evidence_ref is not None:
            with run.vault.read() as conn:
                found = run.vault.store.get(
                    conn, run.vault.store.resolve(conn, "evidence", given.evidence_ref)
                )
            run.containers[key] = (found.ref, str(found.data["sha256"]))
        else:
            file = path if path is not None else given.path
            assert file is not None
            stored = run.vault.blobs.put_file(file)
            with run.vault.write() as conn:
                record_id, _created = evidence_for_blob(
                    run.vault,
                    conn,
                    stored,
                    file.name,
                    IMPORT_METHOD,
                    _("Export file imported as communications ({ref}).").format(ref=run.report.ref),
                )
                ref = run.vault.store.get(conn, record_id).ref
            run.containers[key] = (ref, stored.sha256)
    rep.evidence_ref, rep.sha256 = run.containers[key]


def _store_attachment(
    run: _Run, conn: Connection, source: SourceItem, item: Attachment, rep: SourceReport
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": item.name, "media_type": item.media_type, "note": item.note}
    stream: BinaryIO | None = None
    limit = ParseOptions().max_attachment_bytes
    if item.data is not None:
        size = len(item.data)
        digest = hashlib.sha256(item.data).hexdigest()
        known = run.attachments.get(digest) or live_evidence_with_sha256(conn, digest)
        if known is not None and size <= limit:
            run.attachments[digest] = known
            entry["evidence_id"], entry["sha256"] = known, digest
            return entry
        stream = io.BytesIO(item.data)
    elif item.member is not None:
        sibling = source.sibling(item.member)
        if sibling is None:
            entry["note"] = _("not found in the export")
            return entry
        size = sibling.size
        stream = sibling.open() if size <= limit else None
    else:
        return entry
    if stream is None or size > limit:
        entry["note"] = _("too large to keep ({size} MB)").format(size=size // (1024 * 1024))
        rep.skip(
            item.name, _("An attachment was larger than SafeTrail keeps; its message was kept.")
        )
        return entry
    with stream:
        stored = run.vault.blobs.put_stream(stream)
    record_id, created = evidence_for_blob(
        run.vault,
        conn,
        stored,
        item.name,
        ATTACHMENT_METHOD,
        _("Attachment from {file}.").format(file=source.name),
        item.media_type,
    )
    run.report.attachments_stored += int(created)
    run.attachments[stored.sha256] = record_id
    entry["evidence_id"] = record_id
    entry["sha256"] = stored.sha256
    return entry


# -- the batch loop -------------------------------------------------------------------------


def _flush(
    run: _Run,
    source: SourceItem,
    pending: list[Row],
    attachments: dict[int, tuple[Attachment, ...]],
    rep: SourceReport,
) -> None:
    if not pending:
        return
    if not run.commit:
        with run.vault.read() as conn:
            known = existing_keys(conn, [r[DEDUPE] for r in pending])
        dupes = sum(1 for r in pending if r[DEDUPE] in known)
        rep.duplicates += dupes
        rep.new += len(pending) - dupes
        return
    run.batch_no += 1
    stored_before = run.report.attachments_stored
    with _batch_transaction(run.vault) as conn:
        known = existing_keys(conn, [r[DEDUPE] for r in pending])
        for index, items in sorted(attachments.items()):
            row = pending[index]
            if row[DEDUPE] not in known:
                stored = [_store_attachment(run, conn, source, a, rep) for a in items]
                pending[index] = (
                    *row[:ATTACHMENTS],
                    json.dumps(stored, ensure_ascii=False),
                    *row[ATTACHMENTS + 1 :],
                )
        batch = Pending(pending, actor=run.vault.actor)
        fresh = batch.write(conn, run.import_id, run.batch_no, run.vault.store.clock(), known)
        made = run.report.attachments_stored > stored_before or batch.revised > 0
        check_references(conn, run.import_id, made)
    rep.new += len(fresh)
    rep.revised += batch.revised
    rep.duplicates += len(pending) - len(fresh)


@contextlib.contextmanager
def _batch_transaction(vault: CaseContext) -> Iterator[Connection]:
    """``vault.write()`` for one batch, without SQLite's foreign-key check per inserted
    row: the batch checks its references once, before it commits (:func:`check_references`).
    Per row, SQLite looked up the import's record for every communication (10-15 % of
    the import's time)."""
    with vault.store.writing(checked=False) as conn:
        yield conn
    vault.update_checkpoint()


def check_references(conn: Connection, import_id: str, made_records: bool) -> None:
    """What SQLite's foreign keys would have checked in a batch written unchecked: the
    communications' one reference (the import's record), and when the batch made records
    (evidence for attachments) or corrected rows, every reference in the tables those
    write (all small: records and their projections, not the communications)."""
    if conn.dialect.name != "sqlite":
        return  # other databases checked every row
    found = conn.execute(
        select(records.c.id).where(records.c.id == import_id, records.c.kind == "import")
    ).first()
    problem = None if found is not None else f"no import record {import_id}"
    if problem is None and made_records:
        for table in _CHECKED_TABLES:
            if conn.exec_driver_sql(f"PRAGMA foreign_key_check({table})").first() is not None:
                problem = f"a reference in {table} is missing"
                break
    if problem is not None:
        raise IntegrityError(problem, None, sqlite3.IntegrityError("FOREIGN KEY constraint failed"))


def _tick(run: _Run, source: SourceItem, rep: SourceReport, force: bool = False) -> None:
    if run.cancel is not None and run.cancel.is_set():
        raise ImportCancelled(_("The import was stopped."))
    if run.progress is None:
        return
    now = time.monotonic()
    if force or now - run.last_progress > 0.2:
        run.last_progress = now
        run.progress(
            ProgressInfo(source.name, source.counter.consumed, max(source.size, 1), rep.records)
        )


def _parse_source(
    run: _Run,
    source: SourceItem,
    given: _Input,
    importer: Importer,
    rep: SourceReport,
    source_no: int,
) -> None:
    zone = run.options.timezone or run.timezone
    options = ParseOptions(
        region=run.region,
        me=run.options.me,
        csv_mapping=run.options.csv_mapping,
        day_first=run.options.day_first,
    )
    chunks: Iterator[Chunk]
    if run.commit and isinstance(source, FileSource) and feed.in_process(source):
        # a large file: parsed, its rows built and matched in a child process, on the
        # other core
        chunks = feed.fed_items(importer, source, options, run.region, zone, source_no, run.matcher)
    else:
        chunker = Chunker(RowBuilder(run.region, zone, source_no), run.matcher)
        chunks = chunker.chunks(importer.parse(source, options))
    # A file refused at its first read (damaged, not really this format) leaves nothing
    # behind; once it reads, the export is kept as evidence and the import record made.
    first = next(chunks, None)
    if run.commit:
        _begin(run)
        _keep_source(run, source, given, rep)
    pending: list[Row] = []
    attachments: dict[int, tuple[Attachment, ...]] = {}
    size = run.options.batch_size
    for chunk in itertools.chain([] if first is None else [first], chunks):
        _count(run, rep, chunk, zone)
        offset = len(pending)
        pending += chunk.rows
        attachments.update({offset + i: items for i, items in chunk.attachments.items()})
        while len(pending) >= size:  # batches of exactly ``size`` records
            _flush(run, source, pending[:size], _first(attachments, size), rep)
            del pending[:size]
            attachments = {i - size: items for i, items in attachments.items() if i >= size}
            _tick(run, source, rep)
        _tick(run, source, rep)
    _flush(run, source, pending, attachments, rep)
    _tick(run, source, rep, force=True)


def _first(
    attachments: dict[int, tuple[Attachment, ...]], size: int
) -> dict[int, tuple[Attachment, ...]]:
    return {i: items for i, items in attachments.items() if i < size}


def _count(run: _Run, rep: SourceReport, chunk: Chunk, zone: str) -> None:
    """What the report says of ``chunk``'s records and skips (counted in the chunk)."""
    for item in chunk.skips:
        rep.skip(item.position, item.reason)
        if item.rest_lost:
            rep.rest_lost = item.reason
    if not chunk.rows:
        return
    rep.records += len(chunk.rows)
    if chunk.local_times:  # only the local time: read in the export's zone, and said so
        rep.local_times += chunk.local_times
        rep.local_zone = zone
    assert chunk.first_at is not None and chunk.last_at is not None
    rep.seen(chunk.first_at)
    rep.seen(chunk.last_at)
    for who, times in chunk.unmatched.items():
        run.report.count_unmatched(who, times)
    for person, (times, first_at, last_at) in chunk.people.items():
        info = run.matcher.people[person]
        counted = run.report.people.setdefault(person, PersonCount(info.ref, info.name))
        counted.count += times
        span = run.spans.get(person)
        if span is None:
            run.spans[person] = Span(first_at, last_at)
        else:
            span.widen(first_at)
            span.widen(last_at)


def _sources_for(run: _Run, given: _Input) -> Iterator[SourceItem | Skipped]:
    if given.path is not None:
        yield from find_sources([given.path])
        return
    ref = given.evidence_ref
    assert ref is not None
    record, stream = evidence_file(run.vault, ref)
    name = str(record.data.get("original_name") or record.ref)
    if stream.read(4) == b"PK\x03\x04":
        stream.seek(0)
        yield from zip_sources(name, stream)
        return
    stream.close()
    yield StreamSource(
        name, int(record.data.get("size") or 0), lambda: evidence_file(run.vault, ref)[1]
    )


def _one_input(run: _Run, given: _Input) -> None:
    label = given.path.name if given.path is not None else str(given.evidence_ref)
    try:
        _each_source(run, given)
    except (ImportCancelled, VaultError):
        raise
    except SafetrailError as exc:  # a refused archive: say so, go on with the next input
        run.report.sources.append(SourceReport(label, refused=exc.message))


def _each_source(run: _Run, given: _Input) -> None:
    for source in _sources_for(run, given):
        if isinstance(source, Skipped):
            rep = SourceReport(source.position, refused=source.reason)
            run.report.sources.append(rep)
            continue
        inside = isinstance(source, ZipMemberSource | FolderSource)
        try:
            found = probe(source)
            chosen = registry.choose(found, run.options.format)
            if chosen is not None and inside and run.options.format:
                # a forced format applies to the members that could be that format at all
                chosen = chosen if chosen[0].detect(found) > 0 else None
        except VaultError:
            raise
        except SafetrailError as exc:
            run.report.sources.append(SourceReport(source.name, refused=exc.message))
            continue
        if chosen is None:
            if inside:  # photos, voice notes and the like next to a chat: not exports
                run.report.other_files += 1
            else:
                run.report.sources.append(
                    SourceReport(
                        source.name,
                        refused=_(
                            "SafeTrail does not recognise this file as an export it can read."
                        ),
                    )
                )
            continue
        rep = SourceReport(source.name)
        run.report.sources.append(rep)
        importer = chosen[0]
        rep.importer = f"{importer.name} {importer.version}"
        rep.importer_label = importer.label
        source.counter.consumed = 0
        try:
            _parse_source(run, source, given, importer, rep, len(run.report.sources))
        except (ImportCancelled, VaultError):
            raise  # the vault itself cannot go on (full, read-only, busy): stop the import
        except SafetrailError as exc:
            rep.refused = exc.message
        except OSError as exc:
            fault = faults.from_os_error(exc, run.vault.inbox.folder)
            if fault is not None:
                raise fault from None
            log.warning("importer %s could not read %s: %s", importer.name, source.name, exc)
            rep.refused = _("This file could not be read ({problem}).").format(
                problem=exc.strerror or type(exc).__name__
            )
        except Exception as exc:  # one broken importer must not stop the rest
            log.info("importer %s failed on %s", importer.name, source.name, exc_info=True)
            rep.refused = _("This file could not be read ({problem}).").format(
                problem=type(exc).__name__
            )


def _summarise(run: _Run) -> None:
    reason = _("communications imported ({ref})").format(ref=run.report.ref)
    offenders = {
        person_id: span
        for person_id, span in run.spans.items()
        if run.matcher.people[person_id].role == "offender"
    }
    with run.vault.write() as conn:  # their rows read in one pass (see .summaries)
        created, amended, voided = resummarise_all(
            run.vault, conn, offenders, run.import_id, run.timezone, reason
        )
        run.report.incidents_created += created
        run.report.incidents_amended += amended
        run.report.incidents_voided += voided


def run_import(
    vault: CaseContext,
    paths: list[Path] | None = None,
    options: ImportOptions | None = None,
    commit: bool = True,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    evidence_refs: list[str] | None = None,
) -> ImportReport:
    """Import ``paths`` (files, .zip archives, folders) or exhibits already in the vault."""
    started = time.perf_counter()
    options = options or ImportOptions()
    if options.format:
        registry.by_name(options.format)
    inputs = [_Input(path=p) for p in paths or []]
    inputs += [_Input(evidence_ref=r) for r in evidence_refs or []]
    if not inputs:
        raise ValidationError(_("Nothing to import was given."), _("Name a file or a folder."))
    for given in inputs:
        if given.path is not None and not given.path.exists():
            raise InputFileError(_("There is no file or folder at {path}.").format(path=given.path))
    if options.timezone:
        try:
            ZoneInfo(options.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                _("There is no time zone called '{zone}'.").format(zone=options.timezone),
                _("Use a name like Europe/London or America/New_York."),
            ) from None
    place = settings.current(vault)
    report = ImportReport(preview=not commit)
    with vault.read() as conn:
        matcher = Matcher.load(conn)
    run = _Run(vault, options, report, matcher, place.country, place.timezone, commit)
    run.progress, run.cancel = progress, cancel
    if not commit:
        try:
            for given in inputs:
                _one_input(run, given)
            report.status = "preview"
        except ImportCancelled:
            report.status = "cancelled"
        report.seconds = time.perf_counter() - started
        return report
    if vault.refusal is not None:  # read-only folder, full disk, mismatched database
        raise type(vault.refusal)(vault.refusal.message, vault.refusal.hint)
    with _import_lock(vault):
        _close_interrupted(vault)
        failure: VaultError | None = None
        try:
            for given in inputs:
                _one_input(run, given)
            report.status = "complete" if run.import_id else "refused"
            if report.status == "refused":
                report.error = _(
                    "Nothing was imported: none of these files could be read as an export."
                )
                report.hint = _(
                    "The reason is given for each file. 'safetrail import-formats' lists what "
                    "SafeTrail reads; --format NAME chooses one."
                )
                report.exit_code = InputFileError.exit_code
        except ImportCancelled:
            report.status = "cancelled"
        except VaultError as exc:
            failure = exc
            report.status = "failed"
            report.error, report.hint, report.exit_code = exc.message, exc.hint, exc.exit_code
        report.seconds = time.perf_counter() - started
        if run.import_id:
            _finish(run, failure)
    return report


def _begin(run: _Run) -> None:
    """The import record is made when the first readable export is about to be saved, so
    files that are all refused or not recognised leave no import behind."""
    if run.import_id:
        return
    with run.vault.write() as conn:
        record = run.vault.store.create(
            conn, "import", {"status": "running", "options": _options_json(run.options)}
        )
    run.import_id, run.report.ref = record.id, record.ref


def _finish(run: _Run, failure: VaultError | None) -> None:
    """Summaries and the import record's final version. After a failure (a full disk) these
    may fail too; the record then stays "running" and the next opening settles it."""
    vault, report = run.vault, run.report
    try:
        _summarise(run)
        with vault.write() as conn:
            current = vault.store.get(conn, run.import_id)
            reason = {
                "complete": _("import finished"),
                "failed": _("import failed"),
            }.get(report.status, _("import stopped"))
            vault.store.amend(conn, run.import_id, {**current.data, **report.to_json()}, reason)
    except VaultError:
        if failure is None:
            raise
        report.record_pending = True


def _options_json(options: ImportOptions) -> dict[str, Any]:
    return {
        "format": options.format,
        "me": options.me,
        "day_first": options.day_first,
        "csv_mapping": None if options.csv_mapping is None else _mapping_json(options.csv_mapping),
    }


def _mapping_json(mapping: CsvMapping) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(mapping).items()}


# -- undo and listing ---------------------------------------------------------------------


def undo_import(vault: CaseContext, ref: str, reason: str) -> ImportReport:
    """Take an import back: its communications are marked undone (kept, with their ledger
    entries), its summary incidents are voided or brought down to what is left."""
    if not reason.strip():
        raise ValidationError(
            _("Please say why the import is being undone."),
            _("A few words are enough; they are kept in the history with the undo."),
        )
    report = ImportReport(preview=False)
    place = settings.current(vault)
    with _import_lock(vault), vault.write() as conn:
        import_id = vault.store.resolve(conn, "import", ref)
        record = vault.store.get(conn, import_id)
        if record.data.get("status") == "undone":
            raise ValidationError(
                _("{ref} was already undone.").format(ref=record.ref),
                _("To bring its records back, import the same files again."),
            )
        report.ref = record.ref
        spans: dict[str, Span] = {}
        for person_id, first, last in conn.execute(
            select(
                communications.c.person_id,
                communications.c.at,
                communications.c.at,
            ).where(communications.c.import_id == import_id, communications.c.person_id.isnot(None))
        ):
            span = spans.setdefault(person_id, Span(first, last))
            span.widen(first)
        vault.store.amend(conn, import_id, {**record.data, "status": "undone"}, reason)
        conn.execute(
            update(communications)
            .where(communications.c.import_id == import_id)
            .values(undone=True)
        )
        report.revised = revert_revisions(conn, import_id, vault.store.clock(), vault.actor)
        matcher = Matcher.load(conn)
        for person_id, span in sorted(spans.items()):
            info = matcher.people.get(person_id)
            if info is None or info.role != "offender":
                continue
            created, amended, voided = resummarise(
                vault, conn, person_id, span, import_id, place.timezone, reason
            )
            report.incidents_created += created
            report.incidents_amended += amended
            report.incidents_voided += voided
    report.status = "undone"
    return report


@dataclass(frozen=True)
class ImportSummary:
    ref: str
    status: str
    created_at: str
    records: int
    new: int
    skipped: int
    files: list[str]


def list_imports(vault: CaseContext) -> list[ImportSummary]:
    found = []
    with vault.read() as conn:
        rows = conn.execute(
            select(records.c.id, records.c.ref_no, records.c.created_at)
            .where(records.c.kind == "import")
            .order_by(records.c.ref_no.desc())
        ).all()
        for record_id, ref_no, created_at in rows:
            data: Record = vault.store.get(conn, record_id)
            info = data.data
            found.append(
                ImportSummary(
                    format_ref("import", ref_no),
                    str(info.get("status", "")),
                    created_at,
                    int(info.get("records", 0)),
                    int(info.get("new", 0)),
                    int(info.get("skipped", 0)),
                    [str(s.get("name")) for s in info.get("sources", [])],
                )
            )
    return found


def now_stamp(vault: CaseContext) -> str:
    return utc_stamp(vault.store.clock())

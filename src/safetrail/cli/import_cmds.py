"""``safetrail import PATH…``, ``safetrail imports`` and ``safetrail import-undo``."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from safetrail.case import CaseContext
from safetrail.cli.common import VaultOption, console, err_console, interactive, ok, open_case
from safetrail.i18n import _
from safetrail.importers.base import CsvMapping
from safetrail.importers.registry import all_importers
from safetrail.services.imports import mappings
from safetrail.services.imports.report import ImportReport
from safetrail.services.imports.run import (
    ImportOptions,
    ProgressInfo,
    list_imports,
    run_import,
    undo_import,
)


def _day(stamp: str | None) -> str:
    return stamp[:16].replace("T", " ") + " UTC" if stamp else "—"


def print_report(report: ImportReport) -> None:
    title = _("Preview (nothing saved yet)") if report.preview else report.ref or ""
    table = Table(title=title, title_justify="left")
    for column in (_("File"), _("Read as"), _("Records"), _("New"), _("Already in"), _("Skipped")):
        table.add_column(column)
    for source in report.sources:
        if source.refused:
            table.add_row(source.name, "—", "—", "—", "—", source.refused)
            continue
        table.add_row(
            source.name,
            source.importer_label,
            str(source.records),
            str(source.new),
            str(source.duplicates),
            str(source.skipped_total),
        )
    console.print(table)
    console.print(
        _("{n} records from {a} to {b}.").format(
            n=report.records, a=_day(report.first_at), b=_day(report.last_at)
        )
    )
    for source in report.sources:
        if source.local_times:
            console.print(
                _(
                    "{n} records in {file} carry only the local time of the device that made "
                    "the export; they were read as {zone} time. If that device was set to "
                    "another time zone, import again with --timezone."
                ).format(n=source.local_times, file=source.name, zone=source.local_zone)
            )
    if report.other_files:
        console.print(
            _(
                "{n} other files in the archives or folders are not exports (photos, voice "
                "notes, …); those a message mentions are kept with it as evidence."
            ).format(n=report.other_files)
        )
    for person in sorted(report.people.values(), key=lambda p: -p.count):
        console.print(
            _("  {ref} {name}: {n} records matched").format(
                ref=person.ref, name=person.name, n=person.count
            )
        )
    if report.unmatched:
        top = ", ".join(f"{who} ({n})" for who, n in report.unmatched.most_common(5))
        console.print(_("Not matched to anyone in your case: {top}").format(top=top))
    for source in report.sources:
        for reason, count in sorted(source.skipped.items(), key=lambda x: -x[1]):
            console.print(f"[yellow]{source.name}[/yellow]: {count} × {reason}")
        if source.rest_lost:
            console.print(
                f"[yellow]{source.name}[/yellow]: "
                + _("the file is damaged; everything before the damage was read.")
            )
    if not report.preview:
        console.print(
            _("Summary incidents: {c} new, {a} updated.").format(
                c=report.incidents_created, a=report.incidents_amended
            )
        )


@contextmanager
def _stop_on_ctrl_c(cancel: threading.Event) -> Iterator[None]:
    """The first Ctrl-C stops the import cleanly after the batch in flight."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        err_console.print(_("Stopping after the current batch …"))

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(
    vault: CaseContext, paths: list[Path], options: ImportOptions, commit: bool, quiet: bool
) -> ImportReport:
    cancel = threading.Event()
    if quiet:
        with _stop_on_ctrl_c(cancel):
            return run_import(vault, paths, options, commit=commit, cancel=cancel)
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[records]} records"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as bar,
        _stop_on_ctrl_c(cancel),
    ):
        tasks: dict[str, object] = {}

        def progress(info: ProgressInfo) -> None:
            task = tasks.get(info.source)
            if task is None:
                label = _("Checking") if not commit else _("Importing")
                task = bar.add_task(f"{label} {info.source}", total=info.total_bytes, records=0)
                tasks[info.source] = task
            bar.update(task, completed=info.done_bytes, records=info.records)  # type: ignore[arg-type]

        return run_import(vault, paths, options, commit=commit, progress=progress, cancel=cancel)


def import_command(
    paths: list[Path] = typer.Argument(..., help="Export files, .zip archives or folders."),
    format: str | None = typer.Option(
        None, "--format", help="Read the files as this format (see 'safetrail import-formats')."
    ),
    me: str | None = typer.Option(
        None, "--me", help="Your name or address in the export, to tell your messages apart."
    ),
    day_first: bool | None = typer.Option(
        None, "--day-first/--month-first", help="Date order, when the file cannot tell."
    ),
    timezone: str | None = typer.Option(
        None,
        "--timezone",
        help="Time zone of the phone that made the export, for times written without one "
        "(e.g. Europe/London); default: the vault's.",
    ),
    column: list[str] = typer.Option(
        [], "--map", help="CSV column mapping FIELD=COLUMN (e.g. timestamp=Date)."
    ),
    mapping_name: str | None = typer.Option(None, "--mapping", help="Use a saved CSV mapping."),
    save_as: str | None = typer.Option(
        None, "--save-mapping", help="Save the --map columns under this name."
    ),
    preview: bool = typer.Option(False, "--preview", help="Only show what would be imported."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Import without asking after preview."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    vault: Path | None = VaultOption,
) -> None:
    """Import messages and calls from phone and app exports, as evidence."""
    with open_case(vault) as opened_vault:
        mapping: CsvMapping | None = None
        if mapping_name:
            mapping = mappings.find_mapping(opened_vault, mapping_name)
        if column:
            mapping = mappings.mapping_from_pairs(column, mapping)
        wants_csv = format == "csv" or (
            format is None and all(p.suffix.casefold() in (".csv", ".tsv") for p in paths)
        )
        if wants_csv and mapping is None:
            _csv_help(paths)
            raise typer.Exit(2)
        if mapping is not None and format is None:
            format = "csv"
        options = ImportOptions(
            format=format, me=me, day_first=day_first, csv_mapping=mapping, timezone=timezone
        )
        quiet = as_json or not interactive()
        ask = interactive() and not yes and not preview
        if preview or ask:
            found = _run(opened_vault, paths, options, commit=False, quiet=quiet)
            if as_json:
                console.print_json(json.dumps(found.to_json()))
            else:
                print_report(found)
            if preview:
                return
            if found.new == 0:
                ok(_("Nothing new to import."))
                return
            if not typer.confirm(_("Import {n} new records?").format(n=found.new)):
                console.print(_("Nothing was imported."))
                return
        report = _run(opened_vault, paths, options, commit=True, quiet=quiet)
        if save_as and mapping is not None:
            mappings.save_mapping(opened_vault, save_as, mapping)
    if as_json:
        console.print_json(json.dumps({"ref": report.ref, **report.to_json()}))
    else:
        print_report(report)
        _print_outcome(report)
    if report.status in ("refused", "failed"):
        raise typer.Exit(report.exit_code or 1)


def _print_outcome(report: ImportReport) -> None:
    if report.status == "cancelled":
        console.print(_("Stopped. What was saved stays; run the same command again to finish."))
    elif report.status == "refused":
        error, what_to_do = _("Error"), _("What to do")
        err_console.print(f"[red]{error}:[/red] {report.error}")
        err_console.print(f"[dim]{what_to_do}:[/dim] {report.hint}")
    elif report.status == "failed":
        error, what_to_do = _("Error"), _("What to do")
        err_console.print(f"[red]{error}:[/red] {report.error}")
        if report.ref and report.new:
            kept = _(
                "{n} new records were saved in {ref} before the import stopped; the rest of "
                "the files were not imported."
            ).format(n=report.new, ref=report.ref)
        elif report.ref:
            kept = _("No records were saved before the import stopped ({ref}).").format(
                ref=report.ref
            )
        else:
            kept = _("Nothing was saved.")
        err_console.print(kept)
        err_console.print(
            f"[dim]{what_to_do}:[/dim] {report.hint} "
            + _("Then run the same import again: it adds only what is missing.")
        )
    else:
        ok(_("Imported as {ref}: {n} new records.").format(ref=report.ref, n=report.new))


def imports_command(vault: Path | None = VaultOption) -> None:
    """Imports done so far, newest first."""
    with open_case(vault) as opened_vault:
        found = list_imports(opened_vault)
    if not found:
        console.print(_("Nothing has been imported yet."))
        return
    table = Table()
    for column in (_("Import"), _("When"), _("Status"), _("Records"), _("New"), _("Files")):
        table.add_column(column)
    for item in found:
        table.add_row(
            item.ref,
            _day(item.created_at),
            item.status,
            str(item.records),
            str(item.new),
            ", ".join(item.files),
        )
    console.print(table)


def undo_command(
    ref: str = typer.Argument(..., help="The import, e.g. IM-001."),
    reason: str = typer.Option(..., "--reason", help="Why it is being undone (kept in history)."),
    vault: Path | None = VaultOption,
) -> None:
    """Take an import back. Its records stay in the history, marked as undone."""
    with open_case(vault) as opened_vault:
        report = undo_import(opened_vault, ref, reason)
    ok(
        _("{ref} undone; {v} summary incidents voided, {a} updated.").format(
            ref=report.ref, v=report.incidents_voided, a=report.incidents_amended
        )
    )


def formats_command() -> None:
    """The export formats SafeTrail reads."""
    for importer in all_importers():
        console.print(f"{importer.name:<12} {_(importer.label)}")


def _csv_help(paths: list[Path]) -> None:
    """Show the columns of a CSV file and the mapping SafeTrail suggests for it."""
    from safetrail.importers.csvfile import preview
    from safetrail.importers.sources import FileSource

    for path in paths:
        if not path.is_file():
            continue
        found = preview(FileSource(path))
        table = Table(title=path.name, title_justify="left")
        for column in found.columns:
            table.add_column(column)
        for row in found.rows[:5]:
            table.add_row(*row)
        console.print(table)
        if found.suggested is not None:
            pairs = [
                f"--map {name}={getattr(found.suggested, name)}"
                for name in ("timestamp", "counterpart", "direction", "kind", "duration", "text")
                if getattr(found.suggested, name)
            ]
            console.print(_("Suggested columns: {pairs}").format(pairs=" ".join(pairs)))
    console.print(
        _(
            "A CSV list needs to know which column is which: add --map FIELD=COLUMN options "
            "(at least timestamp and counterpart), or --mapping NAME for a saved layout."
        )
    )


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("imports")(imports_command)
    app.command("import-undo")(undo_command)
    app.command("import-formats")(formats_command)

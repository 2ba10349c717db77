"""What the import commands print: the import report, its outcome, the list of imports."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from safetrail.cli.common import console, err_console, ok
from safetrail.i18n import _
from safetrail.services.import_view import CsvLook
from safetrail.services.imports.report import ImportReport
from safetrail.services.imports.run import ImportSummary


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


def print_outcome(report: ImportReport) -> None:
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


def print_imports(found: list[ImportSummary]) -> None:
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


def print_csv_help(looks: Iterable[CsvLook]) -> None:
    """The columns of each CSV file and the mapping SafeTrail suggests for it."""
    for look in looks:
        table = Table(title=look.name, title_justify="left")
        for column in look.found.columns:
            table.add_column(column)
        for row in look.found.rows[:5]:
            table.add_row(*row)
        console.print(table)
        if look.suggested is not None:
            console.print(_("Suggested columns: {pairs}").format(pairs=" ".join(look.suggested)))
    console.print(
        _(
            "A CSV list needs to know which column is which: add --map FIELD=COLUMN options "
            "(at least timestamp and counterpart), or --mapping NAME for a saved layout."
        )
    )

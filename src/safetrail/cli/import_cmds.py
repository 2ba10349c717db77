"""``safetrail import PATH…``, ``safetrail imports`` and ``safetrail import-undo``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from safetrail.cli.common import VaultOption, console, interactive, ok, open_case
from safetrail.cli.import_progress import run_shown
from safetrail.cli.import_views import print_csv_help, print_imports, print_outcome, print_report
from safetrail.i18n import _
from safetrail.importers.registry import all_importers
from safetrail.services import import_view
from safetrail.services.imports import mappings
from safetrail.services.imports.run import list_imports, undo_import

__all__ = ["print_report", "register"]


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
    given = import_view.ImportRequest(format, me, day_first, timezone, tuple(column), mapping_name)
    with open_case(vault) as opened_vault:
        options = import_view.import_options(opened_vault, paths, given)
        if options is None:
            print_csv_help(import_view.csv_looks(paths))
            raise typer.Exit(2)
        quiet = as_json or not interactive()
        ask = interactive() and not yes and not preview
        if preview or ask:
            found = run_shown(opened_vault, paths, options, commit=False, quiet=quiet)
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
        report = run_shown(opened_vault, paths, options, commit=True, quiet=quiet)
        if save_as and options.csv_mapping is not None:
            mappings.save_mapping(opened_vault, save_as, options.csv_mapping)
    if as_json:
        console.print_json(json.dumps({"ref": report.ref, **report.to_json()}))
    else:
        print_report(report)
        print_outcome(report)
    if report.status in ("refused", "failed"):
        raise typer.Exit(report.exit_code or 1)


def imports_command(vault: Path | None = VaultOption) -> None:
    """Imports done so far, newest first."""
    with open_case(vault) as opened_vault:
        found = list_imports(opened_vault)
    print_imports(found)


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


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("imports")(imports_command)
    app.command("import-undo")(undo_command)
    app.command("import-formats")(formats_command)

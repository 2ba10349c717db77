"""``safetrail evidence``: add files (encrypted, hashed), list them, export copies."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.i18n import _
from safetrail.services import evidence
from safetrail.services.evidence import IntakeDetails

app = typer.Typer(
    help="Keep evidence files safe: photos, screenshots, audio, video, documents.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    files: list[Path] = typer.Argument(..., help="One or more files."),
    incident: str | None = typer.Option(None, help="Attach to this incident, e.g. I-0003."),
    source_device: str | None = typer.Option(None, help="Where the file came from (device)."),
    source_account: str | None = typer.Option(None, help="Account it came from, if any."),
    method: str = typer.Option("file copy into the vault", help="How it was obtained."),
    performer: str = typer.Option("vault owner", help="Who added it."),
    description: str | None = typer.Option(None, help="What it shows."),
    vault: Path | None = VaultOption,
) -> None:
    """Add evidence files. Each is encrypted, hashed (SHA-256) and numbered as an exhibit."""
    details = IntakeDetails(source_device, source_account, method, performer, description)
    with (
        open_case(vault) as opened_vault,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar,
    ):
        for path in files:
            size = path.stat().st_size if path.is_file() else None
            task = bar.add_task(path.name, total=size)

            def advance(done: int, task: TaskID = task) -> None:
                bar.update(task, completed=done)

            intake = evidence.add_evidence(
                opened_vault,
                path,
                details,
                incident,
                progress=advance,
            )
            bar.remove_task(task)
            data = intake.record.data
            if intake.existing:
                message = (
                    _("{name} is already {ref} (same SHA-256 {h}); linked to {incident}.")
                    if incident
                    else _("{name} is already {ref} (same SHA-256 {h}); it was not added twice.")
                )
                ok(
                    message.format(
                        name=path.name, ref=intake.record.ref, h=data["sha256"], incident=incident
                    )
                )
                continue
            note = (
                _(" (identical content was already stored; kept once)")
                if intake.already_stored
                else ""
            )
            ok(
                _("{name} → {ref}, SHA-256 {h}{note}").format(
                    name=path.name, ref=intake.record.ref, h=data["sha256"], note=note
                )
            )


@app.command("list")
def list_(vault: Path | None = VaultOption) -> None:
    """List exhibits."""
    with open_case(vault) as opened_vault:
        found = evidence.list_evidence(opened_vault)
    if not found:
        console.print(_("No evidence yet. Add files with 'safetrail evidence add FILE'."))
        return
    table = Table(_("Exhibit"), _("File"), _("Size"), _("Added"), _("SHA-256"))
    for record in found:
        data = record.data
        table.add_row(
            record.ref,
            data["original_name"],
            f"{data['size']:,}",
            data["acquired_at"][:19],
            data["sha256"][:16] + "…",
        )
    console.print(table)


@app.command("export")
def export(
    ref: str = typer.Argument(..., help="Exhibit, e.g. EX-0001."),
    output: Path = typer.Option(..., "--output", "-o", help="File or folder to write to."),
    performer: str = typer.Option("vault owner", help="Who is exporting it."),
    purpose: str | None = typer.Option(None, help='Why, e.g. "for the police".'),
    vault: Path | None = VaultOption,
) -> None:
    """Write a decrypted copy where you choose; recorded in the chain of custody."""
    with open_case(vault) as opened_vault:
        path = evidence.export_evidence(opened_vault, ref, output, performer, purpose)
    ok(_("Copied to {path}. This export is recorded in the exhibit's history.").format(path=path))

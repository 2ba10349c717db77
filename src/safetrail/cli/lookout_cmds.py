"""``safetrail lookout``: the one-page sheet for neighbours, building staff or a school office."""

from __future__ import annotations

from pathlib import Path

import typer

from safetrail.cli.common import VaultOption, console, ok, open_case, parse_day
from safetrail.i18n import _, use_language
from safetrail.reports.lookout import LookoutInput, write_lookout
from safetrail.services import settings


def lookout(
    person: str = typer.Option(..., help="The person to look out for (P-001)."),
    given_to: str = typer.Option(..., "--given-to", help="Who gets this copy."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (never overwritten)."),
    photo: str | None = typer.Option(None, help="Their photo, from your evidence (EX-0003)."),
    vehicle_photo: str | None = typer.Option(None, help="Their vehicle's photo (EX-0004)."),
    description: str | None = typer.Option(None, help="How to recognise them."),
    contact: str | None = typer.Option(None, help="Someone to tell as well, with a number."),
    note: str | None = typer.Option(None, help="Anything else you choose to add."),
    given_on: str | None = typer.Option(None, "--given-on", help="Date given (YYYY-MM-DD)."),
    no_name: bool = typer.Option(False, "--no-name", help="Leave their name off the sheet."),
    language: str | None = typer.Option(
        None, "--language", help="Write it in this language (en, ja, ko); default: the vault's."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Write a one-page lookout sheet; the copy is recorded with whom it was given to."""
    written_in = settings.validate_language(language) if language else None
    given = LookoutInput(
        person,
        given_to,
        photo,
        vehicle_photo,
        description,
        contact,
        note,
        parse_day(given_on),
        not no_name,
    )
    with open_case(vault) as opened_vault, use_language(written_in):
        sheet = write_lookout(opened_vault, given, output)
    ok(_("Lookout sheet written to {path} (for: {who}).").format(path=output, who=given_to))
    console.print(_("SHA-256 of the file: {h}").format(h=sheet.sha256))


def register(root: typer.Typer) -> None:
    root.command("lookout")(lookout)

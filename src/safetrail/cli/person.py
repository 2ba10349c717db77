"""``safetrail person``: the people involved (usually the person stalking you)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.i18n import _
from safetrail.services import people
from safetrail.services.people import PersonInput, Vehicle

app = typer.Typer(
    help="People involved: names, phone numbers, accounts, vehicles.", no_args_is_help=True
)


def _vehicle(text: str) -> Vehicle:
    description, _sep, plate = text.partition(",")
    return Vehicle(description.strip(), plate.strip() or None)


@app.command("add")
def add(
    name: list[str] = typer.Option(..., "--name", help="Name or nickname (repeatable)."),
    relationship: str | None = typer.Option(None, help="e.g. former partner, neighbour."),
    identifier: list[str] = typer.Option(
        [], "--id", help="Phone number, email or @handle (repeatable)."
    ),
    vehicle: list[str] = typer.Option([], "--vehicle", help='"Description, plate".'),
    notes: str | None = typer.Option(None),
    photo: str | None = typer.Option(None, help="Evidence ref of a photo, e.g. EX-0002."),
    role: str = typer.Option("offender", help="offender or associate."),
    vault: Path | None = VaultOption,
) -> None:
    """Add a person."""
    with open_case(vault) as opened_vault:
        record = people.add_person(
            opened_vault,
            PersonInput(
                names=name,
                relationship=relationship,
                role=role,
                identifiers=identifier,
                vehicles=[_vehicle(v) for v in vehicle],
                notes=notes,
                photo_evidence=photo,
            ),
        )
    ok(_("Saved as {ref}.").format(ref=record.ref))


@app.command("list")
def list_(vault: Path | None = VaultOption) -> None:
    """List people."""
    with open_case(vault) as opened_vault:
        found = people.list_people(opened_vault)
    if not found:
        console.print(_("No people yet. Add the person stalking you with 'safetrail person add'."))
        return
    table = Table(_("Ref"), _("Name"), _("Relationship"), _("Identifiers"))
    for record in found:
        data = record.data
        table.add_row(
            record.ref,
            " / ".join(data["names"]),
            data.get("relationship") or "–",
            ", ".join(i["normalised"] for i in data["identifiers"]) or "–",
        )
    console.print(table)


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="Person ref, e.g. P-001."), vault: Path | None = VaultOption
) -> None:
    """Show a person and the history of their details."""
    with open_case(vault) as opened_vault:
        record, history = people.show_person(opened_vault, ref)
    data = record.data
    table = Table(title=record.ref, show_header=False)
    table.add_row(_("Names"), " / ".join(data["names"]))
    table.add_row(_("Relationship"), data.get("relationship") or "–")
    for ident in data["identifiers"]:
        table.add_row(ident["kind"], f"{ident['normalised']} [dim]({ident['value']})[/dim]")
    for car in data["vehicles"]:
        table.add_row(
            _("Vehicle"), car["description"] + (f", {car['plate']}" if car["plate"] else "")
        )
    table.add_row(_("Notes"), data.get("notes") or "–")
    console.print(table)
    for version in history:
        reason = f" — {version.reason}" if version.reason else ""
        console.print(f"  v{version.version} {version.op} {version.recorded_at}{reason}")

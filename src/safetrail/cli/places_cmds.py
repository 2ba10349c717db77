"""``safetrail places``: the person's own places from Google location history (private)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table

from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.i18n import _
from safetrail.services import places

app = typer.Typer(help="Your own places from Google location history (kept private).")


@app.command("import")
def import_(
    path: Path = typer.Argument(
        ...,
        help="Records.json, a Semantic Location History month "
        "file, or the Timeline export from your phone.",
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Import where you were, as a private track (never in a shared output)."""
    with open_case(vault) as opened_vault:
        report = places.import_places(opened_vault, path)
    ok(
        _("{n} places read, {new} new, {dup} already in your vault.").format(
            n=report.places, new=report.new, dup=report.duplicates
        )
    )
    for reason, count in sorted(report.skipped.items()):
        console.print(_("{n} entries skipped: {reason}").format(n=count, reason=reason))


@app.command("near")
def near(
    incident: str = typer.Argument(..., help="An incident, e.g. I-0003."),
    hours: float = typer.Option(1.0, "--hours", help="How long before and after to look."),
    vault: Path | None = VaultOption,
) -> None:
    """Where you were around an incident's time."""
    with open_case(vault) as opened_vault:
        ref, found = places.places_near_incident(opened_vault, incident, timedelta(hours=hours))
    if not found:
        console.print(_("No place of yours is known around {ref}.").format(ref=ref))
        return
    table = Table(title=_("Your places around {ref}").format(ref=ref), title_justify="left")
    for column in (_("From (UTC)"), _("To (UTC)"), _("Where"), _("Position")):
        table.add_column(column)
    for place in found:
        where = place.name or place.address or ""
        table.add_row(
            place.start_at[:19].replace("T", " "),
            (place.end_at or "")[:19].replace("T", " "),
            where,
            f"{place.latitude:.5f}, {place.longitude:.5f}",
        )
    console.print(table)

"""CLI commands for planning: ``resources``, ``plan show|history|pdf`` and ``order breach``.

``safetrail resources --country CC`` needs no passphrase: the helplines are public
facts shipped with SafeTrail. Without ``--country`` the vault is opened to find the
person's country and their own local contacts.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from safetrail.cli import common
from safetrail.cli import events as events_cli
from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.planning import plan as model
from safetrail.planning import resources as dataset
from safetrail.planning.emergency import emergency_for
from safetrail.services import events, planning, settings
from safetrail.services.events import BreachInput
from safetrail.storage.records import Record

plan_app = typer.Typer(help="Your safety plan: show it, its history, or save it as a PDF.")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""
    app.command("resources")(resources)
    app.add_typer(plan_app, name="plan")
    # The breach shortcut belongs with the other order commands.
    events_cli.order_app.command("breach")(order_breach)


def _caveat(verified: bool) -> str:
    return "" if verified else " [yellow]" + escape(_("(not confirmed)")) + "[/yellow]"


def print_resources(found: dataset.CountryResources, contacts: list[Record]) -> None:
    """The whole list for one place, most urgent first."""
    emergency = emergency_for(found.code)
    heading = _("Help and contacts: {place}").format(place=found.place_name)
    console.print(f"[bold]{escape(heading)}[/bold]")
    if found.regions:
        names = ", ".join(code for code, _name in found.regions if code != found.region)
        console.print(
            "[dim]"
            + escape(
                _("Region shown: {region}. Others: --region {names}.").format(
                    region=found.region_name, names=names
                )
            )
            + "[/dim]"
        )
    console.print()
    call = _("In danger now? Call {number}.").format(number=emergency.number)
    console.print(f"[bold red]{escape(call)}[/bold red]" + _caveat(emergency.verified))
    for number in found.emergency[1:]:
        console.print(
            f"  {escape(_(number.label))}: [bold]{escape(number.number)}[/bold]"
            + _caveat(number.verified)
        )
    for tip in found.silent_call:
        console.print(f"  {escape(_(tip.text))}" + _caveat(tip.verified))
    for number in found.non_emergency:
        console.print(
            f"  {escape(_(number.label))}: [bold]{escape(number.number)}[/bold]"
            + _caveat(number.verified)
        )
    if contacts:
        console.print()
        console.print("[bold]" + escape(_("My own contacts")) + "[/bold]")
        for record in contacts:
            data = record.data
            reach = " · ".join(v for v in (data.get("phone"), data.get("other")) if v)
            console.print(
                f"  {escape(data['name'])} ({escape(planning.role_label(data['role']))})"
                + (f": [bold]{escape(reach)}[/bold]" if reach else "")
            )
    for note in found.notes:
        console.print()
        console.print(escape(_(note.text)) + _caveat(note.verified))
    if found.helplines:
        console.print()
        table = Table(_("Helpline"), _("Number"), _("When and how"), _("For"), title=_("Helplines"))
        for line in found.helplines:
            how = [_(line.hours)] if line.hours else []
            if line.text:
                how.append(_(line.text))
            if "chat" in line.ways:
                how.append(_("online chat"))
            if line.tty:
                how.append(_("TTY {number}").format(number=line.tty))
            if line.languages:
                how.append(_(line.languages))
            table.add_row(
                escape(_(line.name)) + _caveat(line.verified),
                escape(line.number),
                escape("; ".join(how)) or "–",
                escape(_(line.about) + (" " + _(line.note) if line.note else "")),
            )
        console.print(table)
    if found.law:
        console.print()
        the_law = _("The law")
        console.print(
            f"[bold]{escape(the_law)}:[/bold] {escape(_(found.law.name))}"
            + _caveat(found.law.verified)
        )
        console.print(escape(_(found.law.summary)))
        if found.law.course_of_conduct:
            console.print(
                escape(_("How many times: {text}").format(text=_(found.law.course_of_conduct)))
            )
    if found.orders:
        console.print()
        console.print("[bold]" + escape(_("Protective orders")) + "[/bold]")
        for kind in found.orders:
            console.print(
                f"  • {escape(_(kind.name))}: {escape(_(kind.summary))}" + _caveat(kind.verified)
            )
    console.print()
    console.print(
        "[dim]"
        + escape(
            _(
                "Information, not legal advice. Compiled {day}; entries marked (not confirmed) "
                "could not be checked against an official source."
            ).format(day=dataset.dataset().compiled_on)
        )
        + "[/dim]"
    )


def resources(
    country: str | None = typer.Option(
        None, "--country", help="Two-letter country code (ISO 3166), e.g. GB, US, JP, KR."
    ),
    region: str | None = typer.Option(
        None, "--region", help="For GB: england_wales, scotland or northern_ireland."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Emergency numbers, helplines, the law and protective orders where you are.

    With --country it works without your passphrase.
    """
    if country:
        print_resources(dataset.lookup(country, region), [])
        return
    if not common.settings(None).passphrase:
        console.print(
            "[dim]"
            + escape(_("Tip: 'safetrail resources --country GB' works without your passphrase."))
            + "[/dim]"
        )
    with open_case(vault) as opened_vault:
        code = settings.current(opened_vault).country
        contacts = planning.list_contacts(opened_vault)
        found = planning.place_resources(opened_vault, region)
    if found is None:
        emergency = emergency_for(code)
        console.print(
            escape(
                _(
                    "SafeTrail has no helpline list for {code} yet. In danger, call {number}."
                ).format(code=code, number=emergency.number)
            )
        )
        for record in contacts:
            reach = record.data.get("phone") or record.data.get("other") or ""
            console.print(f"  {escape(record.data['name'])}: {escape(reach)}")
        return
    print_resources(found, contacts)


@plan_app.command("show")
def plan_show(vault: Path | None = VaultOption) -> None:
    """Print your safety plan as it is now."""
    with open_case(vault) as opened_vault:
        view = planning.current_plan(opened_vault)
        reminders = events.order_reminders(opened_vault)
        today = planning.today(opened_vault)
    for reminder in reminders:
        console.print(f"[yellow]{escape(reminder.message())}[/yellow]")
    if view.version is None:
        console.print(_("Your safety plan is empty. Open the app's Safety plan page to start it."))
        return
    console.print(
        "[bold]"
        + escape(_("My safety plan"))
        + "[/bold] "
        + escape(_("(version {n}, saved {when})").format(n=view.version, when=view.saved_at))
    )
    if view.review_due(today):
        review = _("It is time to review your plan.")
        console.print(f"[yellow]{escape(review)}[/yellow]")
    elif view.review_on:
        console.print(escape(_("Review by {day}.").format(day=view.review_on)))
    for summary in view.sections():
        if summary.entries:
            console.print()
            console.print(f"[bold]{escape(summary.section.title_text())}[/bold]")
            for entry in summary.entries:
                console.print(f"  • {escape(entry)}")
    if view.data["contingencies"]:
        console.print()
        console.print(f"[bold]{escape(model.part_label('contingencies'))}[/bold]")
        for row in view.data["contingencies"]:
            console.print(
                "  • " + escape(_("If {when}: {then}").format(when=row["if"], then=row["then"]))
            )
    bag = [item for item in view.go_bag() if item.state and item.state != "not_needed"]
    if bag:
        console.print()
        console.print(f"[bold]{escape(model.part_label('go_bag'))}[/bold]")
        for item in bag:
            mark = "☑" if item.state == "packed" else "☐"
            console.print(f"  {mark} {escape(item.text)}")
    if view.data["escape_routes"]:
        console.print()
        console.print(f"[bold]{escape(model.part_label('escape_routes'))}[/bold]")
        for row in view.data["escape_routes"]:
            console.print(
                "  • "
                + escape(" → ".join(v for v in (row["place"], row["route"], row["go_to"]) if v))
            )
    if view.data["trusted_people"]:
        console.print()
        console.print(f"[bold]{escape(model.part_label('trusted_people'))}[/bold]")
        for row in view.data["trusted_people"]:
            console.print("  • " + escape(" · ".join(v for v in (row["name"], row["reach"]) if v)))


@plan_app.command("history")
def plan_history(vault: Path | None = VaultOption) -> None:
    """List every saved version of your plan."""
    with open_case(vault) as opened_vault:
        revisions = planning.plan_history(opened_vault)
    if not revisions:
        console.print(_("No version saved yet."))
        return
    table = Table(_("Version"), _("Saved"), _("What changed"))
    for revision in revisions:
        table.add_row(
            str(revision.version),
            revision.saved_at,
            ", ".join(revision.changed) or (revision.reason or ""),
        )
    console.print(table)


@plan_app.command("pdf")
def plan_pdf(
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the PDF."),
    version: int | None = typer.Option(
        None, "--version", help="An earlier version (see 'plan history')."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Save your safety plan as a PDF (not encrypted: keep it somewhere safe)."""
    if output.exists():
        raise ValidationError(
            _("{path} already exists; SafeTrail will not overwrite it.").format(path=output),
            _("Choose another file name."),
        )
    if not output.parent.is_dir():
        raise ValidationError(_("The folder {path} does not exist.").format(path=output.parent))
    with open_case(vault) as opened_vault:
        content = planning.plan_pdf_bytes(opened_vault, version)
    with output.open("xb") as handle:
        handle.write(content)
    ok(
        _("Saved to {path}. It is not encrypted: keep it where only you can find it.").format(
            path=output
        )
    )


def order_breach(
    ref: str = typer.Argument(..., help="The order, e.g. O-001."),
    what: str = typer.Option("", "--what", help="What happened (optional)."),
    when: str = typer.Option("now", "--when", help="When it happened (default: now)."),
    where: str | None = typer.Option(None, "--where", help="Where it happened."),
    vault: Path | None = VaultOption,
) -> None:
    """Record that an order was breached: an incident linked to the order."""
    with open_case(vault) as opened_vault:
        incident = events.record_breach(opened_vault, ref, BreachInput(what, when, where))
    ok(
        _(
            "Saved as {ref}, linked to the order. "
            "Add details with 'safetrail incident amend {ref}'."
        ).format(ref=incident.ref)
    )

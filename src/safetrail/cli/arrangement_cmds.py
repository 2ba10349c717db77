"""``safetrail arrangement``: contact that is allowed to continue (shared care of children)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from safetrail.cli.common import VaultOption, console, interactive, ok, open_case
from safetrail.i18n import _
from safetrail.services import arrangement_review, arrangements
from safetrail.services.arrangements import ArrangementInput, arrangement_summary

app = typer.Typer(
    help="Contact that must continue, for example handovers of children.", no_args_is_help=True
)


@app.command("add")
def add(
    person: str = typer.Option(..., help="With whom (person ref, e.g. P-001)."),
    channel: list[str] = typer.Option(
        ..., "--channel", help='Allowed channel, e.g. "sms:+44 7700 900123" (repeatable).'
    ),
    window: list[str] = typer.Option(
        [], "--window", help='When, e.g. "fri 17:00-19:00" (repeatable).'
    ),
    about: str | None = typer.Option(None, help="About what, e.g. handovers of the children."),
    child: list[str] = typer.Option([], "--child", help="A child's first name (repeatable)."),
    place: str | None = typer.Option(None, help="Where handovers happen."),
    source: str = typer.Option("agreement", help="order or agreement."),
    order: str | None = typer.Option(None, help="The order that sets the terms (O-001)."),
    evidence: list[str] = typer.Option([], "--evidence", help="A copy of the terms (EX-0001)."),
    starts_on: str | None = typer.Option(None, "--from", help="First day (YYYY-MM-DD)."),
    ends_on: str | None = typer.Option(None, "--until", help="Last day, if known."),
    timezone: str | None = typer.Option(None, help="Time zone of the windows (vault's zone)."),
    note: str | None = typer.Option(None, help="Anything else about it."),
    vault: Path | None = VaultOption,
) -> None:
    """Record contact that is allowed, so it is kept apart from contact that is not."""
    given = ArrangementInput(
        person, channel, window, about, child, place, source, order, evidence, starts_on, ends_on
    )
    given.timezone, given.note = timezone, note
    with open_case(vault) as opened_vault:
        record = arrangements.add_arrangement(opened_vault, given)
    ok(
        _(
            "Arrangement saved as {ref}. Run 'safetrail arrangement review' to see which "
            "messages look like they fall inside it."
        ).format(ref=record.ref)
    )


@app.command("list")
def list_all(vault: Path | None = VaultOption) -> None:
    """List arrangements."""
    with open_case(vault) as opened_vault:
        found = arrangements.list_arrangements(opened_vault, include_voided=True)
    table = Table(_("Ref"), _("About"), _("How and when"), _("From"), _("Until"))
    for record in found:
        table.add_row(
            record.ref,
            record.data.get("about") or "–",
            arrangement_summary(record.data),
            record.data.get("starts_on") or "–",
            record.data.get("ends_on") or "–",
        )
    console.print(table if found else _("No arrangements recorded."))


@app.command("show")
def show(ref: str, vault: Path | None = VaultOption) -> None:
    """Show one arrangement and how many records are marked inside it."""
    with open_case(vault) as opened_vault:
        view = arrangements.arrangement_view(opened_vault, ref)
    table = Table(show_header=False)
    for label, value in view.rows():
        table.add_row(label, value)
    console.print(table)
    console.print(
        _("Records marked inside it: {n}. Versions: {v}.").format(n=view.inside, v=view.versions)
    )


@app.command("end")
def end(
    ref: str,
    on: str = typer.Option(..., "--on", help="The last day it applied (YYYY-MM-DD)."),
    reason: str = typer.Option(..., help="Why it ended, e.g. new order."),
    vault: Path | None = VaultOption,
) -> None:
    """Record that an arrangement ended (the earlier version is kept)."""
    with open_case(vault) as opened_vault:
        record = arrangements.end_arrangement(opened_vault, ref, on, reason)
    ok(_("{ref} now ends on {day}.").format(ref=record.ref, day=on))


@app.command("mark")
def mark(
    refs: list[str] = typer.Argument(..., help="Incidents or messages, e.g. I-0004 C-12."),
    inside: str | None = typer.Option(None, "--inside", help="The arrangement (AR-001)."),
    outside: bool = typer.Option(False, "--outside", help="Outside every arrangement."),
    reason: str = typer.Option(..., help="Why, in a few words."),
    vault: Path | None = VaultOption,
) -> None:
    """Mark records inside an arrangement, or outside all of them."""
    if (inside is None) == (not outside):
        raise typer.BadParameter(_("Give either --inside AR-001 or --outside."))
    with open_case(vault) as opened_vault:
        saved = arrangements.mark(opened_vault, refs, inside, reason)
    ok(_("Marks saved: {n}.").format(n=len(saved)))


@app.command("review")
def review(
    arrangement: str | None = typer.Option(None, help="Only this arrangement (AR-001)."),
    yes: bool = typer.Option(False, "--yes", help="Confirm every suggestion shown."),
    vault: Path | None = VaultOption,
) -> None:
    """Suggestions: messages that look like permitted contact. You confirm each one."""
    with open_case(vault) as opened_vault:
        found = arrangement_review.suggest(opened_vault, arrangement)
        if not found:
            console.print(_("Nothing new looks like permitted contact."))
            return
        chosen: dict[str, list[str]] = {}
        for item in found:
            console.print(
                f"[bold]{item.ref}[/bold] {item.at:%Y-%m-%d %H:%M} {item.channel}: {item.text}"
            )
            console.print("  " + _("Why: {reasons}.").format(reasons="; ".join(item.reasons)))
            if item.threatening:
                console.print(
                    "  "
                    + _(
                        "This message contains threatening words. It stays flagged as a threat "
                        "even if you mark it inside the arrangement."
                    )
                )
            if yes or (
                interactive()
                and typer.confirm(
                    _("Inside {ref}?").format(ref=item.arrangement_ref), default=False
                )
            ):
                chosen.setdefault(item.arrangement_ref, []).append(item.ref)
        for ref, items in chosen.items():
            arrangements.mark(
                opened_vault, items, ref, _("confirmed from the suggestions"), suggested=True
            )
            ok(_("{n} records marked inside {ref}.").format(n=len(items), ref=ref))
        left = len(found) - sum(len(v) for v in chosen.values())
        if left:
            console.print(
                _("{n} suggestions left as they are; they still count as contact.").format(n=left)
            )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="arrangement")

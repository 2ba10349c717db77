"""``safetrail notice`` and ``safetrail order``: dated events that matter in court."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.i18n import _
from safetrail.services import events
from safetrail.services.events import NoticeInput, OrderInput

notice_app = typer.Typer(help="The one-time no-contact notice.", no_args_is_help=True)
order_app = typer.Typer(help="Protective orders.", no_args_is_help=True)


@notice_app.command("add")
def add_notice(
    sent_on: str = typer.Option(..., "--date", help="When you gave it (YYYY-MM-DD)."),
    method: str = typer.Option(
        ..., help=_("How: {methods}").format(methods=", ".join(events.NOTICE_METHODS))
    ),
    person: str | None = typer.Option(None, help="Who it was given to (person ref)."),
    summary: str | None = typer.Option(None, help="What it said, briefly."),
    evidence: list[str] = typer.Option([], "--evidence", help="Evidence ref (a copy of it)."),
    vault: Path | None = VaultOption,
) -> None:
    """Record that you told them, once, to stop all contact."""
    with open_case(vault) as opened_vault:
        record = events.add_notice(
            opened_vault, NoticeInput(sent_on, method, person, summary, evidence)
        )
    ok(_("Notice saved as {ref}. Contact after this date will be counted.").format(ref=record.ref))


@notice_app.command("list")
def list_notices(vault: Path | None = VaultOption) -> None:
    """List no-contact notices."""
    with open_case(vault) as opened_vault:
        found = events.list_events(opened_vault, "notice")
    table = Table(_("Ref"), _("Date"), _("How"), _("Summary"))
    for record in found:
        table.add_row(
            record.ref,
            record.data["starts_on"],
            record.data["method"],
            record.data.get("summary") or "–",
        )
    console.print(table if found else _("No notices recorded."))


@order_app.command("add")
def add_order(
    order_type: str = typer.Option(..., "--type", help="e.g. restraining order."),
    issued_on: str = typer.Option(..., "--issued", help="Date made (YYYY-MM-DD)."),
    expires_on: str | None = typer.Option(None, "--expires", help="Expiry date, if any."),
    issuer: str | None = typer.Option(None, help="Court or authority."),
    reference: str | None = typer.Option(None, help="Case or order number."),
    conditions: str | None = typer.Option(None, help="What the order forbids."),
    person: str | None = typer.Option(None, help="Who it is against (person ref)."),
    evidence: list[str] = typer.Option([], "--evidence", help="Evidence ref (a copy of it)."),
    vault: Path | None = VaultOption,
) -> None:
    """Record a protective order."""
    with open_case(vault) as opened_vault:
        record = events.add_order(
            opened_vault,
            OrderInput(
                order_type, issued_on, expires_on, issuer, reference, conditions, person, evidence
            ),
        )
    ok(_("Order saved as {ref}.").format(ref=record.ref))


@order_app.command("list")
def list_orders(vault: Path | None = VaultOption) -> None:
    """List protective orders."""
    with open_case(vault) as opened_vault:
        found = events.list_events(opened_vault, "order")
    table = Table(_("Ref"), _("Type"), _("From"), _("Until"), _("Reference"))
    for record in found:
        data = record.data
        table.add_row(
            record.ref,
            data["order_type"],
            data["starts_on"],
            data.get("ends_on") or "–",
            data.get("reference") or "–",
        )
    console.print(table if found else _("No orders recorded."))

"""``safetrail contact …``, ``safetrail checkin …`` and ``safetrail daemon``: the buddy system."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from safetrail.cli.common import VaultOption, console, ok, open_case, read_secret
from safetrail.cli.daemon_cmd import daemon
from safetrail.i18n import _
from safetrail.services import alert_setup, checkins
from safetrail.services.checkins import CheckinInput, ContactInput

contact_app = typer.Typer(
    help="Trusted contacts: who SafeTrail alerts, and in which order.", no_args_is_help=True
)
checkin_app = typer.Typer(
    help="Check-ins: tell SafeTrail where you are going and by when to expect you.",
    no_args_is_help=True,
)


# -- contacts ---------------------------------------------------------------------------------


@contact_app.command("add")
def contact_add(
    name: str = typer.Option(..., "--name", help="Their name, as alerts will greet them."),
    relationship: str | None = typer.Option(None, help="e.g. sister, friend, support worker."),
    email: str | None = typer.Option(None, help="Email address."),
    sms: str | None = typer.Option(None, "--sms", help="Mobile number for text messages."),
    webhook: str | None = typer.Option(None, help="Webhook address (https://)."),
    ask_webhook_secret: bool = typer.Option(
        False, help="Type the webhook's signing secret (otherwise SafeTrail makes one)."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Add a trusted contact (alerted after those already on the list)."""
    secret = read_secret(_("Webhook signing secret")) if webhook and ask_webhook_secret else None
    with open_case(vault) as opened_vault:
        added = checkins.add_contact(
            opened_vault, ContactInput(name, relationship, email, sms, webhook, secret)
        )
    ok(_("Saved as {ref}.").format(ref=added.record.ref))
    if added.new_webhook_secret:
        console.print(
            _("Webhook signing secret (shown only now; enter it where the alerts arrive):")
        )
        console.print(added.new_webhook_secret, markup=False)


@contact_app.command("list")
def contact_list(vault: Path | None = VaultOption) -> None:
    """List trusted contacts in the order they are alerted."""
    with open_case(vault) as opened_vault:
        found = checkins.list_contacts(opened_vault)
    if not found:
        console.print(_("No trusted contacts yet. Add one with 'safetrail contact add'."))
        return
    table = Table(_("Order"), _("Ref"), _("Name"), _("Reached by"))
    for position, contact in enumerate(found, start=1):
        table.add_row(
            str(position),
            contact.ref,
            contact.name + (f" ({contact.relationship})" if contact.relationship else ""),
            "\n".join(c.label for c in contact.channels),
        )
    console.print(table)


@contact_app.command("test")
def contact_test(
    ref: str = typer.Argument(..., help="Contact ref, e.g. TC-001; 'me' for yourself."),
    vault: Path | None = VaultOption,
) -> None:
    """Send a test message now, to see that the settings work."""
    with open_case(vault) as opened_vault:
        results = checkins.send_test(opened_vault, None if ref.lower() == "me" else ref)
    for result in results:
        mark = "[green]✓[/green]" if result.ok else "[red]✗[/red]"
        console.print(f"{mark} {result.channel}: {result.detail}", markup=True, highlight=False)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@contact_app.command("remove")
def contact_remove(
    ref: str = typer.Argument(..., help="Contact ref, e.g. TC-001."),
    vault: Path | None = VaultOption,
) -> None:
    """Stop alerting a contact (the history keeps them)."""
    with open_case(vault) as opened_vault:
        checkins.remove_contact(opened_vault, ref)
    ok(_("{ref} will not be alerted any more.").format(ref=ref))


# -- check-ins --------------------------------------------------------------------------------


@checkin_app.command("start")
def checkin_start(
    where: str = typer.Option(..., "--where", help="Where you are going."),
    by: str = typer.Option(..., "--by", help='When to expect you: "21:30", "in 2h", …'),
    with_whom: str | None = typer.Option(None, "--with", help="Who you are meeting."),
    grace: int | None = typer.Option(None, help="Extra minutes before alerting."),
    remind: int | None = typer.Option(None, help="Reminder this many minutes before (0: none)."),
    note: str | None = typer.Option(None, help="A note for your contacts, if they are alerted."),
    person: list[str] = typer.Option(
        [], "--person", help="Share this person's name (ref, e.g. P-001; repeatable)."
    ),
    photo: bool = typer.Option(False, help="Share their photo too."),
    vehicles: bool = typer.Option(False, help="Share their vehicles too."),
    vault: Path | None = VaultOption,
) -> None:
    """Start a check-in: your contacts are alerted if you do not check in in time."""
    with open_case(vault) as opened_vault:
        record = checkins.start_checkin(
            opened_vault,
            CheckinInput(
                where=where,
                expected_by=by,
                with_whom=with_whom,
                grace_minutes=grace,
                remind_minutes=remind,
                note=note,
                person_refs=person,
                photo=photo,
                vehicles=vehicles,
            ),
        )
        view = checkins.checkin_view(opened_vault, record.ref)
    ok(_("Started {ref}: check in by {when}.").format(ref=record.ref, when=view.expected_by))
    console.print(
        _("When you are safe: safetrail checkin done {ref}. Alerts start at {when}.").format(
            ref=record.ref, when=view.alert_at
        )
    )


def _close(ref: str, vault: Path | None, how: str) -> None:
    with open_case(vault) as opened_vault:
        code = None
        if checkins.codes_required(opened_vault):
            code = read_secret(_("Your check-in code"))
        checkins.close_checkin(opened_vault, ref, code, how)


@checkin_app.command("done")
def checkin_done(
    ref: str = typer.Argument(..., help="Check-in ref, e.g. CK-001."),
    vault: Path | None = VaultOption,
) -> None:
    """Check in: you are safe."""
    _close(ref, vault, "done")
    ok(_("You are checked in. Thank you."))


@checkin_app.command("cancel")
def checkin_cancel(
    ref: str = typer.Argument(..., help="Check-in ref, e.g. CK-001."),
    vault: Path | None = VaultOption,
) -> None:
    """Call a check-in off (plans changed)."""
    _close(ref, vault, "cancel")
    ok(_("Check-in called off."))


@checkin_app.command("list")
def checkin_list(vault: Path | None = VaultOption) -> None:
    """Running check-ins and recent ones."""
    with open_case(vault) as opened_vault:
        active, closed = checkins.list_checkins(opened_vault)
    if not active and not closed:
        console.print(_("No check-ins yet. Start one with 'safetrail checkin start'."))
        return
    table = Table(_("Ref"), _("Where"), _("Status"))
    for view in [*active, *closed]:
        table.add_row(view.ref, view.where, view.status_text)
    console.print(table)


@checkin_app.command("ack")
def checkin_ack(
    code: str = typer.Argument(..., help="The code from an alert, e.g. K7QD-M2XP-9RC."),
    vault: Path | None = VaultOption,
) -> None:
    """Record a contact's confirmation code (for example read out over the phone)."""
    with open_case(vault) as opened_vault:
        counted = checkins.acknowledge_code(opened_vault, code)
    if counted:
        ok(_("Recorded: the contact is dealing with it, and the alert stops escalating."))
    else:
        console.print(_("Nothing changed: that code belongs to no open alert, or was used."))


@checkin_app.command("setup")
def checkin_setup(
    name: str | None = typer.Option(None, "--name", help="Your name, as contacts know you."),
    phone: str | None = typer.Option(None, "--phone", help="Your phone, so they call you first."),
    police: str | None = typer.Option(None, help="Police number (default: your country's)."),
    public_url: str | None = typer.Option(None, help="https:// address contacts can reach."),
    smtp_host: str | None = typer.Option(None, help="Mail server, e.g. smtp.example.com."),
    smtp_port: int | None = typer.Option(None, help="Mail server port (587 or 465)."),
    smtp_security: str | None = typer.Option(None, help="starttls, tls or none (local only)."),
    smtp_from: str | None = typer.Option(None, help="Address alerts are sent from."),
    smtp_user: str | None = typer.Option(None, help="Mail server user name."),
    ask_smtp_password: bool = typer.Option(False, help="Type the mail server password."),
    sms_endpoint: str | None = typer.Option(None, help="SMS provider's message address."),
    sms_account: str | None = typer.Option(None, help="SMS provider account id."),
    ask_sms_token: bool = typer.Option(False, help="Type the SMS provider token."),
    sms_from: str | None = typer.Option(None, help="Number or name texts come from."),
    remind_email: str | None = typer.Option(None, help="Your email, for reminders."),
    remind_sms: str | None = typer.Option(None, help="Your mobile, for reminders."),
    set_codes: bool = typer.Option(False, help="Type a check-in code and an emergency code."),
    vault: Path | None = VaultOption,
) -> None:
    """Set up alerts (only the options given change). The web app has the same settings."""
    changes: dict[str, str] = {}
    given = {
        "owner_name": name,
        "owner_phone": phone,
        "police_number": police,
        "public_url": public_url,
        "smtp_host": smtp_host,
        "smtp_port": str(smtp_port) if smtp_port else None,
        "smtp_security": smtp_security,
        "smtp_sender": smtp_from,
        "smtp_username": smtp_user,
        "sms_endpoint": sms_endpoint,
        "sms_account": sms_account,
        "sms_sender": sms_from,
        "self_email": remind_email,
        "self_phone": remind_sms,
    }
    changes.update({k: v for k, v in given.items() if v is not None})
    if ask_smtp_password:
        changes["smtp_password"] = read_secret(_("Mail server password"))
    if ask_sms_token:
        changes["sms_token"] = read_secret(_("SMS provider token"))
    if set_codes:
        changes["checkin_code"] = read_secret(_("Check-in code"))
        changes["duress_code"] = read_secret(_("Emergency code (must be different)"))
    with open_case(vault) as opened_vault:
        alert_setup.save_changes(opened_vault, changes)
    ok(_("Alert settings saved."))


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""
    app.add_typer(contact_app, name="contact")
    app.add_typer(checkin_app, name="checkin")
    app.command("daemon")(daemon)

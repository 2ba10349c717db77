"""``safetrail timestamp``: trusted timestamps (RFC 3161) of the ledger head."""

from __future__ import annotations

from pathlib import Path

import typer

from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.i18n import N_, _
from safetrail.timestamps import service

WHAT_IS_SENT = N_(
    "Only a SHA-256 hash is sent: the hash of a short statement naming your ledger head. "
    "Nothing from your log leaves this computer, and the hash cannot be turned back into it."
)


def timestamp(
    on: bool = typer.Option(False, "--on", help="Turn trusted timestamps on (opt-in)."),
    off: bool = typer.Option(False, "--off", help="Turn trusted timestamps off."),
    server: list[str] = typer.Option(
        [], "--server", help="A time-stamping (RFC 3161) server address; repeatable, in order."
    ),
    default_servers: bool = typer.Option(
        False, "--default-servers", help="Go back to SafeTrail's list of servers."
    ),
    listing: bool = typer.Option(
        False, "--list", help="List the stored timestamps and check each one again."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Prove when your log was as it is now: a time-stamping authority signs its head hash.

    Off until you turn it on. Only a SHA-256 hash is sent, never your records. When it is
    on, reports and bundles also get a fresh timestamp if a network is available.
    """
    with open_case(vault) as opened_vault:
        if on or off or server or default_servers:
            chosen = service.configure(
                opened_vault,
                enabled=True if on else False if off else None,
                servers=list(server) if server else [] if default_servers else None,
            )
            state = _("on") if chosen.enabled else _("off")
            ok(_("Trusted timestamps are {state}.").format(state=state))
            console.print(_("Servers, in order: {urls}").format(urls=", ".join(chosen.servers)))
            console.print(_(WHAT_IS_SENT))
            if not chosen.enabled or off:
                return
        if listing:
            checked = service.check_stamps(opened_vault)
            if not checked:
                console.print(_("No trusted timestamp is stored yet."))
            for item, _info, problem in checked:
                verdict = _("checks out") if problem is None else _("does not check out: {why}")
                console.print(f"{service.describe(item)} " + verdict.format(why=problem or ""))
            return
        made = service.stamp(opened_vault)
    ok(service.describe(made))
    console.print(
        _("The token is kept in your vault ({ref}) and goes into every case bundle.").format(
            ref=made.ref
        )
    )


def register(app: typer.Typer) -> None:
    app.command()(timestamp)

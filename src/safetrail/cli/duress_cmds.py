"""``safetrail duress set`` and ``safetrail duress remove``: a second passphrase that opens a
decoy case (see ``services.duress``)."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from safetrail.cli import common
from safetrail.cli.common import VaultOption, ok
from safetrail.errors import WeakPassphrase
from safetrail.i18n import _
from safetrail.services import duress

app = typer.Typer(help="A duress passphrase that opens a decoy case instead of yours.")


def _new_duress() -> str:
    given = common.settings(None).duress_passphrase
    if given:
        return given
    if not common.interactive():
        raise WeakPassphrase(
            _("No duress passphrase was given."),
            _("Run this in a terminal, or set SAFETRAIL_DURESS_PASSPHRASE for scripts."),
        )
    first = getpass.getpass(_("Duress passphrase: "))
    if getpass.getpass(_("Type it again: ")) != first:
        raise WeakPassphrase(_("The two passphrases are different."), _("Try again."))
    return first


def _alert_choice(given: bool | None) -> bool:
    """Off unless the person chooses it: asked in a terminal, off in scripts."""
    if given is not None:
        return given
    if not common.interactive():
        return False
    return typer.confirm(
        _("Should using the duress passphrase also send a silent alert to your trusted contacts?"),
        default=False,
    )


AlertOption = typer.Option(
    None,
    "--alert-contacts/--no-alert-contacts",
    help="Whether a duress unlock also sends a silent alert to your trusted contacts "
    "(asked when not given; off in scripts).",
)


@app.command("set")
def set_cmd(vault: Path | None = VaultOption, alert_contacts: bool | None = AlertOption) -> None:
    """Set (or replace) the duress passphrase; it opens a fresh decoy case."""
    config = common.settings(vault)
    passphrase = common.ask_passphrase(_("Your passphrase: "))
    with common.open_local_vault(config.vault, passphrase) as opened:
        duress_passphrase = _new_duress()
        alert = _alert_choice(alert_contacts)
        duress.set_duress_passphrase(opened, passphrase, duress_passphrase, alert=alert)
    ok(
        _(
            "Duress passphrase set. If someone forces you to unlock SafeTrail, type it instead "
            "of yours: it opens a separate case with a few ordinary entries, never your record."
        )
    )
    if alert:
        ok(
            _(
                "When the duress passphrase is used, SafeTrail also sends a silent alert to your "
                "trusted contacts."
            )
        )


@app.command("remove")
def remove_cmd(vault: Path | None = VaultOption) -> None:
    """Stop the duress passphrase from working and clear its decoy case."""
    config = common.settings(vault)
    passphrase = common.ask_passphrase(_("Your passphrase: "))
    with common.open_local_vault(config.vault, passphrase) as opened:
        duress.remove_duress_passphrase(opened, passphrase)
    ok(_("Duress passphrase removed."))


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="duress")

"""Shared CLI plumbing: options, passphrase, opening the vault, printing."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from safetrail.config import Settings
from safetrail.errors import SafetrailError, WrongPassphrase
from safetrail.i18n import _, use_language
from safetrail.services.settings import preferences
from safetrail.services.vault import Vault, open_vault

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

VaultOption = typer.Option(
    None, "--vault", envvar="SAFETRAIL_VAULT", help="Vault folder (default: your user data folder)."
)


def settings(vault: Path | None) -> Settings:
    return Settings.from_env(vault)


def interactive() -> bool:
    return sys.stdin.isatty()


def ask_passphrase(prompt: str | None = None, confirm: bool = False) -> str:
    env = os.environ.get("SAFETRAIL_PASSPHRASE")
    if env:
        return env
    if not interactive():
        raise WrongPassphrase(
            _("No passphrase was given."),
            _("Run SafeTrail in a terminal, or set SAFETRAIL_PASSPHRASE for scripts."),
        )
    first = getpass.getpass(prompt or _("Passphrase: "))
    if confirm:
        again = getpass.getpass(_("Type it again: "))
        if again != first:
            raise WrongPassphrase(_("The two passphrases are different."), _("Try again."))
    return first


@contextmanager
def opened(vault_path: Path | None) -> Iterator[Vault]:
    config = settings(vault_path)
    vault = open_vault(config.vault, ask_passphrase())
    try:
        # From here on the command speaks the vault's language (when one is set).
        with use_language(preferences(vault).language):
            yield vault
    finally:
        vault.close()


def ok(message: str) -> None:
    console.print(f"[green]✓[/green] {message}")


def known_fault(exc: Exception) -> SafetrailError | None:
    """A full disk or read-only drive behind an unexpected error, told as such (never as
    damage, never with library text); None when it is something else."""
    from sqlalchemy.exc import DBAPIError

    from safetrail.storage import faults

    if isinstance(exc, OSError):
        place = Path(exc.filename).parent if isinstance(exc.filename, str) else Path.cwd()
        return faults.from_os_error(exc, place)
    if isinstance(exc, DBAPIError):
        return faults.from_database_message(str(exc.orig or exc), None)
    return None

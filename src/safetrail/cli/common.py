"""Shared CLI plumbing: options, passphrase, opening the case, printing.

Every command reaches a case through :func:`open_case` (a ``CaseContext``: the personal
vault here). The few local-only commands that need the vault folder itself (creating a
vault, backup, restore, the duress passphrase) use :func:`open_local_vault` or the
``Vault`` factories, and only from here and ``vault_cmds``/``duress_cmds``.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from safetrail.case import CaseContext
from safetrail.config import Settings
from safetrail.errors import SafetrailError, ValidationError, WeakPassphrase, WrongPassphrase
from safetrail.i18n import _, restore_language, set_language, use_language
from safetrail.services.settings import preferences
from safetrail.services.vault import Vault, open_vault

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

BUNDLE_PASSPHRASE_ENV = "SAFETRAIL_BUNDLE_PASSPHRASE"

VaultOption = typer.Option(
    None, "--vault", envvar="SAFETRAIL_VAULT", help="Vault folder (default: your user data folder)."
)


def settings(vault: Path | None) -> Settings:
    return Settings.from_env(vault)


def parse_day(text: str | None) -> date | None:
    """The day given as YYYY-MM-DD, or None when none was given."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            _("'{text}' is not a date like 2026-03-14.").format(text=text)
        ) from None


def interactive() -> bool:
    return sys.stdin.isatty()


def ask_passphrase(prompt: str | None = None, confirm: bool = False) -> str:
    env = settings(None).passphrase
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


def _no_bundle_passphrase() -> WeakPassphrase:
    return WeakPassphrase(
        _("No passphrase was given for the bundle."),
        _("Run this in a terminal, or set {env} for scripts.").format(env=BUNDLE_PASSPHRASE_ENV),
    )


def bundle_passphrase() -> str:
    """The passphrase of a bundle someone sent: from the settings, or typed in a terminal."""
    given = settings(None).bundle_passphrase or (
        getpass.getpass(_("Bundle passphrase: ")) if interactive() else ""
    )
    if not given:
        raise _no_bundle_passphrase()
    return given


def new_bundle_passphrase() -> str:
    """A passphrase for a new encrypted bundle: from the settings, or typed twice."""
    given = settings(None).bundle_passphrase
    if given:
        return given
    if not interactive():
        raise _no_bundle_passphrase()
    console.print(_("Choose a passphrase for the bundle, different from your vault's."))
    first = getpass.getpass(_("Bundle passphrase: "))
    if getpass.getpass(_("Type it again: ")) != first:
        raise WeakPassphrase(_("The two passphrases are different."), _("Try again."))
    return first


def read_secret(label: str) -> str:
    """Typed without echo in a terminal; read as one line from a pipe in scripts
    (never an option: options end up in shell history and process lists)."""
    if interactive():
        return getpass.getpass(f"{label}: ")
    line = sys.stdin.readline()
    if not line:
        raise ValidationError(
            _("{label} is needed, but nothing was typed.").format(label=label),
            _("Run the command in a terminal, or pipe the value in on its own line."),
        )
    return line.rstrip("\r\n")


def _speak_until_command_ends(language: str | None) -> None:
    """Keep ``language`` until the running command finishes (then the earlier one returns)."""
    if language is None:
        return
    try:
        from typer._click.globals import get_current_context
    except ImportError:  # another Typer layout: the language then holds inside ``opened``
        return
    context = get_current_context(silent=True)
    if context is not None:
        token = set_language(language)
        context.call_on_close(lambda: restore_language(token))


@contextmanager
def open_case(vault_path: Path | None, passphrase: str | None = None) -> Iterator[CaseContext]:
    """The case a command works on, speaking the case's language until the command ends;
    closed when the block ends. Asks for the passphrase unless ``passphrase`` is given."""
    with open_local_vault(vault_path, passphrase) as vault:
        yield vault


@contextmanager
def open_local_vault(vault_path: Path | None, passphrase: str | None = None) -> Iterator[Vault]:
    """The vault folder itself, for local-only commands (backup, duress); otherwise use
    :func:`open_case`."""
    config = settings(vault_path)
    vault = open_vault(config.vault, ask_passphrase() if passphrase is None else passphrase)
    try:
        # From here on the command speaks the vault's language (when one is set), including
        # what it prints after the vault is closed again.
        language = preferences(vault).language
        vault.language = language
        _speak_until_command_ends(language)
        with use_language(language):
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

"""``safetrail daemon``: sends check-in reminders and alerts while the vault stays unlocked."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from safetrail.checkins.runner import DAEMON_INTERVAL_SECONDS, run_daemon
from safetrail.cli.common import VaultOption, ask_passphrase, open_case
from safetrail.cli.common import settings as cli_settings

CREDENTIAL_NAME = "safetrail-passphrase"


def _daemon_passphrase(passphrase_file: Path | None) -> str:
    if passphrase_file is None:
        credentials = cli_settings(None).credentials_directory  # systemd LoadCredential=
        candidate = credentials / CREDENTIAL_NAME if credentials else None
        if candidate is not None and candidate.is_file():
            passphrase_file = candidate
    if passphrase_file is not None:
        return passphrase_file.read_text("utf-8").rstrip("\r\n")
    return ask_passphrase()


def daemon(
    interval: float = typer.Option(
        DAEMON_INTERVAL_SECONDS, min=0.05, help="Seconds between looks at the schedule."
    ),
    once: bool = typer.Option(False, help="Do what is due now, then stop (for cron or tests)."),
    passphrase_file: Path | None = typer.Option(
        None, help="Read the passphrase from this file (e.g. a systemd credential)."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Send check-in reminders and alerts: keeps running, with the vault unlocked."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    ours = logging.getLogger("safetrail")  # only SafeTrail's own lines: no contents, no keys
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    with open_case(vault, _daemon_passphrase(passphrase_file)) as case:
        code = run_daemon(case, interval=interval, once=once)
    raise typer.Exit(code)

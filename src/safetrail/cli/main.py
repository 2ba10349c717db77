"""The ``safetrail`` command. Handlers parse input, call one service, print the result."""

from __future__ import annotations

import os
import sys

import typer

from safetrail.cli import (
    analysis_cmds,
    arrangement_cmds,
    checkins_cmds,
    common,
    device_cmds,
    duress_cmds,
    events,
    evidence,
    import_cmds,
    incident,
    lookout_cmds,
    person,
    places_cmds,
    planning_cmds,
    report_cmds,
    timestamp_cmds,
    vault_cmds,
)
from safetrail.cli.help_i18n import localise
from safetrail.cli.usage_errors import run_command
from safetrail.errors import SafetrailError
from safetrail.i18n import _
from safetrail.server import cli as server_cli

app = typer.Typer(
    name="safetrail",
    help="SafeTrail: a private, encrypted log of what is happening to you, and its evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
vault_cmds.register(app)
duress_cmds.register(app)
analysis_cmds.register(app)
planning_cmds.register(app)
checkins_cmds.register(app)
report_cmds.register(app)
import_cmds.register(app)
device_cmds.register(app)
timestamp_cmds.register(app)
arrangement_cmds.register(app)
lookout_cmds.register(app)
server_cli.register(app)
app.add_typer(incident.app, name="incident")
app.add_typer(evidence.app, name="evidence")
app.add_typer(person.app, name="person")
app.add_typer(events.notice_app, name="notice")
app.add_typer(events.order_app, name="order")
app.add_typer(places_cmds.app, name="places")


def run() -> None:
    """Entry point: every failure becomes one line and a hint, never a traceback."""
    os.umask(0o077)  # anything SafeTrail creates is readable by this user only
    try:
        run_command(localise(typer.main.get_command(app)))
    except SafetrailError as exc:
        error, what_to_do = _("Error"), _("What to do")
        common.err_console.print(f"[red]{error}:[/red] {exc.message}")
        common.err_console.print(f"[dim]{what_to_do}:[/dim] {exc.hint}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        common.err_console.print(_("Stopped."))
        sys.exit(130)
    except Exception as exc:
        if common.settings(None).debug:
            raise
        fault = common.known_fault(exc)
        error, what_to_do = _("Error"), _("What to do")
        if fault is not None:
            common.err_console.print(f"[red]{error}:[/red] {fault.message}")
            common.err_console.print(f"[dim]{what_to_do}:[/dim] {fault.hint}")
            sys.exit(fault.exit_code)
        unexpected = _("Something unexpected went wrong")
        common.err_console.print(f"[red]{error}:[/red] {unexpected} ({type(exc).__name__}: {exc}).")
        common.err_console.print(
            f"[dim]{what_to_do}:[/dim] "
            + _("Run 'safetrail verify' to check that your vault is intact.")
        )
        sys.exit(70)


if __name__ == "__main__":
    run()

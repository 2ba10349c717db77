"""Command-line help in the reader's language.

Typer builds Click commands whose help comes from docstrings and ``help="…"`` texts, which are
English source strings (extracted by ``safetrail.i18n_extract.extract_cli``). Before running,
the entry point walks the command tree once and translates every help text in place.
"""

from __future__ import annotations

from typing import Any

from safetrail.i18n import _


def localise(command: Any) -> Any:
    """``command`` and everything under it, with help texts in the current language."""
    if command.help:
        command.help = _(command.help)
    if command.short_help:
        command.short_help = _(command.short_help)
    for param in command.params:
        text = getattr(param, "help", None)
        if isinstance(text, str) and text:
            param.help = _(text)
    # Typer ships its own copy of Click, so groups are recognised by their sub-commands.
    if isinstance(getattr(command, "commands", None), dict):
        for sub in command.commands.values():
            localise(sub)
    return command

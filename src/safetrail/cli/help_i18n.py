"""Command-line help in the reader's language.

Typer builds Click commands whose help comes from docstrings and ``help="…"`` texts, which are
English source strings (extracted by ``safetrail.i18n_extract.extract_cli``). Before running,
the entry point walks the command tree once and translates every help text in place.
"""

from __future__ import annotations

from typing import Any

from typer import rich_utils

from safetrail.i18n import _


def _translate_help_option(command: Any) -> None:
    """Click makes the ``--help`` option itself, with English text: give it ours."""
    make_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    command.get_help_option = get_help_option


def _translate_typer_labels() -> None:
    """The panel titles and notes Typer draws around the help (module settings of Typer)."""
    rich_utils.ARGUMENTS_PANEL_TITLE = _("Arguments")
    rich_utils.OPTIONS_PANEL_TITLE = _("Options")
    rich_utils.COMMANDS_PANEL_TITLE = _("Commands")
    rich_utils.ERRORS_PANEL_TITLE = _("Error")
    rich_utils.DEFAULT_STRING = _("[default: {}]")
    rich_utils.ENVVAR_STRING = _("[env var: {}]")
    rich_utils.REQUIRED_LONG_STRING = _("[required]")
    rich_utils.ABORTED_TEXT = _("Stopped.")
    rich_utils.RICH_HELP = _("Try [blue]'{command_path} {help_option}'[/] for help.")


def localise(command: Any) -> Any:
    """``command`` and everything under it, with help texts in the current language."""
    _translate_typer_labels()
    return _localise_tree(command)


def _localise_tree(command: Any) -> Any:
    _translate_help_option(command)
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
            _localise_tree(sub)
    return command

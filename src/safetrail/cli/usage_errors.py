"""Usage errors (a missing argument, an unknown option, a bad value) in the reader's language.

Typer writes these messages in English. The entry point runs the command tree with
``standalone_mode=False``, so the error comes back here; its message is recognised by its
English wording and said again through ``_()``, then shown the way Typer shows it. A message
not recognised (a newer Typer may word it differently) is shown as Typer wrote it. English
output stays exactly Typer's.
"""

from __future__ import annotations

import re
import sys
from typing import Any, NoReturn

import typer
from typer import rich_utils

from safetrail.i18n import N_, _, current_language

# Typer's English wording (matched whole) → what we say, with the same named parts.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), message)
    for pattern, message in (
        (r"Missing argument (?P<name>'.+')\.", N_("Missing argument {name}.")),
        (r"Missing option (?P<name>'.+')\.", N_("Missing option {name}.")),
        (
            r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
            N_("No such option: {name} (did you mean {options}?)"),
        ),
        (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
        (r"Option (?P<name>'.+') requires an argument\.", N_("Option {name} needs a value.")),
        (
            r"Option (?P<name>'.+') does not take a value\.",
            N_("Option {name} does not take a value."),
        ),
        (
            r"Got unexpected extra arguments? \((?P<args>.*)\)",
            N_("Unexpected extra words: {args}"),
        ),
        (
            r"No such command (?P<name>'.+')\. Did you mean (?P<options>.+)\?",
            N_("No such command {name}. Did you mean {options}?"),
        ),
        (r"No such command (?P<name>'.+')\.", N_("No such command {name}.")),
        (r"Missing command\.", N_("Missing command.")),
    )
)


def _value_problem(exc: Any) -> str:
    """What was wrong with a value, from the check Typer ran on it (English when unknown)."""
    errors = getattr(exc.__cause__, "errors", None)
    found = errors() if callable(errors) else []
    if not found:
        return str(exc.message)
    kind, value, limits = found[0].get("type"), found[0].get("input"), found[0].get("ctx") or {}
    if kind == "int_parsing":
        return _("'{value}' is not a whole number.").format(value=value)
    if kind == "float_parsing":
        return _("'{value}' is not a number.").format(value=value)
    if kind == "greater_than_equal":
        return _("It must be {limit} or more.").format(limit=limits.get("ge"))
    if kind == "less_than_equal":
        return _("It must be {limit} or less.").format(limit=limits.get("le"))
    return str(exc.message)


def localised_message(exc: Any) -> str | None:
    """``exc``'s message in the current language; None when it stays as Typer wrote it."""
    if current_language() == "en":
        return None
    text = str(exc.format_message())
    problem = getattr(exc, "message", None)
    prefix = "Invalid value for "
    if isinstance(problem, str) and text.startswith(prefix) and text.endswith(f": {problem}"):
        name = text[len(prefix) : len(text) - len(problem) - 2]
        return _("Invalid value for {name}: {problem}").format(
            name=name, problem=_value_problem(exc)
        )
    for pattern, message in _RULES:
        match = pattern.fullmatch(text)
        if match:
            return _(message).format(**match.groupdict())
    return None


class _Localised(typer.TyperException):
    """A usage error said again in the reader's language, shown as Typer shows its own."""

    def __init__(self, message: str, original: Any) -> None:
        super().__init__(message)
        self.ctx = getattr(original, "ctx", None)
        self.exit_code = int(original.exit_code)


def show(exc: Any) -> None:
    """Print a usage error the way Typer does, in the reader's language when we can."""
    message = localised_message(exc)
    shown: Any = exc if message is None else _Localised(message, exc)
    rich_utils.rich_format_error(shown)


def run_command(command: Any) -> NoReturn:
    """Run the Click command tree as Typer's standalone mode would, but with usage errors
    shown by :func:`show`."""
    try:
        code = command.main(standalone_mode=False)
    except typer.Abort:
        rich_utils.rich_abort_error()
        sys.exit(1)
    except typer.TyperException as exc:  # Click's errors: usage errors, bad values, …
        show(exc)
        sys.exit(getattr(exc, "exit_code", 1))
    sys.exit(code if isinstance(code, int) else 0)

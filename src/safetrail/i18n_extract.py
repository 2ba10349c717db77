"""Babel extractor for the texts a person reads in ``planning/data/resources.json``.

The data file keeps English source strings (the facts are maintained in one place, with their
sources); the planning pages pass each text through ``_`` when they show it. This extractor puts
those texts into ``safetrail.pot`` so they are translated like any other string, citations
(``source``) included. Romanised phrases (``say``), numbers, ids and dates are not translated.
"""

from __future__ import annotations

import ast
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

from babel.messages.extract import extract_python

TEXT_KEYS = frozenset(
    {
        "name",
        "source",
        "label",
        "summary",
        "about",
        "text",
        "short",
        "note",
        "hours",
        "languages",
        "meaning",
        "made_by",
        "duration",
        "breach",
        "penalties",
        "changes",
        "other_laws",
        "course_of_conduct",
    }
)

Message = tuple[int, str | None, str | tuple[str, ...], list[str]]


def texts(node: Any, key: str | None = None) -> Iterator[str]:
    """Every translatable string under ``node`` (in file order)."""
    if isinstance(node, Mapping):
        for child_key, value in node.items():
            yield from texts(value, str(child_key))
    elif isinstance(node, list):
        for value in node:
            yield from texts(value, key)
    elif isinstance(node, str) and key in TEXT_KEYS and node.strip():
        yield node


def extract_resources(
    fileobj: IO[bytes],
    keywords: Sequence[str],
    comment_tags: Sequence[str],
    options: Mapping[str, Any],
) -> Iterator[Message]:
    """Babel extraction method (see ``babel.cfg``): one message per text, line numbers unknown."""
    data = json.loads(fileobj.read().decode("utf-8"))
    for text in texts(data.get("countries", {})):
        yield 0, None, text, []


def _is_command_call(node: ast.AST) -> bool:
    """``app.command(...)`` (or ``app.callback(...)``), the call that registers a command."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("command", "callback")
    )


def _commands(tree: ast.AST) -> set[str]:
    """Names of the functions registered as commands: ``app.command()(fn)`` or a decorator."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_command_call(node.func):
            names.update(arg.id for arg in node.args if isinstance(arg, ast.Name))
        elif isinstance(node, ast.FunctionDef) and any(
            _is_command_call(d) for d in node.decorator_list
        ):
            names.add(node.name)
    return names


def _takes_options(node: ast.FunctionDef) -> bool:
    """A function whose parameters default to ``typer.Option(...)`` / ``typer.Argument(...)``."""
    for default in [*node.args.defaults, *node.args.kw_defaults]:
        if isinstance(default, ast.Call):
            func = default.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("Option", "Argument"):
                return True
    return False


def _help_texts(tree: ast.AST) -> Iterator[tuple[int, str]]:
    commands = _commands(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (node.name in commands or _takes_options(node)):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.lineno, doc
        elif isinstance(node, ast.keyword) and node.arg == "help":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                yield value.lineno, value.value


def extract_cli(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Sequence[str],
    options: Mapping[str, Any],
) -> Iterator[Message]:
    """Python extraction plus the command-line help (docstrings and ``help=`` texts).

    Typer takes a command's help from its docstring and an option's from ``help="…"``; the
    ``safetrail`` entry point translates both when it starts (``cli/help_i18n.py``).
    """
    source = fileobj.read()
    found: Any = extract_python(io.BytesIO(source), keywords, comment_tags, dict(options))  # type: ignore[arg-type]
    yield from found
    for lineno, text in _help_texts(ast.parse(source)):
        yield lineno, None, text, []

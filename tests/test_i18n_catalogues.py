"""Translation catalogues: complete, compiled, and consistent with the source strings.

Completeness: 0 untranslated, 0 fuzzy, and every string now in src/ present in the catalogue
(a new string needs `tools/catalogue.py extract` + `update` and a translation; see
docs/translating.md).
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "safetrail" / "locale"
LANGS = ("ja", "ko")

_spec = importlib.util.spec_from_file_location("catalogue_tool", ROOT / "tools" / "catalogue.py")
assert _spec and _spec.loader
catalogue_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalogue_tool)


def _po(lang: str) -> Catalog:
    with (LOCALE / lang / "LC_MESSAGES" / "safetrail.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _translated(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every msgid in src/ right now (a fresh extraction, not the committed .pot)."""
    out = tmp_path_factory.mktemp("pot") / "fresh.pot"
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [pybabel, "extract", "-F", "babel.cfg", "-o", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as handle:
        fresh = read_po(handle)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in fresh if m.id}


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_its_po(lang: str, tmp_path: Path) -> None:
    """No stale .mo: what ships is exactly what the .po says (ignoring fuzzy entries)."""
    shipped = LOCALE / lang / "LC_MESSAGES" / "safetrail.mo"
    fresh = tmp_path / "fresh.mo"
    with fresh.open("wb") as handle:
        write_mo(handle, _po(lang))
    with shipped.open("rb") as a, fresh.open("rb") as b:
        assert _content(gettext.GNUTranslations(a)) == _content(gettext.GNUTranslations(b))


# Dates in the header change on every `update` and say nothing about the translations.
_HEADER_DATES = ("pot-creation-date", "po-revision-date")


def _content(compiled: gettext.GNUTranslations) -> tuple[dict[object, str], dict[str, str]]:
    """The translations and the header fields that matter (language, plural forms)."""
    messages = {k: v for k, v in compiled._catalog.items() if k != ""}  # type: ignore[attr-defined]
    header = {k: v for k, v in compiled.info().items() if k not in _HEADER_DATES}
    return messages, header


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_their_placeholders(lang: str) -> None:
    wrong = [
        (m.id, m.string)
        for m in _po(lang)
        if m.id
        and _translated(m.string)
        and catalogue_tool.check(m.id, m.string if isinstance(m.string, str) else m.string[0])
    ]
    assert wrong == []


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_is_complete(lang: str, source_ids: set[str]) -> None:
    catalog = _po(lang)
    untranslated = [m.id for m in catalog if m.id and not _translated(m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    present = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    missing = sorted(source_ids - present)
    assert (len(untranslated), len(fuzzy), missing[:5]) == (0, 0, [])


_MARKERS = frozenset({"_", "N_", "ngettext"})


def _unextractable(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls the extractor cannot read, so their sentence would never be translated.

    Python 3.11 reads an f-string as one token: a ``_("…")`` written inside one is not seen.
    ``_(f"…")`` or ``_("…" + x)`` has no fixed English to look up, and an option's
    ``help=f"…"`` cannot be matched to a catalogue entry either.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in _MARKERS
                    and inner.args
                    and isinstance(inner.args[0], ast.Constant)
                ):
                    found.append((inner.lineno, "_() inside an f-string"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _MARKERS
            and node.args
            and isinstance(node.args[0], ast.JoinedStr | ast.BinOp)
        ):
            found.append((node.lineno, "an f-string or + inside _()"))
        elif (
            isinstance(node, ast.keyword)
            and node.arg == "help"
            and isinstance(node.value, ast.JoinedStr | ast.BinOp)
        ):
            found.append((node.lineno, "help= built from pieces"))
    return found


def test_the_extractor_sees_every_translated_string() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {why}"
        for path in sorted((ROOT / "src" / "safetrail").rglob("*.py"))
        for line, why in _unextractable(ast.parse(path.read_text("utf-8")))
    ]
    assert found == []


def test_the_unextractable_check_finds_each_form() -> None:
    source = (
        "a = f\"{_('What to do')}: {hint}\"\n"
        'b = _(f"{n} records")\n'
        "c = Option('', help='How: ' + ', '.join(METHODS))\n"
        "d = _('What to do') + ':'\n"
        "e = Option('', help=_('How: {m}').format(m=m))\n"
    )
    assert _unextractable(ast.parse(source)) == [
        (1, "_() inside an f-string"),
        (2, "an f-string or + inside _()"),
        (3, "help= built from pieces"),
    ]

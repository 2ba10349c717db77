"""Translation catalogues: complete, compiled, and consistent with the source strings.

Completeness: 0 untranslated, 0 fuzzy, and every string now in src/ present in the catalogue
(a new string needs `tools/catalogue.py extract` + `update` and a translation; see
docs/translating.md).
"""

from __future__ import annotations

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
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog  # type: ignore[attr-defined]


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

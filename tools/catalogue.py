#!/usr/bin/env python3
"""Translation catalogue helper (see docs/translating.md).

    .venv/bin/python tools/catalogue.py extract        strings from src/ -> safetrail.pot
    .venv/bin/python tools/catalogue.py update         merge the .pot into every .po
    .venv/bin/python tools/catalogue.py compile        .po -> .mo, with statistics
    .venv/bin/python tools/catalogue.py todo LANG [N]  untranslated/fuzzy entries as "key<TAB>msgid"
    .venv/bin/python tools/catalogue.py fill LANG FILE merge "key<TAB>translation" lines
    .venv/bin/python tools/catalogue.py stats          translated/fuzzy/untranslated per language

``key`` is a short hash of the msgid, so a translation file stays valid while others add strings.
In both TSV forms a newline inside a string is written as the two characters backslash and n.
``fill`` refuses a translation whose placeholders ({name}, %(name)s, %d) differ from the msgid's.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "safetrail" / "locale"
POT = LOCALE / "safetrail.pot"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))
LANGS = ("ja", "ko")
_BRACES = re.compile(r"\{[^{}]*\}")
_PERCENT = re.compile(r"%(?:\([A-Za-z_]\w*\))?[sdfr%]")


def key_of(msgid: str | tuple[str, ...]) -> str:
    first = msgid[0] if isinstance(msgid, tuple) else msgid
    return hashlib.sha1(first.encode("utf-8")).hexdigest()[:8]


def _po(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "safetrail.po"


def _read(lang: str) -> Catalog:
    with _po(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def _write(lang: str, catalog: Catalog) -> None:
    with _po(lang).open("wb") as handle:
        write_po(handle, catalog, width=None, sort_by_file=True)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(text[i + 1], text[i : i + 2]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _todo_entries(catalog: Catalog) -> list[Message]:
    return [
        m
        for m in catalog
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]


def placeholders(text: str) -> tuple[list[str], list[str]]:
    return sorted(set(_BRACES.findall(text))), sorted(set(_PERCENT.findall(text)))


def check(msgid: str | tuple[str, ...], text: str) -> str | None:
    """Why ``text`` cannot translate ``msgid`` (placeholders differ), or None."""
    sources = [msgid] if isinstance(msgid, str) else list(msgid)
    mine = placeholders(text)
    for source in sources:
        theirs = placeholders(source)
        # A plural's singular may leave the number out ("one record"); the plural may not.
        if mine == theirs or (source is not sources[-1] and set(mine[0]) <= set(theirs[0])):
            continue
        if isinstance(msgid, tuple) and source is sources[0]:
            continue
        return f"placeholders {theirs} in the msgid but {mine} in the translation"
    return None


def extract() -> None:
    subprocess.run(
        [
            PYBABEL,
            "extract",
            "-F",
            "babel.cfg",
            "--no-wrap",
            "--sort-by-file",
            "--project",
            "SafeTrail",
            "-c",
            "Translators:",
            "-o",
            str(POT),
            ".",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def update() -> None:
    for lang in LANGS:
        if not _po(lang).exists():
            subprocess.run(
                [PYBABEL, "init", "-i", str(POT), "-d", str(LOCALE), "-D", "safetrail", "-l", lang],
                check=True,
            )
    subprocess.run(
        [
            PYBABEL,
            "update",
            "-i",
            str(POT),
            "-d",
            str(LOCALE),
            "-D",
            "safetrail",
            "--no-wrap",
            "--ignore-obsolete",
            "--no-fuzzy-matching",
        ],
        check=True,
    )


def compile_all() -> None:
    # --use-fuzzy stays off: a fuzzy entry is a guess and must be reviewed first.
    subprocess.run([PYBABEL, "compile", "-d", str(LOCALE), "-D", "safetrail", "--statistics"])


def todo(lang: str, limit: int | None) -> None:
    entries = _todo_entries(_read(lang))
    for message in entries[:limit]:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        print(key_of(message.id) + "\t" + "\t".join(_escape(i) for i in ids))
    print(f"# {len(entries)} to do", file=sys.stderr)


def fill(lang: str, source: Path) -> int:
    catalog = _read(lang)
    by_key = {key_of(m.id): m for m in catalog if m.id}
    problems = filled = 0
    for number, line in enumerate(source.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, text = line.partition("\t")
        message = by_key.get(key.strip())
        if not sep or message is None:
            print(f"{source}:{number}: unknown key {key!r}", file=sys.stderr)
            problems += 1
            continue
        text = _unescape(text.strip())
        why = check(message.id, text)
        if why:
            print(f"{source}:{number}: {why}", file=sys.stderr)
            problems += 1
            continue
        if isinstance(message.id, tuple):
            count = len(message.string) if isinstance(message.string, tuple) else 1
            message.string = tuple([text] * count)
        else:
            message.string = text
        message.flags.discard("fuzzy")
        filled += 1
    _write(lang, catalog)
    print(f"{filled} filled, {problems} refused, {len(_todo_entries(catalog))} still to do")
    return 1 if problems else 0


def stats() -> None:
    for lang in LANGS:
        catalog = _read(lang)
        entries = [m for m in catalog if m.id]
        fuzzy = sum(1 for m in entries if m.fuzzy)
        left = len(_todo_entries(catalog))
        print(f"{lang}: {len(entries)} messages, {left - fuzzy} untranslated, {fuzzy} fuzzy")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "todo" and len(argv) >= 2:
        todo(argv[1], int(argv[2]) if len(argv) > 2 else None)
    elif command == "fill" and len(argv) == 3:
        return fill(argv[1], Path(argv[2]))
    elif command == "stats":
        stats()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""CSV that a spreadsheet opens as text only: no cell can become a formula.

Spreadsheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a
tab or carriage return before one) as a formula, so an incident text such as
``=HYPERLINK("http://…","x")`` would turn into a live link or worse when a lawyer opens the
export. Every text cell that starts with one of those characters is written with an
apostrophe in front, the spreadsheet convention for "this is text". Nothing else changes; to
get the exact original text, drop that one leading apostrophe (the JSON export never adds it).
Numbers written as numbers are left alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"


def cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return MARK + value
    return value


class SafeWriter:
    """``csv.writer`` whose every row passes through :func:`cell`."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, lineterminator: str = "\r\n") -> SafeWriter:
    return SafeWriter(out, lineterminator=lineterminator)

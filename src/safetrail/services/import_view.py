"""What the import command needs before it runs an import: the options, and CSV previews."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from safetrail.case import CaseContext
from safetrail.importers.base import CsvMapping
from safetrail.importers.csvfile import CsvPreview, preview
from safetrail.importers.sources import FileSource
from safetrail.services.imports import mappings
from safetrail.services.imports.run import ImportOptions

CSV_FIELDS = ("timestamp", "counterpart", "direction", "kind", "duration", "text")


@dataclass(frozen=True)
class ImportRequest:
    """The import options as given on the command line."""

    format: str | None = None
    me: str | None = None
    day_first: bool | None = None
    timezone: str | None = None
    columns: tuple[str, ...] = ()
    mapping_name: str | None = None


def import_options(
    vault: CaseContext, paths: list[Path], given: ImportRequest
) -> ImportOptions | None:
    """The options to import ``paths`` with; None when CSV files still need a column mapping."""
    mapping: CsvMapping | None = None
    if given.mapping_name:
        mapping = mappings.find_mapping(vault, given.mapping_name)
    if given.columns:
        mapping = mappings.mapping_from_pairs(list(given.columns), mapping)
    format = given.format
    wants_csv = format == "csv" or (
        format is None and all(p.suffix.casefold() in (".csv", ".tsv") for p in paths)
    )
    if wants_csv and mapping is None:
        return None
    if mapping is not None and format is None:
        format = "csv"
    return ImportOptions(
        format=format,
        me=given.me,
        day_first=given.day_first,
        csv_mapping=mapping,
        timezone=given.timezone,
    )


@dataclass(frozen=True)
class CsvLook:
    """The first rows of one CSV file and the ``--map`` options SafeTrail suggests for it."""

    name: str
    found: CsvPreview
    #: None when SafeTrail has no suggestion
    suggested: tuple[str, ...] | None


def csv_looks(paths: list[Path]) -> Iterator[CsvLook]:
    """A look at each CSV file among ``paths``, one at a time (folders and missing files are
    passed over)."""
    for path in paths:
        if not path.is_file():
            continue
        found = preview(FileSource(path))
        mapping = found.suggested
        pairs = None
        if mapping is not None:
            pairs = tuple(
                f"--map {name}={getattr(mapping, name)}"
                for name in CSV_FIELDS
                if getattr(mapping, name)
            )
        yield CsvLook(path.name, found, pairs)

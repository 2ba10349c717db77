"""Saved CSV column mappings (records of kind "mapping"), so a carrier's layout is set once."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from safetrail.case import CaseContext
from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.importers.base import CsvMapping

__all__ = ["find_mapping", "mapping_from_pairs", "save_mapping", "saved_mappings"]

_FIELDS = {f.name for f in fields(CsvMapping)}
_TUPLES = {"incoming_values", "outgoing_values", "missed_values"}


def mapping_from_json(data: dict[str, Any]) -> CsvMapping:
    values: dict[str, Any] = {
        k: tuple(v) if k in _TUPLES else v for k, v in data.items() if k in _FIELDS
    }
    return CsvMapping(**values)


def mapping_from_pairs(pairs: list[str], base: CsvMapping | None = None) -> CsvMapping:
    """``["timestamp=Date", "counterpart=Number", ...]`` on top of ``base``."""
    values: dict[str, Any] = asdict(base) if base else {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in _FIELDS:
            raise ValidationError(
                _("'{pair}' is not a column mapping.").format(pair=pair),
                _("Write FIELD=COLUMN, e.g. timestamp=Date; fields: {names}.").format(
                    names=", ".join(sorted(_FIELDS))
                ),
            )
        if key in _TUPLES:
            values[key] = tuple(v.strip().casefold() for v in value.split(",") if v.strip())
        elif key == "has_header":
            values[key] = value.strip().casefold() in ("1", "yes", "true", "y")
        else:
            values[key] = value
    if "timestamp" not in values or "counterpart" not in values:
        raise ValidationError(
            _("A CSV mapping needs at least the timestamp and counterpart columns."),
            _("For example: --map timestamp=Date --map counterpart=Number"),
        )
    return mapping_from_json(values)


def saved_mappings(vault: CaseContext) -> dict[str, CsvMapping]:
    found: dict[str, CsvMapping] = {}
    with vault.read() as conn:
        for record_id in vault.store.list_ids(conn, "mapping"):
            record = vault.store.get(conn, record_id)
            if not record.voided:
                found[str(record.data["name"])] = mapping_from_json(record.data["mapping"])
    return found


def find_mapping(vault: CaseContext, name: str) -> CsvMapping:
    found = saved_mappings(vault).get(name)
    if found is None:
        raise ValidationError(
            _("There is no saved column mapping called '{name}'.").format(name=name),
            _("Save one with --save-mapping NAME the first time you import that layout."),
        )
    return found


def save_mapping(vault: CaseContext, name: str, mapping: CsvMapping) -> None:
    data = {
        "name": name,
        "mapping": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(mapping).items()},
    }
    with vault.write() as conn:
        for record_id in vault.store.list_ids(conn, "mapping"):
            record = vault.store.get(conn, record_id)
            if not record.voided and record.data.get("name") == name:
                if record.data != data:
                    vault.store.amend(conn, record_id, data, _("mapping changed"))
                return
        vault.store.create(conn, "mapping", data)

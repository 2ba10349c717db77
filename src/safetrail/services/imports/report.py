"""What an import found and did, per file: counted, explained, stored with the import."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_EXAMPLES", "ImportReport", "SourceReport"]

MAX_EXAMPLES = 20
MAX_UNMATCHED = 2000


@dataclass
class SourceReport:
    name: str
    importer: str = ""
    importer_label: str = ""
    evidence_ref: str | None = None
    sha256: str | None = None
    records: int = 0
    new: int = 0
    duplicates: int = 0
    #: records the vault held already whose direction this import corrected
    revised: int = 0
    #: records that carry only the local time of the device that made the export, and
    #: the time zone they were read in
    local_times: int = 0
    local_zone: str | None = None
    skipped: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, str]] = field(default_factory=list)
    rest_lost: str | None = None
    refused: str | None = None
    first_at: str | None = None
    last_at: str | None = None

    def skip(self, position: str, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((position, reason))

    def seen(self, stamp: str) -> None:
        if self.first_at is None or stamp < self.first_at:
            self.first_at = stamp
        if self.last_at is None or stamp > self.last_at:
            self.last_at = stamp

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "importer": self.importer,
            "evidence_ref": self.evidence_ref,
            "sha256": self.sha256,
            "records": self.records,
            "new": self.new,
            "duplicates": self.duplicates,
            "revised": self.revised,
            "local_times": self.local_times,
            "local_zone": self.local_zone,
            "skipped": dict(sorted(self.skipped.items())),
            "examples": [list(e) for e in self.examples],
            "rest_lost": self.rest_lost,
            "refused": self.refused,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


@dataclass
class PersonCount:
    ref: str
    name: str
    count: int = 0


@dataclass
class ImportReport:
    preview: bool
    ref: str | None = None
    status: str = "running"
    sources: list[SourceReport] = field(default_factory=list)
    people: dict[str, PersonCount] = field(default_factory=dict)
    unmatched: Counter[str] = field(default_factory=Counter)
    #: on undo: records whose earlier values were given back
    revised: int = 0
    incidents_created: int = 0
    incidents_amended: int = 0
    incidents_voided: int = 0
    attachments_stored: int = 0
    #: files inside archives and folders that are not exports (photos, voice notes, …)
    other_files: int = 0
    seconds: float = 0.0
    #: why a failed import stopped (a full disk, a read-only folder), and what to do
    error: str | None = None
    hint: str | None = None
    exit_code: int = 0
    #: the import record could not be given its final version (it is settled on next open)
    record_pending: bool = False

    def count_unmatched(self, who: str, times: int = 1) -> None:
        """Count ``who`` (``times`` records): every name seen once the list holds
        ``MAX_UNMATCHED`` names is left out, so counting names in the order they were first
        seen, each with all its records, gives what counting record by record gives."""
        if who in self.unmatched or len(self.unmatched) < MAX_UNMATCHED:
            self.unmatched[who] += times

    @property
    def records(self) -> int:
        return sum(s.records for s in self.sources)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def duplicates(self) -> int:
        return sum(s.duplicates for s in self.sources)

    @property
    def skipped(self) -> int:
        return sum(s.skipped_total for s in self.sources)

    @property
    def corrected(self) -> int:
        """Records already held whose direction this import corrected (see ``revised``
        for those an undo gave back)."""
        return sum(s.revised for s in self.sources)

    @property
    def first_at(self) -> str | None:
        stamps = [s.first_at for s in self.sources if s.first_at]
        return min(stamps) if stamps else None

    @property
    def last_at(self) -> str | None:
        stamps = [s.last_at for s in self.sources if s.last_at]
        return max(stamps) if stamps else None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "records": self.records,
            "new": self.new,
            "duplicates": self.duplicates,
            "corrected": self.corrected,
            "skipped": self.skipped,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "sources": [s.to_json() for s in self.sources],
            "people": {pid: [p.ref, p.count] for pid, p in sorted(self.people.items())},
            "unmatched": self.unmatched.most_common(10),
            "incidents": {
                "created": self.incidents_created,
                "amended": self.incidents_amended,
                "voided": self.incidents_voided,
            },
            "attachments_stored": self.attachments_stored,
            "other_files": self.other_files,
            **({"error": self.error, "hint": self.hint} if self.error else {}),
        }

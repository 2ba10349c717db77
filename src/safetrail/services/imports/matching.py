"""Who a counterpart is: their normalised identifier, or their name, against the people."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from safetrail.storage.records import format_ref
from safetrail.storage.tables import people, person_identifiers, records

__all__ = ["Matcher", "PersonInfo"]

_FOLDED_MAX = 65536


def fold_name(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class PersonInfo:
    id: str
    ref: str
    name: str
    role: str


@dataclass
class Matcher:
    """Identifiers (kind, normalised) and display names → person, loaded once per import."""

    by_identifier: dict[tuple[str, str], str] = field(default_factory=dict)
    by_value: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    people: dict[str, PersonInfo] = field(default_factory=dict)
    #: names folded already (most exports repeat a few hundred names)
    _folded: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, conn: Connection) -> Matcher:
        found = cls()
        rows = conn.execute(
            select(people.c.record_id, people.c.display_name, people.c.role, records.c.ref_no)
            .join(records, records.c.id == people.c.record_id)
            .where(people.c.voided.is_(False))
        )
        for person_id, name, role, ref_no in rows:
            found.people[person_id] = PersonInfo(
                person_id, format_ref("person", ref_no), name, role
            )
            found.by_name.setdefault(fold_name(name), person_id)
        for person_id, kind, normalised in conn.execute(
            select(
                person_identifiers.c.person_id,
                person_identifiers.c.kind,
                person_identifiers.c.normalised,
            )
        ):
            if person_id in found.people:
                found.by_identifier.setdefault((kind, normalised), person_id)
                found.by_value.setdefault(normalised, person_id)
                found.by_name.setdefault(fold_name(normalised), person_id)
        return found

    def match(
        self,
        kind: str | None,
        normalised: str | None,
        raw: str | None,
        name: str | None = None,
    ) -> str | None:
        """The person this counterpart is, or None. Exact identifier first, then the same
        normalised value under another kind, then the display name (for chat apps)."""
        if normalised is not None:
            if kind is not None:
                found = self.by_identifier.get((kind, normalised))
                if found:
                    return found
            found = self.by_value.get(normalised)
            if found:
                return found
        for text in (raw, name):
            if text:
                folded = self._folded.get(text)
                if folded is None:
                    folded = fold_name(text)
                    if len(self._folded) < _FOLDED_MAX:
                        self._folded[text] = folded
                found = self.by_name.get(folded)
                if found:
                    return found
        return None

"""From a parsed record to a stored row: identifiers normalised, times in UTC, hashes.

``dedupe_key`` identifies a communication independently of the file it came from, so the
same message in two overlapping exports is stored once: channel, kind, the UTC second,
who, text, duration, and how many identical records came in the same second before it
(two "ok" replies in one minute stay two messages). "Who" is the sender as the export
writes it when there is one (chats); only records without a sender (texts, calls, e-mail
headers) use the direction and the normalised counterpart, which their exports state. So a
chat's records keep their identity whichever way its direction was guessed: importing it
again with ``--me`` finds the same records and corrects them (see
:mod:`safetrail.services.imports.writer`).
The key starts with that second, so the index stays in time order while a large export
is written. ``content_sha256`` covers every stored field; batches of these hashes are chained in the
ledger.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from safetrail.domain.identifiers import parse_identifier
from safetrail.errors import ValidationError
from safetrail.importers.base import ParsedRecord

__all__ = ["COLUMNS", "Row", "RowBuilder", "content_digest", "digest_values"]

#: stored columns in insert order (besides id, import_id, batch_no, person_id, undone)
COLUMNS = (
    "source_no",
    "dedupe_key",
    "kind",
    "channel",
    "direction",
    "at",
    "wall_time",
    "counterpart_kind",
    "counterpart",
    "counterpart_raw",
    "counterpart_name",
    "sender",
    "participants",
    "text",
    "subject",
    "duration",
    "outcome",
    "withheld",
    "thread",
    "source_id",
    "system",
    "attachments",
    "position",
    "content_sha256",
)
#: the columns the content hash covers, in this order (all but the hash itself)
HASHED = COLUMNS[:-1]
N_HASHED = len(HASHED)
#: positions in a row list: the stored columns in COLUMNS order, then the person id
DEDUPE = COLUMNS.index("dedupe_key")
DIRECTION = COLUMNS.index("direction")
WALL_TIME = COLUMNS.index("wall_time")
COUNTERPART_RAW = COLUMNS.index("counterpart_raw")
AT = COLUMNS.index("at")
COUNTERPART_KIND = COLUMNS.index("counterpart_kind")
COUNTERPART = COLUMNS.index("counterpart")
ATTACHMENTS = COLUMNS.index("attachments")
HASH = COLUMNS.index("content_sha256")
PERSON = len(COLUMNS)
#: a row as the writer takes it: a tuple (or, as built, a list) of the stored columns in
#: COLUMNS order, then the person id
Row = Sequence[Any]
_SEP = "\x1f"
_RECENT_SECONDS = 4096


def _text(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


_HASHED_FIELDS = operator.itemgetter(*HASHED)


def digest_values(values: Sequence[object]) -> str:
    """SHA-256 over the ``repr`` of the hashed values as a tuple: exact for the str, int,
    bool and None values these columns hold, and computed in C."""
    return hashlib.sha256(repr(tuple(values)).encode("utf-8")).hexdigest()


def content_digest(row: Mapping[str, object]) -> str:
    """The content hash of a stored row given by column name (used by verify)."""
    return digest_values(_HASHED_FIELDS(row))


def clean(value: str | None) -> str | None:
    """Text as the database can store it: lone surrogates and NULs replaced."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _stamp(moment: datetime) -> str:
    """Same text as ``utc_stamp`` ("2024-03-09T21:40:00.000000Z"), by the faster route."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


@dataclass
class Identified:
    kind: str | None
    normalised: str | None


class RowBuilder:
    """Turns parsed records into row dicts for one source of one import."""

    def __init__(self, region: str, timezone: str, source_no: int) -> None:
        self.region = region
        self.zone = ZoneInfo(timezone)
        self.source_no = source_no
        self._recent: OrderedDict[str, Counter[str]] = OrderedDict()
        self._identify = lru_cache(maxsize=65536)(self._identify_uncached)

    def _identify_uncached(self, raw: str) -> Identified:
        try:
            found = parse_identifier(raw, self.region)
        except ValidationError:
            return Identified(None, None)
        return Identified(found.kind, found.normalised)

    def identify(self, raw: str | None) -> Identified:
        if raw is None or not raw.strip():
            return Identified(None, None)
        return self._identify(raw)

    def _occurrence(self, second: str, base: str) -> int:
        seen = self._recent.get(second)
        if seen is None:
            seen = Counter()
            self._recent[second] = seen
            if len(self._recent) > _RECENT_SECONDS:
                self._recent.popitem(last=False)
        number = seen[base]
        seen[base] = number + 1
        return number

    def row(self, record: ParsedRecord) -> list[Any]:
        at = record.at
        wall_time = at.tzinfo is None
        if wall_time:
            at = at.replace(tzinfo=self.zone)
        stamp = _stamp(at)
        who = self.identify(record.counterpart)
        attachments = [
            {
                "name": a.name,
                "media_type": a.media_type,
                "note": a.note,
                "member": a.member,
            }
            for a in record.attachments
        ]
        text = clean(record.text)
        sender = record.sender
        if sender:  # who wrote it: the same whichever way the direction was guessed
            key_direction, key_who = "", "\x02" + sender
        else:
            key_direction, key_who = record.direction or "", who.normalised or ""
        base = _SEP.join(
            (
                record.channel,
                record.kind,
                key_direction,
                key_who,
                text or "",
                _text(record.duration),
                _text(record.system),
            )
        )
        occurrence = self._occurrence(stamp[:19], base)
        digest = hashlib.sha256(
            f"{stamp[:19]}{_SEP}{base}{_SEP}{occurrence}".encode("utf-8", "surrogatepass")
        ).hexdigest()
        # time first: keys of records in time order land next to each other in the index
        dedupe = f"{stamp[:19]}/{digest[:32]}"
        return [
            self.source_no,
            dedupe,
            record.kind,
            record.channel,
            record.direction,
            stamp,
            wall_time,
            who.kind,
            who.normalised,
            clean(record.counterpart),
            clean(record.counterpart_name),
            clean(record.sender),
            json.dumps(list(record.participants), ensure_ascii=False)
            if record.participants
            else None,
            text,
            clean(record.subject),
            record.duration,
            record.outcome,
            record.withheld,
            clean(record.thread),
            clean(record.source_id),
            record.system,
            json.dumps(attachments, ensure_ascii=False) if attachments else None,
            record.position,
            "",
            None,
        ]

"""The contract every importer keeps.

An importer turns one export file into :class:`ParsedRecord` items (or :class:`Skipped`
items for what it could not read). It is a pure function of the bytes it is given: it never
opens paths itself, never touches the vault, never reaches the network. Finding the files
(a plain file, a member of a .zip, a folder) is :mod:`safetrail.importers.sources`; storing
records is :mod:`safetrail.services.imports`.

Rules for parsers:

* Only :class:`ImportFormatError` (or a subclass of :class:`safetrail.errors.SafetrailError`)
  may escape ``parse``; anything a record gets wrong becomes a ``Skipped`` item with a plain
  reason, and parsing goes on with the next record.
* Damage that ends the readable part of a file (truncation, broken XML) yields one
  ``Skipped`` with ``rest_lost=True`` after every complete record before it.
* Memory stays bounded: read the stream in pieces; never ``read()`` a whole file unless the
  format makes that unavoidable and the size is checked first.
* Times: an aware ``datetime`` when the source says which instant it means (epoch numbers,
  ISO strings with offsets); a naive one when the source only has the wall-clock time of the
  exporting phone (WhatsApp). The import service puts naive times in the vault's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Literal, Protocol, runtime_checkable

from safetrail.errors import InputFileError

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "Attachment",
    "CallOutcome",
    "CsvMapping",
    "Direction",
    "ImportFormatError",
    "Importer",
    "Item",
    "ParseOptions",
    "ParsedRecord",
    "Probe",
    "RecordKind",
    "Skipped",
    "Source",
]

RecordKind = Literal["message", "call"]
Direction = Literal["incoming", "outgoing"]
CallOutcome = Literal["answered", "missed", "rejected", "voicemail", "blocked"]

#: Attachments larger than this are not stored (the record is kept and the skip is reported).
MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024


class ImportFormatError(InputFileError):
    """The file cannot be read as the chosen format at all (nothing in it was usable)."""

    default_hint = (
        "Check that this is the export file itself (not a screenshot or a shortcut), "
        "or choose the format by hand."
    )


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a record.

    Exactly one of ``member`` (the name of another file in the same .zip or folder, read
    through :meth:`Source.sibling`) and ``data`` (bytes carried inside the record, e.g. MMS
    parts or e-mail attachments) is set, or neither when the export left the file out
    (``note`` then says so, e.g. "not included in the export").
    """

    name: str
    media_type: str | None = None
    member: str | None = None
    data: bytes | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One message or call as the export shows it.

    ``position`` says where it was found, in words a person can check against the file
    ("line 120", "record 45", "message 12 of chat 'Alex'"). ``counterpart`` is the other
    party's raw identifier (phone number, e-mail address, user name or display name) as the
    file spells it; normalising and matching to people happens later. ``sender`` is who
    wrote a message in a group conversation. ``source_id`` is the export's own id for the
    record, when it has one.
    """

    position: str
    kind: RecordKind
    channel: str
    at: datetime
    direction: Direction | None = None
    counterpart: str | None = None
    counterpart_name: str | None = None
    sender: str | None = None
    participants: tuple[str, ...] = ()
    text: str | None = None
    subject: str | None = None
    duration: int | None = None
    outcome: CallOutcome | None = None
    withheld: bool = False
    thread: str | None = None
    source_id: str | None = None
    system: bool = False
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something that could not be read, and why, in a sentence a person understands.

    ``rest_lost`` marks damage after which nothing more of the file could be read.
    """

    position: str
    reason: str
    rest_lost: bool = False


Item = ParsedRecord | Skipped


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Which CSV column holds what. Column names (header) or 0-based numbers as text."""

    timestamp: str
    counterpart: str
    direction: str | None = None
    kind: str | None = None
    text: str | None = None
    duration: str | None = None
    name: str | None = None
    #: strptime layout for the timestamp column; None: ISO 8601 or epoch seconds/ms.
    time_format: str | None = None
    delimiter: str | None = None
    has_header: bool = True
    #: values of the direction column meaning incoming / outgoing / missed (case-folded).
    incoming_values: tuple[str, ...] = ("in", "incoming", "received", "1", "inbound")
    outgoing_values: tuple[str, ...] = ("out", "outgoing", "sent", "2", "outbound")
    missed_values: tuple[str, ...] = ("missed", "3", "unanswered")
    channel: str = "phone"


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What a parser may need to know beyond the bytes.

    ``region``: the vault's default country for phone numbers (ISO 3166 code).
    ``me``: the name the person uses in chats (to tell their own messages from others');
    parsers guess it when it is None. ``csv_mapping``: for the generic CSV importer.
    ``day_first``: force day/month order for exports whose dates do not decide it.
    """

    region: str = "US"
    me: str | None = None
    csv_mapping: CsvMapping | None = None
    day_first: bool | None = None
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES


@dataclass(frozen=True, slots=True)
class Probe:
    """What detection may look at: the file's name (path inside its container, as given),
    its size and its first bytes (at most 64 KiB)."""

    name: str
    size: int
    head: bytes = field(repr=False)


class Source(Protocol):
    """One input file, wherever it lives (see :mod:`safetrail.importers.sources`)."""

    @property
    def name(self) -> str:
        """Name shown to the person, e.g. ``chat.zip › _chat.txt``."""

    @property
    def member(self) -> str:
        """Path of the file inside its container (or the file name for a plain file)."""

    @property
    def size(self) -> int: ...

    def open(self) -> BinaryIO:
        """A fresh binary stream over the file's bytes (call again for a second pass)."""

    def sibling(self, member: str) -> Source | None:
        """Another file of the same .zip or folder (for attachments), if there is one."""

    def members(self) -> list[str]:
        """Every other file of the same .zip or folder (empty for a plain file)."""


@runtime_checkable
class Importer(Protocol):
    """One export format."""

    #: short stable name, used with ``--format`` and stored as provenance
    name: str
    #: bumped whenever the records it yields for the same bytes change
    version: str
    #: what the person sees, e.g. "WhatsApp chat export"
    label: str

    def detect(self, probe: Probe) -> float:
        """How sure this importer is that it reads this file: 0.0 (no) to 1.0 (certain)."""

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        """Records in file order; see the module docstring for the rules."""

"""Imported communications: many rows, written in batches, each batch chained in the ledger.

``communications``         one row per imported message or call. Its fields come from
                           the export; ``content_sha256`` covers them, and the rows of one
                           batch are chained in the ledger as one entry ("import.batch",
                           record = the import, version = the batch number), so ``verify``
                           proves no row was changed, added or removed. ``person_id`` (who
                           the counterpart is) and ``undone`` are derived: the first from
                           the people's identifiers at import time, the second from the
                           import record's status.
``communication_incidents`` which summary incident covers which communication.
``communication_revisions`` a later import's correction of a communication's direction and
                           counterpart (e.g. imported again with ``--me``): the values
                           *before* the correction and the content hashes before and after.
                           The row in ``communications`` holds the newest values; each import's
                           revisions are chained in the ledger ("import.revise", record = the
                           import, version = its batch number).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table

from safetrail.storage.columns import (
    HASH,
    ID,
    STAMP,
    MatchText,
    SecretFloat,
    SecretText,
    metadata,
)

communications = Table(
    "communications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("import_id", ID, ForeignKey("records.id"), nullable=False),
    Column("batch_no", Integer, nullable=False),
    Column("source_no", Integer, nullable=False),
    Column("dedupe_key", HASH, nullable=False),
    Column("content_sha256", HASH, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("direction", String(8), nullable=True),
    Column("at", STAMP, nullable=False),
    Column("wall_time", Boolean, nullable=False),
    Column("counterpart_kind", String(8), nullable=True),
    Column("counterpart", MatchText(String(320)), nullable=True),
    Column("counterpart_raw", SecretText(), nullable=True),
    Column("counterpart_name", SecretText(), nullable=True),
    Column("sender", SecretText(), nullable=True),
    Column("participants", SecretText(), nullable=True),
    Column("text", SecretText(), nullable=True),
    Column("subject", SecretText(), nullable=True),
    Column("duration", Integer, nullable=True),
    Column("outcome", String(12), nullable=True),
    Column("withheld", Boolean, nullable=False),
    Column("thread", SecretText(), nullable=True),
    Column("source_id", SecretText(), nullable=True),
    Column("system", Boolean, nullable=False),
    Column("attachments", SecretText(), nullable=True),
    Column("position", SecretText(), nullable=False),
    Column("person_id", ID, nullable=True),
    Column("undone", Boolean, nullable=False),
    # (person, time) also serves "withheld, nobody, in this span" (person_id IS NULL);
    # few indexes keep a million-row import fast
    Index("ix_communications_person_at", "person_id", "at"),
    Index("ix_communications_dedupe", "dedupe_key"),
)

communication_incidents = Table(
    "communication_incidents",
    metadata,
    Column("communication_id", Integer, ForeignKey("communications.id"), primary_key=True),
    Column("incident_id", ID, ForeignKey("records.id"), primary_key=True),
    Index("ix_communication_incidents_incident", "incident_id"),
)

communication_revisions = Table(
    "communication_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("communication_id", Integer, ForeignKey("communications.id"), nullable=False),
    Column("import_id", ID, ForeignKey("records.id"), nullable=False),
    Column("batch_no", Integer, nullable=False),
    Column("direction", String(8), nullable=True),
    Column("counterpart_kind", String(8), nullable=True),
    Column("counterpart", MatchText(String(320)), nullable=True),
    Column("counterpart_raw", SecretText(), nullable=True),
    Column("person_id", ID, nullable=True),
    Column("before_sha256", HASH, nullable=False),
    Column("after_sha256", HASH, nullable=False),
    Index("ix_communication_revisions_communication", "communication_id"),
)

#: the person's own places (Google location history): a private track, never a
#: communication and never in a shared output unless chosen. ``source_sha256`` is the
#: imported file's (kept encrypted in the vault's blobs); each batch of rows is chained in
#: the ledger ("places.batch", record = None, version = the batch's number) over their
#: ``content_sha256``.
own_places = Table(
    "own_places",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_no", Integer, nullable=False),
    Column("source_sha256", HASH, nullable=False),
    Column("place_key", MatchText(String(120)), nullable=False),
    Column("position", SecretText(), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("start_at", STAMP, nullable=False),
    Column("end_at", STAMP, nullable=True),
    Column("latitude", SecretFloat(), nullable=False),
    Column("longitude", SecretFloat(), nullable=False),
    Column("name", SecretText(), nullable=True),
    Column("address", SecretText(), nullable=True),
    Column("accuracy", Integer, nullable=True),
    Column("content_sha256", HASH, nullable=False),
    Index("ix_own_places_start", "start_at"),
    Index("ix_own_places_key", "place_key"),
)

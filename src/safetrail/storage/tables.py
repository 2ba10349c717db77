"""Tables. The truth is ``versions`` + ``ledger`` (append-only); the rest is a
projection of each record's current version, kept for fast queries and
re-checked by ``verify``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

# Re-exported: many modules read the column types and metadata from here.
from safetrail.storage.columns import HASH as HASH
from safetrail.storage.columns import ID as ID
from safetrail.storage.columns import STAMP as STAMP
from safetrail.storage.columns import MatchText, SecretFloat, SecretText
from safetrail.storage.columns import metadata as metadata

records = Table(
    "records",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("ref_no", Integer, nullable=False),
    Column("created_at", STAMP, nullable=False),
    Column("head_version", Integer, nullable=False),
    Column("voided", Boolean, nullable=False),
    UniqueConstraint("kind", "ref_no"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", ID, ForeignKey("records.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("op", String(12), nullable=False),
    Column("data", SecretText(), nullable=False),
    Column("reason", SecretText(), nullable=True),
    Column("actor", String(80), nullable=False),
    Column("recorded_at", STAMP, nullable=False),
    Column("content_sha256", HASH, nullable=False),
    Column("ledger_seq", Integer, nullable=False, unique=True),
    UniqueConstraint("record_id", "version"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(40), nullable=False),
    Column("record_id", ID, nullable=True),
    Column("version", Integer, nullable=True),
    Column("content_sha256", HASH, nullable=False),
    Column("prev_hash", HASH, nullable=False),
    Column("entry_hash", HASH, nullable=False),
    Column("recorded_at", STAMP, nullable=False),
    # who acted; "owner" in a personal vault (hashed only when it is not "owner")
    Column("actor", String(80), nullable=False, server_default="owner"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("record_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("occurred_start", STAMP, nullable=False),
    Column("occurred_end", STAMP, nullable=True),
    Column("tz", String(64), nullable=False),
    Column("precision", String(16), nullable=False),
    Column("location", SecretText(), nullable=True),
    Column("latitude", SecretFloat(), nullable=True),
    Column("longitude", SecretFloat(), nullable=True),
    Column("what_happened", SecretText(), nullable=False),
    Column("channel", String(32), nullable=True),
    Column("fear", Integer, nullable=True),
    Column("police_reported", Boolean, nullable=True),
    Column("police_reference", SecretText(String(120)), nullable=True),
    Column("voided", Boolean, nullable=False),
    Index("ix_incidents_occurred", "occurred_start"),
)

incident_tactics = Table(
    "incident_tactics",
    metadata,
    Column("incident_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("tactic", String(32), primary_key=True),
    Index("ix_incident_tactics_tactic", "tactic"),
)

incident_people = Table(
    "incident_people",
    metadata,
    Column("incident_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("person_id", ID, ForeignKey("records.id"), primary_key=True),
    Index("ix_incident_people_person", "person_id"),
)

incident_evidence = Table(
    "incident_evidence",
    metadata,
    Column("incident_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("evidence_id", ID, ForeignKey("records.id"), primary_key=True),
    Index("ix_incident_evidence_evidence", "evidence_id"),
)

people = Table(
    "people",
    metadata,
    Column("record_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("display_name", SecretText(), nullable=False),
    Column("relationship", SecretText(), nullable=True),
    Column("role", String(16), nullable=False),
    Column("voided", Boolean, nullable=False),
)

person_identifiers = Table(
    "person_identifiers",
    metadata,
    Column("person_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("normalised", MatchText(String(320)), primary_key=True),
    Index("ix_person_identifiers_value", "kind", "normalised"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("record_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("blob_address", HASH, nullable=False),
    Column("sha256", HASH, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("original_name", SecretText(), nullable=False),
    Column("media_type", String(120), nullable=True),
    Column("acquired_at", STAMP, nullable=False),
    Column("voided", Boolean, nullable=False),
    Index("ix_evidence_sha256", "sha256"),
    Index("ix_evidence_blob", "blob_address"),
)

events = Table(
    "events",
    metadata,
    Column("record_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("starts_on", String(10), nullable=False),
    Column("ends_on", String(10), nullable=True),
    Column("person_id", ID, nullable=True),
    Column("voided", Boolean, nullable=False),
    Index("ix_events_kind_start", "kind", "starts_on"),
)

"""Scheduling state for check-ins: mutable rows, unlike the append-only records.

The plans, alerts and acknowledgements themselves are records (kinds "contact",
"checkin", "alert": versioned and chained in the ledger). These tables only hold
what the scheduler changes from minute to minute:

``checkin_schedule``  one row per check-in: the phase it is in and when it next
                      needs attention (a reminder, the alert, the next contact).
``checkin_outbox``    one row per message to send, with its idempotency key, the
                      retry count and back-off, and the lease of the worker sending it.
``checkin_ack_tokens`` SHA-256 of each acknowledgement link token and reply code
                      given out, so an acknowledgement finds its alert and contact.
                      The tokens themselves are never stored (they are derived).

They use the shared ``metadata`` so migrations are compared with one schema.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from safetrail.storage.columns import HASH, ID, STAMP, SecretText, metadata

checkin_schedule = Table(
    "checkin_schedule",
    metadata,
    Column("checkin_id", ID, ForeignKey("records.id"), primary_key=True),
    Column("phase", String(16), nullable=False),
    Column("step", Integer, nullable=False),
    Column("next_at", STAMP, nullable=True),
    Column("alert_id", ID, ForeignKey("records.id"), nullable=True),
    Index("ix_checkin_schedule_next_at", "next_at"),
)

checkin_outbox = Table(
    "checkin_outbox",
    metadata,
    Column("id", ID, primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("record_id", ID, ForeignKey("records.id"), nullable=False),
    Column("contact_id", ID, ForeignKey("records.id"), nullable=True),
    Column("purpose", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("payload", SecretText(), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", STAMP, nullable=False),
    Column("next_attempt_at", STAMP, nullable=False),
    Column("first_attempt_at", STAMP, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("lease_until", STAMP, nullable=True),
    Column("sent_at", STAMP, nullable=True),
    Column("last_error", SecretText(), nullable=True),
    Index("ix_checkin_outbox_due", "status", "next_attempt_at"),
    Index("ix_checkin_outbox_record", "record_id"),
)

checkin_ack_tokens = Table(
    "checkin_ack_tokens",
    metadata,
    Column("token_hash", HASH, primary_key=True),
    Column("alert_id", ID, ForeignKey("records.id"), nullable=False),
    Column("contact_id", ID, ForeignKey("records.id"), nullable=False),
    Column("kind", String(8), nullable=False),
)

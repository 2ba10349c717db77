"""Check-ins: the schedule, the outbox of messages and the acknowledgement tokens.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(36)
STAMP = sa.String(32)
HASH = sa.String(64)


def _record(
    column: str, table: str, nullable: bool = False, primary: bool = False
) -> sa.Column[str]:
    return sa.Column(
        column,
        ID,
        sa.ForeignKey("records.id", name=f"fk_{table}_{column}_records"),
        nullable=nullable,
        primary_key=primary,
    )


def upgrade() -> None:
    op.create_table(
        "checkin_schedule",
        _record("checkin_id", "checkin_schedule", primary=True),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("next_at", STAMP, nullable=True),
        _record("alert_id", "checkin_schedule", nullable=True),
    )
    op.create_index("ix_checkin_schedule_next_at", "checkin_schedule", ["next_at"])
    op.create_table(
        "checkin_outbox",
        sa.Column("id", ID, primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        _record("record_id", "checkin_outbox"),
        _record("contact_id", "checkin_outbox", nullable=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("next_attempt_at", STAMP, nullable=False),
        sa.Column("first_attempt_at", STAMP, nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("lease_until", STAMP, nullable=True),
        sa.Column("sent_at", STAMP, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.UniqueConstraint("idempotency_key", name="uq_checkin_outbox_idempotency_key"),
    )
    op.create_index("ix_checkin_outbox_due", "checkin_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_checkin_outbox_record", "checkin_outbox", ["record_id"])
    op.create_table(
        "checkin_ack_tokens",
        sa.Column("token_hash", HASH, primary_key=True),
        _record("alert_id", "checkin_ack_tokens"),
        _record("contact_id", "checkin_ack_tokens"),
        sa.Column("kind", sa.String(8), nullable=False),
    )


def downgrade() -> None:
    for table in ("checkin_ack_tokens", "checkin_outbox", "checkin_schedule"):
        op.drop_table(table)

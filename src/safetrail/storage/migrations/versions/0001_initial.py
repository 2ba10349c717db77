"""The first schema: records, versions, ledger and the current-state projections.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(36)
STAMP = sa.String(32)
HASH = sa.String(64)


def _fk(column: str) -> sa.Column[str]:
    return sa.Column(column, ID, sa.ForeignKey("records.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", ID, primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("ref_no", sa.Integer, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("head_version", sa.Integer, nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.UniqueConstraint("kind", "ref_no", name="uq_records_kind_ref_no"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "record_id",
            ID,
            sa.ForeignKey("records.id", name="fk_versions_record_id_records"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("op", sa.String(12), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("recorded_at", STAMP, nullable=False),
        sa.Column("content_sha256", HASH, nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
        sa.UniqueConstraint("record_id", "version", name="uq_versions_record_id_version"),
        sa.UniqueConstraint("ledger_seq", name="uq_versions_ledger_seq"),
    )
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("record_id", ID, nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("content_sha256", HASH, nullable=False),
        sa.Column("prev_hash", HASH, nullable=False),
        sa.Column("entry_hash", HASH, nullable=False),
        sa.Column("recorded_at", STAMP, nullable=False),
    )
    op.create_table(
        "incidents",
        sa.Column("record_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("occurred_start", STAMP, nullable=False),
        sa.Column("occurred_end", STAMP, nullable=True),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("precision", sa.String(16), nullable=False),
        sa.Column("location", sa.Text, nullable=True),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("what_happened", sa.Text, nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("fear", sa.Integer, nullable=True),
        sa.Column("police_reported", sa.Boolean, nullable=True),
        sa.Column("police_reference", sa.String(120), nullable=True),
        sa.Column("voided", sa.Boolean, nullable=False),
    )
    op.create_index("ix_incidents_occurred", "incidents", ["occurred_start"])
    op.create_table(
        "incident_tactics",
        sa.Column("incident_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("tactic", sa.String(32), primary_key=True),
    )
    op.create_index("ix_incident_tactics_tactic", "incident_tactics", ["tactic"])
    op.create_table(
        "incident_people",
        sa.Column("incident_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("person_id", ID, sa.ForeignKey("records.id"), primary_key=True),
    )
    op.create_index("ix_incident_people_person", "incident_people", ["person_id"])
    op.create_table(
        "incident_evidence",
        sa.Column("incident_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("evidence_id", ID, sa.ForeignKey("records.id"), primary_key=True),
    )
    op.create_index("ix_incident_evidence_evidence", "incident_evidence", ["evidence_id"])
    op.create_table(
        "people",
        sa.Column("record_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("relationship", sa.Text, nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False),
    )
    op.create_table(
        "person_identifiers",
        sa.Column("person_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("normalised", sa.String(320), primary_key=True),
    )
    op.create_index("ix_person_identifiers_value", "person_identifiers", ["kind", "normalised"])
    op.create_table(
        "evidence",
        sa.Column("record_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("blob_address", HASH, nullable=False),
        sa.Column("sha256", HASH, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("original_name", sa.Text, nullable=False),
        sa.Column("media_type", sa.String(120), nullable=True),
        sa.Column("acquired_at", STAMP, nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False),
    )
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"])
    op.create_index("ix_evidence_blob", "evidence", ["blob_address"])
    op.create_table(
        "events",
        sa.Column("record_id", ID, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_on", sa.String(10), nullable=False),
        sa.Column("ends_on", sa.String(10), nullable=True),
        sa.Column("person_id", ID, nullable=True),
        sa.Column("voided", sa.Boolean, nullable=False),
    )
    op.create_index("ix_events_kind_start", "events", ["kind", "starts_on"])


def downgrade() -> None:
    for table in (
        "events",
        "evidence",
        "person_identifiers",
        "people",
        "incident_evidence",
        "incident_people",
        "incident_tactics",
        "incidents",
        "ledger",
        "versions",
        "records",
    ):
        op.drop_table(table)

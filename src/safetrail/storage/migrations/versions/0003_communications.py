"""Imported communications and their links to summary incidents.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.String(36)
STAMP = sa.String(32)
HASH = sa.String(64)
_LINK_FK = "fk_communication_incidents_communication_id_communications"


def upgrade() -> None:
    op.create_table(
        "communications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "import_id",
            ID,
            sa.ForeignKey("records.id", name="fk_communications_import_id_records"),
            nullable=False,
        ),
        sa.Column("batch_no", sa.Integer, nullable=False),
        sa.Column("source_no", sa.Integer, nullable=False),
        sa.Column("dedupe_key", HASH, nullable=False),
        sa.Column("content_sha256", HASH, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(8), nullable=True),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("wall_time", sa.Boolean, nullable=False),
        sa.Column("counterpart_kind", sa.String(8), nullable=True),
        sa.Column("counterpart", sa.String(320), nullable=True),
        sa.Column("counterpart_raw", sa.Text, nullable=True),
        sa.Column("counterpart_name", sa.Text, nullable=True),
        sa.Column("sender", sa.Text, nullable=True),
        sa.Column("participants", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("duration", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(12), nullable=True),
        sa.Column("withheld", sa.Boolean, nullable=False),
        sa.Column("thread", sa.Text, nullable=True),
        sa.Column("source_id", sa.Text, nullable=True),
        sa.Column("system", sa.Boolean, nullable=False),
        sa.Column("attachments", sa.Text, nullable=True),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("person_id", ID, nullable=True),
        sa.Column("undone", sa.Boolean, nullable=False),
    )
    op.create_index("ix_communications_person_at", "communications", ["person_id", "at"])
    op.create_index("ix_communications_dedupe", "communications", ["dedupe_key"])
    op.create_table(
        "communication_incidents",
        sa.Column(
            "communication_id",
            sa.Integer,
            sa.ForeignKey("communications.id", name=_LINK_FK),
            primary_key=True,
        ),
        sa.Column(
            "incident_id",
            ID,
            sa.ForeignKey("records.id", name="fk_communication_incidents_incident_id_records"),
            primary_key=True,
        ),
    )
    op.create_index(
        "ix_communication_incidents_incident", "communication_incidents", ["incident_id"]
    )


def downgrade() -> None:
    op.drop_table("communication_incidents")
    op.drop_table("communications")

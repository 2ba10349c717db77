"""Revisions of imported communications (a later import correcting who sent what).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(36)
HASH = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "communication_revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "communication_id",
            sa.Integer,
            sa.ForeignKey(
                "communications.id",
                name="fk_communication_revisions_communication_id_communications",
            ),
            nullable=False,
        ),
        sa.Column(
            "import_id",
            ID,
            sa.ForeignKey("records.id", name="fk_communication_revisions_import_id_records"),
            nullable=False,
        ),
        sa.Column("batch_no", sa.Integer, nullable=False),
        sa.Column("direction", sa.String(8), nullable=True),
        sa.Column("counterpart_kind", sa.String(8), nullable=True),
        sa.Column("counterpart", sa.String(320), nullable=True),
        sa.Column("counterpart_raw", sa.Text, nullable=True),
        sa.Column("person_id", ID, nullable=True),
        sa.Column("before_sha256", HASH, nullable=False),
        sa.Column("after_sha256", HASH, nullable=False),
    )
    op.create_index(
        "ix_communication_revisions_communication",
        "communication_revisions",
        ["communication_id"],
    )


def downgrade() -> None:
    op.drop_table("communication_revisions")

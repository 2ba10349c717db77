"""The person's own places (Google location history), a private track.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STAMP = sa.String(32)
HASH = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "own_places",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_no", sa.Integer, nullable=False),
        sa.Column("source_sha256", HASH, nullable=False),
        sa.Column("place_key", sa.String(120), nullable=False),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("start_at", STAMP, nullable=False),
        sa.Column("end_at", STAMP, nullable=True),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("address", sa.Text, nullable=True),
        sa.Column("accuracy", sa.Integer, nullable=True),
        sa.Column("content_sha256", HASH, nullable=False),
    )
    op.create_index("ix_own_places_start", "own_places", ["start_at"])
    op.create_index("ix_own_places_key", "own_places", ["place_key"])


def downgrade() -> None:
    op.drop_table("own_places")

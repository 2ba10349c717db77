"""Results derived from the case, kept between openings (``kept_results``).

A new table only: derived data outside the ledger (today the threat scan's memory of
texts), sealed. A vault made before it starts with none and fills it as it is analysed.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_results",
        sa.Column("slot", sa.String(64), primary_key=True),
        sa.Column("head_seq", sa.Integer, nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kept_results")

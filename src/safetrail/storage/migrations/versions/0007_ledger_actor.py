"""Who acted: the ledger records an ``actor`` on every entry.

Existing entries were all written by the vault's one person, so they get "owner" (the
column's server default). Their hashes do not change: an entry's hash covers its actor
only when it is not "owner" (see ``storage.ledger``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "ledger", sa.Column("actor", sa.String(80), nullable=False, server_default="owner")
    )


def downgrade() -> None:
    with op.batch_alter_table("ledger") as batch:
        batch.drop_column("actor")

"""Content columns hold ciphertext on PostgreSQL: they become TEXT there.

Server mode encrypts every content column (``storage.columns``): the stored value is
base64 text, longer than the plain value and never a number. SQLite/SQLCipher files are
not changed at all (the whole file is encrypted there), so this revision does nothing on
them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: columns whose PostgreSQL type was not already TEXT
_WIDENED = {
    "incidents": ("latitude", "longitude", "police_reference"),
    "person_identifiers": ("normalised",),
    "communications": ("counterpart",),
    "communication_revisions": ("counterpart",),
    "own_places": ("place_key", "latitude", "longitude"),
}

_BEFORE = {
    "latitude": "double precision",
    "longitude": "double precision",
    "police_reference": "varchar(120)",
    "place_key": "varchar(120)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in _WIDENED.items():
        for column in columns:
            op.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE TEXT USING "{column}"::text'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in _WIDENED.items():
        for column in columns:
            kind = _BEFORE.get(column, "varchar(320)")
            op.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {kind} '
                f'USING "{column}"::{kind}'
            )

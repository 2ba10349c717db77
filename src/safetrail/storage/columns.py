"""What every table module shares: the one ``MetaData`` and the common column types.

Table modules (``storage.tables``, ``storage.comm_tables``, ``checkins.tables``) import
from here, never from each other; ``storage.schema`` gathers them into the full schema.
"""

from __future__ import annotations

from sqlalchemy import MetaData, String

__all__ = ["HASH", "ID", "STAMP", "metadata"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(36)
STAMP = String(32)  # UTC ISO 8601 with microseconds and "Z": sorts as text on every backend
HASH = String(64)

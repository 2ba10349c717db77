"""The whole database schema: every table module, gathered in one ``metadata``.

Migrations and schema checks import ``metadata`` from here, so they see the tables of
every part (records and ledger, imported communications, check-ins).
"""

from __future__ import annotations

from safetrail.checkins import tables as checkin_tables
from safetrail.storage import comm_tables, kept_tables, tables
from safetrail.storage.columns import metadata

__all__ = ["checkin_tables", "comm_tables", "kept_tables", "metadata", "tables"]

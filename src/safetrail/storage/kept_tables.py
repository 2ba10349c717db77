"""Results derived from the case, kept between openings of the vault (outside the ledger).

``kept_results`` is not part of the case's history: nothing in it is evidence, ``verify``
does not read it, and a row that is missing, altered or kept by another SafeTrail version
only means the result is computed again. Each value is sealed (``safetrail.kept_seal``);
``services.local_kept`` reads and writes it.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, String, Table

from safetrail.storage.columns import metadata

kept_results = Table(
    "kept_results",
    metadata,
    Column("slot", String(64), primary_key=True),  # what is kept ("threat-scan", ...)
    Column("head_seq", Integer, nullable=False),  # the ledger head it was computed at; -1: none
    Column("version", String(200), nullable=False),  # the caller's, then the code's
    Column("sealed", LargeBinary, nullable=False),
)

__all__ = ["kept_results"]

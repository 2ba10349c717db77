"""Results derived from a case, kept between requests on the server: sealed, per view.

A personal vault keeps its analysis in memory while it is unlocked
(``CaseContext.cache``). A server case is opened for one request and closed again, on
whichever web process the request reached, so that memory is gone at the next page. What
is worth keeping longer (today: the analysis behind the Patterns page and its charts,
``services.analysis_cache``) is kept here instead, in ``safetrail.kept_results``:

- **Sealed.** The value is sealed as ``safetrail.kept_seal`` describes (AES-256-GCM under a
  key derived from the case key, salt = the case id, its own purpose), so only a request
  that has the case open can read it: a ``pg_dump`` shows its size, the ledger position,
  the day and the language it was made for, never a word of it. The associated data names
  the case, the view, the slot and the version, so a sealed value moved to another row or
  case does not open.
- **Per view.** Whoever opens the case sees it through a view: the whole case (its owner)
  or an advocate's share (``share:<scope>``: everything but private notes, a date range,
  reports only). A value is found only by the view it was computed for, so a date-range
  share never meets a result computed over the whole case, and advocates with the same
  scope share one result (the case is analysed once per change, not once per advocate).
- **Tied to the case's state.** The caller names a *version* (the ledger head, the day)
  and a slot per language; a value kept for another version is not returned. Any write to
  the case moves the ledger head, and the new signed checkpoint removes the case's kept
  values in the same transaction (:func:`forget`), so nothing computed from an older
  state stays. The one exception is saved with ``head_seq`` -1: the threat scan's memory
  of which texts it flagged, which does not depend on the state of the case.
- **Read back with care.** By ``kept_seal``'s restricted unpickler, which builds only the
  analysis' own classes, numpy arrays and dates.

The kept copy is an optimisation only: a value that cannot be read back (another
SafeTrail version, a damaged row) is simply computed again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from safetrail import kept_seal
from safetrail.kept_seal import code_version
from safetrail.kept_seal import loads as _loads
from safetrail.server.db import server_metadata as metadata
from safetrail.vault.keys import scrub

_PURPOSE = b"safetrail/server/v1/kept-results"

kept_results = Table(
    "kept_results",
    metadata,
    Column("case_id", String(32), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("view", String(64), primary_key=True),  # "case", or "share:<scope>"
    Column("slot", String(64), primary_key=True),  # what is kept ("analysis", ...)
    Column("head_seq", Integer, nullable=False),  # the ledger head it was computed at
    Column("version", String(200), nullable=False),  # head, day, language, code
    Column("sealed", LargeBinary, nullable=False),
    Column("kept_at", DateTime(timezone=True), nullable=False),
)


class KeptResults:
    """The kept results of one open case, as one view sees it (``CaseContext.kept``)."""

    def __init__(
        self, engine: Engine, case_id: str, case_key: bytes | bytearray, view: str = "case"
    ) -> None:
        self.engine = engine
        self.case_id = case_id
        self.view = view
        self._key = kept_seal.derive_key(case_key, case_id, _PURPOSE)

    def _aad(self, slot: str, version: str) -> bytes:
        return kept_seal.associated(self.case_id, self.view, slot, version)

    def load(self, slot: str, version: str) -> Any | None:
        """The value kept for ``slot`` at exactly ``version``; None when there is none or it
        cannot be read back (it is then simply computed again)."""
        full = kept_seal.with_code(version)
        reading = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        with reading.connect() as conn:
            sealed = conn.execute(
                select(kept_results.c.sealed).where(
                    (kept_results.c.case_id == self.case_id)
                    & (kept_results.c.view == self.view)
                    & (kept_results.c.slot == slot)
                    & (kept_results.c.version == full)
                )
            ).scalar()
        if sealed is None:
            return None
        return kept_seal.unseal(self._key, self._aad(slot, full), bytes(sealed))

    def save(self, slot: str, version: str, head_seq: int, value: Any) -> None:
        """Keep ``value`` for ``slot`` at ``version``; a value kept for a later ledger head
        is never replaced by one computed earlier (two processes finishing out of order)."""
        full = kept_seal.with_code(version)
        sealed = kept_seal.seal(self._key, self._aad(slot, full), value)
        values = {
            "head_seq": head_seq,
            "version": full,
            "sealed": sealed,
            "kept_at": datetime.now(UTC),
        }
        statement = insert(kept_results).values(
            case_id=self.case_id, view=self.view, slot=slot, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=[kept_results.c.case_id, kept_results.c.view, kept_results.c.slot],
            set_=values,
            where=kept_results.c.head_seq <= statement.excluded.head_seq,
        )
        with self.engine.begin() as conn:
            conn.execute(statement)

    def wipe(self) -> None:
        scrub(self._key)


def forget(conn: Connection, case_id: str) -> None:
    """Remove everything kept for a case at an earlier ledger head (its ledger moved: a
    write, in the same transaction as the new signed checkpoint). Values saved with
    ``head_seq`` -1 do not depend on the ledger (the threat scan's memory of texts,
    a text's flag never changes) and stay."""
    conn.execute(
        delete(kept_results).where(
            (kept_results.c.case_id == case_id) & (kept_results.c.head_seq >= 0)
        )
    )


__all__ = ["KeptResults", "_loads", "code_version", "forget", "kept_results"]

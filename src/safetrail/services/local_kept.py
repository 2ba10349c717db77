"""Results derived from a personal vault, kept between unlocks (``CaseContext.kept``).

While a vault is unlocked the threat scan's memory of texts (``analysis.scan_cache``)
lives in memory (``CaseContext.cache``); locking empties it, so without a kept copy the
first analysis after each unlock reads every message again. This store keeps it in the
``kept_results`` table inside the encrypted vault database (never as files in the vault
folder: a folder with a duress vault must look exactly like one without), sealed as
``safetrail.kept_seal`` describes under a key derived from the database key (HKDF, salt =
the vault id, a purpose of its own).

- Only values not tied to the ledger are kept (``head_seq`` -1: the memory of texts, a
  text's flag does not depend on the state of the case), so no write to the vault can
  leave a stale one behind. The analysis itself is not kept: at a million messages it is
  117 MiB, keeping it would add about 4 s after every change and reading it back takes
  2 s, against about 3.3 s to analyse again with the kept memory of texts.
- A value is found only for the exact version it was kept for, which ends with the code's
  (``kept_seal.code_version``): after a detector change or an upgrade it is computed again.
- The memory of texts may be as large as the scan's own (``scan_cache.LIMIT``; reading it
  back is cheaper than reading the texts again). A small addition to a large memory is not
  kept at once (the whole memory would be written again after every new incident): only
  once the texts not yet kept are a twentieth of those kept; until then the next unlock
  reads them again.
- It is read only when an analysis asks for it, and it is an optimisation only: a row that
  is missing, altered or unreadable is computed again; a vault that cannot be written to
  (read-only folder, full disk, busy) simply keeps nothing.
"""

from __future__ import annotations

from collections.abc import Sized
from contextlib import suppress
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert

from safetrail import kept_seal
from safetrail.errors import SafetrailError
from safetrail.storage.kept_tables import kept_results
from safetrail.storage.records import RecordStore
from safetrail.vault.keys import scrub

_PURPOSE = b"safetrail/vault/v1/kept-results"
#: a growing value is written again once it has grown by 1/GROWTH of what was kept
GROWTH = 20


class LocalKept:
    """The kept results of one unlocked vault (wiped when it locks)."""

    #: the largest memory of texts kept (``services.analysis_cache`` asks): as large as the
    #: scan's own (``analysis.scan_cache.LIMIT``, not imported: opening a vault stays light)
    memo_texts = 1_500_000

    def __init__(self, store: RecordStore, vault_id: str, database_key: bytes | bytearray) -> None:
        self.store = store
        self.vault_id = vault_id
        self._key = kept_seal.derive_key(database_key, vault_id, _PURPOSE)
        #: how many values were read back (whole), for the curious and the tests
        self.loaded = 0
        #: how many items each growing value (not tied to the ledger) had when last kept
        self._kept_sizes: dict[str, int] = {}

    def _aad(self, slot: str, version: str) -> bytes:
        return kept_seal.associated(self.vault_id, slot, version)

    def load(self, slot: str, version: str) -> Any | None:
        """The value kept for ``slot`` at exactly ``version``; None when there is none or it
        cannot be read back (it is then simply computed again)."""
        full = kept_seal.with_code(version)
        try:
            with self.store.reading() as conn:
                sealed = conn.execute(
                    select(kept_results.c.sealed).where(
                        (kept_results.c.slot == slot) & (kept_results.c.version == full)
                    )
                ).scalar()
        except SafetrailError:
            return None
        if sealed is None:
            return None
        found = kept_seal.unseal(self._key, self._aad(slot, full), bytes(sealed))
        if found is not None:
            self.loaded += 1
            if isinstance(found, Sized):
                self._kept_sizes[slot] = len(found)
        return found

    def save(self, slot: str, version: str, head_seq: int, value: Any) -> None:
        """Keep ``value`` for ``slot`` at ``version`` when it is not tied to the ledger
        (``head_seq`` -1); nothing when the vault cannot be written to now (it is computed
        again next time)."""
        if head_seq >= 0 or self.store.write_refusal is not None:
            return
        if not self._grew_enough(slot, value):
            return
        full = kept_seal.with_code(version)
        sealed = kept_seal.seal(self._key, self._aad(slot, full), value)
        values = {"head_seq": head_seq, "version": full, "sealed": sealed}
        statement = insert(kept_results).values(slot=slot, **values)
        statement = statement.on_conflict_do_update(index_elements=["slot"], set_=values)
        with suppress(SafetrailError), self.store.writing() as conn:
            conn.execute(statement)
            if isinstance(value, Sized):
                self._kept_sizes[slot] = len(value)

    def _grew_enough(self, slot: str, value: Any) -> bool:
        """Whether a value not tied to the ledger has grown enough since it was kept to be
        written again (a twentieth more: a few new texts are cheaper to read again)."""
        kept = self._kept_sizes.get(slot)
        if kept is None or not isinstance(value, Sized):
            return True
        return (len(value) - kept) * GROWTH >= kept

    def wipe(self) -> None:
        scrub(self._key)


__all__ = ["LocalKept"]

"""Results derived from a case, kept between requests on the server: sealed, per view.

A personal vault keeps its analysis in memory while it is unlocked
(``CaseContext.cache``). A server case is opened for one request and closed again, on
whichever web process the request reached, so that memory is gone at the next page. What
is worth keeping longer (today: the analysis behind the Patterns page and its charts,
``services.analysis_cache``) is kept here instead, in ``safetrail.kept_results``:

- **Sealed.** The value is serialised, then encrypted with AES-256-GCM under a key
  derived from the case key (HKDF, salt = the case id, its own purpose), so only a
  request that has the case open can read it: a ``pg_dump`` shows its size, the ledger
  position, the day and the language it was made for, never a word of it. The associated
  data names the case, the view, the slot and the version, so a sealed value moved to
  another row or case does not open.
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
- **Read back with care.** The value is a Python object graph (the analysis holds numpy
  arrays and many small dataclasses), serialised with :mod:`pickle`; it is read back by
  an unpickler that builds only the analysis' own classes, numpy arrays and dates and
  refuses every other name, besides being authenticated by the case key.

The kept copy is an optimisation only: a value that cannot be read back (another
SafeTrail version, a damaged row) is simply computed again.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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

import safetrail
from safetrail.server.db import server_metadata as metadata
from safetrail.vault.keys import held, scrub

NONCE_BYTES = 12
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


# -- what may be read back -----------------------------------------------------------------

_ALLOWED_NAMES = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("zoneinfo", "ZoneInfo._unpickle"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.dtypes", "StrDType"),
    ("numpy.dtypes", "Int64DType"),
    ("numpy.dtypes", "Float64DType"),
    ("numpy.dtypes", "BoolDType"),
    ("numpy.dtypes", "ObjectDType"),
}
#: the packages whose classes (never their functions) a kept value may be built from
_ALLOWED_PACKAGES = ("safetrail.analysis.", "safetrail.domain.")


class _Refused(pickle.UnpicklingError):
    """A kept value named something outside what analysis results are made of."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_NAMES:
            return super().find_class(module, name)
        if module.startswith(_ALLOWED_PACKAGES) and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise _Refused(f"{module}.{name} is not part of a kept result")


def _loads(payload: bytes) -> Any:
    return _Unpickler(io.BytesIO(payload)).load()


@cache
def code_version() -> str:
    """A digest of the code and data results are computed with (the analysis, the domain
    vocabularies, the translations): after an upgrade nothing older is read back."""
    root = Path(safetrail.__file__).parent
    digest = hashlib.sha256(safetrail.__version__.encode())
    for folder in ("analysis", "domain", "locale"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".jsonl", ".json", ".mo") and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _derive(case_key: bytes | bytearray, case_id: str) -> bytearray:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=case_id.encode(), info=_PURPOSE)
    return held(hkdf.derive(bytes(case_key)))


class KeptResults:
    """The kept results of one open case, as one view sees it (``CaseContext.kept``)."""

    def __init__(
        self, engine: Engine, case_id: str, case_key: bytes | bytearray, view: str = "case"
    ) -> None:
        self.engine = engine
        self.case_id = case_id
        self.view = view
        self._key = _derive(case_key, case_id)

    def _aad(self, slot: str, version: str) -> bytes:
        return "\x1f".join(("kept", self.case_id, self.view, slot, version)).encode()

    def _cipher(self) -> AESGCM:
        if not any(self._key):
            raise ValueError("the case was closed: its keys are wiped")
        return AESGCM(bytes(self._key))

    def load(self, slot: str, version: str) -> Any | None:
        """The value kept for ``slot`` at exactly ``version``; None when there is none or it
        cannot be read back (it is then simply computed again)."""
        full = f"{version}:{code_version()}"
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
        raw = bytes(sealed)
        try:
            plain = self._cipher().decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._aad(slot, full)
            )
            return _loads(plain)
        except (InvalidTag, ValueError, pickle.UnpicklingError, AttributeError, EOFError):
            return None

    def save(self, slot: str, version: str, head_seq: int, value: Any) -> None:
        """Keep ``value`` for ``slot`` at ``version``; a value kept for a later ledger head
        is never replaced by one computed earlier (two processes finishing out of order)."""
        full = f"{version}:{code_version()}"
        nonce = os.urandom(NONCE_BYTES)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        sealed = nonce + self._cipher().encrypt(nonce, payload, self._aad(slot, full))
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


__all__ = ["KeptResults", "code_version", "forget", "kept_results"]

"""The append-only record store.

A record is an id, a kind and a list of versions. Creating, amending and voiding
each add one version and one ledger entry in the same transaction; nothing is
updated in place except the projection rows (the current-state index), which
``verify`` re-derives from the versions.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError

from safetrail import canonical
from safetrail.errors import (
    DatabaseCorrupt,
    RecordNotFound,
    RecordVoided,
    SafetrailError,
    ValidationError,
    VaultBusy,
)
from safetrail.i18n import _
from safetrail.storage import faults, ledger, projections
from safetrail.storage.columns import ColumnCipher, using_cipher
from safetrail.storage.engine import UNCHECKED_OPTION, WRITE_OPTION
from safetrail.storage.tables import records, versions

REF_PREFIX = {
    "case": "CASE-",
    "settings": "S-",
    "incident": "I-",
    "person": "P-",
    "evidence": "EX-",
    "notice": "N-",
    "order": "O-",
    "custody": "C-",
    "export": "X-",
    "assessment": "RA-",
    "plan": "SP-",
    "local_contact": "LC-",
    "checklist": "CL-",
    "contact": "TC-",
    "checkin": "CK-",
    "alert": "AL-",
    "import": "IM-",
    "mapping": "MAP-",
    "device_check": "DC-",
    "indicators": "IND-",
    "timestamp": "TS-",
    "arrangement": "AR-",
    "arrangement_mark": "AM-",
    "advocate_note": "AN-",  # server mode: a note an advocate wrote on a shared case
}
REF_WIDTH = {"evidence": 4, "incident": 4}
# ASCII digits only (str.isdigit() also accepts "²" and "①", which int() refuses), and few
# enough of them to fit a 64-bit column; record ids are lower-case UUIDs, so a prefix can
# never carry LIKE wildcards.
_REF_NUMBER = re.compile(r"[0-9]{1,18}")
_ID_PREFIX = re.compile(r"[0-9a-fA-F-]{6,36}")


def utc_stamp(moment: datetime) -> str:
    """Fixed-width UTC text that sorts correctly as a string on every backend."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_ref(kind: str, ref_no: int) -> str:
    return f"{REF_PREFIX[kind]}{ref_no:0{REF_WIDTH.get(kind, 3)}d}"


def content_hash(
    record_id: str,
    kind: str,
    version: int,
    op: str,
    reason: str | None,
    actor: str,
    recorded_at: str,
    data_text: str,
) -> str:
    meta = canonical.dumps(
        {
            "record_id": record_id,
            "kind": kind,
            "version": version,
            "op": op,
            "reason": reason,
            "actor": actor,
            "recorded_at": recorded_at,
        }
    )
    return hashlib.sha256(f"{meta}\n{data_text}".encode()).hexdigest()


@dataclass(frozen=True)
class Version:
    record_id: str
    kind: str
    version: int
    op: str
    data: dict[str, Any]
    reason: str | None
    actor: str
    recorded_at: str
    content_sha256: str
    ledger_seq: int


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    ref_no: int
    created_at: str
    voided: bool
    head: Version

    @property
    def ref(self) -> str:
        return format_ref(self.kind, self.ref_no)

    @property
    def data(self) -> dict[str, Any]:
        return self.head.data


def translate_db_error(exc: DBAPIError, location: Path | None = None) -> Exception:
    """The person-facing error for a database failure; ``exc`` itself when it is a bug."""
    message = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "locked" in message or "busy" in message:
        return VaultBusy(_("The vault is busy: another program is using it right now."))
    fault = faults.from_database_message(message, location)
    if fault is not None:
        return fault
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return DatabaseCorrupt(_("The vault database is damaged and cannot be read."))
    return exc


class RecordStore:
    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] | None = None,
        actor: str = "owner",
        location: Path | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))
        self.actor = actor
        #: the folder holding the database, named in "disk full" and "read-only" messages
        self.location = location
        #: set when the vault may not be changed; every write transaction raises it
        self.write_refusal: SafetrailError | None = None
        #: the case's column keys on a server (content columns are encrypted with them);
        #: None in a personal vault, whose whole file is encrypted
        self.cipher: ColumnCipher | None = None

    @contextmanager
    def writing(self, checked: bool = True) -> Iterator[Connection]:
        """A write transaction. ``checked=False`` (bulk inserts): on SQLite, the foreign
        keys are not checked per row in this transaction; the caller checks what it wrote
        before it ends (see ``services/imports/run.py``). They are on again afterwards."""
        if self.write_refusal is not None:
            refusal = self.write_refusal
            raise type(refusal)(refusal.message, refusal.hint)
        try:
            options = {WRITE_OPTION: True, UNCHECKED_OPTION: not checked}
            with (
                using_cipher(self.cipher),
                self.engine.connect().execution_options(**options) as conn,
            ):
                try:
                    with conn.begin():
                        ledger.lock_for_append(conn)
                        yield conn
                finally:
                    if not checked and conn.dialect.name == "sqlite":
                        raw = conn.connection.dbapi_connection
                        if raw is not None:
                            raw.execute("PRAGMA foreign_keys = ON")
        except DBAPIError as exc:
            raise translate_db_error(exc, self.location) from None

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        try:
            with using_cipher(self.cipher), self.engine.connect() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            raise translate_db_error(exc, self.location) from None

    # -- writes -------------------------------------------------------------------------

    def create(
        self, conn: Connection, kind: str, data: dict[str, Any], reason: str | None = None
    ) -> Record:
        if kind not in REF_PREFIX:
            raise ValueError(f"unknown record kind {kind!r}")
        record_id = str(uuid.uuid4())
        ref_no = (
            conn.execute(select(func.max(records.c.ref_no)).where(records.c.kind == kind)).scalar()
            or 0
        ) + 1
        now = utc_stamp(self.clock())
        conn.execute(
            records.insert().values(
                id=record_id, kind=kind, ref_no=ref_no, created_at=now, head_version=1, voided=False
            )
        )
        head = self._add_version(conn, record_id, kind, 1, "create", data, reason, now)
        projections.apply(conn, kind, record_id, data, voided=False)
        return Record(record_id, kind, ref_no, now, False, head)

    def amend(self, conn: Connection, record_id: str, data: dict[str, Any], reason: str) -> Record:
        current = self.get(conn, record_id)
        if current.voided:
            raise RecordVoided(_("{ref} was voided and cannot be changed.").format(ref=current.ref))
        _require_reason(reason)
        if canonical.dumps(data) == canonical.dumps(current.data):
            raise ValidationError(
                _("Nothing changed: the new values are the same as the current ones."),
                _("Give at least one field a new value."),
            )
        return self._next(conn, current, "amend", data, reason, voided=False)

    def void(self, conn: Connection, record_id: str, reason: str) -> Record:
        current = self.get(conn, record_id)
        if current.voided:
            raise RecordVoided(_("{ref} is already voided.").format(ref=current.ref))
        _require_reason(reason)
        return self._next(conn, current, "void", current.data, reason, voided=True)

    def _next(
        self,
        conn: Connection,
        current: Record,
        op: str,
        data: dict[str, Any],
        reason: str,
        voided: bool,
    ) -> Record:
        number = current.head.version + 1
        now = utc_stamp(self.clock())
        head = self._add_version(conn, current.id, current.kind, number, op, data, reason, now)
        conn.execute(
            records.update()
            .where(records.c.id == current.id)
            .values(head_version=number, voided=voided)
        )
        projections.apply(conn, current.kind, current.id, data, voided=voided)
        return Record(current.id, current.kind, current.ref_no, current.created_at, voided, head)

    def _add_version(
        self,
        conn: Connection,
        record_id: str,
        kind: str,
        number: int,
        op: str,
        data: dict[str, Any],
        reason: str | None,
        now: str,
    ) -> Version:
        data_text = canonical.dumps(data)
        _require_storable(data_text, reason)
        digest = content_hash(record_id, kind, number, op, reason, self.actor, now, data_text)
        entry = ledger.append(conn, f"{kind}.{op}", record_id, number, digest, now, self.actor)
        conn.execute(
            versions.insert().values(
                record_id=record_id,
                version=number,
                op=op,
                data=data_text,
                reason=reason,
                actor=self.actor,
                recorded_at=now,
                content_sha256=digest,
                ledger_seq=entry.seq,
            )
        )
        return Version(
            record_id,
            kind,
            number,
            op,
            json.loads(data_text),
            reason,
            self.actor,
            now,
            digest,
            entry.seq,
        )

    # -- reads --------------------------------------------------------------------------

    def get(self, conn: Connection, record_id: str) -> Record:
        row = conn.execute(select(records).where(records.c.id == record_id)).first()
        if row is None:
            raise RecordNotFound(_("No record with id {id}.").format(id=record_id))
        head = self._version(conn, row.id, row.kind, row.head_version)
        return Record(row.id, row.kind, row.ref_no, row.created_at, row.voided, head)

    def history(self, conn: Connection, record_id: str) -> list[Version]:
        kind = conn.execute(select(records.c.kind).where(records.c.id == record_id)).scalar()
        if kind is None:
            raise RecordNotFound(_("No record with id {id}.").format(id=record_id))
        rows = conn.execute(
            select(versions).where(versions.c.record_id == record_id).order_by(versions.c.version)
        )
        return [_version_from_row(row, kind) for row in rows]

    def _version(self, conn: Connection, record_id: str, kind: str, number: int) -> Version:
        row = conn.execute(
            select(versions).where(versions.c.record_id == record_id, versions.c.version == number)
        ).first()
        if row is None:
            raise DatabaseCorrupt(
                _("Record {id} has lost its version {n}.").format(id=record_id, n=number),
                _("Run 'safetrail verify' and restore from a backup."),
            )
        return _version_from_row(row, kind)

    def resolve(self, conn: Connection, kind: str, ref: str) -> str:
        """Accept "I-0012", "12" or an id (or unique id prefix of 6+ characters)."""
        text = ref.strip()
        prefix = REF_PREFIX[kind]
        number = text[len(prefix) :] if text.upper().startswith(prefix) else text
        if _REF_NUMBER.fullmatch(number):
            found = conn.execute(
                select(records.c.id).where(records.c.kind == kind, records.c.ref_no == int(number))
            ).scalar()
            if found:
                return str(found)
        elif _ID_PREFIX.fullmatch(text):
            ids = (
                conn.execute(
                    select(records.c.id).where(
                        records.c.kind == kind, records.c.id.like(f"{text.lower()}%")
                    )
                )
                .scalars()
                .all()
            )
            if len(ids) == 1:
                return str(ids[0])
        raise RecordNotFound(_("There is no {kind} called {ref}.").format(kind=kind, ref=ref))

    def list_ids(self, conn: Connection, kind: str) -> list[str]:
        rows = conn.execute(
            select(records.c.id).where(records.c.kind == kind).order_by(records.c.ref_no)
        )
        return [str(r) for r in rows.scalars()]

    def refs(self, conn: Connection, ids: list[str]) -> dict[str, str]:
        """Human references (e.g. "P-001") for record ids."""
        if not ids:
            return {}
        rows = conn.execute(
            select(records.c.id, records.c.kind, records.c.ref_no).where(records.c.id.in_(ids))
        )
        return {str(row.id): format_ref(row.kind, row.ref_no) for row in rows}

    def load(self, conn: Connection, ids: list[str]) -> list[Record]:
        """``get`` for many ids, in their order, with one query per 500 ids (not two per
        record: on a server every query is a round trip)."""
        found: dict[str, Record] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), _LOAD_CHUNK):
            chunk = wanted[start : start + _LOAD_CHUNK]
            rows = conn.execute(
                select(records, versions)
                .join(
                    versions,
                    (versions.c.record_id == records.c.id)
                    & (versions.c.version == records.c.head_version),
                )
                .where(records.c.id.in_(chunk))
            )
            for row in rows:
                head = _version_from_row(row, row.kind)
                record = Record(row.id, row.kind, row.ref_no, row.created_at, row.voided, head)
                found[row.id] = record
        # an id not found (or a head version missing) raises exactly as ``get`` does
        return [found[i] if i in found else self.get(conn, i) for i in ids]


_LOAD_CHUNK = 500  # ids per query in ``load`` (below SQLite's bound-parameter limit)


def _version_from_row(row: Any, kind: str) -> Version:
    return Version(
        record_id=row.record_id,
        kind=kind,
        version=row.version,
        op=row.op,
        data=json.loads(row.data),
        reason=row.reason,
        actor=row.actor,
        recorded_at=row.recorded_at,
        content_sha256=row.content_sha256,
        ledger_seq=row.ledger_seq,
    )


def _require_storable(*texts: str | None) -> None:
    # Undecodable bytes from a terminal arrive as lone surrogates, which cannot be stored.
    for text in texts:
        try:
            (text or "").encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                _("Some of the text contains characters that could not be read correctly."),
                _("Retype the text, or check that your terminal uses UTF-8."),
            ) from None


def _require_reason(reason: str | None) -> None:
    if not reason or not reason.strip():
        raise ValidationError(
            _("A reason is needed, so the history shows why this changed."),
            _('Add a short reason, for example --reason "wrong date".'),
        )

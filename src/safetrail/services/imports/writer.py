"""Storing communications in batches: one transaction and one ledger entry per batch.

A batch is checked against what the vault already holds (by ``dedupe_key``), its new rows
are inserted with one ``executemany``, and the SHA-256 over their content hashes, in order,
is appended to the ledger as "import.batch" (record = the import, version = batch number).
A crash loses at most the batch being written; running the import again fills it in.

A record the vault already holds is not added again. When the new import says who sent it
differently (a direction where there was none or another one, e.g. the chat imported again
with ``--me``), the stored row is corrected in place and the values it had before are kept
in ``communication_revisions`` with the content hashes before and after; the SHA-256 over a
batch's revisions is appended to the ledger as "import.revise" (record = the import doing
the correction, version = batch number). ``verify`` checks both chains.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from safetrail.case import CaseContext
from safetrail.services.evidence import IntakeDetails, evidence_data, live_evidence_with_sha256
from safetrail.storage import ledger
from safetrail.storage.blobs import StoredBlob
from safetrail.storage.columns import content_searchable_in_sql
from safetrail.storage.comm_tables import communication_revisions, communications
from safetrail.storage.records import utc_stamp

from .rows import (
    COLUMNS,
    COUNTERPART,
    COUNTERPART_KIND,
    COUNTERPART_RAW,
    DEDUPE,
    DIRECTION,
    HASH,
    HASHED,
    N_HASHED,
    PERSON,
    Row,
    digest_values,
)

__all__ = [
    "BATCH_KIND",
    "REVISE_KIND",
    "Pending",
    "batch_digest",
    "evidence_for_blob",
    "existing_keys",
    "revert_revisions",
    "revision_digest",
]

BATCH_KIND = "import.batch"
REVISE_KIND = "import.revise"
#: the columns a correction may change (besides the derived person_id)
REVISED = ("direction", "counterpart_kind", "counterpart", "counterpart_raw")
_REVISED_AT = (DIRECTION, COUNTERPART_KIND, COUNTERPART, COUNTERPART_RAW)
_LOOKUP_CHUNK = 900
_INSERT_COLUMNS = ("import_id", "batch_no", *COLUMNS, "person_id", "undone")
_RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def batch_digest(import_id: str, batch_no: int, hashes: Iterable[str]) -> str:
    """What the ledger entry of one batch holds: its rows' content hashes, in order (each
    followed by a newline)."""
    digest = hashlib.sha256(f"{import_id}\x1f{batch_no}\n".encode())
    text = "\n".join(hashes)
    if text:
        digest.update(text.encode("ascii") + b"\n")
    return digest.hexdigest()


def _insert_sql(conn: Connection, import_id: str, batch_no: int) -> str:
    """The INSERT of one batch's rows: the import's id and the batch number are written in
    the statement (checked to be a record id and a number), each row's values bound."""
    if not _RECORD_ID.fullmatch(import_id) or not isinstance(batch_no, int):
        raise ValueError(f"not a record id and batch number: {import_id!r}, {batch_no!r}")
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return "INSERT INTO communications ({}) VALUES ('{}', {}, {}, FALSE)".format(
        ", ".join(_INSERT_COLUMNS), import_id, batch_no, ", ".join([mark] * (len(COLUMNS) + 1))
    )


def revision_digest(import_id: str, batch_no: int, changes: Iterable[tuple[int, str, str]]) -> str:
    """What the ledger entry of one batch of revisions holds: (communication id, content
    hash before, content hash after) per corrected row, in order."""
    digest = hashlib.sha256(f"{import_id}\x1f{batch_no}\n".encode())
    for number, before, after in changes:
        digest.update(f"{number} {before} {after}\n".encode("ascii"))
    return digest.hexdigest()


def existing_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the vault already holds (in imports that were not undone).

    Keys start with their UTC second, so one range scan over the batch's time span
    usually answers; when that span holds far more than the batch, ask key by key."""
    if not keys:
        return set()
    wanted = set(keys)
    limit = 4 * len(wanted) + 64
    rows = conn.execute(
        select(communications.c.dedupe_key)
        .where(
            communications.c.dedupe_key.between(min(wanted), max(wanted)),
            communications.c.undone.is_(False),
        )
        .limit(limit + 1)
    ).all()
    if len(rows) <= limit:
        return {row[0] for row in rows} & wanted
    found: set[str] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        rows = conn.execute(
            select(communications.c.dedupe_key).where(
                communications.c.dedupe_key.in_(chunk), communications.c.undone.is_(False)
            )
        ).all()
        found.update(row[0] for row in rows)
    return found


def evidence_for_blob(
    vault: CaseContext,
    conn: Connection,
    stored: StoredBlob,
    name: str,
    method: str,
    description: str | None = None,
    media_type: str | None = None,
) -> tuple[str, bool]:
    """The evidence record holding this blob: an existing live one with the same SHA-256,
    or a new one. Returns (record id, created)."""
    existing = live_evidence_with_sha256(conn, stored.sha256)
    if existing:
        return existing, False
    details = IntakeDetails(acquisition_method=method, description=description)
    data = evidence_data(vault, stored, name, None, {}, details, media_type=media_type)
    return vault.store.create(conn, "evidence", data).id, True


def _corrects(new: Row, old: Any) -> bool:
    """Whether ``new`` says who sent a stored record differently: it has a direction, and
    its direction or counterpart differs from the stored one."""
    if new[DIRECTION] is None:
        return False
    return any(new[at] != old[name] for at, name in zip(_REVISED_AT, REVISED, strict=True))


def _revise(
    conn: Connection, import_id: str, batch_no: int, corrections: list[tuple[Row, str]]
) -> int:
    """Correct stored rows (``(new row, its key)``); returns how many were corrected."""
    columns = [communications.c[name] for name in HASHED]
    changes: list[tuple[int, str, str]] = []
    wanted = {key: row for row, key in corrections}
    stored = conn.execute(
        select(
            communications.c.id,
            communications.c.person_id,
            communications.c.content_sha256,
            *columns,
        ).where(communications.c.dedupe_key.in_(list(wanted)), communications.c.undone.is_(False))
    ).all()
    for found in sorted(stored, key=lambda r: r.id):
        mapping = found._mapping
        new = wanted[mapping["dedupe_key"]]
        if not _corrects(new, mapping):
            continue
        values = [mapping[name] for name in HASHED]
        for at, name in zip(_REVISED_AT, REVISED, strict=True):
            values[HASHED.index(name)] = new[at]
        before = str(mapping["content_sha256"])
        after = digest_values(values)
        conn.execute(
            communication_revisions.insert().values(
                communication_id=mapping["id"],
                import_id=import_id,
                batch_no=batch_no,
                person_id=mapping["person_id"],
                before_sha256=before,
                after_sha256=after,
                **{name: mapping[name] for name in REVISED},
            )
        )
        conn.execute(
            update(communications)
            .where(communications.c.id == mapping["id"])
            .values(
                content_sha256=after,
                person_id=new[PERSON],
                **{name: new[at] for at, name in zip(_REVISED_AT, REVISED, strict=True)},
            )
        )
        changes.append((int(mapping["id"]), before, after))
    return len(changes)


@dataclass
class Pending:
    """Rows of one batch waiting to be written (lists as built by ``RowBuilder.row``)."""

    rows: list[Row]
    #: rows the vault held already and this batch corrected (see the module's docstring)
    revised: int = 0
    #: who runs the import (the case's actor), recorded on the batch's ledger entries
    actor: str = ledger.OWNER

    def write(
        self,
        conn: Connection,
        import_id: str,
        batch_no: int,
        now: datetime,
        known: set[str] | None = None,
    ) -> list[Row]:
        """Insert the rows the vault does not hold yet; returns them (possibly none).
        Rows it holds whose direction or counterpart the new ones correct are revised
        (counted in ``revised``). ``known``: which of the rows' keys the vault holds, when
        the caller looked them up already in the same transaction."""
        if known is None:
            known = existing_keys(conn, [r[DEDUPE] for r in self.rows])
        fresh: list[Row] = []
        seen: set[str] = set()
        corrections: list[tuple[Row, str]] = []
        for row in self.rows:
            key = row[DEDUPE]
            if key in known or key in seen:
                if key in known and key not in seen and row[DIRECTION] is not None:
                    corrections.append((row, key))
                seen.add(key)
                continue
            seen.add(key)
            if not row[HASH]:  # rows are built with it, except those with attachments
                row = (*row[:HASH], digest_values(row[:N_HASHED]), *row[HASH + 1 :])
            fresh.append(row)
        if corrections:
            self.revised = self._revised(conn, import_id, batch_no, corrections, now, self.actor)
        if not fresh:
            return fresh
        if content_searchable_in_sql():
            # the rows are the parameters: the import and batch are the same for all of them
            conn.exec_driver_sql(_insert_sql(conn, import_id, batch_no), fresh)
        else:  # encrypted content (a server case): through the columns' types
            conn.execute(
                communications.insert(),
                [
                    dict(zip(_INSERT_COLUMNS, (import_id, batch_no, *r, False), strict=True))
                    for r in fresh
                ],
            )
        digest = batch_digest(import_id, batch_no, (r[HASH] for r in fresh))
        ledger.append(conn, BATCH_KIND, import_id, batch_no, digest, utc_stamp(now), self.actor)
        return fresh

    @staticmethod
    def _revised(
        conn: Connection,
        import_id: str,
        batch_no: int,
        corrections: list[tuple[Row, str]],
        now: datetime,
        actor: str = ledger.OWNER,
    ) -> int:
        count = _revise(conn, import_id, batch_no, corrections)
        if count:
            rows = conn.execute(
                select(
                    communication_revisions.c.communication_id,
                    communication_revisions.c.before_sha256,
                    communication_revisions.c.after_sha256,
                )
                .where(
                    communication_revisions.c.import_id == import_id,
                    communication_revisions.c.batch_no == batch_no,
                )
                .order_by(communication_revisions.c.id)
            ).all()
            digest = revision_digest(import_id, batch_no, ((r[0], r[1], r[2]) for r in rows))
            ledger.append(conn, REVISE_KIND, import_id, batch_no, digest, utc_stamp(now), actor)
        return count


def revert_revisions(
    conn: Connection, import_id: str, now: datetime, actor: str = ledger.OWNER
) -> int:
    """Give back the values an import corrected (when it is undone): each row it corrected
    and no later import corrected again returns to its values before, as one more revision
    by the same import, chained in the ledger. Returns how many rows were given back."""
    rev = communication_revisions.c
    mine = conn.execute(
        select(communication_revisions).where(rev.import_id == import_id).order_by(rev.id)
    ).all()
    if not mine:
        return 0
    batch_no = max(row.batch_no for row in mine) + 1
    latest = dict(
        conn.execute(
            select(rev.communication_id, func.max(rev.id))
            .where(rev.communication_id.in_({row.communication_id for row in mine}))
            .group_by(rev.communication_id)
        ).all()
    )
    given_back = 0
    for change in mine:
        if latest.get(change.communication_id) != change.id:
            continue  # corrected again later: that import's values stay
        current = (
            conn.execute(
                select(
                    communications.c.content_sha256,
                    communications.c.person_id,
                    *[communications.c[name] for name in REVISED],
                ).where(communications.c.id == change.communication_id)
            )
            .one()
            ._mapping
        )
        conn.execute(
            communication_revisions.insert().values(
                communication_id=change.communication_id,
                import_id=import_id,
                batch_no=batch_no,
                person_id=current["person_id"],
                before_sha256=current["content_sha256"],
                after_sha256=change.before_sha256,
                **{name: current[name] for name in REVISED},
            )
        )
        conn.execute(
            update(communications)
            .where(communications.c.id == change.communication_id)
            .values(
                content_sha256=change.before_sha256,
                person_id=change.person_id,
                **{name: getattr(change, name) for name in REVISED},
            )
        )
        given_back += 1
    if given_back:
        rows = conn.execute(
            select(rev.communication_id, rev.before_sha256, rev.after_sha256)
            .where(rev.import_id == import_id, rev.batch_no == batch_no)
            .order_by(rev.id)
        ).all()
        digest = revision_digest(import_id, batch_no, ((r[0], r[1], r[2]) for r in rows))
        ledger.append(conn, REVISE_KIND, import_id, batch_no, digest, utc_stamp(now), actor)
    return given_back

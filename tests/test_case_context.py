"""The case seam: who acted is recorded on every version and ledger entry, old vaults
still verify, and the import lock, checkpoint and inbox go through the context."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from safetrail import canonical
from safetrail.case import (
    DAMAGED_CHECKPOINT,
    CaseContext,
    Checkpoint,
    FileCheckpoint,
    FileLocks,
    FolderInbox,
)
from safetrail.errors import ValidationError, VaultBusy
from safetrail.services.imports.run import run_import
from safetrail.services.incidents import (
    IncidentFilter,
    IncidentInput,
    amend_incident,
    list_incidents,
    record_incident,
)
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault, open_vault, raw_connection
from safetrail.services.verify import verify
from safetrail.storage import ledger as ledger_mod
from safetrail.storage.records import RecordStore
from safetrail.storage.tables import ledger, versions
from tests.conftest import PASSPHRASE, StepClock

SAMPLES = Path(__file__).parent / "samples" / "imports"
ADVOCATE = "advocate:4f1c2a9e-0d7b-4c55-9a51-2f0e8b6c1d33"


class MemoryCheckpoint:
    """A checkpoint kept in memory: what a server case keeps in a row."""

    location = "the case's checkpoint row"

    def __init__(self) -> None:
        self.saved: list[Checkpoint] = []

    def load(self) -> Checkpoint | None:
        return self.saved[-1] if self.saved else None

    def save(self, checkpoint: Checkpoint) -> None:
        self.saved.append(checkpoint)


class HeldLocks:
    """Locks that are always held by someone else."""

    def import_lock(self, import_id: str | None = None) -> AbstractContextManager[None]:
        @contextmanager
        def held() -> Iterator[None]:
            raise VaultBusy("held elsewhere")
            yield  # pragma: no cover

        return held()


def _case(vault: Vault, actor: str, **parts: object) -> CaseContext:
    """A second context on the same storage, acting as someone else."""
    options: dict[str, object] = {
        "checkpoints": FileCheckpoint(vault.layout.checkpoint),
        "locks": FileLocks(vault.layout.root),
        "inbox": FolderInbox(vault.layout.root),
    }
    options.update(parts)
    return CaseContext(
        case_id=vault.case_id,
        store=RecordStore(vault.engine, clock=StepClock(), location=vault.layout.root),
        blobs=vault.blobs,
        keys=vault.keys,
        actor=actor,
        **options,  # type: ignore[arg-type]
    )


def _ledger_actors(vault: CaseContext) -> list[tuple[int, str, str]]:
    with vault.read() as conn:
        rows = conn.execute(select(ledger.c.seq, ledger.c.kind, ledger.c.actor).order_by("seq"))
        return [(r.seq, r.kind, r.actor) for r in rows]


def _version_actors(vault: CaseContext, record_id: str) -> list[tuple[int, str]]:
    with vault.read() as conn:
        rows = conn.execute(
            select(versions.c.version, versions.c.actor)
            .where(versions.c.record_id == record_id)
            .order_by(versions.c.version)
        )
        return [(r.version, r.actor) for r in rows]


def test_the_personal_vault_acts_as_owner(vault: Vault) -> None:
    assert vault.actor == "owner"
    assert vault.store.actor == "owner"
    assert vault.case_id == vault.vault_id == vault.header.vault_id
    assert isinstance(vault, CaseContext)
    record = record_incident(vault, IncidentInput(what_happened="He waited outside."))
    assert record.head.actor == "owner"
    assert {actor for _seq, _kind, actor in _ledger_actors(vault)} == {"owner"}


def test_owner_entries_hash_as_before_the_actor_column(vault: Vault) -> None:
    record_incident(vault, IncidentInput(what_happened="Three calls at night."))
    with vault.read() as conn:
        rows = conn.execute(select(ledger).order_by(ledger.c.seq)).all()
    assert len(rows) == 3  # settings, case, incident
    for row in rows:
        legacy = canonical.sha256_of(
            {
                "seq": row.seq,
                "kind": row.kind,
                "record_id": row.record_id,
                "version": row.version,
                "content_sha256": row.content_sha256,
                "prev_hash": row.prev_hash,
                "recorded_at": row.recorded_at,
            }
        )
        assert row.entry_hash == legacy


def test_another_actor_is_recorded_on_versions_and_ledger_and_verifies(vault: Vault) -> None:
    mine = record_incident(vault, IncidentInput(what_happened="He followed me home."))
    advocate = _case(vault, ADVOCATE)
    theirs = record_incident(advocate, IncidentInput(what_happened="Noted on the phone call."))
    amend_incident(advocate, mine.ref, {"what_happened": "He followed me home at 9."}, "time")

    assert theirs.head.actor == ADVOCATE
    assert _version_actors(vault, theirs.id) == [(1, ADVOCATE)]
    assert _version_actors(vault, mine.id) == [(1, "owner"), (2, ADVOCATE)]
    assert _ledger_actors(vault)[-3:] == [
        (3, "incident.create", "owner"),
        (4, "incident.create", ADVOCATE),
        (5, "incident.amend", ADVOCATE),
    ]
    with vault.read() as conn:
        row = conn.execute(select(ledger).where(ledger.c.seq == 4)).one()
    assert row.entry_hash == ledger_mod.entry_hash(
        4,
        "incident.create",
        theirs.id,
        1,
        row.content_sha256,
        row.prev_hash,
        row.recorded_at,
        ADVOCATE,
    )
    assert row.entry_hash != ledger_mod.entry_hash(
        4, "incident.create", theirs.id, 1, row.content_sha256, row.prev_hash, row.recorded_at
    )
    report = verify(vault)
    assert [str(p) for p in report.problems] == []
    assert report.entries == 5


def test_a_changed_actor_is_found_by_verify(vault: Vault) -> None:
    advocate = _case(vault, ADVOCATE)
    record_incident(advocate, IncidentInput(what_happened="Seen by the advocate."))
    with vault.write() as conn:
        conn.execute(update(ledger).where(ledger.c.seq == 3).values(actor="owner"))
    problems = [str(p) for p in verify(vault).problems]
    assert problems == [
        "ledger entry 3 (incident I-0001 version 1): entry was altered (its hash does not match)",
        "incident I-0001 version 1: does not match its ledger entry",
    ]


def test_an_import_records_its_actor_on_its_batches(vault: Vault) -> None:
    add_person(vault, PersonInput(names=["Alex Morgan"], identifiers=["07700 900123"]))
    advocate = _case(vault, ADVOCATE)
    run_import(advocate, [SAMPLES / "alex-sms.xml"])
    kinds = {(kind, actor) for _seq, kind, actor in _ledger_actors(vault)}
    assert ("import.batch", ADVOCATE) in kinds
    assert ("import.create", ADVOCATE) in kinds
    assert ("person.create", "owner") in kinds
    assert [str(p) for p in verify(vault).problems] == []


def test_an_old_vault_without_the_actor_column_opens_and_verifies(vault_path: Path) -> None:
    from safetrail.services.vault import create_vault

    vault = create_vault(vault_path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    record_incident(vault, IncidentInput(what_happened="A letter on the doorstep."))
    raw = raw_connection(vault)
    try:
        raw.execute("ALTER TABLE ledger DROP COLUMN actor")  # as written before migration 0007
        raw.execute("DROP TABLE kept_results")  # nor the table of migration 0008
        raw.execute("UPDATE alembic_version SET version_num = '0006'")
        raw.commit()
    finally:
        raw.close()
    vault.close()

    reopened = open_vault(vault_path, PASSPHRASE)
    try:
        with reopened.read() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == "0008"
        assert {actor for _s, _k, actor in _ledger_actors(reopened)} == {"owner"}
        report = verify(reopened)
        assert [str(p) for p in report.problems] == []
        assert report.entries == 3
        assert reopened.refusal is None
        record_incident(reopened, IncidentInput(what_happened="And another one."))
        assert [str(p) for p in verify(reopened).problems] == []
    finally:
        reopened.close()


def test_the_import_lock_is_the_contexts(vault: Vault) -> None:
    other = FileLocks(vault.layout.root)  # another process: its own descriptor
    with vault.locks.import_lock(), pytest.raises(VaultBusy), other.import_lock():
        pass  # pragma: no cover
    with vault.locks.import_lock():  # released: it can be taken again
        pass
    busy = _case(vault, "owner", locks=HeldLocks())
    with pytest.raises(ValidationError) as caught:
        run_import(busy, [SAMPLES / "alex-sms.xml"])
    assert caught.value.message == "Another import into this vault is running."


def test_the_checkpoint_is_the_contexts(vault: Vault) -> None:
    memory = MemoryCheckpoint()
    case = _case(vault, ADVOCATE, checkpoints=memory)
    record_incident(case, IncidentInput(what_happened="Kept in a row, not a file."))
    assert [c.seq for c in memory.saved] == [3]
    assert case.checkpoint_is_authentic(memory.saved[0])
    assert case.read_checkpoint() == memory.saved[0]
    with case.read() as conn:
        assert case.checkpoint_problem(conn, memory.saved[0]) is None
        problem = case.checkpoint_problem(conn, DAMAGED_CHECKPOINT)
    assert problem is not None
    assert "the case's checkpoint row" in problem.message


def test_a_damaged_checkpoint_file_loads_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "ledger.checkpoint"
    store = FileCheckpoint(path)
    assert store.load() is None
    path.write_text("{not json", "utf-8")
    assert store.load() == DAMAGED_CHECKPOINT
    store.save(Checkpoint(seq=2, entry_hash="ab" * 32, public_key="cd" * 32, signature="ef"))
    assert store.load() == Checkpoint(
        seq=2, entry_hash="ab" * 32, public_key="cd" * 32, signature="ef"
    )


def test_the_free_space_check_is_the_inbox(vault: Vault) -> None:
    vault.inbox.free_space_check(1)
    with pytest.raises(ValidationError) as caught:
        vault.inbox.free_space_check(2**62)
    assert caught.value.message == (
        "There is not enough free space on this computer for this file."
    )
    assert vault.inbox.folder == vault.layout.root


def test_closing_drops_the_per_case_cache(vault_path: Path) -> None:
    from safetrail.services.vault import create_vault

    opened = create_vault(vault_path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    opened.cache["analysis"] = object()
    opened.close()
    assert opened.cache == {}


def test_pages_saving_at_once_each_keep_their_record_and_the_checkpoint_signs_the_head(
    vault: Vault,
) -> None:
    """Many requests of one web server record at the same moment (a busy phone, two tabs):
    every record is kept, none fails, and the signed checkpoint ends on the ledger head."""
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def record(number: int) -> None:
        start.wait()
        try:
            for step in range(5):
                record_incident(vault, IncidentInput(what_happened=f"Call {number}-{step}."))
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    workers = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    with vault.read() as conn:
        head = ledger_mod.head(conn)
    checkpoint = vault.read_checkpoint()
    assert head is not None and checkpoint is not None
    assert (checkpoint.seq, checkpoint.entry_hash) == (head.seq, head.entry_hash)
    assert len(list_incidents(vault, IncidentFilter(limit=100))[0]) == 40
    assert [str(p) for p in verify(vault).problems] == []
    assert list(vault.layout.root.glob(".*.tmp")) == []

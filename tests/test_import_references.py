"""Batches of an import are written without SQLite's foreign-key check per row; each batch
checks its references once, in its own transaction, before it commits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from safetrail.errors import SafetrailError
from safetrail.services.imports.run import check_references, run_import
from safetrail.services.vault import Vault, create_vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communications
from safetrail.storage.tables import versions

SAMPLE = Path(__file__).parent / "samples" / "smsbackup" / "sms-20220502091433.xml"


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    made = create_vault(tmp_path / "v", "a long test passphrase", "GB", "Europe/London")
    yield made
    made.close()


def _pragma(vault: Vault, checked: bool) -> int:
    with vault.store.writing(checked=checked) as conn:
        return int(conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one())


def test_only_an_unchecked_transaction_goes_without_the_check(vault: Vault) -> None:
    assert [_pragma(vault, True), _pragma(vault, False), _pragma(vault, True)] == [1, 0, 1]


def test_a_batch_for_an_import_record_that_is_not_there_is_refused(vault: Vault) -> None:
    with vault.store.writing(checked=False) as conn:
        job = vault.store.create(conn, "import", {"status": "running"})
        check_references(conn, job.id, made_records=False)
    missing = "00000000-0000-4000-8000-000000000000"
    with (
        pytest.raises((IntegrityError, SafetrailError)),
        vault.store.writing(checked=False) as conn,
    ):
        check_references(conn, missing, made_records=False)


def test_a_record_made_in_the_batch_with_a_broken_reference_is_refused(vault: Vault) -> None:
    with vault.store.writing(checked=False) as conn:
        job = vault.store.create(conn, "import", {"status": "running"})
    with (
        pytest.raises((IntegrityError, SafetrailError)),
        vault.store.writing(checked=False) as conn,
    ):
        conn.execute(
            versions.insert().values(
                record_id="11111111-1111-4111-8111-111111111111",
                version=1,
                op="create",
                data="{}",
                reason=None,
                actor="owner",
                recorded_at="2026-01-01T00:00:00.000000Z",
                content_sha256="0" * 64,
                ledger_seq=1,
            )
        )
        check_references(conn, job.id, made_records=True)
    with vault.read() as conn:  # the whole transaction was rolled back
        left = conn.execute(
            select(func.count()).where(
                versions.c.record_id == "11111111-1111-4111-8111-111111111111"
            )
        ).scalar_one()
    assert left == 0


def test_an_import_with_attachments_verifies(vault: Vault) -> None:
    report = run_import(vault, [SAMPLE])
    with vault.read() as conn:
        stored = conn.execute(select(func.count()).select_from(communications)).scalar_one()
    assert report.new == stored and stored > 0
    assert report.attachments_stored > 0
    result = verify(vault)
    assert result.ok, result

"""Results kept between unlocks of a personal vault (``services.local_kept``): inside the
encrypted database, sealed, tied to the code, forgotten after a write, never an error."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, update

from safetrail import kept_seal
from safetrail.analysis import scan_cache
from safetrail.analysis.case import Analysis
from safetrail.analysis.threats import ThreatEngine, ThreatFlag
from safetrail.errors import ReadOnlyVault
from safetrail.services import analysis_cache
from safetrail.services.incidents import IncidentInput, record_incident
from safetrail.services.vault import Vault, create_vault, open_vault
from safetrail.services.verify import verify
from safetrail.storage import migrate
from safetrail.storage.engine import WRITE_OPTION
from safetrail.storage.kept_tables import kept_results
from tests.conftest import PASSPHRASE, StepClock

INCIDENTS = (
    ("2026-11-02 18:00", "He waited outside my house again and said he would kill me"),
    ("2026-11-09 08:30", "He followed me to work in the grey van"),
    ("2026-11-16 21:10", "He sent twenty messages overnight"),
)
TEXTS = sorted(what for _when, what in INCIDENTS)


class Read:
    """Every text the threat detector is asked about."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        real = ThreatEngine.scan

        def counted(engine: ThreatEngine, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
            self.texts.extend(t for t in texts if t)
            return real(engine, texts)

        monkeypatch.setattr(ThreatEngine, "scan", counted)


@pytest.fixture
def made(vault_path: Path) -> Path:
    vault = create_vault(vault_path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    try:
        for when, what in INCIDENTS:
            record_incident(vault, IncidentInput(what_happened=what, when=when))
    finally:
        vault.close()
    return vault_path


def _analysed(root: Path) -> tuple[Analysis, int]:
    """One unlock: the analysis, and how many kept values it read back."""
    vault = open_vault(root, PASSPHRASE, clock=StepClock())
    try:
        return analysis_cache.case_analysis(vault), vault.local_kept.loaded
    finally:
        vault.close()


def _rows(root: Path) -> list[tuple[str, int]]:
    vault = open_vault(root, PASSPHRASE)
    try:
        with vault.read() as conn:
            rows = conn.execute(select(kept_results.c.slot, kept_results.c.head_seq)).all()
    finally:
        vault.close()
    return sorted((str(r.slot), int(r.head_seq)) for r in rows)


def _alter(root: Path, slot: str, change: Any) -> None:
    vault = open_vault(root, PASSPHRASE)
    try:
        with vault.store.writing() as conn:
            sealed = conn.execute(
                select(kept_results.c.sealed).where(kept_results.c.slot == slot)
            ).scalar_one()
            conn.execute(
                update(kept_results)
                .where(kept_results.c.slot == slot)
                .values(sealed=change(bytes(sealed)))
            )
    finally:
        vault.close()


def test_the_scan_memo_survives_locking(made: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = Read(monkeypatch)
    first, loaded = _analysed(made)
    assert (sorted(read.texts), loaded) == (TEXTS, 0)
    assert _rows(made) == [("threat-scan", -1)]  # the analysis itself is not kept
    read.texts.clear()
    again, loaded = _analysed(made)  # after unlocking: no text is read again
    assert (read.texts, loaded) == ([], 1)
    assert again.pattern.incidents == first.pattern.incidents == 3
    assert sorted(again.incident_flags) == sorted(first.incident_flags)
    with pytest.MonkeyPatch.context() as other:  # in another language too
        other.setattr(analysis_cache, "current_language", lambda: "ja")
        _whole, loaded = _analysed(made)
    assert (read.texts, loaded) == ([], 1)
    assert _rows(made) == [("threat-scan", -1)]


def test_after_a_write_only_the_new_text_is_read(
    made: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = Read(monkeypatch)
    _analysed(made)
    vault = open_vault(made, PASSPHRASE, clock=StepClock())
    try:
        record_incident(vault, IncidentInput(what_happened="He rang at night", when="2026-11-30"))
    finally:
        vault.close()
    read.texts.clear()
    after, loaded = _analysed(made)
    assert (read.texts, loaded) == (["He rang at night"], 1)
    assert after.pattern.incidents == 4
    read.texts.clear()
    _whole, loaded = _analysed(made)  # 4 texts kept now (one more is more than a twentieth)
    assert (read.texts, loaded) == ([], 1)


def test_nothing_tied_to_the_ledger_is_kept(vault: Vault) -> None:
    vault.local_kept.save("analysis:en", "5:abc:2026-12-01", 5, {"an": "analysis"})
    assert vault.local_kept.load("analysis:en", "5:abc:2026-12-01") is None
    with vault.read() as conn:
        assert conn.execute(select(kept_results.c.slot)).all() == []


def test_a_code_change_invalidates_what_was_kept(
    made: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = Read(monkeypatch)
    _analysed(made)
    monkeypatch.setattr(kept_seal, "code_version", lambda: "another-detector")
    read.texts.clear()
    _whole, loaded = _analysed(made)
    assert (sorted(read.texts), loaded) == (TEXTS, 0)


@pytest.mark.parametrize(
    "change",
    [
        lambda sealed: sealed[:20] + bytes([sealed[20] ^ 1]) + sealed[21:],
        lambda sealed: sealed[:10],
        lambda sealed: b"",
    ],
    ids=["flipped", "cut", "empty"],
)
def test_an_altered_row_is_ignored_and_computed_again(
    made: Path, monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:
    read = Read(monkeypatch)
    first, _loaded = _analysed(made)
    _alter(made, "threat-scan", change)
    read.texts.clear()
    again, loaded = _analysed(made)
    assert (sorted(read.texts), loaded) == (TEXTS, 0)
    assert sorted(again.incident_flags) == sorted(first.incident_flags)
    read.texts.clear()
    _whole, loaded = _analysed(made)  # and kept again, whole
    assert (read.texts, loaded) == ([], 1)


def test_a_row_moved_to_another_slot_does_not_open(made: Path) -> None:
    _analysed(made)
    vault = open_vault(made, PASSPHRASE)
    try:
        with vault.store.writing() as conn:
            conn.execute(
                update(kept_results)
                .where(kept_results.c.slot == "threat-scan")
                .values(slot="threat-scan-2")
            )
        assert vault.local_kept.load("threat-scan-2", "texts") is None
        assert vault.local_kept.loaded == 0
    finally:
        vault.close()


def test_a_vault_made_before_the_table_opens_verifies_and_keeps(
    made: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = open_vault(made, PASSPHRASE)
    config = migrate.alembic_config()
    with vault.engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
        connection.commit()
    assert not migrate.is_current(vault.engine)
    vault.close()
    read = Read(monkeypatch)
    vault = open_vault(made, PASSPHRASE, clock=StepClock())
    try:
        assert migrate.is_current(vault.engine)
        assert verify(vault).ok
        analysis_cache.case_analysis(vault)
        assert sorted(read.texts) == TEXTS
        assert verify(vault).ok  # kept results are not content
    finally:
        vault.close()
    assert _rows(made) == [("threat-scan", -1)]


def test_a_read_only_vault_keeps_nothing_and_still_analyses(made: Path) -> None:
    vault = open_vault(made, PASSPHRASE)
    try:
        vault.refuse_writes(ReadOnlyVault("read-only for this test"))
        found = analysis_cache.case_analysis(vault)
        assert found.pattern.incidents == 3
    finally:
        vault.close()
    assert _rows(made) == []


def test_the_key_is_wiped_when_the_vault_locks(vault: Vault) -> None:
    kept = vault.local_kept
    kept.save("probe", "v1", -1, {"fine": 1})
    assert kept.load("probe", "v1") == {"fine": 1}
    vault.close()
    assert not any(kept._key)


def test_a_large_memo_is_kept_again_only_once_it_grew_by_a_twentieth(vault: Vault) -> None:
    kept = vault.local_kept
    assert kept.memo_texts == scan_cache.LIMIT > analysis_cache.MEMO_KEPT_TEXTS
    memo: dict[str, None] = {f"text {n}": None for n in range(100)}
    kept.save(analysis_cache.MEMO_SLOT, "texts", -1, memo)
    memo.update({f"more {n}": None for n in range(4)})  # 4 new: not yet worth writing again
    kept.save(analysis_cache.MEMO_SLOT, "texts", -1, dict(memo))
    assert len(kept.load(analysis_cache.MEMO_SLOT, "texts")) == 100
    memo["one more"] = None  # 5 new: a twentieth of 100
    kept.save(analysis_cache.MEMO_SLOT, "texts", -1, dict(memo))
    assert len(kept.load(analysis_cache.MEMO_SLOT, "texts")) == 105

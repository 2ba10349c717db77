"""Vault header, key derivation, unlocking and passphrase change."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from safetrail.errors import (
    DatabaseCorrupt,
    HeaderError,
    VaultExists,
    VaultNotFound,
    WeakPassphrase,
    WrongPassphrase,
)
from safetrail.services import incidents
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault, create_vault, open_vault
from safetrail.vault import kdf, session
from tests.conftest import PASSPHRASE


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_header_records_format_and_kdf(vault: Vault, vault_path: Path) -> None:
    body = json.loads((vault_path / "vault.header").read_text())
    assert body["magic"] == "safetrail-vault"
    assert body["format"] == 2
    assert body["kdf"]["name"] == "argon2id"
    assert len(bytes.fromhex(body["kdf"]["salt"])) == 16
    assert [set(slot) for slot in body["slots"]] == [{"nonce", "key"}, {"nonce", "key"}]
    for name in ("vault.header", "vault.db", "ledger.checkpoint"):
        assert (vault_path / name).stat().st_mode & 0o777 == 0o600, name
    assert vault_path.stat().st_mode & 0o777 == 0o700


def test_real_calibration_meets_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(kdf.WEAK_KDF_ENV)
    params = kdf.calibrate(target_seconds=0.2)
    assert params.memory_kib >= 64 * 1024
    assert params.iterations >= 1
    assert kdf.acceptable(params)
    assert not kdf.acceptable(kdf.KdfParams(8, 1, 1, b"s" * 16))


def test_weak_header_refused_without_test_flag(
    vault: Vault, vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.close()
    monkeypatch.delenv(kdf.WEAK_KDF_ENV)
    with pytest.raises(HeaderError, match="below SafeTrail's minimum"):
        open_vault(vault_path, PASSPHRASE)


def test_wrong_passphrase_changes_nothing(vault: Vault, vault_path: Path) -> None:
    vault.close()
    before = _tree_digest(vault_path)
    with pytest.raises(WrongPassphrase, match="does not open this vault"):
        open_vault(vault_path, "not the passphrase at all")
    assert _tree_digest(vault_path) == before


def test_missing_vault(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFound, match="There is no vault"):
        open_vault(tmp_path / "nowhere", PASSPHRASE)


def test_init_refuses_existing_vault(vault: Vault, vault_path: Path) -> None:
    with pytest.raises(VaultExists):
        create_vault(vault_path, PASSPHRASE, "GB", "Europe/London")


def test_init_refuses_short_passphrase(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase, match="too short"):
        create_vault(tmp_path / "v", "short", "GB", "Europe/London")
    assert not (tmp_path / "v" / "vault.header").exists()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda raw: raw[: len(raw) // 2], "damaged or truncated"),
        (lambda raw: b"", "is empty"),
        (lambda raw: b'{"magic": "something-else", "format": 1}', "not a SafeTrail vault header"),
        (lambda raw: raw.replace(b'"format": 2', b'"format": 7'), "newer SafeTrail"),
        (lambda raw: raw.replace(b'"vault_id"', b'"vault_idx"'), "required field"),
        (lambda raw: b"\xff\xfe\x00garbage", "damaged or truncated"),
    ],
)
def test_header_problems_are_named(
    vault: Vault, vault_path: Path, mangle: object, message: str
) -> None:
    vault.close()
    header = vault_path / "vault.header"
    header.write_bytes(mangle(header.read_bytes()))  # type: ignore[operator]
    with pytest.raises(HeaderError, match=message):
        open_vault(vault_path, PASSPHRASE)


def test_missing_header_is_named(vault: Vault, vault_path: Path) -> None:
    vault.close()
    (vault_path / "vault.header").unlink()
    with pytest.raises(HeaderError, match="header file is missing"):
        open_vault(vault_path, PASSPHRASE)


def test_edited_kdf_parameter_breaks_unlock(vault: Vault, vault_path: Path) -> None:
    vault.close()
    header = vault_path / "vault.header"
    body = json.loads(header.read_text())
    body["kdf"]["iterations"] += 1
    header.write_text(json.dumps(body))
    with pytest.raises(WrongPassphrase):
        open_vault(vault_path, PASSPHRASE)


def test_corrupt_database(vault: Vault, vault_path: Path) -> None:
    vault.close()
    db = vault_path / "vault.db"
    raw = bytearray(db.read_bytes())
    raw[0:4096] = b"\x00" * 4096
    db.write_bytes(bytes(raw))
    with pytest.raises(DatabaseCorrupt, match="cannot be read"):
        open_vault(vault_path, PASSPHRASE)


def test_missing_database(vault: Vault, vault_path: Path) -> None:
    vault.close()
    (vault_path / "vault.db").unlink()
    with pytest.raises(DatabaseCorrupt, match=r"database file \(.*vault.db\) is missing"):
        open_vault(vault_path, PASSPHRASE)


def test_passphrase_change_rewraps_only(vault: Vault, vault_path: Path) -> None:
    record = incidents.record_incident(vault, IncidentInput(what_happened="Parked outside"))
    vault.close()
    db_before = hashlib.sha256((vault_path / "vault.db").read_bytes()).hexdigest()
    blobs_before = _tree_digest(vault_path / "blobs")
    session.change_passphrase(vault_path, PASSPHRASE, "a brand new passphrase")
    assert hashlib.sha256((vault_path / "vault.db").read_bytes()).hexdigest() == db_before
    assert _tree_digest(vault_path / "blobs") == blobs_before
    with pytest.raises(WrongPassphrase):
        open_vault(vault_path, PASSPHRASE)
    reopened = open_vault(vault_path, "a brand new passphrase")
    try:
        found, history = incidents.show_incident(reopened, record.ref)
        assert found.data["what_happened"] == "Parked outside"
        assert len(history) == 1
    finally:
        reopened.close()


def test_passphrase_change_needs_the_old_one(vault: Vault, vault_path: Path) -> None:
    vault.close()
    with pytest.raises(WrongPassphrase):
        session.change_passphrase(vault_path, "wrong old passphrase", "a brand new passphrase")
    with pytest.raises(WeakPassphrase):
        session.change_passphrase(vault_path, PASSPHRASE, "short")
    open_vault(vault_path, PASSPHRASE).close()


def test_keys_are_hidden_from_repr(vault: Vault) -> None:
    assert repr(vault.keys) == "VaultKeys(<hidden>)"
    keys = {
        bytes(key)
        for key in (
            vault.keys.database,
            vault.keys.blob_wrap,
            vault.keys.blob_address,
            vault.keys.ledger,
            vault.keys.backup,
        )
    }
    assert len(keys) == 5


def test_stale_temp_files_are_removed_at_open(vault: Vault, vault_path: Path) -> None:
    vault.close()
    stale = vault_path / ".ledger.checkpoint.999999999.tmp"
    stale.write_bytes(b"half")
    live = vault_path / f".ledger.checkpoint.{os.getpid()}.tmp"
    live.write_bytes(b"in use")
    open_vault(vault_path, PASSPHRASE).close()
    assert not stale.exists()
    assert live.exists()

"""``verify`` notices when the public key stored in ledger.checkpoint is not the vault's."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from safetrail.cli.main import app
from safetrail.services import incidents
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import create_vault, open_vault
from safetrail.services.verify import verify
from tests.conftest import PASSPHRASE, StepClock


def _vault(path: Path) -> str:
    vault = create_vault(path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    try:
        incidents.record_incident(vault, IncidentInput(what_happened="He followed me."))
        assert [str(p) for p in verify(vault).problems] == []
        return vault.public_key_hex()
    finally:
        vault.close()


def test_a_changed_public_key_in_the_checkpoint_is_found(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    own = _vault(path)
    checkpoint = path / "ledger.checkpoint"
    body = json.loads(checkpoint.read_text("utf-8"))
    assert body["public_key"] == own
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    body["public_key"] = other
    checkpoint.write_text(json.dumps(body, indent=2) + "\n", "utf-8")
    vault = open_vault(path, PASSPHRASE)
    try:
        problems = [str(p) for p in verify(vault).problems]
    finally:
        vault.close()
    assert problems == [
        f"ledger checkpoint: names a public key that is not this vault's own ({other[:16]}…)"
    ]
    result = CliRunner().invoke(
        app,
        ["verify"],
        env={"SAFETRAIL_VAULT": str(path), "SAFETRAIL_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"},
    )
    assert result.exit_code != 0
    assert "names a public key that is not this vault's own" in result.output


def test_the_same_key_in_capitals_is_still_the_vaults_own(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    own = _vault(path)
    checkpoint = path / "ledger.checkpoint"
    body = json.loads(checkpoint.read_text("utf-8"))
    body["public_key"] = own.upper()
    checkpoint.write_text(json.dumps(body), "utf-8")
    vault = open_vault(path, PASSPHRASE)
    try:
        assert [str(p) for p in verify(vault).problems] == []
    finally:
        vault.close()

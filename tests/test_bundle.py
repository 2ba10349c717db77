"""The case bundle: checked with the real sha256sum, signed, optionally encrypted."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from safetrail.errors import EvidenceDamaged, ValidationError, WeakPassphrase, WrongPassphrase
from safetrail.reports import bundle as bundles
from safetrail.reports.model import ReportOptions
from safetrail.services.vault import Vault
from safetrail.services.verify import verify
from tests.conftest import PASSPHRASE
from tests.test_reports_support import MARKER, WITNESS_PHONE, Case, pdf_text, populate

SENDING = "a different passphrase for sending"


@pytest.fixture
def case(vault: Vault, tmp_path: Path) -> Case:
    files = tmp_path / "files"
    files.mkdir()
    return populate(vault, files)


def unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as opened:
        assert opened.testzip() is None
        opened.extractall(into)
    (folder,) = into.iterdir()
    return folder


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"],
        cwd=folder,
        capture_output=True,
        text=True,
    )


needs_sha256sum = pytest.mark.skipif(
    shutil.which("sha256sum") is None, reason="sha256sum (coreutils) is not installed"
)


@needs_sha256sum
def test_manifest_passes_sha256sum_and_catches_a_change(
    vault: Vault, case: Case, tmp_path: Path
) -> None:
    out = tmp_path / "bundle.zip"
    made = bundles.write_bundle(vault, ReportOptions(), out)
    folder = unzip(out, tmp_path / "open")
    assert folder.name == f"case-{made.case.report_id}"
    checked = sha256sum_check(folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert len(lines) == len(made.files) == 7 + len(case.exhibits)
    assert all(line.endswith(": OK") for line in lines)
    names = {line.rsplit(": ", 1)[0] for line in lines}
    assert {"report.pdf", "log.json", "incidents.csv", "communications.csv"} <= names
    assert "evidence/EX-0003_写真.png" in names  # names in any script survive the round trip

    victim = folder / "evidence" / "EX-0001_doorstep.jpg"
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    broken = sha256sum_check(folder)
    assert broken.returncode != 0
    assert "evidence/EX-0001_doorstep.jpg: FAILED" in broken.stdout


def test_contents_are_the_originals_and_private_notes_stay_out(
    vault: Vault, case: Case, tmp_path: Path
) -> None:
    out = tmp_path / "bundle.zip"
    made = bundles.write_bundle(vault, ReportOptions(), out)
    folder = unzip(out, tmp_path / "open")
    for ref, (_sha, content) in case.exhibits.items():
        (found,) = (folder / "evidence").glob(f"{ref}_*")
        assert found.read_bytes() == content
    log = json.loads((folder / "log.json").read_text())
    assert log["scope"] == "selection"
    assert len(log["incidents"]) == 8  # the live incidents the report shows
    assert all(w["contact"] is None for i in log["incidents"] for w in i["witnesses"])
    everything = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert MARKER.encode() not in everything
    assert WITNESS_PHONE.encode() not in everything
    assert MARKER not in pdf_text((folder / "report.pdf").read_bytes())
    assert (folder / "communications.csv").read_text("utf-8-sig").startswith("at_utc,direction")
    readme = (folder / "README.txt").read_text()
    assert "sha256sum -c SHA256SUMS" in readme and made.case.head_hash in readme


def test_manifest_signature_verifies_with_the_vault_key(
    vault: Vault, case: Case, tmp_path: Path
) -> None:
    out = tmp_path / "bundle.zip"
    bundles.write_bundle(vault, ReportOptions(), out)
    folder = unzip(out, tmp_path / "open")
    manifest = (folder / "SHA256SUMS").read_bytes()
    signature = (folder / "SHA256SUMS.sig").read_bytes()
    key = load_pem_public_key((folder / "signing-key.pem").read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    assert key.public_bytes_raw().hex() == vault.public_key_hex()
    key.verify(signature, manifest)  # raises if the signature does not match
    if shutil.which("openssl"):
        checked = subprocess.run(
            [
                "openssl",
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "signing-key.pem",
                "-rawin",
                "-in",
                "SHA256SUMS",
                "-sigfile",
                "SHA256SUMS.sig",
            ],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_bundle_is_recorded_in_custody(vault: Vault, case: Case, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    made = bundles.write_bundle(vault, ReportOptions(offenders=(case.person,)), out)
    with vault.read() as conn:
        custody = vault.store.load(conn, vault.store.list_ids(conn, "custody"))
        exported = vault.store.load(conn, vault.store.list_ids(conn, "export"))
    assert sorted(c.data["sha256_verified"] for c in custody) == sorted(
        e.sha256 for e in made.exhibits
    )
    assert all(c.data["via"] == "command line" for c in custody)
    (record,) = exported
    assert record.data["format"] == "bundle"
    assert (
        record.data["sha256"] == made.sha256 == bundles.hashlib.sha256(out.read_bytes()).hexdigest()
    )
    assert record.data["manifest_sha256"] == made.manifest_sha256
    assert record.data["options"]["offenders"] == [case.person]
    assert verify(vault).ok


def test_encrypted_bundle_opens_with_its_passphrase_only(
    vault: Vault, case: Case, tmp_path: Path
) -> None:
    sealed = tmp_path / "bundle.stbundle"
    made = bundles.write_bundle(vault, ReportOptions(), sealed, passphrase=SENDING)
    raw = sealed.read_bytes()
    assert raw.startswith(bundles.MAGIC)
    assert b"report.pdf" not in raw and b"SHA256SUMS" not in raw
    opened = tmp_path / "opened.zip"
    bundles.open_bundle(sealed, SENDING, opened)
    folder = unzip(opened, tmp_path / "open")
    assert {p.name for p in folder.iterdir()} >= {"report.pdf", "SHA256SUMS", "evidence"}
    if shutil.which("sha256sum"):
        assert sha256sum_check(folder).returncode == 0
    with vault.read() as conn:
        (record,) = vault.store.load(conn, vault.store.list_ids(conn, "export"))
    assert record.data["format"] == "bundle-encrypted"
    assert record.data["sha256"] == made.sha256

    with pytest.raises(WrongPassphrase):
        bundles.open_bundle(sealed, "not the right passphrase", tmp_path / "x.zip")
    damaged = tmp_path / "damaged.stbundle"
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 1
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(WrongPassphrase):
        bundles.open_bundle(damaged, SENDING, tmp_path / "y.zip")
    cut = tmp_path / "cut.stbundle"
    cut.write_bytes(raw[: -(bundles.CHUNK // 2)] if len(raw) > bundles.CHUNK else raw[:-20])
    with pytest.raises(WrongPassphrase):
        bundles.open_bundle(cut, SENDING, tmp_path / "z.zip")
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "z.zip").exists()


def test_sealer_matches_the_stream_format_at_chunk_edges() -> None:
    import io
    import os

    from safetrail.vault.stream import StreamReader

    key = os.urandom(32)
    for size in (0, 1, 15, 16, 17, 48, 64):
        data = os.urandom(size)
        sealer = bundles.Sealer(key, b"lead", chunk=16)
        sealed = b"".join(sealer.feed(data[i : i + 5]) for i in range(0, size, 5))
        sealed += sealer.finish()
        reader = StreamReader(io.BytesIO(sealed), key, b"lead", 16, 0, len(sealed))
        reader.check_final_chunk()
        assert b"".join(reader) == data


def test_sending_passphrase_must_differ_from_the_vault_one(
    vault: Vault, case: Case, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="vault passphrase"):
        bundles.write_bundle(vault, ReportOptions(), tmp_path / "b.zip", passphrase=PASSPHRASE)
    with pytest.raises(WeakPassphrase):
        bundles.write_bundle(vault, ReportOptions(), tmp_path / "b.zip", passphrase="short")
    assert not (tmp_path / "b.zip").exists()


def test_damaged_evidence_stops_the_bundle(vault: Vault, case: Case, tmp_path: Path) -> None:
    _sha, _content = case.exhibits["EX-0002"]
    with vault.read() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "evidence", "EX-0002"))
    path = vault.blobs.path_for(record.data["blob_address"])
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x40
    path.write_bytes(bytes(raw))
    out = tmp_path / "bundle.zip"
    with pytest.raises(EvidenceDamaged):
        bundles.write_bundle(vault, ReportOptions(), out)
    assert not out.exists()
    assert not list(tmp_path.glob(".bundle.zip.partial"))
    with vault.read() as conn:
        assert vault.store.list_ids(conn, "export") == []

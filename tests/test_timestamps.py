"""Trusted timestamps (RFC 3161) of the ledger head, against a real responder on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetrail.cli.main import app
from safetrail.errors import TimestampError
from safetrail.reports.bundle import write_bundle
from safetrail.reports.model import ReportOptions
from safetrail.reports.pdf_report import build_report
from safetrail.services import incidents
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault, create_vault
from safetrail.storage import ledger
from safetrail.timestamps import service
from safetrail.timestamps.rfc3161 import check_token
from tests.conftest import PASSPHRASE, StepClock
from tests.test_reports_support import pdf_text
from tests.tsa_server import TsaServer


@pytest.fixture
def tsa() -> Iterator[TsaServer]:
    with TsaServer() as server:
        yield server


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    made = create_vault(tmp_path / "vault", PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    incidents.record_incident(made, IncidentInput(what_happened="He waited at the station."))
    try:
        yield made
    finally:
        made.close()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsr"


def _openssl_verify(folder: Path, name: str, ca: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-token_in",
            "-in",
            str(folder / f"{name}.tsr"),
            "-data",
            str(folder / f"{name}.txt"),
            "-CAfile",
            str(ca),
            "-untrusted",
            str(folder / f"{name}-certs.pem"),
        ],
        capture_output=True,
        text=True,
    )


def test_nothing_is_sent_while_turned_off(vault: Vault, tsa: TsaServer) -> None:
    with pytest.raises(TimestampError, match="turned off, so nothing was sent"):
        service.stamp(vault, servers=[tsa.url])
    assert service.auto_stamp(vault) is None
    build_report(vault, ReportOptions())
    assert tsa.authority.requests == []
    assert service.stamps(vault) == []


def test_stamp_sends_only_a_hash_and_openssl_verifies_the_token(
    vault: Vault, tsa: TsaServer, tmp_path: Path
) -> None:
    service.configure(vault, enabled=True, servers=[tsa.url])
    with vault.read() as conn:
        head = ledger.head(conn)
    assert head is not None
    made = service.stamp(vault)
    statement = f"SafeTrail ledger head\nentries: {head.seq}\nhead: {head.entry_hash}\n"
    assert made.statement == statement.encode()
    assert (made.ref, made.seq, made.entry_hash) == ("TS-001", head.seq, head.entry_hash)
    # The request carries the SHA-256 of the statement, and nothing else from the log.
    (sent,) = tsa.authority.requests
    assert hashlib.sha256(statement.encode()).digest() in sent
    assert head.entry_hash.encode() not in sent
    assert len(sent) < 100
    # The token is kept as a record, so it is in the ledger.
    with vault.read() as conn:
        after = ledger.head(conn)
    assert after is not None and after.seq == head.seq + 1
    assert [s.ref for s in service.stamps(vault)] == ["TS-001"]
    info = check_token(made.token, made.digest)
    assert info.serial == 1 and "Test Time Stamping" in info.authority
    folder = tmp_path / "check"
    folder.mkdir()
    for name, content in service.bundle_files(service.stamps(vault)):
        target = tmp_path / "check" / Path(name).name
        target.write_bytes(content)
    done = _openssl_verify(folder, "TS-001", tsa.write_ca(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verification: OK" in done.stdout
    assert [(s.ref, problem) for s, _info, problem in service.check_stamps(vault)] == [
        ("TS-001", None)
    ]


def test_a_token_for_another_hash_is_refused(vault: Vault, tsa: TsaServer) -> None:
    service.configure(vault, enabled=True, servers=[tsa.url])
    tsa.authority.mode = "other_hash"
    with pytest.raises(TimestampError) as raised:
        service.stamp(vault)
    assert "This timestamp token is for another hash" in raised.value.message
    assert service.stamps(vault) == []
    tsa.authority.mode = "normal"
    made = service.stamp(vault)
    with pytest.raises(TimestampError, match="is for another hash"):
        check_token(made.token, hashlib.sha256(b"another ledger head").digest())


def test_a_tampered_token_is_refused(vault: Vault, tsa: TsaServer, tmp_path: Path) -> None:
    service.configure(vault, enabled=True, servers=[tsa.url])
    made = service.stamp(vault)
    serial = (1).to_bytes(1, "big")
    # Change the serial number inside the signed content (INTEGER 1 after the imprint).
    marker = made.digest + b"\x02\x01" + serial
    assert made.token.count(marker) == 1
    changed = made.token.replace(marker, made.digest + b"\x02\x01\x07")
    with pytest.raises(TimestampError, match="content was changed after it was signed"):
        check_token(changed, made.digest)
    # A flipped byte in the signature itself.
    broken = bytearray(made.token)
    broken[-5] ^= 0x01
    with pytest.raises(TimestampError, match="signature does not match"):
        check_token(bytes(broken), made.digest)
    with pytest.raises(TimestampError, match="damaged or is not an RFC 3161 token"):
        check_token(made.token[:40], made.digest)
    # OpenSSL agrees that the changed token does not verify.
    folder = tmp_path / "tampered"
    folder.mkdir()
    (folder / "X.txt").write_bytes(made.statement)
    (folder / "X.tsr").write_bytes(changed)
    (folder / "X-certs.pem").write_bytes(service.bundle_files([made])[3][1])
    done = _openssl_verify(folder, "X", tsa.write_ca(tmp_path))
    assert done.returncode != 0


def test_an_unreachable_server_gives_a_clear_message(vault: Vault) -> None:
    url = _closed_port_url()
    service.configure(vault, enabled=True, servers=[url])
    with pytest.raises(TimestampError) as raised:
        service.stamp(vault, timeout=3)
    assert raised.value.message.startswith("No timestamp server gave a valid timestamp.")
    assert f"{url} could not be reached" in raised.value.message
    assert service.auto_stamp(vault) is None  # a report is still made without one


def test_a_refusal_and_the_next_server(vault: Vault, tsa: TsaServer) -> None:
    with TsaServer() as refusing:
        refusing.authority.mode = "reject"
        service.configure(vault, enabled=True, servers=[refusing.url, tsa.url])
        made = service.stamp(vault)
    assert made.server == tsa.url
    assert len(refusing.authority.requests) == 1


def test_server_addresses_are_checked(vault: Vault) -> None:
    with pytest.raises(Exception, match="is not a timestamp server address"):
        service.configure(vault, servers=["ftp://example.org"])
    assert service.current_settings(vault).servers == service.DEFAULT_SERVERS


def test_report_lists_stamps_and_the_bundle_ships_them(
    vault: Vault, tsa: TsaServer, tmp_path: Path
) -> None:
    service.configure(vault, enabled=True, servers=[tsa.url])
    first = service.stamp(vault)
    report = build_report(vault, ReportOptions())  # stamps the head again on its own
    text = " ".join(pdf_text(report.pdf).split())
    assert "Trusted timestamps" in text
    assert f"{first.ref}: ledger entries 1–{first.seq}" in text
    assert "TS-002" in text
    out = tmp_path / "bundle.zip"
    write_bundle(vault, ReportOptions(), out)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        folder = names[0].split("/")[0]
        sums = archive.read(f"{folder}/SHA256SUMS").decode()
        archive.extractall(tmp_path / "unzipped")
    stamps_dir = tmp_path / "unzipped" / folder / "timestamps"
    assert {p.name for p in stamps_dir.iterdir()} >= {
        "README.txt",
        "TS-001.txt",
        "TS-001.tsr",
        "TS-001-certs.pem",
    }
    assert "timestamps/TS-001.tsr" in sums
    assert "openssl ts -verify" in (stamps_dir / "README.txt").read_text()
    done = _openssl_verify(stamps_dir, "TS-001", tsa.write_ca(tmp_path))
    assert "Verification: OK" in done.stdout, done.stderr


def test_cli_timestamp(tmp_path: Path, tsa: TsaServer) -> None:
    path = tmp_path / "cli-vault"
    made = create_vault(path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    made.close()
    env = {"SAFETRAIL_VAULT": str(path), "SAFETRAIL_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"}
    runner = CliRunner()
    refused = subprocess.run(
        [sys.executable, "-m", "safetrail.cli.main", "timestamp"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 13
    assert "Error: Trusted timestamps are turned off, so nothing was sent." in refused.stderr
    assert "Traceback" not in refused.stderr
    on = runner.invoke(app, ["timestamp", "--on", "--server", tsa.url], env=env)
    assert on.exit_code == 0, on.output
    assert "Only a SHA-256 hash is sent" in on.output
    assert "TS-001" in on.output
    listed = runner.invoke(app, ["timestamp", "--list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "TS-001" in listed.output and "checks out" in listed.output

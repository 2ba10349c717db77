"""``safetrail import`` as a person runs it, and killed in the middle (several trials)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from safetrail.services.imports.run import list_imports
from safetrail.services.vault import open_vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communications
from tests.conftest import PASSPHRASE
from tests.test_cli import st

SAMPLES = Path(__file__).parent / "samples" / "imports"


@pytest.fixture
def cli_vault(tmp_path: Path) -> Path:
    path = tmp_path / "vault"
    assert st(path, "init", "--country", "GB", "--timezone", "Europe/London").returncode == 0
    added = st(path, "person", "add", "--name", "Alex Morgan", "--id", "07700 900123")
    assert added.returncode == 0, added.stderr
    return path


def test_preview_then_import_then_list_and_undo(cli_vault: Path) -> None:
    sms = str(SAMPLES / "alex-sms.xml")
    preview = st(cli_vault, "import", sms, "--preview", "--json")
    assert preview.returncode == 0, preview.stderr
    found = json.loads(preview.stdout)
    assert (found["status"], found["records"], found["new"]) == ("preview", 9, 9)
    done = st(cli_vault, "import", sms, str(SAMPLES / "alex-calls.xml"))
    assert done.returncode == 0, done.stderr
    assert "✓ Imported as IM-001: 14 new records." in done.stdout
    assert "Summary incidents: 2 new, 0 updated." in done.stdout
    again = st(cli_vault, "import", sms, "--json")
    assert json.loads(again.stdout)["new"] == 0
    listed = st(cli_vault, "imports")
    assert "IM-001" in listed.stdout and "complete" in listed.stdout
    undo = st(cli_vault, "import-undo", "IM-001", "--reason", "wrong phone")
    assert undo.returncode == 0, undo.stderr
    assert "IM-001 undone; 2 summary incidents voided, 0 updated." in undo.stdout
    twice = st(cli_vault, "import-undo", "IM-001", "--reason", "again")
    assert twice.returncode == 6
    assert "IM-001 was already undone." in twice.stderr
    assert "Traceback" not in twice.stderr


def test_bad_input_gets_one_clear_line(cli_vault: Path, tmp_path: Path) -> None:
    missing = st(cli_vault, "import", str(tmp_path / "nope.xml"))
    assert missing.returncode == 5
    assert "There is no file or folder at" in missing.stderr
    wrong = st(cli_vault, "import", str(SAMPLES / "alex-sms.xml"), "--format", "fax")
    assert wrong.returncode == 6
    assert "There is no import format called 'fax'." in wrong.stderr
    formats = st(cli_vault, "import-formats")
    assert "smsbackup" in formats.stdout


def _big_export(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        out.write(f'<smses count="{count}">\n')
        for n in range(count):
            address = "+447700900123" if n % 3 else "+447700900777"
            out.write(
                f'<sms protocol="0" address="{address}" date="{1700000000000 + n * 61_000}" '
                f'type="{1 if n % 5 else 2}" body="message number {n}" read="1" '
                'status="-1" />\n'
            )
        out.write("</smses>\n")


def _import_process(vault: Path, export: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SAFETRAIL_VAULT": str(vault),
        "SAFETRAIL_PASSPHRASE": PASSPHRASE,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "safetrail.cli.main", "import", str(export), "--json"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _stored(vault_path: Path) -> tuple[int, int, list[str]]:
    vault = open_vault(vault_path, PASSPHRASE)
    try:
        with vault.read() as conn:
            total = conn.execute(select(func.count()).select_from(communications)).scalar_one()
            keys = conn.execute(
                select(func.count(func.distinct(communications.c.dedupe_key)))
            ).scalar_one()
        problems = [str(p) for p in verify(vault).problems]
    finally:
        vault.close()
    return int(total), int(keys), problems


@pytest.mark.slow
def test_killed_import_leaves_a_consistent_vault_and_reruns(
    cli_vault: Path, tmp_path: Path
) -> None:
    export = tmp_path / "sms-big.xml"
    count = 60_000
    _big_export(export, count)
    rng = random.Random(20261122)
    partial_counts = []
    for _trial in range(4):
        proc = _import_process(cli_vault, export)
        time.sleep(rng.uniform(0.8, 3.5))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        total, keys, problems = _stored(cli_vault)
        assert problems == []
        assert total == keys  # never a record twice
        assert total % 10_000 == 0  # whole batches only
        partial_counts.append(total)
    finished = _import_process(cli_vault, export)
    out, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["new"] == count - partial_counts[-1]
    total, keys, problems = _stored(cli_vault)
    assert (total, keys, problems) == (count, count, [])
    vault = open_vault(cli_vault, PASSPHRASE)
    try:
        statuses = [item.status for item in list_imports(vault)]  # newest first
    finally:
        vault.close()
    assert statuses[0] == "complete"
    # a killed run that had started stays in the history, marked as interrupted
    assert set(statuses[1:]) <= {"interrupted", "complete"}


def test_csv_needs_a_mapping_which_can_be_saved(cli_vault: Path) -> None:
    calls = str(Path(__file__).parent / "samples" / "csv" / "calls_en.csv")
    asked = st(cli_vault, "import", calls)
    assert asked.returncode == 2
    assert "Suggested columns: --map timestamp=Date --map counterpart=Number" in asked.stdout
    done = st(
        cli_vault,
        "import",
        calls,
        "--map",
        "timestamp=Date",
        "--map",
        "counterpart=Number",
        "--map",
        "direction=Direction",
        "--map",
        "duration=Duration",
        "--save-mapping",
        "carrier",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout)
    assert first["sources"][0]["importer"] == "csv 2"
    assert first["new"] == first["records"] > 0
    again = st(cli_vault, "import", calls, "--mapping", "carrier", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["duplicates"] == first["records"]

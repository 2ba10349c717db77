"""Faults outside SafeTrail: a lost or swapped database, a full disk, a read-only folder.

Each test makes the fault for real (truncating or swapping files, filling a small real
file system, remounting it read-only), runs the real command, and checks what the person
is told, that nothing was changed, and that after freeing space or putting the file back
the vault verifies with nothing acknowledged lost.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from safetrail.errors import DatabaseCorrupt
from safetrail.services import incidents
from safetrail.services.evidence import add_evidence
from safetrail.services.imports.run import list_imports
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import create_vault, open_vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communications
from tests.conftest import PASSPHRASE
from tests.fault_fs import SmallDisk, small_disk
from tests.test_cli import st
from tests.test_crash_safety import HELPER, cli_env

LIBRARY_TEXT = ("Traceback", "sqlalche.me", "Errno", "OperationalError", "sqlcipher3")


def no_library_text(output: str) -> None:
    for text in LIBRARY_TEXT:
        assert text not in output, output


def make_vault(root: Path, evidence_file: Path | None = None) -> None:
    """A vault with two incidents (and one exhibit when a file is given)."""
    vault = create_vault(root, PASSPHRASE, "GB", "Europe/London")
    try:
        incidents.record_incident(vault, incidents.IncidentInput("Waited outside the office"))
        incidents.record_incident(vault, incidents.IncidentInput("Sent flowers to my flat"))
        if evidence_file is not None:
            add_evidence(vault, evidence_file)
    finally:
        vault.close()


def vault_facts(root: Path) -> tuple[list[str], int, list[str], int]:
    """(incident texts, exhibits, verify problems, unreferenced blobs)."""
    vault = open_vault(root, PASSPHRASE)
    try:
        with vault.read() as conn:
            ids = vault.store.list_ids(conn, "incident")
            texts = [vault.store.get(conn, i).data["what_happened"] for i in ids]
            exhibits = len(vault.store.list_ids(conn, "evidence"))
        report = verify(vault)
    finally:
        vault.close()
    return texts, exhibits, [str(p) for p in report.problems], report.unreferenced_blobs


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "doorstep.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64)
    return path


# -- 1. a lost, emptied or swapped database is never replaced ---------------------------------


def test_an_emptied_database_is_refused_and_never_replaced(tmp_path: Path, photo: Path) -> None:
    root = tmp_path / "vault"
    make_vault(root, photo)
    db = root / "vault.db"
    saved = db.read_bytes()
    checkpoint = (root / "ledger.checkpoint").read_bytes()
    db.write_bytes(b"")  # truncate -s 0

    added = st(root, "incident", "add", "--what", "Phoned 12 times", "--tactic", "unwanted_calls")
    assert added.returncode == 10, added.stdout
    assert "The vault database file (" in added.stderr
    assert "is empty (0 bytes)." in added.stderr
    assert "Its signed checkpoint records 5 ledger entries; 1 evidence files" in added.stderr
    assert "safetrail restore FILE --vault NEW_FOLDER" in added.stderr
    no_library_text(added.stderr)
    listed = st(root, "settings")
    assert listed.returncode == 10  # no falling back to default settings either
    checked = st(root, "verify")
    assert checked.returncode == 10
    assert "is empty (0 bytes)" in checked.stderr
    started = st(root, "start")
    assert started.returncode == 10
    # nothing was written: the empty file stays empty, the checkpoint is untouched
    assert db.read_bytes() == b""
    assert (root / "ledger.checkpoint").read_bytes() == checkpoint
    assert not (root / "vault.db-wal").exists()

    db.write_bytes(saved)  # restoring the file brings everything back
    texts, exhibits, problems, orphans = vault_facts(root)
    assert texts == ["Waited outside the office", "Sent flowers to my flat"]
    assert (exhibits, problems, orphans) == (1, [], 0)


def test_a_missing_database_is_refused_and_init_will_not_start_over(
    tmp_path: Path, photo: Path
) -> None:
    root = tmp_path / "vault"
    make_vault(root, photo)
    db = root / "vault.db"
    moved = tmp_path / "kept.db"
    db.rename(moved)
    added = st(root, "incident", "add", "--what", "Followed me home")
    assert added.returncode == 10
    assert "is missing." in added.stderr
    assert not db.exists()
    # even with the header gone too, the folder is not taken for a new vault
    header = (root / "vault.header").read_bytes()
    (root / "vault.header").unlink()
    fresh = st(root, "init", "--country", "GB", "--timezone", "Europe/London")
    assert fresh.returncode == 2
    assert "holds the remains of a vault" in fresh.stderr
    assert not db.exists() and not (root / "vault.header").exists()
    (root / "vault.header").write_bytes(header)
    moved.rename(db)
    texts, exhibits, problems, _orphans = vault_facts(root)
    assert (len(texts), exhibits, problems) == (2, 1, [])


def test_a_database_removed_while_the_vault_is_open_is_not_made_anew(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    make_vault(root)
    vault = open_vault(root, PASSPHRASE)
    try:
        (root / "vault.db").rename(tmp_path / "moved.db")
        with pytest.raises(DatabaseCorrupt, match=r"database file \(.*\) is missing"):
            incidents.record_incident(vault, incidents.IncidentInput("Late-night calls"))
        assert not (root / "vault.db").exists()
    finally:
        vault.close()


def test_an_older_copy_of_the_database_opens_read_only_and_the_checkpoint_stays(
    tmp_path: Path, photo: Path
) -> None:
    root = tmp_path / "vault"
    make_vault(root)
    db = root / "vault.db"
    older = db.read_bytes()  # 4 ledger entries: case, settings, two incidents
    vault = open_vault(root, PASSPHRASE)
    try:
        incidents.record_incident(vault, incidents.IncidentInput("Left a note on the car"))
        add_evidence(vault, photo)
    finally:
        vault.close()
    newer = db.read_bytes()
    checkpoint = (root / "ledger.checkpoint").read_bytes()
    assert json.loads(checkpoint)["seq"] == 6
    db.write_bytes(older)

    added = st(root, "incident", "add", "--what", "Rang the doorbell at 3 am")
    assert added.returncode == 10, added.stdout + added.stderr
    assert (
        "The vault database holds 4 ledger entries, but 6 were signed: it is an older or "
        "shortened copy, and later records are missing from it." in added.stderr.replace("\n", " ")
    )
    no_library_text(added.stderr)
    listed = st(root, "incident", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Sent flowers to my flat" in listed.stdout
    checked = st(root, "verify")
    assert checked.returncode == 9
    assert "ledger: entries up to 6 were signed, but the chain no longer contains them" in (
        checked.stdout
    )
    assert "1 evidence file in the folder belongs to no exhibit" in checked.stdout
    assert (root / "ledger.checkpoint").read_bytes() == checkpoint
    assert db.read_bytes() == older

    db.write_bytes(newer)
    texts, exhibits, problems, orphans = vault_facts(root)
    assert texts == [
        "Waited outside the office",
        "Sent flowers to my flat",
        "Left a note on the car",
    ]
    assert (exhibits, problems, orphans) == (1, [], 0)


def test_a_damaged_checkpoint_is_never_overwritten(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    make_vault(root)
    path = root / "ledger.checkpoint"
    body = json.loads(path.read_text())
    body["seq"] = 3  # a valid-looking file whose signature no longer matches
    path.write_text(json.dumps(body))
    damaged = path.read_bytes()
    added = st(root, "incident", "add", "--what", "Called from a hidden number")
    assert added.returncode == 10
    assert "signed checkpoint of this vault" in added.stderr
    assert path.read_bytes() == damaged


# -- 2, 3, 5. a full disk says so, and a failed import says what was kept -----------------------


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk(tmp_path, 64) as mounted:
        yield mounted


def sms_export(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        out.write(f'<smses count="{count}">\n')
        for n in range(count):
            out.write(
                f'<sms protocol="0" address="+447700900123" date="{1700000000000 + n * 61_000}" '
                f'type="{1 if n % 4 else 2}" body="Message {n}: where are you, answer me '
                f'{"x" * (n % 40)}" read="1" status="-1" />\n'
            )
        out.write("</smses>\n")


def stored_communications(root: Path) -> int:
    vault = open_vault(root, PASSPHRASE)
    try:
        with vault.read() as conn:
            return int(conn.execute(select(func.count()).select_from(communications)).scalar_one())
    finally:
        vault.close()


def test_a_full_disk_is_not_damage_and_reading_still_works(
    disk: SmallDisk, tmp_path: Path, photo: Path
) -> None:
    root = disk.mount / "vault"
    make_vault(root)
    disk.fill()
    assert disk.free() < 64 * 1024

    listed = st(root, "incident", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Waited outside the office" in listed.stdout
    added = st(root, "incident", "add", "--what", "Parked across the road all night")
    assert added.returncode == 11, added.stdout + added.stderr
    assert f"The drive holding {root} is full" in added.stderr.replace("\n", "")
    assert "Nothing is damaged" in added.stderr
    assert "damaged or" not in added.stderr and "Restore" not in added.stderr
    no_library_text(added.stderr)
    big = tmp_path / "video.mp4"
    big.write_bytes(b"\0" * (3 * 1024 * 1024))
    exhibit = st(root, "evidence", "add", str(big))
    assert exhibit.returncode == 11, exhibit.stdout + exhibit.stderr
    assert "is full: " in exhibit.stderr
    assert "and this needs about 3.1 MB." in exhibit.stderr.replace("\n", " ")
    no_library_text(exhibit.stderr)

    disk.empty_fillers()
    texts, exhibits, problems, orphans = vault_facts(root)
    assert texts == ["Waited outside the office", "Sent flowers to my flat"]
    assert (exhibits, problems, orphans) == (0, [], 0)
    again = st(root, "incident", "add", "--what", "Parked across the road all night")
    assert again.returncode == 0, again.stderr


def test_an_import_that_runs_out_of_space_fails_and_says_what_was_kept(
    disk: SmallDisk, tmp_path: Path
) -> None:
    root = disk.mount / "vault"
    make_vault(root)
    export = tmp_path / "sms-backup.xml"
    count = 40_000
    sms_export(export, count)
    # room to keep the export file as evidence and for some batches, not for all of them
    disk.fill(leave=export.stat().st_size + 10 * 1024 * 1024)

    ran = st(root, "import", str(export), "--json")
    assert ran.returncode == 11, ran.stdout + ran.stderr
    no_library_text(ran.stdout + ran.stderr)
    report = json.loads(ran.stdout)
    assert report["status"] == "failed"
    assert report["ref"] == "IM-001"
    assert "is full" in report["error"]
    kept = report["new"]
    assert kept % 10_000 == 0 and 0 < kept < count  # whole batches, never a part of one
    assert report["sources"][0]["evidence_ref"] == "EX-0001"
    human = st(root, "import", str(export))
    assert human.returncode == 11
    assert "is full" in human.stderr
    no_library_text(human.stderr)

    disk.empty_fillers()
    assert stored_communications(root) == kept
    vault = open_vault(root, PASSPHRASE)
    try:
        statuses = {item.ref: item.status for item in list_imports(vault)}
        assert verify(vault).ok
    finally:
        vault.close()
    assert statuses["IM-001"] in ("failed", "interrupted")
    finished = st(root, "import", str(export), "--json")
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["new"] == count - kept
    assert stored_communications(root) == count
    assert vault_facts(root)[2] == []


# -- 4. a read-only vault folder opens read-only ------------------------------------------------


def test_a_read_only_vault_reads_verifies_and_backs_up(
    disk: SmallDisk, tmp_path: Path, photo: Path
) -> None:
    root = disk.mount / "vault"
    make_vault(root, photo)
    disk.remount(read_only=True)

    listed = st(root, "incident", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Sent flowers to my flat" in listed.stdout
    checked = st(root, "verify")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Everything is intact" in checked.stdout
    copy = tmp_path / "backup.stb"
    backed = st(root, "backup", str(copy))
    assert backed.returncode == 0, backed.stderr
    pdf = tmp_path / "report.pdf"
    reported = st(root, "report", "--output", str(pdf))
    assert reported.returncode == 0, reported.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "the export is not recorded in the vault's history" in reported.stderr.replace("\n", " ")
    export = tmp_path / "sms.xml"
    sms_export(export, 5)
    imported = st(root, "import", str(export))
    assert imported.returncode == 12, imported.stdout + imported.stderr
    assert "is read-only" in imported.stderr
    added = st(root, "incident", "add", "--what", "Waited at the station")
    assert added.returncode == 12
    assert f"The vault folder {root} is read-only" in added.stderr.replace("\n", "")
    no_library_text(added.stderr)
    target = tmp_path / "restored"
    restored = st(target, "restore", str(copy), "--vault", str(target))
    assert restored.returncode == 0, restored.stderr

    disk.remount(read_only=False)
    texts, exhibits, problems, orphans = vault_facts(root)
    assert (len(texts), exhibits, problems, orphans) == (2, 1, [], 0)


# -- 16.6 refused input: nothing imported, non-zero, no import record ----------------------------


def test_an_unrecognised_file_is_refused_without_an_import_record(
    tmp_path: Path,
) -> None:
    root = tmp_path / "vault"
    make_vault(root)
    notes = tmp_path / "shopping.txt"
    notes.write_text("eggs\nmilk\nbread\n")
    ran = st(root, "import", str(notes), "--format", "smsbackup", "--json")
    assert ran.returncode == 5, ran.stdout + ran.stderr
    report = json.loads(ran.stdout)
    assert report["status"] == "refused"
    assert report["ref"] is None
    assert [s["name"] for s in report["sources"]] == ["shopping.txt"]
    assert report["sources"][0]["refused"]
    assert report["error"] == (
        "Nothing was imported: none of these files could be read as an export."
    )
    assert report["hint"].startswith("The reason is given for each file.")
    plain = st(root, "import", str(notes))
    assert plain.returncode == 5
    assert "Nothing was imported" in plain.stderr
    assert "Imported as" not in plain.stdout
    vault = open_vault(root, PASSPHRASE)
    try:
        assert list_imports(vault) == []
        with vault.read() as conn:
            assert vault.store.list_ids(conn, "evidence") == []
    finally:
        vault.close()


def test_a_killed_import_is_settled_when_the_vault_opens(tmp_path: Path) -> None:
    """Killed after its last batch committed, before summaries and the final version: the
    next opening marks it interrupted with what it kept, and builds the summaries."""
    root = tmp_path / "vault"
    make_vault(root)
    vault = open_vault(root, PASSPHRASE)
    try:
        add_person(vault, PersonInput(names=["Sam Doe"], identifiers=["+447700900123"]))
    finally:
        vault.close()
    export = tmp_path / "sms.xml"
    sms_export(export, 25)
    marks = tmp_path / "marks"
    env = {**cli_env(root), "SAFETRAIL_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(marks), "import", str(export), "--json"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # commits: 1 the import record, 2 the export kept as evidence, 3 the batch
        deadline = time.monotonic() + 60
        while committed(marks) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    vault = open_vault(root, PASSPHRASE)
    try:
        (summary,) = list_imports(vault)
        assert (summary.status, summary.new) == ("interrupted", 25)
        with vault.read() as conn:
            summaries = [
                vault.store.get(conn, i).data for i in vault.store.list_ids(conn, "incident")
            ][2:]
        assert len(summaries) >= 1
        assert verify(vault).ok
    finally:
        vault.close()


def committed(marks: Path) -> int:
    if not marks.exists():
        return 0
    return sum(1 for line in marks.read_text().splitlines() if line.startswith("committed "))


# -- 9. evidence export into a folder that does not exist yet ------------------------------------


def test_evidence_export_to_a_new_folder_makes_the_folder(tmp_path: Path, photo: Path) -> None:
    root = tmp_path / "vault"
    make_vault(root, photo)
    folder = tmp_path / "for-police"
    done = st(root, "evidence", "export", "EX-0001", "--output", str(folder))
    assert done.returncode == 0, done.stderr
    assert folder.is_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["doorstep.jpg"]
    assert (folder / "doorstep.jpg").read_bytes() == photo.read_bytes()
    named = tmp_path / "copy.jpg"
    again = st(root, "evidence", "export", "EX-0001", "--output", str(named))
    assert again.returncode == 0, again.stderr
    assert named.read_bytes() == photo.read_bytes()
    nowhere = tmp_path / "no" / "such" / "place"
    refused = st(root, "evidence", "export", "EX-0001", "--output", str(nowhere))
    assert refused.returncode == 6
    assert f"The folder {nowhere.parent} does not exist." in refused.stderr.replace("\n", "")
    assert not (tmp_path / "no").exists()

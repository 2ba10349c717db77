"""``safetrail device`` as a person runs it, with the stand-in adb on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from safetrail.services.vault import create_vault
from tests.conftest import PASSPHRASE
from tests.test_devicecheck_data import SAMPLES

FAKEADB = Path(__file__).parent / "fakeadb"


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    path = tmp_path / "vault"
    create_vault(path, PASSPHRASE, "GB", "Europe/London").close()
    return path


def device(
    vault: Path, *args: str, scenario: str | None = None, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    state = vault.parent / "adb-state"
    state.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "COLUMNS": "200",
        "SAFETRAIL_VAULT": str(vault),
        "SAFETRAIL_PASSPHRASE": PASSPHRASE,
        "PATH": path if path is not None else f"{FAKEADB}{os.pathsep}{os.environ['PATH']}",
        "FAKEADB_STATE": str(state),
        "FAKEADB_SCENARIO": str(SAMPLES / "scenarios" / (scenario or "none")),
    }
    return subprocess.run(
        [sys.executable, "-m", "safetrail.cli.main", "device", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_check_a_phone_with_stalkerware(vault_dir: Path) -> None:
    done = device(vault_dir, "check", scenario="stalkerware")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Phone check DC-001 of Pixel 6" in out
    assert "● com.systemservice is known stalkerware (TheTruthSpy)" in out
    assert "Finding: stalkerware:com.systemservice" in out
    assert (
        "It is allowed: device administrator, accessibility (can read the screen), reads "
        "notifications, location all the time." in out
    )
    assert "removing a monitoring app can alert the person who installed it" in out
    assert "The raw listing is kept as evidence EX-0001." in out
    assert "No check can find everything." in out
    assert "your phone is clean" not in out.lower()
    assert "Echap — stalkerware-indicators" in out and "data of 2026-06-21" in out
    assert "National Stalking Helpline (Suzy Lamplugh Trust): 0808 802 0300" in out
    assert "To record a finding in your log: safetrail device record DC-001 FINDING" in out

    refused = device(vault_dir, "record", "DC-001", "stalkerware:com.systemservice")
    assert refused.returncode == 6
    assert "Recording a finding needs your confirmation." in refused.stderr
    recorded = device(vault_dir, "record", "DC-001", "stalkerware:com.systemservice", "--yes")
    assert recorded.returncode == 0, recorded.stderr
    assert "Recorded as I-0001, with the listing attached." in recorded.stdout
    listed = device(vault_dir, "list")
    assert "DC-001" in listed.stdout and "Pixel 6" in listed.stdout


def test_clean_phone_never_says_clean(vault_dir: Path) -> None:
    done = device(vault_dir, "check", scenario="clean")
    assert done.returncode == 0, done.stderr
    assert "This check found none of the warning signs it looks for." in done.stdout
    assert "That does not prove that nothing is there" in done.stdout
    assert "clean" not in done.stdout.lower().replace("r58n30clean", "")


def test_disconnect_is_reported_as_partial(vault_dir: Path) -> None:
    done = device(vault_dir, "check", scenario="disconnect")
    assert done.returncode == 0, done.stderr
    assert "This check is partial" in done.stdout
    assert "not reached: the phone was disconnected" in done.stdout


@pytest.mark.parametrize(
    ("scenario", "path", "first_line", "hint"),
    [
        (
            "none",
            "EMPTY",
            "Error: The Android tool 'adb' is not installed on this computer.",
            "platform-tools",
        ),
        ("none", None, "Error: No phone was found.", "safetrail device guide"),
        (
            "several",
            None,
            "Error: 2 phones or emulators are connected: R58N30CLEAN, emulator-5554.",
            "--serial R58N30CLEAN",
        ),
        (
            "unauthorised",
            None,
            "Error: The phone has not allowed this computer to read it yet.",
            "Allow USB debugging?",
        ),
    ],
)
def test_phone_problems_are_one_line_and_a_hint(
    vault_dir: Path, scenario: str, path: str | None, first_line: str, hint: str
) -> None:
    empty = vault_dir.parent / "empty"
    empty.mkdir(exist_ok=True)
    done = device(
        vault_dir, "check", scenario=scenario, path=str(empty) if path == "EMPTY" else None
    )
    assert done.returncode == 9
    assert done.stderr.splitlines()[0] == first_line
    assert hint in done.stderr
    assert "Traceback" not in done.stderr


def test_folder_input_and_its_mistakes(vault_dir: Path, tmp_path: Path) -> None:
    done = device(vault_dir, "check", "--from", str(SAMPLES / "phones" / "watchware"))
    assert done.returncode == 0, done.stderr
    assert "com.wondershare.famisafe.kids is a monitoring app (FamiSafe)" in done.stdout
    missing = device(vault_dir, "check", "--from", str(tmp_path / "nowhere"))
    assert missing.returncode == 9
    assert f"{tmp_path / 'nowhere'} is not a folder." in missing.stderr


def test_update_indicators(vault_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "ioc.yaml"
    bad.write_text("- name: x\n  packages: [a]\n")
    refused = device(vault_dir, "update-indicators", str(bad))
    assert refused.returncode == 9
    assert "line 2: unsupported YAML construct" in refused.stderr
    good = tmp_path / "watchware.yaml"
    good.write_text(
        "- name: Kid\n  type: watchware\n  packages:\n  - com.kid.watch\n  - bad name\n"
    )
    done = device(vault_dir, "update-indicators", str(good), "--date", "2026-11-30")
    assert done.returncode == 0, done.stderr
    assert (
        "Indicators IND-001 loaded: 147 stalkerware and 1 watchware entries, 614 app names, "
        "471 certificates." in done.stdout
    )
    assert "Skipped: entry 1 (Kid): 'bad name' is not an Android package name." in done.stdout


def test_iphone_answers(vault_dir: Path) -> None:
    done = device(vault_dir, "iphone", "--answer", "profiles=yes", "--answer", "airtag_alerts=n")
    assert done.returncode == 0, done.stderr
    assert "iPhone check DC-001" in done.stdout
    assert "A profile can route your traffic or manage the phone." in done.stdout
    wrong = device(vault_dir, "iphone", "--answer", "profiles=maybe")
    assert wrong.returncode == 9
    assert "'maybe' is not an answer SafeTrail understands." in wrong.stderr


def test_guide_needs_no_vault(tmp_path: Path) -> None:
    done = device(tmp_path / "no-vault", "guide")
    assert done.returncode == 0, done.stderr
    assert "Tap it seven times" in done.stdout
    assert "Turn off 'USB debugging'" in done.stdout
    assert not (tmp_path / "no-vault").exists()


def _read_until(master: int, wanted: str, seen: list[str], seconds: float = 60) -> None:
    """Read the terminal until ``wanted`` appears (select waits on output; no sleeping)."""
    import select
    import time

    deadline = time.monotonic() + seconds
    while wanted not in "".join(seen):
        left = deadline - time.monotonic()
        assert left > 0, "".join(seen)
        ready, _w, _x = select.select([master], [], [], left)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the program ended and closed the terminal
                break
            seen.append(chunk.decode(errors="replace"))
    assert wanted in "".join(seen), "".join(seen)


def test_in_a_terminal_the_check_asks_before_recording(vault_dir: Path) -> None:
    import pty

    master, slave = pty.openpty()
    state = vault_dir.parent / "adb-state"
    state.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "COLUMNS": "200",
        "SAFETRAIL_VAULT": str(vault_dir),
        "SAFETRAIL_PASSPHRASE": PASSPHRASE,
        "PATH": f"{FAKEADB}{os.pathsep}{os.environ['PATH']}",
        "FAKEADB_STATE": str(state),
        "FAKEADB_SCENARIO": str(SAMPLES / "scenarios" / "heuristic"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "safetrail.cli.main", "device", "check"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen: list[str] = []
    try:
        _read_until(master, "has the powers spyware needs' as an incident in your log?", seen)
        os.write(master, b"y\n")
        _read_until(master, "Record 'Web traffic is set to go through a proxy", seen)
        os.write(master, b"n\n")
        assert process.wait(timeout=60) == 0
    finally:
        os.close(master)
    text = "".join(seen)
    assert "Recorded as I-0001, with the listing attached." in text
    assert "I-0002" not in text


@pytest.mark.parametrize(
    "command", ["guide", "check", "record", "list", "show", "update-indicators", "iphone"]
)
def test_every_device_command_has_help_and_is_documented(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "safetrail.cli.main", "device", command, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    docs = (Path(__file__).parents[1] / "docs" / "devicecheck.md").read_text()
    assert f"safetrail device {command}" in docs

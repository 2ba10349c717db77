"""The command line as a person (or a script) uses it: real processes, real vault."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from safetrail.services.vault import open_vault
from safetrail.storage.engine import open_sqlcipher
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).parents[1]


def st(
    vault: Path, *args: str, passphrase: str | None = PASSPHRASE, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SAFETRAIL_VAULT": str(vault), "COLUMNS": "200", **env}
    environment.pop("SAFETRAIL_PASSPHRASE", None)
    if passphrase is not None:
        environment["SAFETRAIL_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "safetrail.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture(scope="module")
def cli_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "vault"
    done = st(path, "init", "--country", "GB", "--timezone", "Europe/London")
    assert done.returncode == 0, done.stderr
    return path


def test_everyday_flow(cli_vault: Path, tmp_path: Path) -> None:
    person = st(
        cli_vault,
        "person",
        "add",
        "--name",
        "Mark Example",
        "--id",
        "07700 900123",
        "--relationship",
        "former partner",
    )
    assert person.stdout.strip() == "✓ Saved as P-001."
    added = st(
        cli_vault,
        "incident",
        "add",
        "--what",
        "Waited outside my flat",
        "--when",
        "2026-11-19T21:40",
        "--where",
        "Home",
        "--tactic",
        "watching",
        "--offender",
        "P-001",
        "--fear",
        "3",
        "--private-note",
        "SECRET-NOTE-991",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "✓ Saved as I-0001. Thank you for writing it down."
    quick = st(
        cli_vault,
        "incident",
        "add",
        "--quick",
        "--what",
        "Silent call",
        "--tactic",
        "unwanted_calls",
    )
    assert quick.stdout.strip() == "✓ Saved as I-0002. Thank you for writing it down."
    amended = st(
        cli_vault,
        "incident",
        "amend",
        "I-0001",
        "--reason",
        "more precise",
        "--when",
        "2026-11-19T21:35",
    )
    assert amended.stdout.strip() == "✓ I-0001 updated to version 2."
    shown = st(cli_vault, "incident", "show", "1")
    assert "19 Nov 2026, 21:35 (Europe/London)" in shown.stdout
    assert "v2 amend" in shown.stdout and "more precise" in shown.stdout
    assert "│ People involved │ P-001" in shown.stdout
    listed = st(cli_vault, "incident", "list", "--tactic", "watching")
    assert "I-0001" in listed.stdout and "I-0002" not in listed.stdout
    assert "Showing 1 of 1." in listed.stdout
    evidence_file = tmp_path / "photo.jpg"
    evidence_file.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    ev = st(cli_vault, "evidence", "add", str(evidence_file), "--incident", "I-0001")
    assert ev.returncode == 0, ev.stderr
    assert "photo.jpg → EX-0001" in ev.stdout
    out = tmp_path / "export.json"
    exported = st(cli_vault, "export", "json", "--output", str(out))
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text())
    assert "SECRET-NOTE-991" not in out.read_text()
    assert [i["ref"] for i in data["incidents"]] == ["I-0001", "I-0002"]
    assert data["incidents"][0]["offender_refs"] == ["P-001"]
    assert data["incidents"][0]["evidence_refs"] == ["EX-0001"]
    csv_out = tmp_path / "export.csv"
    assert st(cli_vault, "export", "csv", "--output", str(csv_out)).returncode == 0
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("ref,occurred_start,occurred_end,timezone,precision")
    assert len(lines) == 3
    verified = st(cli_vault, "verify")
    assert verified.returncode == 0
    assert "Everything is intact" in verified.stdout
    summary = st(cli_vault, "start")
    assert "Incidents recorded" in summary.stdout and "│ 2 " in summary.stdout


def test_wrong_passphrase_is_one_clear_line(cli_vault: Path) -> None:
    before = (cli_vault / "vault.db").read_bytes()
    done = st(cli_vault, "incident", "list", passphrase="definitely not it")
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0] == "Error: That passphrase does not open this vault."
    assert (cli_vault / "vault.db").read_bytes() == before


def test_no_passphrase_in_a_script(cli_vault: Path) -> None:
    done = st(cli_vault, "incident", "list", passphrase=None)
    assert done.returncode == 3
    assert "SAFETRAIL_PASSPHRASE" in done.stderr


def test_bad_input_is_explained(cli_vault: Path) -> None:
    bad_tactic = st(cli_vault, "incident", "add", "--what", "x", "--tactic", "folowing")
    assert bad_tactic.returncode == 6
    assert "following" in bad_tactic.stderr and "Traceback" not in bad_tactic.stderr
    bad_when = st(cli_vault, "incident", "add", "--what", "x", "--when", "last blue moon")
    assert bad_when.returncode == 6 and "Traceback" not in bad_when.stderr
    missing = st(cli_vault, "evidence", "add", "/nonexistent/file.png")
    assert missing.returncode == 5 and "does not exist" in missing.stderr
    unknown = st(cli_vault, "incident", "show", "I-0999")
    assert unknown.returncode == 6 and "There is no incident called I-0999" in unknown.stderr
    no_vault = st(cli_vault.parent / "elsewhere", "incident", "list")
    assert no_vault.returncode == 2 and "There is no vault" in no_vault.stderr


def test_vault_busy_message(cli_vault: Path) -> None:
    vault = open_vault(cli_vault, PASSPHRASE)
    holder = open_sqlcipher(cli_vault / "vault.db", vault.keys.database)
    holder.execute("BEGIN IMMEDIATE")
    try:
        done = st(cli_vault, "incident", "add", "--what", "blocked", SAFETRAIL_BUSY_TIMEOUT="0.3")
    finally:
        holder.rollback()
        holder.close()
        vault.close()
    assert done.returncode == 4
    assert done.stderr.splitlines()[0].startswith("Error: The vault is busy")
    assert "Traceback" not in done.stderr


def test_two_processes_at_once_never_corrupt(cli_vault: Path) -> None:
    results: list[int] = []

    def add(n: int) -> None:
        for i in range(4):
            results.append(
                st(cli_vault, "incident", "add", "--what", f"parallel {n}-{i}").returncode
            )

    threads = [threading.Thread(target=add, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [0] * 8
    assert st(cli_vault, "verify").returncode == 0


def test_passwd_and_backup_restore(cli_vault: Path, tmp_path: Path) -> None:
    backup = tmp_path / "all.stbk"
    assert st(cli_vault, "backup", str(backup)).returncode == 0
    restored = tmp_path / "restored"
    done = st(cli_vault, "restore", str(backup), "--vault", str(restored))
    assert done.returncode == 0, done.stderr
    assert "Everything is intact" in done.stdout
    changed = st(restored, "passwd", SAFETRAIL_NEW_PASSPHRASE="another long passphrase")
    assert changed.returncode == 0, changed.stderr
    assert st(restored, "incident", "list").returncode == 3
    relisted = st(restored, "incident", "list", passphrase="another long passphrase")
    assert relisted.returncode == 0 and "I-0001" in relisted.stdout


def _all_commands() -> list[str]:
    """Every leaf command of the real Typer app, so a new command cannot go undocumented."""
    import typer

    from safetrail.cli.main import app

    def walk(command: object, prefix: tuple[str, ...]) -> list[str]:
        subs = getattr(command, "commands", None)
        if not subs:
            return [" ".join(prefix)]
        return [leaf for name, sub in sorted(subs.items()) for leaf in walk(sub, (*prefix, name))]

    return walk(typer.main.get_command(app), ())


COMMANDS = _all_commands()
DOCUMENTATION = "\n".join(
    path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
)


def test_command_list_is_the_whole_app() -> None:
    assert len(COMMANDS) >= 74
    assert {"init", "serve", "device check", "arrangement review", "places near"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command: str) -> None:
    from typer.testing import CliRunner

    from safetrail.cli.main import app

    # In-process: the same Typer app as the installed command, without a new interpreter per
    # command (the real entry point is exercised by the subprocess tests above and below).
    done = CliRunner().invoke(app, [*command.split(), "--help"], terminal_width=200)
    assert done.exit_code == 0, done.output
    assert "Usage:" in done.output
    assert f"safetrail {command}" in DOCUMENTATION

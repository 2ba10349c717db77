"""The report commands, registered on a fresh Typer app and run in-process."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from safetrail.cli import report_cmds
from safetrail.services.vault import Vault
from tests.conftest import PASSPHRASE
from tests.test_reports_support import MARKER, Case, pdf_pages, pdf_text, populate


@pytest.fixture
def cli(vault: Vault, vault_path: Path, tmp_path: Path) -> tuple[typer.Typer, Case, Path]:
    files = tmp_path / "files"
    files.mkdir()
    case = populate(vault, files)
    app = typer.Typer()
    report_cmds.register(app)
    return app, case, vault_path


def run(app: typer.Typer, vault_path: Path, *args: str, **env: str) -> Result:
    result = CliRunner().invoke(
        app,
        [*args, "--vault", str(vault_path)] if args[0] != "open-bundle" else list(args),
        env={"SAFETRAIL_PASSPHRASE": PASSPHRASE, "COLUMNS": "200", **env},
    )
    return result


def test_report_command(cli: tuple[typer.Typer, Case, Path], tmp_path: Path) -> None:
    app, case, vault_path = cli
    out = tmp_path / "r.pdf"
    result = run(app, vault_path, "report", "-o", str(out), "--offender", case.second)
    assert result.exit_code == 0, result.output
    assert "Report SR-" in result.output and "incidents: 1" in result.output
    text = pdf_text(out.read_bytes())
    assert "Incidents in this report: 1." in text and MARKER not in text
    again = run(app, vault_path, "report", "-o", str(out))
    assert again.exit_code != 0


def test_bundle_and_open_bundle(cli: tuple[typer.Typer, Case, Path], tmp_path: Path) -> None:
    app, _case, vault_path = cli
    sealed = tmp_path / "case.stbundle"
    env = {"SAFETRAIL_BUNDLE_PASSPHRASE": "a separate sending passphrase"}
    made = run(app, vault_path, "bundle", "-o", str(sealed), "--encrypt", **env)
    assert made.exit_code == 0, made.output
    assert "another route" in made.output
    opened = tmp_path / "case.zip"
    result = run(app, vault_path, "open-bundle", str(sealed), "-o", str(opened), **env)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(opened) as archive:
        assert any(name.endswith("/SHA256SUMS") for name in archive.namelist())
    wrong = run(
        app,
        vault_path,
        "open-bundle",
        str(sealed),
        "-o",
        str(tmp_path / "x.zip"),
        SAFETRAIL_BUNDLE_PASSPHRASE="wrong passphrase here",
    )
    assert wrong.exit_code != 0


def test_police_sheet_letter_and_exports_list(
    cli: tuple[typer.Typer, Case, Path], tmp_path: Path
) -> None:
    app, case, vault_path = cli
    sheet = tmp_path / "sheet.pdf"
    assert run(app, vault_path, "police-sheet", "-o", str(sheet)).exit_code == 0
    assert len(pdf_pages(sheet.read_bytes())) == 1
    letter = tmp_path / "notice.txt"
    written = run(
        app,
        vault_path,
        "letter",
        "no-contact",
        "--person",
        case.person,
        "-o",
        str(letter),
        "--mark-sent",
        "--sent-on",
        "2026-03-20",
        "--method",
        "email",
    )
    assert written.exit_code == 0, written.output
    assert "already recorded" in written.output
    assert "Recorded as notice N-002" in written.output
    assert letter.read_text().startswith("To: Mark Example")
    comms = tmp_path / "comms.csv"
    assert run(app, vault_path, "export-communications", "-o", str(comms)).exit_code == 0
    listed = run(app, vault_path, "exports")
    assert listed.exit_code == 0
    for what in ("police-sheet", "letter-no-contact", "communications-csv", "notice.txt"):
        assert what in listed.output


@pytest.mark.parametrize(
    "command",
    [
        "report",
        "bundle",
        "open-bundle",
        "police-sheet",
        "letter",
        "exports",
        "export-communications",
    ],
)
def test_every_report_command_has_help(command: str) -> None:
    app = typer.Typer()
    report_cmds.register(app)
    app.command("placeholder")(lambda: None)  # keep Typer in multi-command mode
    done = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "Usage:" in done.output

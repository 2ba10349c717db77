"""``safetrail analyze``, ``check`` and ``risk`` from the command line (in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetrail.cli.main import app
from safetrail.services import events, incidents, people
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import create_vault
from tests.conftest import PASSPHRASE, StepClock


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    path = tmp_path / "vault"
    vault = create_vault(path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    mark = people.add_person(vault, people.PersonInput(["Mark"], relationship="former partner"))
    for day in (1, 3, 5):
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened="He kept calling",
                when=f"2026-10-{day:02d} 20:00",
                tactics=["unwanted_calls"],
                channel="phone_call",
                offenders=[mark.ref],
            ),
        )
    incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="He said he would kill me",
            when="2026-10-12 22:00",
            where="home",
            tactics=["watching", "threats"],
            channel="in_person",
            offenders=[mark.ref],
            fear=4,
        ),
    )
    events.add_notice(vault, events.NoticeInput("2026-10-02", "letter", mark.ref))
    vault.close()
    return path


def run(vault_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        list(args),
        env={
            "SAFETRAIL_VAULT": str(vault_dir),
            "SAFETRAIL_PASSPHRASE": PASSPHRASE,
            "COLUMNS": "160",
        },
    )
    return result.exit_code, result.output


def test_analyze_prints_the_pattern_and_signals(vault_dir: Path) -> None:
    code, out = run(vault_dir, "analyze", "--today", "2026-10-20")
    assert code == 0, out
    assert "Incidents" in out and "4" in out
    assert "Threats" in out
    assert "Contact after your no-contact notice" in out
    assert "Incidents: I-0002, I-0003, I-0004" in out
    assert "In danger now: call 999" in out  # an urgent signal brings the help lines


def test_analyze_json(vault_dir: Path) -> None:
    code, out = run(vault_dir, "analyze", "--today", "2026-10-20", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["incidents"] == 4
    assert data["first"] == "2026-10-01" and data["last"] == "2026-10-12"
    assert data["by_tactic"] == {"unwanted_calls": 3, "watching": 1, "threats": 1}
    notice = next(s for s in data["signals"] if s["kind"] == "after_notice")
    assert notice["evidence"] == ["I-0002", "I-0003", "I-0004"]


def test_check_uses_the_log_when_not_in_a_terminal(vault_dir: Path) -> None:
    code, out = run(vault_dir, "check", "--answer", "afraid=yes", "--save")
    assert code == 0, out
    assert "From your log: You told them to stop on 2 Oct 2026 (N-001)." in out
    assert "What you describe fits what stalking is" in out
    assert "not legal advice" in out
    assert "A dated copy is kept as RA-001." in out


def test_check_refuses_unknown_answers(vault_dir: Path) -> None:
    code, _out = run(vault_dir, "check", "--answer", "afraid=perhaps")
    assert code != 0


def test_risk_questions_then_answers_list_show_compare(vault_dir: Path) -> None:
    code, out = run(vault_dir, "risk")
    assert code == 0
    assert "threats_kill: Have they threatened to kill you or anyone else?" in out
    assert "Answer in a terminal" in out

    code, out = run(vault_dir, "risk", "--use-log", "--answer", "weapons=yes")
    assert code == 0, out
    assert "Saved as RA-001." in out
    assert "Please call a helpline today" in out
    assert "Do they have, or could they easily get, a weapon?" in out

    code, out = run(vault_dir, "risk", "--answer", "strangled=yes", "--answer", "weapons=no")
    assert code == 0, out
    assert "Saved as RA-002." in out

    code, out = run(vault_dir, "risk", "--list")
    assert code == 0 and "RA-001" in out and "RA-002" in out

    code, out = run(vault_dir, "risk", "--show", "RA-002")
    assert code == 0 and "Have they ever choked, strangled or smothered you?" in out

    code, out = run(vault_dir, "risk", "--compare", "RA-001", "--compare", "RA-002")
    assert code == 0, out
    assert "New red flags (1)" in out
    assert "No longer answered yes" in out


def test_commands_have_help() -> None:
    for name in ("analyze", "check", "risk"):
        result = CliRunner().invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output

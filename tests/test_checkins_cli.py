"""``safetrail contact``, ``safetrail checkin`` and ``safetrail daemon --once``, in-process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetrail.cli.main import app
from safetrail.errors import SafetrailError
from safetrail.services import checkins
from safetrail.services.vault import create_vault, open_vault
from tests.conftest import PASSPHRASE
from tests.test_checkins_support import smtp_server


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "vault"
    create_vault(path, PASSPHRASE, "GB", "Europe/London").close()
    monkeypatch.setenv("SAFETRAIL_VAULT", str(path))
    monkeypatch.setenv("SAFETRAIL_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("COLUMNS", "200")
    return path


def st(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.output


def refused(*args: str, input: str | None = None) -> SafetrailError:
    """The error a command stops with (``safetrail.cli.main.run`` prints it as one line)."""
    result = CliRunner().invoke(app, list(args), input=input)
    assert isinstance(result.exception, SafetrailError), result.output
    return result.exception


def test_contacts_check_ins_and_the_daemon(cli: Path) -> None:
    with smtp_server() as box:
        code, out = st(
            "checkin", "setup", "--name", "Alex", "--smtp-host", "127.0.0.1",
            "--smtp-port", str(box.port), "--smtp-security", "none",
            "--smtp-from", "alerts@example.org", "--set-codes",
            input="4821\n9137\n",
        )  # fmt: skip
        assert (code, out) == (0, "✓ Alert settings saved.\n")
        no_contacts = refused("checkin", "start", "--where", "Park", "--by", "in 1h")
        assert no_contacts.message == "Add at least one trusted contact before starting a check-in."
        assert st("contact", "add", "--name", "Sam", "--email", "sam@example.org") == (
            0,
            "✓ Saved as TC-001.\n",
        )
        code, out = st("contact", "add", "--name", "Push", "--webhook", "https://p.example.org/x")
        assert code == 0 and re.search(r"^whsec_\S{32}$", out, re.MULTILINE)
        code, out = st("contact", "list")
        assert code == 0
        assert out.index("Sam") < out.index("Push") and "Email: sam@example.org" in out
        assert "whsec_" not in out

        code, out = st("checkin", "start", "--where", "Café Rosa", "--by", "in 2h", "--with", "Jo")
        assert code == 0 and out.startswith("✓ Started CK-001: check in by ")
        st("checkin", "start", "--where", "Café Rosa", "--by", "in 2h")
        code, out = st("checkin", "list")
        assert "CK-001" in out and "Expected by" in out

        wrong = refused("checkin", "done", "CK-001", input="0000\n")
        assert wrong.message == "That code is not right, so you are not checked in yet."
        normal = st("checkin", "done", "CK-001", input="4821\n")
        duress = st("checkin", "done", "CK-002", input="9137\n")
        assert normal == duress == (0, "✓ You are checked in. Thank you.\n")

        assert st("daemon", "--once")[0] == 0
        subjects = sorted(box.subjects())
        assert subjects == [("sam@example.org", "Alex may need help now: silent alert")]

        code, out = st("contact", "test", "TC-001")
        assert (code, out) == (0, "✓ Email: sam@example.org: Sent.\n")
        assert refused("checkin", "ack", "K7QD-M2XP-9RX").message == (
            "That does not look like a reply code."
        )
    vault = open_vault(cli, PASSPHRASE)
    try:
        (alert,) = checkins.alert_history(vault)
        assert alert.cause == "duress"
    finally:
        vault.close()


DOCS = (Path(__file__).parents[1] / "docs" / "checkins.md").read_text("utf-8")


def test_every_new_command_has_help_and_is_documented() -> None:
    for command in (
        ["contact", "add"],
        ["contact", "list"],
        ["contact", "test"],
        ["contact", "remove"],
        ["checkin", "start"],
        ["checkin", "done"],
        ["checkin", "cancel"],
        ["checkin", "list"],
        ["checkin", "ack"],
        ["checkin", "setup"],
        ["daemon"],
    ):
        code, out = st(*command, "--help")
        assert code == 0 and "Usage:" in out, command
        assert f"safetrail {' '.join(command)}" in DOCS, command

"""``safetrail resources``, ``plan`` and ``order breach`` as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from safetrail.planning import plan as model
from safetrail.services import planning
from safetrail.services.vault import open_vault
from tests.conftest import PASSPHRASE


def st(
    *args: str, vault: Path | None = None, passphrase: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SAFETRAIL_PASSPHRASE", None)
    env.pop("SAFETRAIL_VAULT", None)
    if vault is not None:
        env["SAFETRAIL_VAULT"] = str(vault)
    if passphrase:
        env["SAFETRAIL_PASSPHRASE"] = PASSPHRASE
    return subprocess.run(
        [sys.executable, "-m", "safetrail.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_resources_for_a_country_need_no_vault_and_no_passphrase(tmp_path: Path) -> None:
    done = st("resources", "--country", "JP", vault=tmp_path / "none", passphrase=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Help and contacts: Japan" in out and "In danger now? Call 110." in out
    assert "Fire and ambulance: 119" in out and "#9110" in out
    assert "DV Soudan Plus (DV相談+)" in out and "0120-279-889" in out
    assert "Anti-Stalking Act" in out and "Prohibition order" in out
    assert not (tmp_path / "none").exists()

    scotland = st("resources", "--country", "uk", "--region", "scotland", passphrase=False)
    assert scotland.returncode == 0, scotland.stderr
    assert "United Kingdom (Scotland)" in scotland.stdout
    assert "0800 027 1234" in scotland.stdout and "0808 802 0300" not in scotland.stdout
    assert "Others: --region england_wales, northern_ireland." in scotland.stdout

    unconfirmed = st("resources", "--country", "GB", passphrase=False)
    assert "101 (not confirmed)" in unconfirmed.stdout


def test_resources_mistakes_are_one_line_and_a_hint() -> None:
    unknown = st("resources", "--country", "XX", passphrase=False)
    assert unknown.returncode == 6  # a ValidationError
    assert unknown.stderr.splitlines() == [
        "Error: SafeTrail has no helpline list for XX yet.",
        "What to do: Countries with a list: AU, CA, DE, FR, GB, IE, IN, JP, KR, NZ, US.",
    ]
    region = st("resources", "--country", "JP", "--region", "scotland", passphrase=False)
    assert region.returncode == 6 and "Japan is not divided into regions here." in region.stderr


def test_plan_order_breach_and_resources_with_the_vault(tmp_path: Path) -> None:
    vault_path = tmp_path / "vault"
    init = st("init", "--country", "GB", "--timezone", "Europe/London", vault=vault_path)
    assert init.returncode == 0, init.stderr
    empty = st("plan", "show", vault=vault_path)
    assert empty.returncode == 0 and "Your safety plan is empty." in empty.stdout

    vault = open_vault(vault_path, PASSPHRASE)
    try:
        planning.save_section(
            vault, "travel_routine", {"vary": model.Choice("adopted")}, ["Taxi home on Fridays"]
        )
        planning.save_go_bag(vault, {"keys": "packed", "money": "to_pack"}, [])
        planning.save_region(vault, "northern_ireland")
        planning.add_contact(vault, planning.ContactInput("Sam", "advocate", "028 9000 0000"))
    finally:
        vault.close()

    shown = st("plan", "show", vault=vault_path)
    assert shown.returncode == 0, shown.stderr
    assert "My safety plan (version 3" in shown.stdout
    assert "• Taxi home on Fridays" in shown.stdout
    assert "☑ Spare keys for home and car" in shown.stdout
    history = st("plan", "history", vault=vault_path)
    assert "Where I live" in history.stdout and "Go-bag" in history.stdout

    target = tmp_path / "plan.pdf"
    saved = st("plan", "pdf", "--output", str(target), vault=vault_path)
    assert saved.returncode == 0, saved.stderr
    assert target.read_bytes().startswith(b"%PDF-")
    again = st("plan", "pdf", "--output", str(target), vault=vault_path)
    assert again.returncode == 6 and "will not overwrite it" in again.stderr

    mine = st("resources", vault=vault_path)
    assert mine.returncode == 0, mine.stderr
    assert "United Kingdom (Northern Ireland)" in mine.stdout  # the region saved in the plan
    assert "Sam (Advocate or support worker): 028 9000 0000" in mine.stdout

    order = st(
        "order",
        "add",
        "--type",
        "Stalking Protection Order",
        "--issued",
        "2026-01-10",
        vault=vault_path,
    )
    assert order.returncode == 0, order.stderr
    breach = st("order", "breach", "O-001", "--what", "He came to the house", vault=vault_path)
    assert breach.returncode == 0, breach.stderr
    assert breach.stdout.startswith("✓ Saved as I-0001, linked to the order.")
    shown = st("incident", "show", "I-0001", vault=vault_path)
    assert "Breach of protective order O-001 (Stalking Protection Order)." in shown.stdout


@pytest.mark.parametrize(
    "command", ["resources", "plan show", "plan history", "plan pdf", "order breach"]
)
def test_new_commands_have_help(command: str) -> None:
    from typer.testing import CliRunner

    from safetrail.cli.main import app

    done = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "Usage:" in done.output

"""``config.Settings`` is where every environment variable is read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from safetrail import config, i18n
from safetrail.case import CaseContext
from safetrail.cli.common import open_case
from safetrail.services.vault import Vault
from safetrail.storage.engine import busy_seconds
from safetrail.vault.kdf import weak_kdf_allowed
from tests.conftest import PASSPHRASE

SRC = Path(__file__).parents[1] / "src" / "safetrail"


def test_settings_from_a_given_environment() -> None:
    found = config.Settings.from_env(
        environ={
            "SAFETRAIL_VAULT": "/srv/case",
            "SAFETRAIL_PASSPHRASE": "secret words here",
            "SAFETRAIL_NEW_PASSPHRASE": "new words here",
            "SAFETRAIL_DURESS_PASSPHRASE": "other words here",
            "SAFETRAIL_BUNDLE_PASSPHRASE": "bundle words here",
            "SAFETRAIL_LANG": "ko",
            "SAFETRAIL_BUSY_TIMEOUT": "2.5",
            "SAFETRAIL_DEBUG": "1",
            "LANGUAGE": "ja:en",
            "LC_ALL": "en_GB.UTF-8",
            "LANG": "ko_KR.UTF-8",
            "CREDENTIALS_DIRECTORY": "/run/credentials/safetrail",
        }
    )
    assert found.vault == Path("/srv/case")
    assert found.passphrase == "secret words here"
    assert found.new_passphrase == "new words here"
    assert found.duress_passphrase == "other words here"
    assert found.bundle_passphrase == "bundle words here"
    assert found.language == "ko"
    assert found.busy_timeout == 2.5
    assert found.debug is True
    assert found.weak_kdf is False
    assert found.system_language == (("LANGUAGE", "ja:en"), ("LC_ALL", "en_GB.UTF-8"))
    assert found.system_locale == ("en_GB.UTF-8", "ko_KR.UTF-8")
    assert found.credentials_directory == Path("/run/credentials/safetrail")


def test_defaults_and_bad_values() -> None:
    found = config.Settings.from_env(
        vault=Path("/given"),
        environ={"SAFETRAIL_VAULT": "/ignored", "SAFETRAIL_BUSY_TIMEOUT": "soon"},
    )
    assert found.vault == Path("/given")
    assert found.passphrase is None
    assert found.busy_timeout == config.DEFAULT_BUSY_SECONDS == 10.0
    assert config.Settings.from_env(environ={}).vault == config.default_vault_path()


def test_readers_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETRAIL_BUSY_TIMEOUT", "0.25")
    assert busy_seconds() == 0.25
    monkeypatch.setenv("SAFETRAIL_LANG", "ja")
    assert i18n.default_language() == "ja"
    monkeypatch.delenv("SAFETRAIL_LANG")
    monkeypatch.setenv("LANGUAGE", "fr:ko")
    assert i18n.default_language() == "ko"
    monkeypatch.delenv("LANGUAGE")
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.default_language() == "en"  # LC_ALL decides, and French is not shipped
    assert weak_kdf_allowed() is True  # the test suite's setting (conftest)


def test_no_module_reads_the_environment_itself() -> None:
    """Only config.py reads os.environ (the web layer's language is still to move)."""
    readers = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == "config.py" or relative.startswith(("web/", "server/")):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                readers.append(f"{relative}:{node.lineno}")
    assert readers == []


def test_open_case_gives_the_owners_case(
    vault: Vault, vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.close()
    monkeypatch.setenv("SAFETRAIL_PASSPHRASE", PASSPHRASE)
    with open_case(vault_path) as case:
        assert isinstance(case, CaseContext)
        assert case.actor == "owner"
        assert case.case_id == vault.case_id
        assert case.refusal is None
    with open_case(vault_path, passphrase=PASSPHRASE) as case:
        assert case.language is None  # no language chosen in the vault's settings

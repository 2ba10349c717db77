"""The duress passphrase: it opens a decoy case, and the files never tell whether one exists."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from safetrail.errors import WeakPassphrase, WrongPassphrase
from safetrail.services import duress
from safetrail.services.backup import create_backup, restore_backup
from safetrail.services.incidents import IncidentFilter, list_incidents, quick_incident
from safetrail.services.vault import Vault, create_vault, open_vault
from safetrail.services.verify import verify
from safetrail.storage import ledger
from safetrail.vault import keys, session
from safetrail.vault.header import read_header
from tests.conftest import PASSPHRASE

DURESS = "an ordinary looking phrase"
DECOY_TEXTS = sorted(text for _days, text, _tactic in duress.DECOY_ENTRIES)


def make(root: Path, with_duress: bool, place: tuple[str, str] = ("GB", "Europe/London")) -> None:
    vault = create_vault(root, PASSPHRASE, *place)
    try:
        quick_incident(vault, "He waited outside the office again.")
        if with_duress:
            duress.set_duress_passphrase(vault, PASSPHRASE, DURESS)
    finally:
        vault.close()


def texts(vault: Vault) -> list[str]:
    found, _total = list_incidents(vault, IncidentFilter(limit=100))
    return sorted(str(r.data["what_happened"]) for r in found)


def head(vault: Vault) -> tuple[int, str]:
    with vault.read() as conn:
        top = ledger.head(conn)
    assert top is not None
    return top.seq, top.entry_hash


def shape(value: Any) -> Any:
    """What a field is, not what it holds: types, keys, and lengths of text."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, str):
        return ("str", len(value))
    return type(value).__name__


def files(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in sorted(root.rglob("*"))
        if p.is_file() and "blobs" not in p.parts
    }


@pytest.mark.parametrize("place", [("GB", "Europe/London"), ("KR", "Asia/Seoul")])
def test_vaults_with_and_without_duress_look_alike(tmp_path: Path, place: tuple[str, str]) -> None:
    plain, guarded = tmp_path / "plain", tmp_path / "guarded"
    make(plain, with_duress=False, place=place)
    make(guarded, with_duress=True, place=place)
    plain_files, guarded_files = files(plain), files(guarded)
    assert (
        sorted(plain_files)
        == sorted(guarded_files)
        == [
            "ledger-2.checkpoint",
            "ledger.checkpoint",
            "vault-2.alert",
            "vault-2.db",
            "vault.db",
            "vault.header",
        ]
    )
    for name in (
        "vault.header",
        "vault-2.alert",
        "vault-2.db",
        "ledger-2.checkpoint",
        "ledger.checkpoint",
    ):
        assert plain_files[name] == guarded_files[name], name
    for name in ("vault.header", "ledger-2.checkpoint"):
        one = json.loads((plain / name).read_text())
        two = json.loads((guarded / name).read_text())
        assert shape(one) == shape(two), name
    decoy_seq = json.loads((guarded / "ledger-2.checkpoint").read_text())["seq"]
    assert json.loads((plain / "ledger-2.checkpoint").read_text())["seq"] == decoy_seq
    plain_header = json.loads((plain / "vault.header").read_text())
    for slot in plain_header["slots"]:
        assert len(base64.b64decode(slot["key"])) == 48
        assert len(base64.b64decode(slot["nonce"])) == 12
    # The unused slot is random, not zeros or a copy of the used one.
    first, second = (base64.b64decode(s["key"]) for s in plain_header["slots"])
    assert first != second and any(second)
    # A database's first bytes are SQLCipher's random salt; the stand-in is random too.
    assert (plain / "vault-2.db").read_bytes()[:16] != (guarded / "vault-2.db").read_bytes()[:16]


def test_duress_passphrase_opens_an_editable_decoy_and_never_the_real_case(
    tmp_path: Path,
) -> None:
    root = tmp_path / "vault"
    make(root, with_duress=True)
    real = open_vault(root, PASSPHRASE)
    before, before_report = head(real), verify(real)
    real.close()
    assert before_report.ok
    decoy = open_vault(root, DURESS)
    try:
        assert duress.is_decoy(decoy)
        assert texts(decoy) == DECOY_TEXTS
        quick_incident(decoy, "The upstairs neighbour apologised about the music.")
        assert len(texts(decoy)) == 4
        assert verify(decoy).ok
        with pytest.raises(Exception, match="your own passphrase"):
            duress.set_duress_passphrase(decoy, DURESS, "another phrase entirely")
    finally:
        decoy.close()
    real = open_vault(root, PASSPHRASE)
    try:
        assert not duress.is_decoy(real)
        assert texts(real) == ["He waited outside the office again."]
        assert head(real) == before
        report = verify(real)
        assert report.ok and report.head_hash == before_report.head_hash
    finally:
        real.close()


def test_passphrase_changes_keep_both_working(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    make(root, with_duress=True)
    session.change_passphrase(root, PASSPHRASE, "a brand new real passphrase")
    session.change_passphrase(root, DURESS, "a brand new duress phrase")
    with pytest.raises(WrongPassphrase):
        open_vault(root, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        open_vault(root, DURESS)
    with pytest.raises(WeakPassphrase, match="already in use"):
        session.change_passphrase(root, "a brand new real passphrase", "a brand new duress phrase")
    real = open_vault(root, "a brand new real passphrase")
    assert texts(real) == ["He waited outside the office again."]
    real.close()
    decoy = open_vault(root, "a brand new duress phrase")
    assert texts(decoy) == DECOY_TEXTS
    decoy.close()


def test_backup_and_restore_keep_both(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    make(root, with_duress=True)
    real = open_vault(root, PASSPHRASE)
    create_backup(real, tmp_path / "backup.st")
    real.close()
    restored, report = restore_backup(tmp_path / "backup.st", tmp_path / "restored", PASSPHRASE)
    assert report.ok and texts(restored) == ["He waited outside the office again."]
    restored.close()
    decoy = open_vault(tmp_path / "restored", DURESS)
    assert texts(decoy) == DECOY_TEXTS
    decoy.close()
    assert sorted(files(tmp_path / "restored")) == sorted(files(root))


def test_removing_the_duress_passphrase(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    make(root, with_duress=True)
    real = open_vault(root, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        duress.remove_duress_passphrase(real, "not the passphrase")
    duress.remove_duress_passphrase(real, PASSPHRASE)
    real.close()
    with pytest.raises(WrongPassphrase):
        open_vault(root, DURESS)
    assert sorted(files(root)) == [
        "ledger-2.checkpoint",
        "ledger.checkpoint",
        "vault-2.alert",
        "vault-2.db",
        "vault.db",
        "vault.header",
    ]
    assert (root / "vault-2.db").stat().st_size == duress.decoy_shape(
        ("GB", "Europe/London")
    ).database_size


def test_duress_must_differ_and_be_strong(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    make(root, with_duress=False)
    real = open_vault(root, PASSPHRASE)
    try:
        with pytest.raises(WeakPassphrase, match="different from your passphrase"):
            duress.set_duress_passphrase(real, PASSPHRASE, PASSPHRASE)
        with pytest.raises(WeakPassphrase, match="too short"):
            duress.set_duress_passphrase(real, PASSPHRASE, "short")
        with pytest.raises(WrongPassphrase):
            duress.set_duress_passphrase(real, "wrong passphrase here", DURESS)
    finally:
        real.close()
    with pytest.raises(WrongPassphrase):
        open_vault(root, DURESS)


def test_format_1_header_is_upgraded_on_open(tmp_path: Path) -> None:
    """A vault from before key slots: one wrapped key, no decoy files."""
    from safetrail import canonical
    from safetrail.vault import kdf

    root = tmp_path / "vault"
    make(root, with_duress=False)
    header = read_header(root)
    vmk = session.master_key(header, PASSPHRASE)
    public = {
        "magic": "safetrail-vault",
        "format": 1,
        "vault_id": header.vault_id,
        "created_at": header.created_at,
        "kdf": header.kdf.to_json(),
        "wrap_alg": "AES-256-GCM",
    }
    kek = kdf.derive_kek(PASSPHRASE, header.kdf)
    nonce, wrapped = keys.wrap(kek, vmk, canonical.dumps(public).encode())
    body = {
        **public,
        "wrap": {
            "nonce": base64.b64encode(nonce).decode(),
            "key": base64.b64encode(wrapped).decode(),
        },
    }
    (root / "vault.header").write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    for name in ("vault-2.db", "ledger-2.checkpoint"):
        (root / name).unlink()
    opened = open_vault(root, PASSPHRASE)
    opened.close()
    upgraded = json.loads((root / "vault.header").read_text())
    assert upgraded["format"] == 2 and len(upgraded["slots"]) == 2
    assert (root / "vault-2.db").stat().st_size == duress.decoy_shape(
        ("GB", "Europe/London")
    ).database_size
    assert texts(open_vault(root, PASSPHRASE)) == ["He waited outside the office again."]


def test_command_line_sets_and_uses_the_duress_passphrase(tmp_path: Path) -> None:
    from tests.test_cli import st

    root = tmp_path / "vault"
    assert st(root, "init", "--country", "GB", "--timezone", "Europe/London").returncode == 0
    added = st(root, "incident", "add", "--quick", "--what", "REAL: he was at the gym again")
    assert added.returncode == 0, added.stderr
    done = st(root, "duress", "set", SAFETRAIL_DURESS_PASSPHRASE=DURESS)
    assert done.returncode == 0, done.stderr
    assert "Duress passphrase set." in done.stdout
    decoy = st(root, "incident", "list", passphrase=DURESS)
    assert decoy.returncode == 0, decoy.stderr
    assert "REAL:" not in decoy.stdout and "polite note" in decoy.stdout
    real = st(root, "incident", "list")
    assert "REAL: he was at the gym again" in real.stdout and "polite note" not in real.stdout
    refused = st(root, "duress", "remove", passphrase=DURESS)
    assert refused.returncode != 0
    assert "This can only be changed with your own passphrase." in refused.stderr
    assert st(root, "verify").returncode == 0
    assert st(root, "duress", "remove").returncode == 0
    gone = st(root, "incident", "list", passphrase=DURESS)
    assert gone.returncode == 3 and "That passphrase does not open this vault." in gone.stderr


def test_web_settings_page_sets_and_removes_it(tmp_path: Path) -> None:
    from tests.webutil import form_csrf, new_client, session_csrf, set_up

    with new_client(tmp_path / "vault") as client:
        token = set_up(client)
        client.post("/capture", data={"what": "REAL: the car again", "csrf": token})
        assert 'href="/settings/duress"' in client.get("/settings").text
        page = client.get("/settings/duress")
        assert page.status_code == 200 and "Nothing in SafeTrail's files shows" in page.text
        data = {"csrf": token, "current": PASSPHRASE, "duress_passphrase": DURESS}
        mismatch = client.post("/settings/duress", data={**data, "confirm": "something else"})
        assert mismatch.status_code == 400
        assert "The two duress passphrases are different." in mismatch.text
        wrong = client.post(
            "/settings/duress", data={**data, "current": "not my passphrase", "confirm": DURESS}
        )
        assert "That is not the passphrase you use now" in wrong.text
        done = client.post("/settings/duress", data={**data, "confirm": DURESS})
        assert done.status_code == 200 and "Duress passphrase set." in done.text
        client.get("/lock")
        page = client.get("/unlock")
        decoy = client.post("/unlock", data={"csrf": form_csrf(page.text), "passphrase": DURESS})
        assert decoy.status_code == 200
        timeline = client.get("/incidents").text
        assert "REAL:" not in timeline and "polite note" in timeline
        inside = session_csrf(decoy.text)
        refused = client.post("/settings/duress/remove", data={"csrf": inside, "current": DURESS})
        assert "This can only be changed with your own passphrase." in refused.text
        client.get("/lock")
        page = client.get("/unlock")
        client.post("/unlock", data={"csrf": form_csrf(page.text), "passphrase": PASSPHRASE})
        token = session_csrf(client.get("/").text)
        removed = client.post(
            "/settings/duress/remove", data={"csrf": token, "current": PASSPHRASE}
        )
        assert "Duress passphrase removed." in removed.text
    with pytest.raises(WrongPassphrase):
        open_vault(tmp_path / "vault", DURESS)

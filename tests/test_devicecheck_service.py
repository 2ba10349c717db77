"""Device check through the stand-in ``adb`` (tests/fakeadb/adb) and the service.

The stand-in replays recorded phones; the code under test runs it as a real program
found on PATH, exactly as it would run Android's adb.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import plistlib
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from safetrail import __version__
from safetrail.errors import AdbMissing, DeviceInputError, DeviceNotReady, ValidationError
from safetrail.services import devicecheck, evidence, incidents
from safetrail.services.vault import Vault
from safetrail.storage.tables import ledger
from tests.test_devicecheck_data import EXPECTED, SAMPLES

FAKEADB = Path(__file__).parent / "fakeadb"
LISTING_FILES = [
    "certificates.txt",
    "dumpsys_appops.txt",
    "dumpsys_connectivity.txt",
    "dumpsys_device_policy.txt",
    "dumpsys_package.txt",
    "getprop.txt",
    "manifest.json",
    "pm_list_packages.txt",
    "settings_global_http_proxy.txt",
    "settings_secure_enabled_accessibility_services.txt",
    "settings_secure_enabled_notification_listeners.txt",
]


@pytest.fixture
def phone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[object]:
    """Connect a recorded phone: ``phone("clean")`` points the stand-in adb at a scenario."""
    state = tmp_path / "adb-state"
    state.mkdir()
    monkeypatch.setenv("PATH", f"{FAKEADB}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKEADB_STATE", str(state))

    def connect(scenario: str) -> None:
        monkeypatch.setenv("FAKEADB_SCENARIO", str(SAMPLES / "scenarios" / scenario))

    yield connect


def _findings(view: devicecheck.CheckView) -> list[tuple[str, str, object, object]]:
    return [
        (f.id, f.severity, f.details.get("indicator"), f.details.get("matched_by"))
        for f in view.findings
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_recorded_phone_over_adb(vault: Vault, phone: object, name: str) -> None:
    phone(name)  # type: ignore[operator]
    seen: list[str] = []
    view = devicecheck.check_phone(vault, progress=seen.append)
    assert _findings(view) == EXPECTED[name]
    assert not view.partial
    assert seen == list(devicecheck.SECTIONS)
    assert {status for _label, status, _note in view.section_rows()} == {"read"}
    # The raw listing is an exhibit: hashed, with its chain of custody.
    exhibit, reader = evidence.open_evidence(vault, view.evidence_ref or "")
    content = b"".join(reader)
    assert hashlib.sha256(content).hexdigest() == exhibit.data["sha256"]
    assert exhibit.data["acquisition_method"] == f"adb listing by SafeTrail {__version__}"
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == LISTING_FILES
    phone_folder = SAMPLES / "phones" / name
    for file in LISTING_FILES[:-1]:
        if file != "manifest.json":
            assert archive.read(file) == (phone_folder / file).read_bytes(), file
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["commands"]["pm_list_packages.txt"] == "pm list packages -f -i -U"
    assert (
        manifest["files"]["getprop.txt"]["sha256"]
        == hashlib.sha256((phone_folder / "getprop.txt").read_bytes()).hexdigest()
    )
    with vault.read() as conn:
        kinds = [row.kind for row in conn.execute(select(ledger.c.kind).order_by(ledger.c.seq))]
    assert kinds[-2:] == ["evidence.create", "device_check.create"]


def test_the_stalkerware_phone_in_detail(vault: Vault, phone: object) -> None:
    phone("stalkerware")  # type: ignore[operator]
    view = devicecheck.check_phone(vault)
    data = view.data
    assert data["device"]["model"] == "Pixel 6" and data["device"]["serial"] == "1A2B3C4D5E6F"
    assert data["app_count"] == 27
    assert data["outside_store"] == ["com.systemservice"]
    finding = view.findings[0]
    assert finding.title == "com.systemservice is known stalkerware (TheTruthSpy)"
    assert finding.details["powers"] == [
        "device_admin",
        "accessibility",
        "notification_listener",
        "location_always",
    ]
    assert finding.details["first_install"] == "2026-10-03 22:41:09"
    assert finding.next_steps[0].startswith("Do not remove the app")
    assert data["indicators"]["data_date"] == "2026-06-21"
    assert data["indicators"]["credit"] == "Echap — stalkerware-indicators"


def test_disconnect_mid_check_keeps_what_was_read(vault: Vault, phone: object) -> None:
    phone("disconnect")  # type: ignore[operator]
    view = devicecheck.check_phone(vault)
    assert view.partial
    statuses = {k: v["status"] for k, v in view.data["sections"].items()}
    assert statuses == {
        "properties": "read",
        "packages": "read",
        "package_details": "read",
        "device_admins": "read",
        "accessibility": "not_reached",
        "notification_listeners": "not_reached",
        "appops": "not_reached",
        "proxy": "not_reached",
        "connectivity": "not_reached",
        "certificates": "not_reached",
    }
    assert _findings(view) == [
        ("stalkerware:com.systemservice", "high", "TheTruthSpy", "package name")
    ]
    # Location "all the time" was already known from dumpsys package.
    assert view.findings[0].details["powers"] == ["device_admin", "location_always"]
    _exhibit, reader = evidence.open_evidence(vault, view.evidence_ref or "")
    names = zipfile.ZipFile(io.BytesIO(b"".join(reader))).namelist()
    assert sorted(names) == [
        "dumpsys_device_policy.txt",
        "dumpsys_package.txt",
        "getprop.txt",
        "manifest.json",
        "pm_list_packages.txt",
    ]


@pytest.mark.parametrize(
    ("scenario", "message", "hint_start"),
    [
        (
            "unauthorised",
            "The phone has not allowed this computer to read it yet.",
            "Unlock the phone and look for the question 'Allow USB debugging?'.",
        ),
        ("none", "No phone was found.", "Connect the phone with a USB cable that carries data"),
        (
            "several",
            "2 phones or emulators are connected: R58N30CLEAN, emulator-5554.",
            "Choose one with --serial, for example --serial R58N30CLEAN.",
        ),
    ],
)
def test_phones_that_are_not_ready(
    vault: Vault, phone: object, scenario: str, message: str, hint_start: str
) -> None:
    phone(scenario)  # type: ignore[operator]
    with pytest.raises(DeviceNotReady) as caught:
        devicecheck.check_phone(vault)
    assert caught.value.message == message
    assert caught.value.hint.startswith(hint_start)
    assert devicecheck.list_checks(vault) == []
    assert evidence.list_evidence(vault) == []


def test_choosing_one_of_several_phones(vault: Vault, phone: object) -> None:
    phone("several")  # type: ignore[operator]
    view = devicecheck.check_phone(vault, serial="R58N30CLEAN")
    assert view.findings == [] and view.data["device"]["model"] == "SM-A526B"
    with pytest.raises(DeviceNotReady) as caught:
        devicecheck.check_phone(vault, serial="NOPE")
    assert caught.value.message == "No phone with the serial number NOPE is connected."


def test_no_adb_says_how_to_get_it(
    vault: Vault, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AdbMissing) as caught:
        devicecheck.check_phone(vault)
    assert caught.value.message == "The Android tool 'adb' is not installed on this computer."
    assert "platform-tools" in caught.value.hint and "apt install adb" in caught.value.hint


def test_a_finding_becomes_an_incident_after_confirmation(vault: Vault, phone: object) -> None:
    phone("stalkerware")  # type: ignore[operator]
    view = devicecheck.check_phone(vault)
    incident = devicecheck.record_finding(vault, view.record.ref, "stalkerware:com.systemservice")
    assert incident.ref == "I-0001"
    assert incident.data["tactics"] == ["tech_tracking"]
    assert incident.data["channel"] == "device_account"
    exhibit = evidence.get_evidence(vault, view.evidence_ref or "")
    assert incident.data["evidence_ids"] == [exhibit.id]
    assert incident.data["what_happened"].startswith(
        "A phone check (DC-001) found: com.systemservice is known stalkerware (TheTruthSpy)."
    )
    again = devicecheck.record_finding(vault, "DC-001", "stalkerware:com.systemservice")
    assert again.id == incident.id
    assert devicecheck.get_check(vault, "DC-001").data["incidents"] == {
        "stalkerware:com.systemservice": "I-0001"
    }
    assert len(incidents.list_incidents(vault, incidents.IncidentFilter())[0]) == 1
    with pytest.raises(ValidationError):
        devicecheck.record_finding(vault, "DC-001", "heuristic:nothing")


def test_newer_indicators_match_by_certificate(vault: Vault, phone: object, tmp_path: Path) -> None:
    listed = (SAMPLES / "phones" / "heuristic" / "certificates.txt").read_text()
    line = next(x for x in listed.splitlines() if x.startswith("com.sysupdate.battery.care "))
    sha1 = line.split()[1]
    newer = tmp_path / "ioc.yaml"
    newer.write_text(
        f"- name: CareSpy\n  type: stalkerware\n  packages:\n  - com.caresp.y\n"
        f"  certificates:\n  - {sha1}\n"
    )
    record = devicecheck.update_indicators(vault, [newer], "2026-11-30")
    assert record.ref == "IND-001"
    assert record.data["counts"] == {
        "entries": 28,
        "stalkerware": 1,
        "watchware": 27,
        "packages": 31,
        "certificates": 15,
    }
    phone("heuristic")  # type: ignore[operator]
    view = devicecheck.check_phone(vault)
    assert _findings(view) == [
        ("stalkerware:com.sysupdate.battery.care", "high", "CareSpy", "signing certificate"),
        ("proxy", "review", None, None),
    ]
    assert view.data["indicators"]["origin"] == "IND-001"
    assert view.data["indicators"]["data_date"] == "2026-11-30"
    with pytest.raises(ValidationError):
        devicecheck.update_indicators(vault, [newer], "30/11/2026")


def test_folder_check_writes_nothing_outside_the_vault(vault: Vault, tmp_path: Path) -> None:
    def tree() -> list[str]:
        return sorted(
            str(p.relative_to(tmp_path))
            for p in tmp_path.rglob("*")
            if "vault" not in p.relative_to(tmp_path).parts[:1]
        )

    before = tree()
    samples_before = sorted(str(p) for p in SAMPLES.rglob("*"))
    view = devicecheck.check_folder(vault, SAMPLES / "androidqf")
    assert tree() == before
    assert sorted(str(p) for p in SAMPLES.rglob("*")) == samples_before
    assert view.data["source"] == "androidqf"
    exhibit = evidence.get_evidence(vault, view.evidence_ref or "")
    assert exhibit.data["acquisition_method"] == (
        f"saved listings (androidqf) read by SafeTrail {__version__}"
    )


def _backup(folder: Path) -> Path:
    folder.mkdir()
    info = {
        "Device Name": "Sam's iPhone",
        "Product Type": "iPhone14,5",
        "Product Version": "17.4.1",
        "Installed Applications": ["net.whatsapp.WhatsApp", "com.life360.safetymap"],
    }
    (folder / "Info.plist").write_bytes(plistlib.dumps(info))
    (folder / "Manifest.plist").write_bytes(plistlib.dumps({"IsEncrypted": False}))
    conn = sqlite3.connect(folder / "Manifest.db")
    conn.execute("CREATE TABLE Files (fileID TEXT, domain TEXT, relativePath TEXT, flags INT)")
    rows = [
        ("a1", "AppDomain-jp.naver.line", "Library/Preferences/x.plist", 1),
        (
            "b2",
            "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
            "Library/ConfigurationProfiles/profile-7f3a2b.stub",
            1,
        ),
        ("c3", "AppDomain-../../evil", "x", 1),
    ]
    conn.executemany("INSERT INTO Files VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return folder


def test_iphone_answers_and_backup(vault: Vault, tmp_path: Path) -> None:
    answers = {"profiles": "no", "find_my_sharing": "not sure", "airtag_alerts": "yes"}
    record = devicecheck.save_iphone_answers(vault, answers, _backup(tmp_path / "backup"))
    data = record.data
    assert data["answers"] == {
        "profiles": "no",
        "find_my_sharing": "not_sure",
        "shared_apple_id": "skipped",
        "unknown_devices": "skipped",
        "airtag_alerts": "yes",
        "paired_devices": "skipped",
    }
    assert data["partial"] is True
    assert data["backup"]["apps"] == [
        "com.life360.safetymap",
        "jp.naver.line",
        "net.whatsapp.WhatsApp",
    ]
    assert data["backup"]["profiles"] == ["profile-7f3a2b.stub"]
    assert data["backup"]["device"]["model"] == "iPhone14,5"
    assert data["backup_matches"] == [
        {"bundle": "com.life360.safetymap", "name": "Life360", "type": "watchware"}
    ]


def test_iphone_encrypted_backup_is_named_not_opened(vault: Vault, tmp_path: Path) -> None:
    folder = _backup(tmp_path / "backup")
    (folder / "Manifest.plist").write_bytes(plistlib.dumps({"IsEncrypted": True}))
    record = devicecheck.save_iphone_answers(vault, {}, folder)
    assert record.data["backup"]["encrypted"] is True
    assert record.data["backup"]["profiles"] == []
    assert record.data["backup"]["notes"][0].startswith("This backup is encrypted")


def test_a_phone_that_stops_answering_is_not_waited_for_forever(
    vault: Vault, phone: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetrail.devicecheck import adb

    monkeypatch.setattr(adb, "COMMAND_TIMEOUT", 2.0)
    phone("hang")  # type: ignore[operator]
    view = devicecheck.check_phone(vault)
    assert view.partial
    sections = view.data["sections"]
    assert sections["appops"] == {
        "status": "failed",
        "note": "The phone did not answer in time.",
    }
    assert {k for k, v in sections.items() if v["status"] != "read"} == {"appops"}
    # Later parts were still read: the VPN comes from dumpsys connectivity.
    assert _findings(view) == EXPECTED["watchware"]


def test_checks_findings_and_indicators_pass_verification(
    vault: Vault, phone: object, tmp_path: Path
) -> None:
    from safetrail.services.verify import verify

    phone("stalkerware")  # type: ignore[operator]
    view = devicecheck.check_phone(vault)
    devicecheck.record_finding(vault, view.record.ref, "stalkerware:com.systemservice")
    newer = tmp_path / "watchware.yaml"
    newer.write_text("- name: Kid\n  type: watchware\n  packages:\n  - com.kid.watch\n")
    devicecheck.update_indicators(vault, [newer], None)
    devicecheck.save_iphone_answers(vault, {"profiles": "no"})
    report = verify(vault)
    assert report.ok, report.problems
    assert report.blobs_checked == 1


def test_iphone_backup_links_are_refused(vault: Vault, tmp_path: Path) -> None:
    folder = _backup(tmp_path / "backup")
    (folder / "Manifest.db").unlink()
    outside = tmp_path / "elsewhere.db"
    outside.write_bytes(b"SQLite format 3\x00")
    (folder / "Manifest.db").symlink_to(outside)
    with pytest.raises(DeviceInputError) as caught:
        devicecheck.save_iphone_answers(vault, {}, folder)
    assert caught.value.message == (
        "Manifest.db in the backup is not an ordinary file; it was not read."
    )
    assert devicecheck.list_checks(vault) == []


def test_older_android_without_pm_uid_option(vault: Vault, phone: object) -> None:
    phone("old")  # type: ignore[operator]
    view = devicecheck.check_phone(vault)
    assert view.findings == [] and not view.partial
    assert view.data["app_count"] == 31
    _exhibit, reader = evidence.open_evidence(vault, view.evidence_ref or "")
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(reader))).read("manifest.json"))
    assert manifest["commands"]["pm_list_packages.txt"] == "pm list packages -f -i"
    assert manifest["commands"]["dumpsys_package.txt"] == "dumpsys package"

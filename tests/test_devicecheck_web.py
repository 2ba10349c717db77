"""Phone check pages over HTTP, with the stand-in adb on PATH."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_devicecheck_data import SAMPLES
from tests.webutil import form_csrf, new_client, set_up

FAKEADB = Path(__file__).parent / "fakeadb"


@pytest.fixture
def adb_phone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> object:
    state = tmp_path / "adb-state"
    state.mkdir()
    monkeypatch.setenv("PATH", f"{FAKEADB}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKEADB_STATE", str(state))

    def connect(scenario: str) -> None:
        monkeypatch.setenv("FAKEADB_SCENARIO", str(SAMPLES / "scenarios" / scenario))

    return connect


def test_check_confirm_and_record(tmp_path: Path, adb_phone: object) -> None:
    adb_phone("heuristic")  # type: ignore[operator]
    with new_client(tmp_path / "vault") as client:
        set_up(client)
        page = client.get("/device")
        assert page.status_code == 200
        assert 'href="/device">Phone check</a>' in page.text
        assert "Tap it seven times" in page.text and "Revoke USB debugging" in page.text
        assert "data of 2026-06-21, shipped with SafeTrail." in page.text
        done = client.post("/device/check", data={"csrf": form_csrf(page.text)})
        assert done.status_code == 200 and str(done.url).endswith("/device/DC-001")
        html = done.text
        assert "com.sysupdate.battery.care has the powers spyware needs" in html
        assert "Web traffic is set to go through a proxy (192.168.1.50:8888)" in html
        assert "The raw listing is kept as evidence EX-0001" in html
        assert (
            "Apps allowed to install other apps from outside an app store: com.android.chrome."
            in html
        )
        assert "National Stalking Helpline" in html
        assert "No check can find everything." in html
        assert "your phone is clean" not in html.lower()
        confirm = client.get("/device/DC-001/record?finding=heuristic:com.sysupdate.battery.care")
        assert "Record this in your log?" in confirm.text
        recorded = client.post(
            "/device/DC-001/record",
            data={
                "csrf": form_csrf(confirm.text),
                "finding": "heuristic:com.sysupdate.battery.care",
            },
        )
        assert str(recorded.url).endswith("/device/DC-001?recorded=I-0001")
        assert "Recorded in your log as I-0001, with the listing attached." in recorded.text
        incident = client.get("/incidents/I-0001")
        assert "A phone check (DC-001) found" in incident.text
        # Without the form token nothing is recorded.
        refused = client.post("/device/DC-001/record", data={"finding": "proxy"})
        assert refused.status_code == 403


def test_problems_are_shown_on_the_page(tmp_path: Path, adb_phone: object) -> None:
    adb_phone("unauthorised")  # type: ignore[operator]
    with new_client(tmp_path / "vault") as client:
        set_up(client)
        page = client.get("/device")
        done = client.post("/device/check", data={"csrf": form_csrf(page.text)})
        assert done.status_code == 400
        assert "The phone has not allowed this computer to read it yet." in done.text
        folder = client.post(
            "/device/check",
            data={"csrf": form_csrf(page.text), "folder": str(tmp_path / "missing")},
        )
        assert folder.status_code == 400
        assert f"{tmp_path / 'missing'} is not a folder." in folder.text
        assert client.get("/device/DC-001").status_code == 404  # nothing was saved


def test_folder_and_iphone_pages(tmp_path: Path) -> None:
    with new_client(tmp_path / "vault") as client:
        set_up(client)
        page = client.get("/device")
        done = client.post(
            "/device/check",
            data={"csrf": form_csrf(page.text), "folder": str(SAMPLES / "mvt")},
        )
        assert str(done.url).endswith("/device/DC-001")
        assert "This check is partial" in done.text
        assert "com.wondershare.famisafe.kids is a monitoring app (FamiSafe)" in done.text
        form = client.get("/device/iphone")
        assert "Settings → General → VPN & Device Management" in form.text
        saved = client.post(
            "/device/iphone",
            data={"csrf": form_csrf(form.text), "q_profiles": "yes", "q_airtag_alerts": "no"},
        )
        assert str(saved.url).endswith("/device/DC-002")
        assert "A profile can route your traffic or manage the phone." in saved.text
        wrong = client.post(
            "/device/iphone", data={"csrf": form_csrf(form.text), "q_profiles": "perhaps"}
        )
        assert wrong.status_code == 400
        assert "&#39;perhaps&#39; is not an answer SafeTrail understands." in wrong.text


def test_results_list_every_app_a_person_installed(tmp_path: Path, adb_phone: object) -> None:
    adb_phone("stalkerware")  # type: ignore[operator]
    with new_client(tmp_path / "vault") as client:
        set_up(client)
        page = client.get("/device")
        done = client.post("/device/check", data={"csrf": form_csrf(page.text)})
        assert "All apps that were installed on the phone after it was made (7)" in done.text
        assert (
            "<strong>com.systemservice</strong> 5.2 · from outside an app store · "
            "first installed 2026-10-03 22:41:09" in done.text
        )
        assert (
            "<strong>com.whatsapp</strong> 2.24.5.76 · from com.android.vending · "
            "first installed 2025-03-02 10:14:05" in done.text
        )

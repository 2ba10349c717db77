"""Device check, without a phone: the indicator data, the parsers and the folder readers."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetrail.devicecheck import apk, folders, yamlsubset
from safetrail.devicecheck import indicators as ind
from safetrail.devicecheck.findings import find, special_access
from safetrail.devicecheck.model import AppInfo, Snapshot
from safetrail.devicecheck.parsers import PARSERS, apply_section
from safetrail.errors import DeviceInputError

SAMPLES = Path(__file__).parent / "samples" / "devicecheck"
DATA = Path(ind.__file__).parent / "data"


def shipped_raw() -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for name in ind.SHIPPED_FILES:
        entries += yamlsubset.loads((DATA / name).read_text("utf-8"))
    return entries


# -- the YAML reader -----------------------------------------------------------------------


def test_yaml_subset_reads_the_shapes_the_indicator_files_use() -> None:
    text = (
        "# comment\n"
        "- name : Spy One\n"
        "  type: stalkerware\n"
        "  packages:\n"
        "  - com.one.app   # trailing comment\n"
        "  - 'quoted # not a comment'\n"
        "  c2:\n"
        "    domains:\n"
        "      - one.example\n"
        "    ips:\n"
        "    - 192.0.2.1\n"
        "  certificate_cname_re:\n"
        "  - ^Kids\\WSafety\\W[0-9]{2}:[0-9]{2}$\n"
        "\n"
        "- name: Two\n"
        "  websites:\n"
    )
    assert yamlsubset.loads(text) == [
        {
            "name": "Spy One",
            "type": "stalkerware",
            "packages": ["com.one.app", "quoted # not a comment"],
            "c2": {"domains": ["one.example"], "ips": ["192.0.2.1"]},
            "certificate_cname_re": ["^Kids\\WSafety\\W[0-9]{2}:[0-9]{2}$"],
        },
        {"name": "Two", "websites": None},
    ]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("- name: a\n  packages: [a, b]\n", 2, "unsupported YAML construct starting with '['"),
        ("- name: &anchor a\n", 1, "unsupported YAML construct starting with '&'"),
        ("- name: *alias\n", 1, "unsupported YAML construct starting with '*'"),
        ("- name: !!str a\n", 1, "unsupported YAML construct starting with '!'"),
        ("- about: |\n    text\n", 1, "unsupported YAML construct starting with '|'"),
        ("- name: a\n  name: b\n", 2, "the key 'name' appears twice"),
        ("- name: a\n      stray: b\n", 2, "unexpected indentation"),
        ("- name: 'open\n", 1, "a quoted value must end on the same line"),
        ("---\n- a\n---\n- b\n", 3, "only one plain document is supported"),
    ],
)
def test_yaml_subset_refuses_everything_else(text: str, line: int, reason: str) -> None:
    with pytest.raises(yamlsubset.YamlSubsetError) as caught:
        yamlsubset.loads(text)
    assert (caught.value.line, caught.value.reason) == (line, reason)


@given(st.text(max_size=200))
def test_yaml_subset_never_fails_in_an_unexpected_way(text: str) -> None:
    with contextlib.suppress(yamlsubset.YamlSubsetError):
        yamlsubset.loads(text)


# -- the shipped indicators ---------------------------------------------------------------


def test_shipped_indicators_are_read_whole() -> None:
    found = ind.shipped()
    assert found.counts() == {
        "entries": 174,
        "stalkerware": 147,
        "watchware": 27,
        "packages": 641,
        "certificates": 484,
    }
    assert found.skipped == ()
    assert (found.data_date, found.origin) == ("2026-06-21", "shipped")
    truthspy = found.by_package("com.thetruth")[0]
    assert truthspy.name == "TheTruthSpy" and truthspy.kind == "stalkerware"
    assert truthspy.packages[:3] == ("com.apspy.app", "com.fone", "com.guest")
    assert found.by_certificate("31:a6:ec:ec:d9:7c:f3:9b:c4:12:6b:87:45:cd:94:a7:c3:0b:f8:1c") == [
        truthspy
    ]
    assert [e.name for e in found.by_ios_bundle("com.life360.safetymap")] == ["Life360"]


def test_every_shipped_package_name_is_found_when_present() -> None:
    raw = shipped_raw()
    snap = Snapshot(source="test")
    expected: dict[str, set[tuple[str, str]]] = {}
    for entry in raw:
        for package in entry.get("packages") or []:  # type: ignore[attr-defined]
            snap.app(package).installer = None
            expected.setdefault(package, set()).add((str(entry["name"]), str(entry["type"])))
    findings = {f.package: f for f in find(snap, ind.shipped())}
    assert len(expected) == 641
    assert set(findings) == set(expected)
    for package, names in expected.items():
        finding = findings[package]
        want_kind = "stalkerware" if any(k == "stalkerware" for _n, k in names) else "watchware"
        assert finding.kind == want_kind, package
        assert (finding.details["indicator"], want_kind) in names
        assert finding.details["matched_by"] == "package name"


def test_every_shipped_certificate_is_found_when_present() -> None:
    raw = shipped_raw()
    snap = Snapshot(source="test")
    expected: dict[str, set[str]] = {}
    for number, entry in enumerate(raw):
        for index, cert in enumerate(entry.get("certificates") or []):  # type: ignore[attr-defined]
            package = f"org.example.renamed{number}x{index}"
            snap.apps[package] = AppInfo(package, certificates=[str(cert).lower()])
            expected[package] = {
                str(e["name"]) for e in raw if cert in (e.get("certificates") or [])
            }  # type: ignore[operator]
    findings = {f.package: f for f in find(snap, ind.shipped())}
    assert len(expected) == sum(len(e.get("certificates") or []) for e in raw)  # type: ignore[arg-type]
    assert set(findings) == set(expected)
    for package, names in expected.items():
        assert findings[package].details["indicator"] in names
        assert findings[package].details["matched_by"] == "signing certificate"


def test_three_hundred_common_apps_raise_nothing() -> None:
    names = [
        line.strip()
        for line in (SAMPLES / "common_apps.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(names) == len(set(names)) == 300
    listing = "".join(
        f"package:/data/app/~~x==/{name}-y==/base.apk={name}  installer=com.android.vending "
        f"uid:{10100 + n}\n"
        for n, name in enumerate(names)
    )
    snap = Snapshot(source="test")
    apply_section(snap, "packages", listing.encode())
    assert len(snap.apps) == 300 and snap.sections["packages"].status == "read"
    assert find(snap, ind.shipped()) == []


def test_newer_indicator_files_replace_the_kinds_they_contain() -> None:
    newer, skipped = ind.parse_indicators(
        "- name: NewSpy\n  type: stalkerware\n  packages:\n  - com.newspy.agent\n  - not a name\n"
        "  certificates:\n  - ZZZ\n"
        "  - aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd\n",
        "ioc.yaml",
    )
    assert skipped == [
        "entry 1 (NewSpy): 'not a name' is not an Android package name.",
        "entry 1 (NewSpy): 'ZZZ' is not a certificate fingerprint.",
    ]
    combined = ind.merged(ind.shipped().entries, newer)
    assert [e.name for e in combined if e.kind == "stalkerware"] == ["NewSpy"]
    assert sum(1 for e in combined if e.kind == "watchware") == 27
    assert newer[0].certificates == ("AABBCCDDEEFF00112233445566778899AABBCCDD",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00", "ioc.yaml is not a text file."),
        (b"name: x\n", "ioc.yaml does not contain a list of apps."),
        (
            b"- name: x\n  packages: {a: b}\n",
            "ioc.yaml could not be read as an indicator file (line 2: unsupported YAML "
            "construct starting with '{').",
        ),
    ],
)
def test_unusable_indicator_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(DeviceInputError) as caught:
        ind.read_indicator_bytes(data, "ioc.yaml")
    assert caught.value.message == message


# -- recorded phones ----------------------------------------------------------------------

EXPECTED = {
    "clean": [],
    "stalkerware": [("stalkerware:com.systemservice", "high", "TheTruthSpy", "package name")],
    "heuristic": [
        ("heuristic:com.sysupdate.battery.care", "high", None, None),
        ("proxy", "review", None, None),
    ],
    "watchware": [
        ("watchware:com.wondershare.famisafe.kids", "review", "FamiSafe", "package name"),
        ("vpn", "review", None, None),
    ],
}


@pytest.mark.parametrize("phone", sorted(EXPECTED))
def test_each_recorded_phone_gives_exactly_its_findings(phone: str) -> None:
    snap = folders.read_folder(SAMPLES / "phones" / phone)
    assert snap.source == "saved" and not snap.partial
    got = [
        (f.id, f.severity, f.details.get("indicator"), f.details.get("matched_by"))
        for f in find(snap, ind.shipped())
    ]
    assert got == EXPECTED[phone]


def test_the_heuristic_phone_in_detail() -> None:
    snap = folders.read_folder(SAMPLES / "phones" / "heuristic")
    assert snap.device == {
        "android": "12",
        "security_patch": "2024-02-05",
        "manufacturer": "Xiaomi",
        "model": "M2101K6G",
        "serial": "8d3f5a2c",
    }
    app = snap.apps["com.sysupdate.battery.care"]
    assert (app.installer, app.first_install, app.version, app.outside_store) == (
        "com.google.android.packageinstaller",
        "2026-09-18 07:02:44",
        "3.1",
        True,
    )
    assert len(app.certificates) == 2
    assert snap.may_install_apps == ["com.android.chrome"]
    assert special_access(snap) == [
        {
            "package": "com.google.android.apps.wellbeing",
            "powers": ["notification_listener"],
            "installer": None,
            "outside_store": False,
            "system": True,
        },
        {
            "package": "com.google.android.gms",
            "powers": ["device_admin", "location_always"],
            "installer": "com.android.vending",
            "outside_store": False,
            "system": True,
        },
        {
            "package": "com.sysupdate.battery.care",
            "powers": ["device_admin", "accessibility", "notification_listener", "location_always"],
            "installer": "com.google.android.packageinstaller",
            "outside_store": True,
            "system": False,
        },
        {
            "package": "net.dinglisch.android.taskerm",
            "powers": ["accessibility", "notification_listener"],
            "installer": "com.android.vending",
            "outside_store": False,
            "system": False,
        },
    ]


def test_androidqf_folder_matches_a_renamed_app_by_its_certificate() -> None:
    snap = folders.read_folder(SAMPLES / "androidqf")
    assert snap.source == "androidqf" and not snap.partial
    assert sorted(snap.raw) == [
        "dumpsys.txt",
        "getprop.txt",
        "packages.json",
        "settings_global.txt",
        "settings_secure.txt",
    ]
    found = find(snap, ind.shipped())
    assert [(f.id, f.details["indicator"], f.details["matched_by"]) for f in found] == [
        ("stalkerware:com.android.sys.helper", "TheTruthSpy", "signing certificate")
    ]


def test_mvt_folder_is_read_and_marked_partial() -> None:
    snap = folders.read_folder(SAMPLES / "mvt")
    assert snap.source == "mvt" and snap.partial
    assert snap.sections["packages"].status == "read"
    assert snap.sections["device_admins"].status == "missing"
    assert snap.accessibility == ["com.wondershare.famisafe.kids"]
    assert [f.id for f in find(snap, ind.shipped())] == ["watchware:com.wondershare.famisafe.kids"]


# -- damaged and hostile input ------------------------------------------------------------


def _copy(tmp_path: Path, phone: str) -> Path:
    target = tmp_path / phone
    shutil.copytree(SAMPLES / "phones" / phone, target, ignore=shutil.ignore_patterns("apk_tails"))
    return target


def test_a_listing_cut_short_keeps_what_was_whole(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "stalkerware")
    listing = folder / "pm_list_packages.txt"
    text = listing.read_text()
    listing.write_text(text[: text.index("=com.systemservice") + 8])  # cut inside the last line
    snap = folders.read_folder(folder)
    assert snap.partial
    section = snap.sections["packages"]
    assert section.status == "damaged"
    assert section.note == (
        "Lines left out because they could not be understood: 1. "
        "The text ends in the middle of a line: it may have been cut short."
    )
    # The app is still known from the other listings, so the finding is not lost.
    assert [f.id for f in find(snap, ind.shipped())] == ["stalkerware:com.systemservice"]


def test_garbage_in_a_listing_is_reported_not_guessed(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "clean")
    (folder / "dumpsys_package.txt").write_bytes(b"\x00\x01 not dumpsys at all\n")
    (folder / "settings_global_http_proxy.txt").write_text("<html>oops</html>\n")
    snap = folders.read_folder(folder)
    assert snap.sections["package_details"].status == "damaged"
    assert snap.sections["package_details"].note == (
        "No list of packages was found in this output. "
        "Lines left out because they could not be understood: 1."
    )
    assert snap.sections["proxy"].status == "damaged"
    assert snap.http_proxy is None


def test_hostile_folder_links_and_huge_files_are_not_read(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "clean")
    secret = tmp_path / "outside.txt"
    secret.write_text("package:/x=com.outside.secret  installer=null uid:1\n")
    (folder / "pm_list_packages.txt").unlink()
    os.symlink(secret, folder / "pm_list_packages.txt")
    with (folder / "dumpsys_package.txt").open("r+b") as handle:
        handle.truncate(folders.MAX_FILE + 1)  # sparse: large on paper, nothing on disk
    (folder / "dumpsys_appops.txt").unlink()
    os.mkfifo(folder / "dumpsys_appops.txt")  # opening it would wait forever
    before = sorted(p.name for p in tmp_path.iterdir())
    snap = folders.read_folder(folder)
    assert snap.sections["appops"].note == (
        "dumpsys_appops.txt was not used: it is not an ordinary file."
    )
    assert "com.outside.secret" not in snap.apps
    assert snap.sections["packages"].status == "failed"
    assert snap.sections["packages"].note == (
        "pm_list_packages.txt was not used: it is a link to somewhere else; links are not followed."
    )
    assert snap.sections["package_details"].note == (
        "dumpsys_package.txt was not used: it is too large (64 MB); the limit is 64 MB."
    )
    assert "pm_list_packages.txt" not in snap.raw and "dumpsys_package.txt" not in snap.raw
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_hostile_androidqf_names_are_never_followed(tmp_path: Path) -> None:
    folder = tmp_path / "qf"
    shutil.copytree(SAMPLES / "androidqf", folder)
    rows = json.loads((folder / "packages.json").read_text())
    assert any(f["local_name"].startswith("../") for r in rows for f in r["files"])
    (folder / "dumpsys.txt").write_text("DUMP OF SERVICE package:\nPackages:\n  Package [a.b] (x")
    snap = folders.read_folder(folder)
    assert snap.sections["package_details"].status == "damaged"
    assert "root:" not in b"".join(snap.raw.values()).decode(errors="replace")


def test_a_folder_that_is_not_a_listing_is_refused(tmp_path: Path) -> None:
    (tmp_path / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(DeviceInputError) as caught:
        folders.read_folder(tmp_path)
    assert caught.value.message == f"{tmp_path} does not look like saved phone listings."
    with pytest.raises(DeviceInputError):
        folders.read_folder(tmp_path / "holiday.jpg")


# -- signing certificates from an APK's end ------------------------------------------------


def test_certificate_is_read_from_the_signing_block() -> None:
    tail = (
        SAMPLES / "phones" / "heuristic" / "apk_tails" / "com.sysupdate.battery.care.bin"
    ).read_bytes()
    listed = (SAMPLES / "phones" / "heuristic" / "certificates.txt").read_text()
    sha1, sha256 = apk.certificate_hashes(tail)
    assert f"com.sysupdate.battery.care {sha1} {sha256}\n" in listed
    assert apk.certificate_hashes(b"junk" * 100 + tail) == (sha1, sha256)


@given(st.binary(max_size=400))
def test_damaged_apk_tails_fail_cleanly(data: bytes) -> None:
    with contextlib.suppress(apk.ApkError):
        apk.certificate_hashes(data)


@given(st.sampled_from(sorted(PARSERS)), st.binary(max_size=600))
def test_every_parser_survives_any_bytes(section: str, data: bytes) -> None:
    snap = Snapshot(source="fuzz")
    apply_section(snap, section, data)
    assert snap.sections[section].status in ("read", "damaged")


@given(st.binary(max_size=300))
def test_packages_json_of_any_shape_is_handled(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "packages.json").write_bytes(data)
        Path(folder, "acquisition.json").write_text("{}")
        snap = folders.read_folder(Path(folder))
        assert snap.source == "androidqf"
        assert snap.sections["packages"].status in ("read", "damaged", "failed")


def test_old_v1_signatures_are_read_from_small_apps(tmp_path: Path) -> None:
    whole = (
        SAMPLES / "phones" / "stalkerware" / "apk_tails" / "com.systemservice.bin"
    ).read_bytes()
    listed = (SAMPLES / "phones" / "stalkerware" / "certificates.txt").read_text()
    with pytest.raises(apk.ApkError):
        apk.certificate_hashes(whole)  # no v2/v3 block in this app
    sha1, sha256 = apk.v1_certificate_hashes(whole)
    assert f"com.systemservice {sha1} {sha256}\n" in listed
    import zipfile

    bomb = tmp_path / "bomb.apk"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/CERT.RSA", b"\0" * (apk.MAX_V1_BLOCK + 1))
    with pytest.raises(apk.ApkError):
        apk.v1_certificate_hashes(bomb.read_bytes())
    with pytest.raises(apk.ApkError):
        apk.v1_certificate_hashes(b"PK\x03\x04 not really a zip")

"""Offline input: a folder of saved command output, an AndroidQF folder, or an MVT folder.

Only files with known names directly inside the folder are opened; names found inside
the files (for example an app's file path in AndroidQF's packages.json) are never
followed. Links are refused, every file has a size cap, and nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from safetrail.devicecheck.indicators import normalise_hash
from safetrail.devicecheck.model import FAILED, MISSING, READ, SECTIONS, Snapshot
from safetrail.devicecheck.parsers import ORDER, apply_section, parse_components_text
from safetrail.errors import DeviceInputError
from safetrail.i18n import _

MAX_FILE = 64 * 1024 * 1024
MAX_TOTAL = 256 * 1024 * 1024
_DUMP_HEADER = re.compile(r"^DUMP OF SERVICE (?P<name>[\w.]+):\s*$", re.MULTILINE)
_DUMPSYS_SECTIONS = {
    "package": "package_details",
    "device_policy": "device_admins",
    "appops": "appops",
    "connectivity": "connectivity",
}


class _Reader:
    """Reads known files from one folder with the caps and refusals above."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.total = 0
        self.refused: dict[str, str] = {}

    def read(self, name: str) -> bytes | None:
        path = self.folder / name
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.refused[name] = _("it cannot be read ({reason})").format(reason=exc.strerror)
            return None
        if stat.S_ISLNK(info.st_mode):
            self.refused[name] = _("it is a link to somewhere else; links are not followed")
            return None
        if not stat.S_ISREG(info.st_mode):
            self.refused[name] = _("it is not an ordinary file")
            return None
        if info.st_size > MAX_FILE or self.total + info.st_size > MAX_TOTAL:
            self.refused[name] = _("it is too large ({size} MB); the limit is {limit} MB").format(
                size=info.st_size // (1024 * 1024), limit=MAX_FILE // (1024 * 1024)
            )
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            self.refused[name] = _("it cannot be read ({reason})").format(reason=exc.strerror)
            return None
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            self.refused[name] = _("it is too large; the limit is {limit} MB").format(
                limit=MAX_FILE // (1024 * 1024)
            )
            return None
        self.total += len(data)
        return data


def _refuse_note(name: str, reason: str) -> str:
    return _("{name} was not used: {reason}.").format(name=name, reason=reason)


def detect(folder: Path) -> str:
    """'saved', 'androidqf' or 'mvt'; raises when the folder is none of them."""
    if not folder.is_dir():
        raise DeviceInputError(
            _("{path} is not a folder.").format(path=folder),
            _("Give the folder that holds the saved listings (--from FOLDER)."),
        )
    names = {entry.name for entry in os.scandir(folder)}
    if "packages.json" in names and ("dumpsys.txt" in names or "acquisition.json" in names):
        return "androidqf"
    if "packages.json" in names:
        return "mvt"
    if names & {file for file, _cmd in SECTIONS.values()}:
        return "saved"
    raise DeviceInputError(
        _("{path} does not look like saved phone listings.").format(path=folder),
        _(
            "Use a folder made by SafeTrail, AndroidQF or MVT, or save the adb commands' "
            "output with the file names listed in docs/devicecheck.md."
        ),
    )


def read_folder(folder: Path) -> Snapshot:
    kind = detect(folder)
    reader = _Reader(folder)
    snap = Snapshot(source=kind)
    if kind == "saved":
        _saved(reader, snap)
    elif kind == "androidqf":
        _androidqf(reader, snap)
    else:
        _mvt(reader, snap)
    return snap


def _saved(reader: _Reader, snap: Snapshot) -> None:
    for section in ORDER:
        name = SECTIONS[section][0]
        data = reader.read(name)
        if data is None:
            reason = reader.refused.get(name)
            note = _refuse_note(name, reason) if reason else _("{name} is not in the folder.")
            snap.mark(section, FAILED if reason else MISSING, note.format(name=name))
            continue
        snap.raw[name] = data
        apply_section(snap, section, data)


def _json_list(reader: _Reader, snap: Snapshot, name: str, section: str) -> list[Any] | None:
    data = reader.read(name)
    if data is None:
        reason = reader.refused.get(name)
        if reason:
            snap.mark(section, FAILED, _refuse_note(name, reason))
        else:
            snap.mark(section, MISSING, _("{name} is not in the folder.").format(name=name))
        return None
    snap.raw[name] = data
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        snap.mark(section, FAILED, _("{name} is damaged or cut short.").format(name=name))
        return None
    if not isinstance(value, list):
        snap.mark(section, FAILED, _("{name} does not hold a list.").format(name=name))
        return None
    return value


def _hashes_of(files: Any) -> list[str]:
    found: list[str] = []
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict):
            continue
        cert = item.get("certificate") or item.get("Certificate")
        if isinstance(cert, dict):
            for key in ("Sha1", "sha1", "SHA1", "Sha256", "sha256", "SHA256"):
                digest = normalise_hash(str(cert.get(key) or ""))
                if digest and digest not in found:
                    found.append(digest)
    return found


def _packages_json(snap: Snapshot, items: list[Any], name_key: str) -> int:
    bad = 0
    for item in items:
        name = item.get(name_key) if isinstance(item, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][\w.]*", name):
            bad += 1
            continue
        app = snap.app(name)
        installer = item.get("installer")
        app.installer = installer if isinstance(installer, str) and installer != "null" else None
        uid = item.get("uid")
        app.uid = uid if isinstance(uid, int) else app.uid
        system = item.get("system")
        app.system = system if isinstance(system, bool) else None
        files = item.get("files")
        if isinstance(files, list) and files and isinstance(files[0], dict):
            path = files[0].get("path")
            app.path = path if isinstance(path, str) else None
        for key, attr in (
            ("first_install_time", "first_install"),
            ("last_update_time", "last_update"),
        ):
            if isinstance(item.get(key), str):
                setattr(app, attr, item[key])
        app.certificates.extend(h for h in _hashes_of(files) if h not in app.certificates)
    return bad


def _settings_values(data: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def _androidqf(reader: _Reader, snap: Snapshot) -> None:
    props = reader.read("getprop.txt")
    if props is not None:
        snap.raw["getprop.txt"] = props
        apply_section(snap, "properties", props)
    else:
        snap.mark("properties", MISSING, _("getprop.txt is not in the folder."))
    items = _json_list(reader, snap, "packages.json", "packages")
    if items is not None:
        bad = _packages_json(snap, items, "name")
        note = _("{n} apps in packages.json could not be read.").format(n=bad) if bad else None
        snap.mark("packages", "damaged" if bad else READ, note)
        has_certs = any(a.certificates for a in snap.apps.values())
        snap.mark("certificates", READ if has_certs else MISSING)
    else:
        snap.mark("certificates", MISSING)
    dumpsys = reader.read("dumpsys.txt")
    if dumpsys is None:
        reason = reader.refused.get("dumpsys.txt")
        note = _refuse_note("dumpsys.txt", reason) if reason else _("dumpsys.txt is missing.")
        for section in _DUMPSYS_SECTIONS.values():
            snap.mark(section, FAILED if reason else MISSING, note)
    else:
        snap.raw["dumpsys.txt"] = dumpsys
        parts = _split_dumpsys(dumpsys.decode("utf-8", errors="replace"))
        for service, section in _DUMPSYS_SECTIONS.items():
            if service in parts:
                apply_section(snap, section, parts[service].encode())
            else:
                snap.mark(
                    section, MISSING, _("dumpsys.txt has no {name} part.").format(name=service)
                )
    _settings_from(
        reader,
        snap,
        "settings_secure.txt",
        {
            "accessibility": "enabled_accessibility_services",
            "notification_listeners": "enabled_notification_listeners",
        },
    )
    _settings_from(reader, snap, "settings_global.txt", {"proxy": "http_proxy"})


def _settings_from(reader: _Reader, snap: Snapshot, name: str, keys: dict[str, str]) -> None:
    data = reader.read(name)
    if data is None:
        reason = reader.refused.get(name)
        for section in keys:
            snap.mark(
                section,
                FAILED if reason else MISSING,
                _refuse_note(name, reason)
                if reason
                else _("{name} is not in the folder.").format(name=name),
            )
        return
    snap.raw[name] = data
    values = _settings_values(data)
    for section, key in keys.items():
        apply_section(snap, section, (values.get(key, "null") + "\n").encode())


def _split_dumpsys(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    headers = list(_DUMP_HEADER.finditer(text))
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        body = text[header.end() : end]
        parts[header["name"]] = body.lstrip("\n")
    return parts


def _mvt(reader: _Reader, snap: Snapshot) -> None:
    items = _json_list(reader, snap, "packages.json", "packages")
    if items is not None:
        bad = _packages_json(snap, items, "package_name")
        note = _("{n} apps in packages.json could not be read.").format(n=bad) if bad else None
        snap.mark("packages", "damaged" if bad else READ, note)
    services = _json_list(reader, snap, "dumpsys_accessibility.json", "accessibility")
    if services is not None:
        text = ":".join(
            f"{s.get('package_name')}/{str(s.get('service') or '').rsplit('/', 1)[-1] or 'x'}"
            for s in services
            if isinstance(s, dict) and isinstance(s.get("package_name"), str)
        )
        snap.accessibility = parse_components_text(text)
        snap.mark("accessibility", READ)
    for section in ORDER:
        if section not in snap.sections:
            snap.mark(section, MISSING, _("MVT's output folder does not include this part."))

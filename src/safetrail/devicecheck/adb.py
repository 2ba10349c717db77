"""Reading a phone over USB with Android's own ``adb`` tool.

Every call runs ``adb`` as a separate program with a time limit. Nothing is installed on
the phone and nothing on it is changed: only read-only commands are sent (``getprop``,
``pm list``, ``dumpsys``, ``settings get``, and ``tail`` of app files for their
signing certificates). When the phone goes away in the middle, what was read so far is
kept and the rest is marked as not reached.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from safetrail.devicecheck.apk import ApkError, certificate_hashes, v1_certificate_hashes
from safetrail.devicecheck.model import FAILED, NOT_REACHED, READ, SECTIONS, Snapshot
from safetrail.devicecheck.parsers import ORDER, apply_section
from safetrail.errors import AdbMissing, DeviceNotReady
from safetrail.i18n import _

COMMAND_TIMEOUT = 60.0
LIST_TIMEOUT = 15.0
APK_TAIL_BYTES = 4 * 1024 * 1024
OLD_PACKAGE_LIST = "pm list packages -f -i"
MAX_OUTPUT = 128 * 1024 * 1024
_GONE = ("not found", "offline", "no devices", "device unauthorized", "closed", "disconnected")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Device:
    serial: str
    state: str
    description: str


@dataclass(frozen=True)
class Result:
    code: int
    out: bytes
    err: bytes

    @property
    def device_gone(self) -> bool:
        text = self.err.decode("utf-8", errors="replace").lower()
        return self.code != 0 and any(word in text for word in _GONE)


class Adb:
    def __init__(self, executable: str) -> None:
        self.executable = executable

    def run(self, args: list[str], timeout: float) -> Result | None:
        """Run ``adb ARGS``; None when it did not finish in time."""
        try:
            done = subprocess.run(
                [self.executable, *args],
                capture_output=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None
        except OSError as exc:
            raise AdbMissing(
                _("adb could not be started ({reason}).").format(reason=exc.strerror)
            ) from None
        return Result(done.returncode, done.stdout[:MAX_OUTPUT], done.stderr[:4096])


def find_adb() -> Adb:
    found = shutil.which("adb")
    if found is None:
        raise AdbMissing(
            _("The Android tool 'adb' is not installed on this computer."),
        )
    return Adb(found)


def parse_devices(text: str) -> list[Device]:
    devices = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("List of devices", "*", "adb server")):
            continue
        parts = stripped.split()
        if len(parts) >= 2:
            devices.append(Device(parts[0], parts[1], " ".join(parts[2:])))
    return devices


def choose_device(adb: Adb, serial: str | None) -> Device:
    listed = adb.run(["devices", "-l"], LIST_TIMEOUT)
    if listed is None or listed.code != 0:
        raise DeviceNotReady(
            _("adb did not answer when asked for the connected phones."),
            _("Unplug the phone, plug it in again, and try again."),
        )
    devices = parse_devices(listed.out.decode("utf-8", errors="replace"))
    if serial is not None:
        devices = [d for d in devices if d.serial == serial]
        if not devices:
            raise DeviceNotReady(
                _("No phone with the serial number {serial} is connected.").format(serial=serial),
                _("Run 'adb devices' to see the serial numbers of connected phones."),
            )
    if not devices:
        raise DeviceNotReady(
            _("No phone was found."),
            _(
                "Connect the phone with a USB cable that carries data, unlock it, and check "
                "that USB debugging is on (see 'safetrail device guide')."
            ),
        )
    if len(devices) > 1:
        raise DeviceNotReady(
            _("{n} phones or emulators are connected: {serials}.").format(
                n=len(devices), serials=", ".join(d.serial for d in devices)
            ),
            _("Choose one with --serial, for example --serial {serial}.").format(
                serial=devices[0].serial
            ),
        )
    device = devices[0]
    if device.state == "unauthorized":
        raise DeviceNotReady(
            _("The phone has not allowed this computer to read it yet."),
            _(
                "Unlock the phone and look for the question 'Allow USB debugging?'. Tap "
                "Allow, then try again. If there is no question, unplug and plug in again."
            ),
        )
    if device.state != "device":
        raise DeviceNotReady(
            _("The phone is connected but not ready (adb says: {state}).").format(
                state=device.state
            ),
            _("Unplug the phone, unlock it, plug it in again, and try again."),
        )
    return device


def _refused_option(result: Result | None) -> bool:
    """Old versions of ``pm`` answer an unknown option with an error, sometimes on stdout."""
    if result is None:
        return False
    text = (result.out[:300] + result.err[:300]).decode("utf-8", errors="replace").lower()
    return "unknown option" in text or (result.code != 0 and "-u" in text)


def _hashes(tail: bytes) -> tuple[str, str]:
    """From the v2/v3 block; for a small app (all of it was read), from a v1 signature."""
    try:
        return certificate_hashes(tail)
    except ApkError:
        if len(tail) >= APK_TAIL_BYTES:
            raise
        return v1_certificate_hashes(tail)


def _quote(path: str) -> str | None:
    return None if "'" in path else f"'{path}'"


class _Session:
    def __init__(self, adb: Adb, serial: str, snap: Snapshot, progress: Progress) -> None:
        self.adb = adb
        self.serial = serial
        self.snap = snap
        self.progress = progress
        self.gone = False

    def shell(self, command: str, timeout: float, exec_out: bool = False) -> Result | None:
        mode = "exec-out" if exec_out else "shell"
        result = self.adb.run(["-s", self.serial, mode, command], timeout)
        if result is not None and result.device_gone:
            self.gone = True
        return result

    def section(self, section: str) -> None:
        name, command = SECTIONS[section]
        self.progress(section)
        result = self.shell(command, COMMAND_TIMEOUT)
        if section == "packages" and _refused_option(result) and not self.gone:
            command = OLD_PACKAGE_LIST  # Android 7 and older have no -U
            result = self.shell(command, COMMAND_TIMEOUT)
        if self.gone:
            return
        if result is None:
            self.snap.mark(section, FAILED, _("The phone did not answer in time."))
            return
        if result.code != 0:
            reason = result.err.decode("utf-8", errors="replace").strip()[:200]
            self.snap.mark(section, FAILED, _("The command failed: {reason}").format(reason=reason))
            return
        data = result.out.replace(b"\r\n", b"\n")
        self.snap.raw[name] = data
        self.snap.commands[name] = command
        apply_section(self.snap, section, data)

    def certificates(self) -> None:
        self.progress("certificates")
        lines = []
        unread = 0
        for package, app in sorted(self.snap.apps.items()):
            if app.is_system or not app.path or not app.path.startswith("/data/"):
                continue
            quoted = _quote(app.path if app.path.endswith(".apk") else app.path + "/base.apk")
            if quoted is None:
                unread += 1
                continue
            result = self.shell(f"tail -c {APK_TAIL_BYTES} {quoted}", COMMAND_TIMEOUT, True)
            if self.gone:
                break
            try:
                if result is None or result.code != 0:
                    raise ApkError("not read")
                sha1, sha256 = _hashes(result.out)
            except ApkError:
                unread += 1
                continue
            lines.append(f"{package} {sha1} {sha256}\n")
        name = SECTIONS["certificates"][0]
        data = "".join(lines).encode()
        self.snap.raw[name] = data
        self.snap.commands[name] = f"exec-out tail -c {APK_TAIL_BYTES} APK (for each app)"
        apply_section(self.snap, "certificates", data)
        if self.gone:
            self.snap.mark("certificates", NOT_REACHED, _("The phone went away during this part."))
        elif unread:
            self.snap.mark(
                "certificates",
                "damaged",
                _("The certificate of {n} apps could not be read.").format(n=unread),
            )
        else:
            self.snap.mark("certificates", READ)


def read_phone(adb: Adb, device: Device, progress: Progress | None = None) -> Snapshot:
    snap = Snapshot(source="adb", device={"serial": device.serial})
    session = _Session(adb, device.serial, snap, progress or (lambda _section: None))
    for section in ORDER:
        if session.gone:
            snap.mark(section, NOT_REACHED, _("The phone was disconnected before this part."))
            continue
        if section == "certificates":
            session.certificates()
        else:
            session.section(section)
        if session.gone and section not in snap.raw:
            snap.mark(section, NOT_REACHED, _("The phone was disconnected during this part."))
    return snap

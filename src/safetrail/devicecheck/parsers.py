"""Pure parsers for the text that Android's own commands print.

Each parser takes the text of one command's output and returns what it understood plus
the number of lines it could not use. ``apply_section`` feeds one section into a
snapshot and marks the section read or damaged. Formats differ between Android
versions; the parsers look for the stable parts and ignore everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from safetrail.devicecheck.model import DAMAGED, READ, Snapshot
from safetrail.i18n import _

_PM_LINE = re.compile(
    r"^package:(?:(?P<path>\S+)=)?(?P<name>[A-Za-z][\w.]*)"
    r"(?:\s+versionCode:\d+)?(?:\s+installer=(?P<installer>\S+))?(?:\s+uid:(?P<uid>\d+))?\s*$"
)
_PACKAGE_HEADER = re.compile(r"^\s*Package \[(?P<name>[A-Za-z][\w.]*)\] \(")
_KEY_VALUE = re.compile(r"^\s*(?P<key>[A-Za-z]+)=(?P<value>.*)$")
_PERMISSION = re.compile(r"^\s*(?P<perm>[\w.]+): granted=(?P<granted>true|false)")
_APPOPS_PACKAGE = re.compile(r"^\s*Package (?P<name>[A-Za-z][\w.]*):\s*$")
_APPOPS_LOCATION = re.compile(
    r"^\s*(?P<op>FINE_LOCATION|COARSE_LOCATION|REQUEST_INSTALL_PACKAGES)"
    r"(?::\s*|\s*\()(?:mode=)?(?P<mode>[a-z]+)"
)
_ADMIN = re.compile(r"ComponentInfo\{(?P<pkg>[A-Za-z][\w.]*)/[^}]*\}")
_ADMIN_HEADER = re.compile(r"^\s*(Enabled Device Admins|Active Admins)")
_FLAT_COMPONENT = re.compile(r"^(?P<pkg>[A-Za-z][\w.]*)/[\w.$]+:$")
_PROP = re.compile(r"^\[(?P<key>[\w.\-]+)\]: \[(?P<value>.*)\]$")
_OWNER_UID = re.compile(r"(?:OwnerUid|ownerUid|mOwnerUid)[:=]\s*(?P<uid>\d+)")
_CERT_LINE = re.compile(r"^(?P<pkg>[A-Za-z][\w.]*)\s+(?P<hashes>[0-9A-Fa-f:\s]+?)\s*$")

BACKGROUND_LOCATION = "android.permission.ACCESS_BACKGROUND_LOCATION"


@dataclass
class Parsed:
    bad_lines: int = 0
    cut_short: bool = False
    notes: list[str] = field(default_factory=list)


def _lines(text: str) -> tuple[list[str], bool]:
    """Lines of ``text`` and whether it ends without a final newline (maybe cut short)."""
    return text.splitlines(), bool(text) and not text.endswith("\n")


def parse_properties(text: str, snap: Snapshot) -> Parsed:
    lines, _cut = _lines(text)
    result = Parsed()
    wanted = {
        "ro.product.manufacturer": "manufacturer",
        "ro.product.model": "model",
        "ro.build.version.release": "android",
        "ro.build.version.security_patch": "security_patch",
        "ro.serialno": "serial",
    }
    for line in lines:
        found = _PROP.match(line.strip())
        if found is None:
            if line.strip():
                result.bad_lines += 1
            continue
        if found["key"] in wanted and found["value"]:
            snap.device.setdefault(wanted[found["key"]], found["value"])
    return result


def parse_package_list(text: str, snap: Snapshot) -> Parsed:
    lines, cut = _lines(text)
    result = Parsed(cut_short=cut)
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        found = _PM_LINE.match(line.strip())
        if found is None:
            # A cut-off last line is expected in a truncated listing; count it either way.
            result.bad_lines += 1
            continue
        if cut and number == len(lines) - 1:
            result.bad_lines += 1  # the name itself may be cut short: do not trust it
            continue
        app = snap.app(found["name"])
        app.path = found["path"] or app.path
        installer = found["installer"]
        if installer is not None:
            app.installer = None if installer == "null" else installer
        if found["uid"]:
            app.uid = int(found["uid"])
    return result


def parse_package_details(text: str, snap: Snapshot) -> Parsed:
    """``dumpsys package``: install times, installer, and background location."""
    lines, cut = _lines(text)
    result = Parsed(cut_short=cut)
    in_packages = False
    current: str | None = None
    seen = 0
    for line in lines:
        if line.startswith("Packages:"):
            in_packages = True
            continue
        if in_packages and line and not line.startswith(" "):
            in_packages = False  # the next top-level block (e.g. "Hidden system packages:")
            current = None
            continue
        if not in_packages:
            continue
        header = _PACKAGE_HEADER.match(line)
        if header:
            current = header["name"]
            seen += 1
            continue
        if current is None:
            continue
        app = snap.app(current)
        pair = _KEY_VALUE.match(line)
        if pair:
            key, value = pair["key"], pair["value"].strip()
            if key in ("timeStamp", "firstInstallTime") and value and not app.first_install:
                app.first_install = value
            elif key == "lastUpdateTime":
                app.last_update = value
            elif key == "versionName":
                app.version = value
            elif key == "installerPackageName" and app.installer is None and value != "null":
                app.installer = value
            elif key == "userId" and app.uid is None and value.isdigit():
                app.uid = int(value)
            elif key == "codePath" and app.path is None:
                app.path = value
            continue
        permission = _PERMISSION.match(line)
        if permission and permission["perm"] == BACKGROUND_LOCATION:
            app.background_location = app.background_location or permission["granted"] == "true"
    if in_packages is False and seen == 0 and text.strip():
        result.notes.append(_("No list of packages was found in this output."))
        result.bad_lines += 1
    return result


def parse_device_admins(text: str, snap: Snapshot) -> Parsed:
    """Apps listed under "Enabled Device Admins" (one block per user)."""
    lines, cut = _lines(text)
    result = Parsed(cut_short=cut)
    found: list[str] = []
    header_indent: int | None = None
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if _ADMIN_HEADER.search(line):
            header_indent = indent
            continue
        if header_indent is None or not line.strip():
            continue
        if indent <= header_indent:
            header_indent = None
            continue
        stripped = line.strip()
        flat = _FLAT_COMPONENT.match(stripped)
        names = [flat["pkg"]] if flat else [m["pkg"] for m in _ADMIN.finditer(stripped)]
        for name in names:
            if name not in found:
                found.append(name)
    snap.device_admins = found
    return result


def _components(text: str) -> tuple[list[str], int]:
    """'pkg/.Cls:pkg2/pkg2.Cls' → ['pkg', 'pkg2'], and how many parts were not components."""
    value = text.strip()
    if value in ("", "null"):
        return [], 0
    packages: list[str] = []
    bad = 0
    for part in value.split(":"):
        name, slash, _cls = part.strip().partition("/")
        if not slash or not re.fullmatch(r"[A-Za-z][\w.]*", name):
            bad += 1
            continue
        if name not in packages:
            packages.append(name)
    return packages, bad


def parse_accessibility(text: str, snap: Snapshot) -> Parsed:
    packages, bad = _components(text)
    snap.accessibility = packages
    return Parsed(bad_lines=bad, cut_short=bool(text) and not text.endswith("\n"))


def parse_notification_listeners(text: str, snap: Snapshot) -> Parsed:
    packages, bad = _components(text)
    snap.notification_listeners = packages
    return Parsed(bad_lines=bad, cut_short=bool(text) and not text.endswith("\n"))


def parse_appops(text: str, snap: Snapshot) -> Parsed:
    """Location allowed always: mode 'allow' (not 'foreground') for a location op; and the
    apps allowed to install other apps from outside a store."""
    lines, cut = _lines(text)
    result = Parsed(cut_short=cut)
    current: str | None = None
    for line in lines:
        header = _APPOPS_PACKAGE.match(line)
        if header:
            current = header["name"]
            continue
        if current is None:
            continue
        op = _APPOPS_LOCATION.match(line)
        if op is None or op["mode"] != "allow":
            continue
        if op["op"] == "REQUEST_INSTALL_PACKAGES":
            if current not in snap.may_install_apps:
                snap.may_install_apps.append(current)
        else:
            snap.app(current).background_location = True
    return result


def parse_proxy(text: str, snap: Snapshot) -> Parsed:
    value = text.strip()
    if value in ("", "null", ":0"):
        snap.http_proxy = None
    elif re.fullmatch(r"[\w.\-\[\]:]+:\d{1,5}", value):
        snap.http_proxy = value
    else:
        return Parsed(bad_lines=1)
    return Parsed()


def parse_connectivity(text: str, snap: Snapshot) -> Parsed:
    """An active VPN network, and the uid of the app that owns it where Android says so."""
    lines, cut = _lines(text)
    result = Parsed(cut_short=cut)
    by_uid = {a.uid: p for p, a in snap.apps.items() if a.uid is not None}
    owners: list[str] = []
    for line in lines:
        # "NOT_VPN" is a capability of ordinary networks: look for the VPN transport only.
        if "NetworkAgentInfo" not in line:
            continue
        if "ni{VPN CONNECTED" not in line and "Transports: VPN" not in line:
            continue
        snap.vpn_active = True
        owner = _OWNER_UID.search(line)
        if owner:
            uid = int(owner["uid"])
            name = by_uid.get(uid, f"uid {uid}")
            if name not in owners:
                owners.append(name)
    snap.vpn_owners = owners
    return result


def parse_certificates(text: str, snap: Snapshot) -> Parsed:
    """SafeTrail's own list: one line per app, 'package SHA1 [SHA256]'."""
    lines, cut = _lines(text)
    result = Parsed(cut_short=cut)
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        found = _CERT_LINE.match(line.strip())
        if found is None:
            result.bad_lines += 1
            continue
        hashes = [h.upper() for h in found["hashes"].split() if len(h) in (40, 64)]
        if not hashes:
            result.bad_lines += 1
            continue
        app = snap.app(found["pkg"])
        app.certificates.extend(h for h in hashes if h not in app.certificates)
    return result


PARSERS = {
    "properties": parse_properties,
    "packages": parse_package_list,
    "package_details": parse_package_details,
    "device_admins": parse_device_admins,
    "accessibility": parse_accessibility,
    "notification_listeners": parse_notification_listeners,
    "appops": parse_appops,
    "proxy": parse_proxy,
    "connectivity": parse_connectivity,
    "certificates": parse_certificates,
}
# Order matters: uids from the package list are used to name VPN owners.
ORDER = tuple(PARSERS)


def apply_section(snap: Snapshot, section: str, data: bytes) -> None:
    """Parse one section's bytes into ``snap`` and record how well that went."""
    text = data.decode("utf-8", errors="replace")
    parsed = PARSERS[section](text, snap)
    notes = list(parsed.notes)
    if parsed.bad_lines:
        notes.append(
            _("Lines left out because they could not be understood: {n}.").format(
                n=parsed.bad_lines
            )
        )
    if parsed.cut_short:
        notes.append(_("The text ends in the middle of a line: it may have been cut short."))
    if "\ufffd" in text:
        notes.append(_("Some bytes were not valid text."))
    snap.mark(section, DAMAGED if notes else READ, " ".join(notes) or None)


def parse_components_text(text: str) -> list[str]:
    """Package names from a ':'-separated list of 'package/Class' components."""
    return _components(text)[0]

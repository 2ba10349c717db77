"""What a check learns about one phone: a snapshot built from the raw listings.

Each raw listing is one *section* (the output of one adb command, or the matching file of
a saved folder). A section is ``read`` (parsed), ``missing`` (not in the folder),
``damaged`` (read in part: some lines could not be understood, or the text was cut
short), ``failed`` (the command failed or timed out) or ``not_reached`` (the phone went
away before it). A snapshot with any section not fully read is *partial*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safetrail.i18n import N_

# section → (file name in a saved folder and in the evidence archive, adb shell command)
SECTIONS: dict[str, tuple[str, str]] = {
    "properties": ("getprop.txt", "getprop"),
    "packages": ("pm_list_packages.txt", "pm list packages -f -i -U"),
    "package_details": ("dumpsys_package.txt", "dumpsys package"),
    "device_admins": ("dumpsys_device_policy.txt", "dumpsys device_policy"),
    "accessibility": (
        "settings_secure_enabled_accessibility_services.txt",
        "settings get secure enabled_accessibility_services",
    ),
    "notification_listeners": (
        "settings_secure_enabled_notification_listeners.txt",
        "settings get secure enabled_notification_listeners",
    ),
    "appops": ("dumpsys_appops.txt", "dumpsys appops"),
    "proxy": ("settings_global_http_proxy.txt", "settings get global http_proxy"),
    "connectivity": ("dumpsys_connectivity.txt", "dumpsys connectivity"),
    "certificates": ("certificates.txt", ""),  # derived by SafeTrail from each app's file
}

SECTION_LABELS: dict[str, str] = {
    "properties": N_("Phone model and Android version"),
    "packages": N_("Installed apps, who installed them"),
    "package_details": N_("Install dates and permissions of each app"),
    "device_admins": N_("Apps with device administrator rights"),
    "accessibility": N_("Apps allowed to use accessibility (can read the screen)"),
    "notification_listeners": N_("Apps allowed to read notifications"),
    "appops": N_("Apps allowed location all the time"),
    "proxy": N_("Proxy setting (can route web traffic through another computer)"),
    "connectivity": N_("VPN connections"),
    "certificates": N_("Signing certificates of apps installed outside the system"),
}

READ, MISSING, DAMAGED, FAILED, NOT_REACHED = "read", "missing", "damaged", "failed", "not_reached"

# Installers that are app stores. Anything else (a file manager, a browser, the package
# installer screen, adb, or nothing at all) means the app came from outside a store.
STORES = frozenset(
    {
        "com.android.vending",
        "com.google.android.feedback",
        "com.sec.android.app.samsungapps",
        "com.huawei.appmarket",
        "com.xiaomi.market",
        "com.xiaomi.mipicks",
        "com.heytap.market",
        "com.oppo.market",
        "com.bbk.appstore",
        "com.amazon.venezia",
        "com.lge.lgworld",
        "com.sec.android.app.billing",
        "com.skt.skaf.A000Z00040",  # ONE store (Korea)
        "com.kt.olleh.storefront",
        "com.lguplus.appstore",
        "com.onestore.client",
    }
)
SYSTEM_PATHS = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/", "/oem/")


@dataclass
class AppInfo:
    package: str
    path: str | None = None
    installer: str | None = None
    uid: int | None = None
    first_install: str | None = None
    last_update: str | None = None
    version: str | None = None
    system: bool | None = None
    certificates: list[str] = field(default_factory=list)
    background_location: bool = False

    @property
    def is_system(self) -> bool:
        if self.system is not None:
            return self.system
        return bool(self.path) and self.path.startswith(SYSTEM_PATHS)  # type: ignore[union-attr]

    @property
    def from_store(self) -> bool:
        return self.installer in STORES

    @property
    def outside_store(self) -> bool:
        """Installed by the person or someone else from outside an app store."""
        return not self.is_system and not self.from_store

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "path": self.path,
            "installer": self.installer,
            "uid": self.uid,
            "first_install": self.first_install,
            "last_update": self.last_update,
            "version": self.version,
            "system": self.is_system,
            "certificates": self.certificates,
            "background_location": self.background_location,
        }


@dataclass
class Section:
    status: str
    note: str | None = None  # plain explanation of a problem, already translated


@dataclass
class Snapshot:
    source: str  # "adb", "saved", "androidqf", "mvt"
    device: dict[str, str] = field(default_factory=dict)
    apps: dict[str, AppInfo] = field(default_factory=dict)
    device_admins: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    notification_listeners: list[str] = field(default_factory=list)
    http_proxy: str | None = None
    vpn_owners: list[str] = field(default_factory=list)  # packages (or "uid N") running a VPN
    vpn_active: bool = False
    may_install_apps: list[str] = field(default_factory=list)  # allowed "unknown sources"
    sections: dict[str, Section] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)  # file name → exact bytes read
    commands: dict[str, str] = field(default_factory=dict)  # file name → adb command used

    @property
    def partial(self) -> bool:
        return any(s.status != READ for s in self.sections.values())

    def app(self, package: str) -> AppInfo:
        found = self.apps.get(package)
        if found is None:
            found = self.apps[package] = AppInfo(package)
        return found

    def mark(self, section: str, status: str, note: str | None = None) -> None:
        current = self.sections.get(section)
        order = [READ, DAMAGED, MISSING, FAILED, NOT_REACHED]
        if current is None or order.index(status) > order.index(current.status):
            self.sections[section] = Section(status, note)

    def location_always(self) -> list[str]:
        return sorted(p for p, a in self.apps.items() if a.background_location)

"""iPhone: guided checks the person does on the phone, and what a local backup shows.

An iPhone cannot be read like an Android phone, so the person looks at a few screens and
SafeTrail records the answers. If a local (computer) backup exists and is not
encrypted, its ``Manifest.db`` names the installed apps and any configuration profiles;
``Info.plist`` names the phone. An encrypted backup's Manifest.db is itself encrypted:
SafeTrail says so rather than asking for the backup password.
"""

from __future__ import annotations

import os
import plistlib
import re
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safetrail.errors import DeviceInputError
from safetrail.i18n import N_, _

MAX_MANIFEST = 512 * 1024 * 1024
MAX_PLIST = 16 * 1024 * 1024
ANSWERS = ("yes", "no", "not_sure", "skipped")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    where: str  # where to look on the phone
    if_yes: str  # what a "yes" means and what to do


QUESTIONS: tuple[Question, ...] = (
    Question(
        "profiles",
        N_("Is there a configuration profile or device management you do not recognise?"),
        N_(
            "Settings → General → VPN & Device Management. A work or school phone may "
            "have one; a personal phone usually has none."
        ),
        N_(
            "A profile can route your traffic or manage the phone. Note its name, and "
            "talk to an advocate before removing it: removing it may be noticed."
        ),
    ),
    Question(
        "find_my_sharing",
        N_("Is your location shared with anyone in Find My that you did not choose?"),
        N_("Open the Find My app → People. Also Settings → your name → Find My."),
        N_(
            "The people listed can see where you are. Stopping sharing tells no one "
            "directly, but they may notice; plan it with an advocate."
        ),
    ),
    Question(
        "shared_apple_id",
        N_("Does anyone else know your Apple ID password, or use the same Apple ID?"),
        N_(
            "Settings → your name → Sign-In & Security, and the list of devices at the "
            "bottom of that page."
        ),
        N_(
            "Someone with your Apple ID can see photos, messages and location from "
            "another device. An advocate can help you change it safely."
        ),
    ),
    Question(
        "unknown_devices",
        N_("Is there a device in your Apple ID's device list that is not yours?"),
        N_("Settings → your name, then scroll down to the list of devices."),
        N_(
            "That device may receive your messages and photos. Write down its name and "
            "model before anything else: it is evidence."
        ),
    ),
    Question(
        "airtag_alerts",
        N_("Have you seen an 'AirTag Found Moving With You' or 'Item Detected' alert?"),
        N_(
            "Notifications, and the Find My app → Items → Identify Found Item. On "
            "Android, the Tracker Detect app or Settings → Safety & emergency → Unknown "
            "tracker alerts."
        ),
        N_(
            "A tag may be hidden in your bag, car or belongings. Take screenshots of the "
            "alert and its map first; an advocate or the police can help you find it safely."
        ),
    ),
    Question(
        "paired_devices",
        N_("Are there paired Bluetooth devices or Apple Watches you do not recognise?"),
        N_("Settings → Bluetooth, and the Watch app."),
        N_("A paired watch can show your messages. Note the name before changing anything."),
    ),
)


def answer_value(value: str | None) -> str:
    text = (value or "skipped").strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {"y": "yes", "n": "no", "unsure": "not_sure", "?": "not_sure", "": "skipped"}
    text = aliases.get(text, text)
    if text not in ANSWERS:
        raise DeviceInputError(
            _("'{value}' is not an answer SafeTrail understands.").format(value=value),
            _("Answer yes, no or not sure."),
        )
    return text


@dataclass
class BackupListing:
    device: dict[str, str] = field(default_factory=dict)
    encrypted: bool = False
    apps: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "encrypted": self.encrypted,
            "apps": self.apps,
            "profiles": self.profiles,
            "notes": self.notes,
        }


def _regular(path: Path, cap: int) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise DeviceInputError(
            _("{name} in the backup is not an ordinary file; it was not read.").format(
                name=path.name
            )
        )
    if info.st_size > cap:
        raise DeviceInputError(
            _("{name} in the backup is too large to be a real one.").format(name=path.name)
        )
    return True


_BUNDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")


def read_backup(folder: Path) -> BackupListing:
    """Apps and configuration profiles named in a local backup folder (read-only)."""
    if not folder.is_dir():
        raise DeviceInputError(_("{path} is not a folder.").format(path=folder))
    listing = BackupListing()
    for name in ("Info.plist", "Manifest.plist"):
        path = folder / name
        if _regular(path, MAX_PLIST):
            try:
                with path.open("rb") as handle:
                    data = plistlib.load(handle)
            except (plistlib.InvalidFileException, ValueError, OSError):
                listing.notes.append(_("{name} could not be read.").format(name=name))
                continue
            if not isinstance(data, dict):
                continue
            if name == "Info.plist":
                for key, label in (
                    ("Device Name", "name"),
                    ("Product Type", "model"),
                    ("Product Version", "ios"),
                    ("Last Backup Date", "backup_date"),
                ):
                    if key in data:
                        listing.device[label] = str(data[key])
                apps = data.get("Installed Applications")
                if isinstance(apps, list):
                    listing.apps.extend(a for a in apps if isinstance(a, str) and _BUNDLE.match(a))
            else:
                listing.encrypted = bool(data.get("IsEncrypted"))
                apps_map = data.get("Applications")
                if isinstance(apps_map, dict):
                    listing.apps.extend(a for a in apps_map if _BUNDLE.match(str(a)))
    manifest = folder / "Manifest.db"
    if listing.encrypted:
        listing.notes.append(
            _(
                "This backup is encrypted, so its file list cannot be read without the "
                "backup password. The apps named above come from its unencrypted summary."
            )
        )
    elif _regular(manifest, MAX_MANIFEST):
        _manifest(manifest, listing)
    else:
        listing.notes.append(_("Manifest.db is not in this folder."))
    listing.apps = sorted(set(listing.apps))
    return listing


def _manifest(path: Path, listing: BackupListing) -> None:
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        listing.notes.append(_("Manifest.db could not be opened."))
        return
    try:
        rows = conn.execute("SELECT domain, relativePath FROM Files").fetchall()
    except sqlite3.DatabaseError:
        listing.notes.append(_("Manifest.db is damaged or encrypted."))
        return
    finally:
        conn.close()
    for domain, relative in rows:
        domain_text = str(domain or "")
        if domain_text.startswith("AppDomain-"):
            bundle = domain_text.removeprefix("AppDomain-")
            if _BUNDLE.match(bundle):
                listing.apps.append(bundle)
        relative_text = str(relative or "")
        # Installed profiles leave a "profile-<id>.stub" in the configuration-profiles group.
        if "ConfigurationProfiles/profile-" in relative_text:
            profile = relative_text.rsplit("/", 1)[-1]
            if profile not in listing.profiles:
                listing.profiles.append(profile)

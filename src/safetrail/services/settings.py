"""Vault-wide settings (country, time zone) kept as a versioned record.

Country drives phone-number normalisation, helplines and local-law explanations;
the time zone is how times without an offset are read and how times are shown.
"""

from __future__ import annotations

import locale
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from sqlalchemy import Connection, select

from safetrail import config
from safetrail.errors import ValidationError
from safetrail.i18n import LANGUAGES, _, normalise_language
from safetrail.storage.records import RecordStore
from safetrail.storage.tables import records


class Vault(Protocol):
    """What settings need of an open vault (``services.vault.Vault`` is one). Settings do
    not import the vault module: the vault imports settings, never the other way round."""

    @property
    def store(self) -> RecordStore: ...

    def read(self) -> Any: ...

    def write(self) -> AbstractContextManager[Connection]: ...


@dataclass(frozen=True)
class Place:
    country: str
    timezone: str


def validate_place(country: str, timezone: str) -> tuple[str, str]:
    code = country.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _("{code} is not a country code SafeTrail knows.").format(code=country),
            _("Use the two-letter code, for example GB, US, JP or KR."),
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("{tz} is not a time zone name SafeTrail knows.").format(tz=timezone),
            _("Use a name like Europe/London, America/New_York or Asia/Tokyo."),
        ) from None
    if timezone not in available_timezones() and timezone != "UTC":
        raise ValidationError(
            _("{tz} is not a time zone name SafeTrail knows.").format(tz=timezone)
        )
    return code, timezone


def system_timezone() -> str:
    try:
        from tzlocal import get_localzone_name

        name = get_localzone_name()
    except Exception:  # tzlocal raises several kinds on unusual systems
        name = None
    return name or "UTC"


def _zone_table_country(timezone: str) -> str | None:
    for table in ("/usr/share/zoneinfo/zone1970.tab", "/usr/share/zoneinfo/zone.tab"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text("utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#") and parts[2] == timezone:
                return parts[0].split(",")[0]
    return None


def system_country(timezone: str | None = None) -> str | None:
    for name in (*config.current().system_locale, locale.getlocale()[0]):
        if name and "_" in name:
            code = name.split(".")[0].split("_")[1].upper()
            if code in phonenumbers.SUPPORTED_REGIONS:
                return code
    return _zone_table_country(timezone or system_timezone())


def initialise(vault: Vault, country: str, timezone: str) -> None:
    with vault.write() as conn:
        vault.store.create(conn, "case", {"title": _("My case")})
        vault.store.create(conn, "settings", {"country": country, "timezone": timezone})


def _data(vault: Vault) -> tuple[str | None, dict[str, Any]]:
    with vault.read() as conn:  # one transaction: on a server each one costs round trips
        found = conn.execute(select(records.c.id).where(records.c.kind == "settings")).scalar()
        if not found:
            return None, {}
        return str(found), dict(vault.store.get(conn, str(found)).data)


def raw(vault: Vault) -> dict[str, Any]:
    """The stored settings as they are (for parts that keep their own settings here)."""
    return _data(vault)[1]


def current(vault: Vault) -> Place:
    _id, data = _data(vault)
    return Place(str(data.get("country", "US")), str(data.get("timezone", "UTC")))


@dataclass(frozen=True)
class Preferences:
    """How the app behaves; kept in the encrypted vault with the rest of the settings."""

    auto_lock_minutes: int = 5
    discreet: bool = False
    exit_url: str = "/away"
    language: str | None = None  # None: SAFETRAIL_LANG, the browser's or the system's


def preferences(vault: Vault) -> Preferences:
    _id, data = _data(vault)
    defaults = Preferences()
    return Preferences(
        auto_lock_minutes=int(data.get("auto_lock_minutes", defaults.auto_lock_minutes)),
        discreet=bool(data.get("discreet", defaults.discreet)),
        exit_url=str(data.get("exit_url", defaults.exit_url)),
        language=normalise_language(data.get("language")),
    )


def validate_language(language: str) -> str | None:
    """A shipped language code ("ja-JP" → "ja"); "" or "auto" means "follow the system"."""
    if language.strip().lower() in ("", "auto"):
        return None
    code = normalise_language(language)
    if code is None:
        raise ValidationError(
            _("SafeTrail is not available in '{language}' yet.").format(language=language),
            _("Choose one of: {languages}.").format(languages=", ".join(LANGUAGES)),
        )
    return code


def _validate_exit_url(url: str) -> str:
    url = url.strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    if url.startswith("https://") and " " not in url:
        return url
    raise ValidationError(
        _("The quick-exit page must be an https:// address or /away."),
        _("For example https://www.bbc.co.uk/weather, or /away for SafeTrail's own plain page."),
    )


def update(vault: Vault, reason: str, **changes: Any) -> None:
    """Change settings by name.

    Names: country, timezone, auto_lock_minutes, discreet, exit_url, language, timestamps,
    timestamp_servers (checked by ``safetrail.timestamps``).
    """
    record_id, data = _data(vault)
    if record_id is None:
        raise ValidationError(_("This vault has no settings record."))
    merged = dict(data)
    for key, value in changes.items():
        if value is None:
            continue
        if key == "auto_lock_minutes":
            minutes = int(value)
            if not 1 <= minutes <= 240:
                raise ValidationError(_("Auto-lock must be between 1 and 240 minutes."))
            merged[key] = minutes
        elif key == "discreet":
            merged[key] = bool(value)
        elif key == "exit_url":
            merged[key] = _validate_exit_url(str(value))
        elif key in ("country", "timezone"):
            merged[key] = value
        elif key == "language":
            merged[key] = validate_language(str(value))
        elif key == "timestamps":
            merged[key] = bool(value)
        elif key == "timestamp_servers":
            merged[key] = [str(url) for url in value]
        else:
            raise ValidationError(_("{name} is not a setting.").format(name=key))
    merged["country"], merged["timezone"] = validate_place(
        str(merged["country"]), str(merged["timezone"])
    )
    if merged != data:
        with vault.write() as conn:
            vault.store.amend(conn, record_id, merged, reason)


def change(vault: Vault, country: str | None, timezone: str | None, reason: str) -> Place:
    update(vault, reason, country=country, timezone=timezone)
    return current(vault)


def save_preferences(
    vault: Vault,
    country: str,
    timezone: str,
    auto_lock_minutes: int | str,
    discreet: bool,
    exit_url: str,
    reason: str,
    language: str | None = None,
) -> Preferences:
    """Save the settings page in one change; return the preferences now in force."""
    try:
        minutes = int(str(auto_lock_minutes).strip())
    except ValueError:
        raise ValidationError(
            _("Auto-lock needs a whole number of minutes, for example 5.")
        ) from None
    update(
        vault,
        reason,
        country=country,
        timezone=timezone.strip(),
        auto_lock_minutes=minutes,
        discreet=discreet,
        exit_url=exit_url,
        language=language,
    )
    return preferences(vault)


def timezone_names() -> list[str]:
    """Every time zone name SafeTrail accepts, sorted (for a pick list)."""
    return sorted(available_timezones() | {"UTC"})

"""One typed settings object, read from SAFETRAIL_* environment variables.

Every environment variable SafeTrail reads is read here, in :meth:`Settings.from_env`,
and nowhere else; the rest of the program asks a ``Settings`` (built afresh, so a
variable changed by a script or a test is seen at once).

SAFETRAIL_VAULT              vault folder (default: the platform's user data folder)
SAFETRAIL_PASSPHRASE         passphrase for scripts (otherwise SafeTrail asks)
SAFETRAIL_NEW_PASSPHRASE     the new passphrase for ``safetrail passwd`` in scripts
SAFETRAIL_DURESS_PASSPHRASE  the duress passphrase for ``safetrail duress set`` in scripts
SAFETRAIL_BUNDLE_PASSPHRASE  the passphrase of a case bundle, for scripts
SAFETRAIL_LANG               language of messages (e.g. "ja", "ko"; default: system)
SAFETRAIL_BUSY_TIMEOUT       seconds to wait for another program holding the vault
SAFETRAIL_DEBUG              "1": an unexpected error shows its traceback
SAFETRAIL_TEST_WEAK_KDF      "1": the test suite's fast key derivation (never in use)
SAFETRAIL_TEST_IMPORT_CHILD_BYTES  tests only: export files at least this large are parsed in
                             a child process (default 24 MiB; see services/imports/feed.py)

Also read, because the system sets them: ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and
``LANG`` (the system language and country; ``languages()`` reads just the language ones,
cheaply, for the message catalogue) and systemd's ``CREDENTIALS_DIRECTORY`` (the
check-in daemon's passphrase file). Server mode's ``SAFETRAIL_SERVER_*`` variables are
read by the server's own settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "SafeTrail"
DEFAULT_BUSY_SECONDS = 10.0
WEAK_KDF_ENV = "SAFETRAIL_TEST_WEAK_KDF"
#: the system's language variables, most specific first (``LANGUAGE`` may list several)
SYSTEM_LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def default_vault_path() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "vault"


def _seconds(text: str | None, default: float) -> float:
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        return default
    return value if value >= 0 else default


def _bytes(text: str | None) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 0 else None


@dataclass(frozen=True)
class Settings:
    #: the vault folder given (``--vault`` or SAFETRAIL_VAULT); None: the default folder
    vault_folder: Path | None = None
    passphrase: str | None = None
    new_passphrase: str | None = None
    duress_passphrase: str | None = None
    bundle_passphrase: str | None = None
    language: str | None = None
    busy_timeout: float = DEFAULT_BUSY_SECONDS
    debug: bool = False
    weak_kdf: bool = False
    #: the system's language variables that are set, in ``SYSTEM_LANGUAGE_VARIABLES`` order,
    #: up to the first one other than ``LANGUAGE``
    system_language: tuple[tuple[str, str], ...] = ()
    #: ``LC_ALL`` and ``LANG`` where set (the system's country, e.g. "en_GB.UTF-8")
    system_locale: tuple[str, ...] = ()
    credentials_directory: Path | None = None
    #: tests only: the export file size from which an import parses in a child process
    #: (None: the importer's own threshold)
    import_child_bytes: int | None = None

    @property
    def vault(self) -> Path:
        """The vault folder: the one given, else the platform's user data folder."""
        return (self.vault_folder or default_vault_path()).expanduser()

    @classmethod
    def from_env(
        cls, vault: Path | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ
        env_vault = env.get("SAFETRAIL_VAULT")
        credentials = env.get("CREDENTIALS_DIRECTORY")
        return cls(
            vault_folder=vault or (Path(env_vault) if env_vault else None),
            passphrase=env.get("SAFETRAIL_PASSPHRASE") or None,
            new_passphrase=env.get("SAFETRAIL_NEW_PASSPHRASE") or None,
            duress_passphrase=env.get("SAFETRAIL_DURESS_PASSPHRASE") or None,
            bundle_passphrase=env.get("SAFETRAIL_BUNDLE_PASSPHRASE") or None,
            language=_language(env),
            busy_timeout=_seconds(env.get("SAFETRAIL_BUSY_TIMEOUT"), DEFAULT_BUSY_SECONDS),
            debug=env.get("SAFETRAIL_DEBUG") == "1",
            weak_kdf=env.get(WEAK_KDF_ENV) == "1",
            system_language=_system_language(env),
            system_locale=tuple(v for v in (env.get("LC_ALL"), env.get("LANG")) if v),
            credentials_directory=Path(credentials) if credentials else None,
            import_child_bytes=_bytes(env.get("SAFETRAIL_TEST_IMPORT_CHILD_BYTES")),
        )


def _language(env: Mapping[str, str]) -> str | None:
    return env.get("SAFETRAIL_LANG") or None


def _system_language(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The set ones up to the first that decides (only ``LANGUAGE`` may fall through)."""
    found: list[tuple[str, str]] = []
    for name in SYSTEM_LANGUAGE_VARIABLES:
        value = env.get(name)
        if value:
            found.append((name, value))
            if name != "LANGUAGE":
                break
    return tuple(found)


def languages() -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """Only ``Settings.language`` and ``Settings.system_language``, read the same way:
    the message catalogue asks for them on every translated string, so they are read
    without the rest."""
    return _language(os.environ), _system_language(os.environ)


def current() -> Settings:
    """The settings as the environment gives them now (the vault folder by default)."""
    return Settings.from_env()

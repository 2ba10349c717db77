"""One typed settings object, read from SAFETRAIL_* environment variables.

SAFETRAIL_VAULT        vault folder (default: the platform's user data folder)
SAFETRAIL_PASSPHRASE   passphrase for scripts (otherwise SafeTrail asks)
SAFETRAIL_LANG         language of messages (e.g. "ja", "ko"; default: system)
SAFETRAIL_BUSY_TIMEOUT seconds to wait for another program holding the vault
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "SafeTrail"


def default_vault_path() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "vault"


@dataclass(frozen=True)
class Settings:
    vault: Path
    passphrase: str | None

    @classmethod
    def from_env(cls, vault: Path | None = None) -> Settings:
        env_vault = os.environ.get("SAFETRAIL_VAULT")
        chosen = vault or (Path(env_vault) if env_vault else default_vault_path())
        return cls(
            vault=chosen.expanduser(),
            passphrase=os.environ.get("SAFETRAIL_PASSPHRASE") or None,
        )

"""The one unlocked vault of a running app, held in server memory only.

Locking closes the database engine and drops every reference to the keys; the
session cookie and CSRF token are random per unlock, so an old tab is useless.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from safetrail.services import settings
from safetrail.services.import_jobs import ImportJob, JobBoard
from safetrail.services.vault import Vault, create_vault, open_vault
from safetrail.vault.session import VaultLayout
from safetrail.web import memory
from safetrail.web.throttle import UnlockThrottle

PRE_TOKEN_SECONDS = 3600.0
DEFAULT_UPLOAD_LIMIT = 4 * 1024**3  # 4 GiB: long recordings are normal evidence
MAX_PRE_TOKENS = 64


@dataclass
class AppState:
    vault_path: Path
    monotonic: Callable[[], float] = time.monotonic
    vault: Vault | None = None
    session_token: str | None = None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    pre_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_seen: float = 0.0
    auto_lock_minutes: int = 5
    discreet: bool = False
    exit_url: str = "/away"
    language: str | None = None  # the vault's; kept after locking for the unlock page
    lock: threading.RLock = field(default_factory=threading.RLock)
    idle_override_seconds: float | None = None  # tests: lock after seconds, not minutes
    # Imports running in threads for this unlocked session: stopped and forgotten on lock.
    jobs: JobBoard = field(default_factory=JobBoard)  # replaced under lock
    # Who may talk to this server: exact "name:port" Host values (None: any loopback name),
    # the per-launch secret of the opened link (None: not required), and whether it is TLS.
    allowed_hosts: frozenset[str] | None = None
    launch_secret: str | None = None
    tls: bool = False
    upload_limit: int = DEFAULT_UPLOAD_LIMIT  # bytes per uploaded file (serve --max-upload)
    # Unlock and setup form tokens: one per page shown, each good for one try (so a wrong
    # passphrase rotates it) and never shared between browsers.
    pre_tokens: dict[str, float] = field(default_factory=dict)  # guarded by lock
    throttle: UnlockThrottle = field(default_factory=UnlockThrottle)  # guarded by lock
    # Failed unlocks found at the last unlock, shown once on the page after it.
    unlock_notice: tuple[int, list[datetime]] | None = None

    def issue_pre_token(self) -> str:
        with self.lock:
            now = self.monotonic()
            live = {t: at for t, at in self.pre_tokens.items() if now - at < PRE_TOKEN_SECONDS}
            while len(live) >= MAX_PRE_TOKENS:
                del live[min(live, key=live.__getitem__)]
            token = secrets.token_urlsafe(32)
            live[token] = now
            self.pre_tokens = live
            return token

    def take_pre_token(self, token: str) -> bool:
        """True once for a token this server issued recently; it is spent either way."""
        with self.lock:
            issued = self.pre_tokens.pop(token, None)
            return issued is not None and self.monotonic() - issued < PRE_TOKEN_SECONDS

    @property
    def idle_seconds(self) -> float:
        if self.idle_override_seconds is not None:
            return self.idle_override_seconds
        return self.auto_lock_minutes * 60.0

    @property
    def exists(self) -> bool:
        layout = VaultLayout(self.vault_path)
        return layout.header.exists() or layout.database.exists()

    def opened(self) -> Vault | None:
        """The unlocked vault, or None (for the unlock routes and the case provider only:
        case routes get their case through ``web.deps.case_context``)."""
        with self.lock:
            return self.vault

    @property
    def unlocked(self) -> bool:
        return self.vault is not None

    def _opened(self, vault: Vault) -> str:
        with self.lock:
            if self.vault is not None:
                self._stop_jobs()
                self.vault.close()
            self.vault = vault
            prefs = settings.preferences(vault)
            self.apply(prefs)
            self.session_token = secrets.token_urlsafe(32)
            self.csrf_token = secrets.token_urlsafe(32)
            self.pre_token = secrets.token_urlsafe(32)
            self.last_seen = self.monotonic()
            return self.session_token

    def apply(self, prefs: settings.Preferences) -> None:
        self.auto_lock_minutes = prefs.auto_lock_minutes
        self.discreet = prefs.discreet
        self.exit_url = prefs.exit_url
        self.language = prefs.language

    def unlock(self, passphrase: str) -> str:
        return self._opened(open_vault(self.vault_path, passphrase))

    def create(self, passphrase: str, country: str, timezone: str) -> str:
        return self._opened(create_vault(self.vault_path, passphrase, country, timezone))

    def _stop_jobs(self) -> None:
        """Jobs belong to the unlocked session: locking stops and forgets them."""
        self.jobs.close()
        self.jobs = JobBoard()

    @property
    def import_jobs(self) -> dict[str, ImportJob]:
        """This session's import jobs by id (a copy)."""
        return self.jobs.by_id()

    def lock_now(self) -> None:
        with self.lock:
            self._stop_jobs()
            closing, self.vault = self.vault, None
            if closing is not None:
                closing.close()
                closing.keys.wipe()  # every holder of a key shares these buffers
            self.session_token = None
            self.csrf_token = secrets.token_urlsafe(32)
            self.unlock_notice = None
        if closing is not None:
            del closing
            memory.release()

    def session_valid(self, token: str | None) -> bool:
        with self.lock:
            if self.vault is None or token is None or self.session_token is None:
                return False
            if not secrets.compare_digest(token, self.session_token):
                return False
            if self.idle_expired():
                self.lock_now()
                return False
            self.last_seen = self.monotonic()
            return True

    def idle_expired(self) -> bool:
        return self.vault is not None and self.monotonic() - self.last_seen > self.idle_seconds

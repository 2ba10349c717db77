"""Server settings: one typed object, from command-line options and SAFETRAIL_SERVER_*.

SAFETRAIL_SERVER_DATABASE      PostgreSQL URL (postgresql+psycopg://user@host/db)
SAFETRAIL_SERVER_BLOBS         folder for evidence files (may be a shared mount)
SAFETRAIL_SERVER_HOST          address to listen on (default 127.0.0.1)
SAFETRAIL_SERVER_PORT          port (default 8443)
SAFETRAIL_SERVER_WORKERS       web processes (default 2)
SAFETRAIL_SERVER_CHECKIN_WORKERS  check-in worker processes (default 1)
SAFETRAIL_SERVER_TLS_CERT      TLS certificate file
SAFETRAIL_SERVER_TLS_KEY       TLS private key file
SAFETRAIL_SERVER_BEHIND_PROXY  trusted proxy addresses, separated by commas or spaces
SAFETRAIL_SERVER_NAMES         names people reach the server by (Host header check)
SAFETRAIL_SERVER_IDLE_MINUTES  idle time after which a session ends (default 15)
SAFETRAIL_SERVER_SIGNUP        who may make a person's account: invite (default), open, closed
SAFETRAIL_SERVER_SIGNUP_PER_ADDRESS  new accounts one client address may make a day (default 5;
                               0: no limit)
SAFETRAIL_SERVER_ALERT_KEY     the check-in workers' private alert key file (default: alert.key
                               beside the blobs folder; see server/alert_key.py)

The server never starts without HTTPS: either it holds the certificate itself, or it is
told which proxies terminate TLS in front of it (and only their X-Forwarded-Proto and
X-Forwarded-For are believed).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from safetrail.errors import ConfigError
from safetrail.i18n import _

ENV_PREFIX = "SAFETRAIL_SERVER_"
DEFAULT_PORT = 8443
DEFAULT_IDLE_MINUTES = 15
ABSOLUTE_HOURS = 12  # a session ends after this however busy it is


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[,\s]+", value) if part)


@dataclass(frozen=True)
class ServerSettings:
    database: str
    blobs: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = 2
    checkin_workers: int = 1
    tls_cert: Path | None = None
    tls_key: Path | None = None
    behind_proxy: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    signup: str = "invite"  # see server/signup.py: invite, open or closed
    signup_per_address: int = 5
    alert_key: Path | None = None

    @property
    def alert_key_path(self) -> Path:
        """The check-in workers' private alert key file (outside the database)."""
        if self.alert_key is not None:
            return self.alert_key
        return self.blobs.parent / "alert.key"

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None

    @property
    def idle_seconds(self) -> int:
        return self.idle_minutes * 60

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **given: object) -> ServerSettings:
        """Options given on the command line win over the environment (None = not given)."""
        source = os.environ if env is None else env

        values: dict[str, object] = {}
        for name, kind in _FIELDS.items():
            chosen = given.get(name)
            if chosen is None or chosen == () or chosen == []:
                text = source.get(ENV_PREFIX + name.upper())
                if not text:
                    continue
                chosen = _parse(name, kind, text)
            values[name] = tuple(chosen) if isinstance(chosen, list) else chosen
        if not values.get("database"):
            raise ConfigError(
                _("No database was given."),
                _("Give --database postgresql://… or set SAFETRAIL_SERVER_DATABASE."),
            )
        if not values.get("blobs"):
            raise ConfigError(
                _("No folder for evidence files was given."),
                _("Give --blobs FOLDER or set SAFETRAIL_SERVER_BLOBS."),
            )
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check_numbers()
        return settings

    def check_numbers(self) -> None:
        for label, number, low in (
            ("--workers", self.workers, 1),
            ("--checkin-workers", self.checkin_workers, 0),
            ("--idle-minutes", self.idle_minutes, 1),
            ("--port", self.port, 1),
            ("--signup-per-address", self.signup_per_address, 0),
        ):
            if number < low:
                raise ConfigError(
                    _("{option} must be at least {low}.").format(option=label, low=low),
                )
        if self.signup not in ("open", "invite", "closed"):
            raise ConfigError(
                _("--signup must be open, invite or closed, not {value}.").format(
                    value=self.signup
                ),
                _("invite: people sign up with a link an operator made (the default)."),
            )

    def check_transport(self) -> None:
        """Refuse to serve over plain HTTP unless trusted proxies terminate TLS."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigError(
                _("A TLS certificate needs its key, and a key its certificate."),
                _("Give both --tls-cert and --tls-key."),
            )
        for address in self.behind_proxy:
            if not valid_proxy(address):
                raise ConfigError(
                    _("{address} is not an IP address or network.").format(address=address),
                    _("Name each trusted proxy by its address, e.g. --behind-proxy 10.0.0.5."),
                )
        if self.tls:
            for path in (self.tls_cert, self.tls_key):
                if path is not None and not path.is_file():
                    raise ConfigError(
                        _("The TLS file {path} cannot be read.").format(path=path),
                        _("Check the path and that this user may read it."),
                    )
            return
        if not self.behind_proxy:
            raise ConfigError(
                _(
                    "SafeTrail Server will not start without HTTPS: sign-ins and case "
                    "records would cross the network readable by anyone on the way."
                ),
                _(
                    "Give --tls-cert and --tls-key, or --behind-proxy with the addresses of "
                    "the reverse proxies that terminate HTTPS in front of it."
                ),
            )


def valid_proxy(address: str) -> bool:
    try:
        ipaddress.ip_network(address, strict=False)
    except ValueError:
        return False
    return True


def trusted(client: str | None, proxies: tuple[str, ...]) -> bool:
    """Is the peer address one of the trusted proxies?"""
    if not client or not proxies:
        return False
    try:
        peer = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(p, strict=False) for p in proxies)


_FIELDS: dict[str, type] = {
    "database": str,
    "blobs": Path,
    "host": str,
    "port": int,
    "workers": int,
    "checkin_workers": int,
    "tls_cert": Path,
    "tls_key": Path,
    "behind_proxy": tuple,
    "names": tuple,
    "idle_minutes": int,
    "signup": str,
    "signup_per_address": int,
    "alert_key": Path,
}


def _parse(name: str, kind: type, text: str) -> object:
    if kind is tuple:
        return _split(text)
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(
                _("{name} must be a whole number, not {value}.").format(
                    name=ENV_PREFIX + name.upper(), value=text
                )
            ) from None
    if kind is Path:
        return Path(text).expanduser()
    return text

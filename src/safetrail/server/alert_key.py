"""The server's alert key: the X25519 key pair check-in alerts are sealed to.

Everything a check-in alert needs (the contacts' addresses, the mail or SMS settings, the
words of the message) is sealed to the public half while the person is signed in, so the
check-in workers can send alerts while they are signed out. The private half is a file
outside the database (``SAFETRAIL_SERVER_ALERT_KEY``, default ``alert.key`` beside the
blob folder, mode 0600), read only by ``safetrail server run``'s check-in workers; the
public half is a row in ``safetrail.alert_keys`` so every web process can seal to it.

What the private key opens: the sealed alert jobs of ``safetrail.checkin_alert_jobs`` and
nothing else — not a case key, not a record, not an evidence file. A ``pg_dump`` without
the key file opens none of them.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Column, Engine, Integer, LargeBinary, Table, select

from safetrail.errors import ConfigError
from safetrail.i18n import _
from safetrail.server import keys
from safetrail.server.db import create_server_tables, server_metadata
from safetrail.storage.columns import STAMP
from safetrail.storage.records import utc_stamp
from safetrail.vault.keys import held

KEY_FILE_NAME = "alert.key"
_HEADER = "safetrail-server-alert-key-v1\n"

#: the public half of the alert key (one row; id 1)
alert_keys = Table(
    "alert_keys",
    server_metadata,
    Column("id", Integer, primary_key=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("created_at", STAMP, nullable=False),
)


def default_path(blobs: Path) -> Path:
    """Beside (never inside) the blob folder, so copying the blobs never copies the key."""
    return blobs.parent / KEY_FILE_NAME


def public_key(engine: Engine) -> bytes | None:
    with engine.connect() as conn:
        found = conn.execute(select(alert_keys.c.public_key).where(alert_keys.c.id == 1)).scalar()
    return None if found is None else bytes(found)


def _unreadable(path: Path) -> ConfigError:
    return ConfigError(
        _("The alert key file {path} cannot be read.").format(path=path),
        _("Check the path (SAFETRAIL_SERVER_ALERT_KEY) and that this user may read it."),
    )


def load_private(path: Path) -> bytearray:
    """The private key from ``path``; refuses a file others may read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError):
        raise _unreadable(path) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            _("The alert key file {path} can be read by other users.").format(path=path),
            _("Run: chmod 600 {path}").format(path=path),
        )
    if not text.startswith(_HEADER):
        raise _unreadable(path)
    try:
        raw = bytes.fromhex(text[len(_HEADER) :].strip())
    except ValueError:
        raise _unreadable(path) from None
    if len(raw) != keys.KEY_BYTES:
        raise _unreadable(path)
    return held(raw)


def public_of(private: bytes | bytearray) -> bytes:
    return X25519PrivateKey.from_private_bytes(bytes(private)).public_key().public_bytes_raw()


def _write_new(path: Path, private: bytearray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (_HEADER + private.hex() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure(engine: Engine, path: Path) -> bytes:
    """Make the alert key pair if there is none yet; return the public key.

    A key file that does not match the public key in the database (or a database key
    whose file is missing) is refused: alerts already sealed could not be opened.
    """
    from safetrail.server import alert_jobs  # noqa: F401  (its table joins the metadata)

    create_server_tables(engine)  # idempotent: the key and job tables on older servers
    stored = public_key(engine)
    if path.exists():
        private = load_private(path)
        public = public_of(private)
        keys.wipe(private)
        if stored is None:
            _store_public(engine, public)
        elif stored != public:
            raise ConfigError(
                _("The alert key file {path} is not the key this database's alerts use.").format(
                    path=path
                ),
                _("Point SAFETRAIL_SERVER_ALERT_KEY at the server's own alert key file."),
            )
        return public
    if stored is not None:
        raise ConfigError(
            _("The alert key file {path} is missing.").format(path=path),
            _(
                "Restore it from the machine that ran 'safetrail server init', or point "
                "SAFETRAIL_SERVER_ALERT_KEY at it; without it no check-in alert can be sent."
            ),
        )
    pair = keys.new_key_pair()
    try:
        _write_new(path, pair.private)
    except OSError:
        raise ConfigError(
            _("The alert key file {path} cannot be written.").format(path=path),
            _("Check that the folder exists and that this user may write there."),
        ) from None
    finally:
        pair.wipe()
    _store_public(engine, pair.public)
    return pair.public


def _store_public(engine: Engine, public: bytes) -> None:
    with engine.begin() as conn:
        conn.execute(
            alert_keys.insert().values(
                id=1, public_key=public, created_at=utc_stamp(datetime.now(UTC))
            )
        )


__all__ = ["KEY_FILE_NAME", "alert_keys", "default_path", "ensure", "load_private", "public_key"]

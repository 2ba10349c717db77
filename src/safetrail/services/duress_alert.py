"""The silent alert a duress unlock sends: the sealed alert package and its sender.

Local-only (part of the duress passphrase): the package is a file in the vault folder,
so this module takes a ``Vault``.

A duress session has only the decoy case's keys; the trusted contacts and the mail,
text and webhook settings live in the real vault, which stays locked. So while the real
vault is open, SafeTrail writes what the alert needs into ``vault-2.alert``, sealed for
the decoy's keys alone. Every vault has that file, always of ``FILE_BYTES`` bytes:

    nonce (12) | package key wrapped under a key of the real vault (48)
    | nonce (12) | the package, padded to PLAIN_BYTES, sealed under the package key (+16)

The package key is derived from the decoy case's master key (the key the duress
passphrase's slot wraps), so only a duress unlock can open the package; the real vault
keeps a wrapped copy so that it can seal a fresh package without knowing the duress
passphrase. When alerting is off, or there is no duress passphrase, the file is random
bytes of the same size. The real vault rewrites it (a fresh package, or fresh random
bytes) at every unlock and every lock, so its age says nothing either.

On a duress unlock the sender queues one message per channel of every contact in an
outbox held in memory (the check-in outbox code, on an in-memory database: nothing is
written to the decoy case) and sends them in a background thread with the check-in
channels, retrying with the outbox's back-off while the decoy session stays open.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.pool import StaticPool

from safetrail.checkins import outbox
from safetrail.checkins.channels.base import DeliveryError, Outgoing
from safetrail.checkins.clock import parse_stamp, stamp
from safetrail.checkins.messages import at_text
from safetrail.checkins.model import AlertSettings, load_contacts, load_place
from safetrail.checkins.scheduler import default_channel
from safetrail.checkins.tables import checkin_outbox
from safetrail.errors import ValidationError
from safetrail.fsutil import atomic_write
from safetrail.i18n import _, current_language, use_language
from safetrail.planning.emergency import emergency_for
from safetrail.services import settings
from safetrail.vault.keys import VaultKeys
from safetrail.vault.session import SECOND_ALERT_NAME

log = logging.getLogger("safetrail.duress")

ALERT_NAME = SECOND_ALERT_NAME
NONCE = 12
TAG = 16
KEY = 32
PLAIN_BYTES = 32768
WRAP_BYTES = NONCE + KEY + TAG
FILE_BYTES = WRAP_BYTES + NONCE + PLAIN_BYTES + TAG
PACKAGE_VERSION = 1
ZERO = timedelta(0)


def alert_path(root: Path) -> Path:
    return root / ALERT_NAME


def _derive(secret: bytes | bytearray, purpose: str, vault_id: str) -> bytes:
    info = f"safetrail/v1/duress-alert/{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=KEY, salt=vault_id.encode(), info=info).derive(
        bytes(secret)
    )


def package_key(decoy_keys: VaultKeys, vault_id: str) -> bytes:
    """Only the decoy case's keys (a duress unlock) give this key."""
    return _derive(decoy_keys.ledger, "package", vault_id)


def _wrap_key(real_keys: VaultKeys, vault_id: str) -> bytes:
    return _derive(real_keys.ledger, "wrap", vault_id)


def _aad(vault_id: str, part: str) -> bytes:
    return f"safetrail-duress-alert/{vault_id}/{part}".encode()


# -- the file ------------------------------------------------------------------------------


def write_filler(root: Path) -> None:
    """Random bytes of a sealed package's exact size (alerting off, or no duress)."""
    atomic_write(alert_path(root), os.urandom(FILE_BYTES))


def ensure_file(root: Path) -> None:
    if not alert_path(root).exists():
        write_filler(root)


def _read(root: Path) -> bytes | None:
    try:
        raw = alert_path(root).read_bytes()
    except OSError:
        return None
    return raw if len(raw) == FILE_BYTES else None


def _seal(root: Path, vault_id: str, wrap_key: bytes, key: bytes, package: dict[str, Any]) -> None:
    body = json.dumps(package, sort_keys=True, separators=(",", ":")).encode()
    if len(body) + 4 > PLAIN_BYTES:
        raise ValidationError(
            _("Your trusted contacts and their settings are too long to keep for a silent alert."),
            _("Remove a contact you no longer need, then set the duress passphrase again."),
        )
    plain = struct.pack(">I", len(body)) + body
    plain += bytes(PLAIN_BYTES - len(plain))
    wrap_nonce, body_nonce = os.urandom(NONCE), os.urandom(NONCE)
    wrapped = AESGCM(wrap_key).encrypt(wrap_nonce, key, _aad(vault_id, "key"))
    sealed = AESGCM(key).encrypt(body_nonce, plain, _aad(vault_id, "package"))
    atomic_write(alert_path(root), wrap_nonce + wrapped + body_nonce + sealed)


def open_package(root: Path, vault_id: str, key: bytes) -> dict[str, Any] | None:
    """The package, or None when there is none for this key (alerting off)."""
    raw = _read(root)
    if raw is None:
        return None
    nonce, sealed = raw[WRAP_BYTES : WRAP_BYTES + NONCE], raw[WRAP_BYTES + NONCE :]
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, _aad(vault_id, "package"))
    except InvalidTag:
        return None
    (size,) = struct.unpack(">I", plain[:4])
    found: dict[str, Any] = json.loads(plain[4 : 4 + size])
    return found


def _stored_key(root: Path, vault_id: str, wrap_key: bytes) -> bytes | None:
    raw = _read(root)
    if raw is None:
        return None
    try:
        return AESGCM(wrap_key).decrypt(raw[:NONCE], raw[NONCE:WRAP_BYTES], _aad(vault_id, "key"))
    except InvalidTag:
        return None


# -- the real vault writes it ----------------------------------------------------------------


def build_package(vault: Any) -> dict[str, Any]:
    """What the alert needs, read from the real vault: contacts in order, their channels,
    the sending settings, who the person is, and the language to write in."""
    with vault.read() as conn:
        place = load_place(conn, vault.store)
        contacts = [c for c in load_contacts(conn, vault.store) if c.channels]
    saved = place.alerting
    sending = AlertSettings(
        owner_name=saved.owner_name,
        owner_phone=saved.owner_phone,
        police_number=saved.police_number,
        smtp=saved.smtp,
        sms=saved.sms,
    )
    language = settings.preferences(vault).language or current_language()
    return {
        "version": PACKAGE_VERSION,
        "language": language,
        "tz": place.timezone,
        "police": saved.police_number or emergency_for(place.country).number,
        "alerting": sending.to_json(),
        "contacts": [
            {"id": c.id, "name": c.name, "channels": [s.to_json() for s in c.channels]}
            for c in contacts
        ],
    }


def enable(vault: Any, decoy_keys: VaultKeys) -> None:
    """Alerting on: seal a package for the decoy keys just made (duress set)."""
    key = package_key(decoy_keys, vault.vault_id)
    _seal(
        vault.layout.root,
        vault.vault_id,
        _wrap_key(vault.keys, vault.vault_id),
        key,
        build_package(vault),
    )


def refresh(vault: Any) -> None:
    """At a real unlock and lock: a fresh package if alerting is on, else fresh random bytes."""
    root = vault.layout.root
    wrap_key = _wrap_key(vault.keys, vault.vault_id)
    key = _stored_key(root, vault.vault_id, wrap_key)
    try:
        if key is None:
            write_filler(root)
        else:
            try:
                _seal(root, vault.vault_id, wrap_key, key, build_package(vault))
            except ValidationError as exc:  # too long: keep the last package that fitted
                log.warning("%s", exc.message)
    except OSError as exc:  # a full or read-only drive: the last file stays as it was
        log.warning("the duress alert file was not refreshed: %s", exc.strerror)


# -- the duress session sends it ---------------------------------------------------------------


def compose(
    entry: dict[str, Any], package: dict[str, Any], used_at: datetime, key: str
) -> Outgoing:
    """The silent alert for one contact's channel, in the package's language."""
    alerting = package["alerting"]
    owner = alerting.get("owner_name") or _("the person who added you as a trusted contact")
    police = package["police"]
    when = at_text(used_at, package["tz"])
    opened = _(
        "At {when}, {owner} opened SafeTrail with their duress passphrase. They set it up to ask "
        "for help without anyone near them noticing. Someone may be making them open their "
        "records, and they may not be able to speak freely."
    ).format(when=when, owner=owner)
    lines = [
        _("Hello {contact},").format(contact=entry["name"]),
        "",
        opened,
        "",
        _("What to do now"),
        _(
            "1. If you think {owner} is in danger, call the police on {police} now. Tell them "
            "{owner} sent a silent alert."
        ).format(owner=owner, police=police),
        _(
            "2. If you contact {owner}, be careful: someone else may see their phone. Do not "
            "mention this alert unless they do."
        ).format(owner=owner),
        "",
        _(
            "Everyone on {owner}'s list of trusted contacts received this alert at the same time."
        ).format(owner=owner),
    ]
    short = " ".join(
        (
            _(
                "SafeTrail SILENT ALERT: {owner} opened SafeTrail with their duress passphrase "
                "at {when}."
            ).format(owner=owner, when=when),
            _("They may not be able to talk freely."),
            _("If you think they are in danger, call the police on {police}.").format(
                police=police
            ),
            _("Do not mention this alert if you contact them."),
        )
    )
    return Outgoing(
        key=key,
        to=str(entry["to"]),
        subject=_("{owner} may need help now: silent alert").format(owner=owner),
        text="\n".join(lines),
        short_text=short,
        priority="urgent",
        data={"purpose": "duress", "owner": alerting.get("owner_name"), "police": police},
        date=datetime.now(UTC),
    )


@dataclass
class DuressSender:
    """Sends one duress unlock's alert in the background while the decoy session is open."""

    root: Path
    vault_id: str
    key: bytes

    def __post_init__(self) -> None:
        self.stop_event = threading.Event()
        self.done = threading.Event()
        self.sent = 0
        self.failed_attempts = 0
        # Not a daemon thread: a CLI command that ends at once still waits for the first
        # attempt of each message (see docs/security.md).
        self.thread = threading.Thread(target=self._run, name="safetrail-duress", daemon=False)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """No more retries; an attempt under way finishes."""
        self.stop_event.set()

    def _run(self) -> None:
        try:
            package = open_package(self.root, self.vault_id, self.key)
            if package is not None and package.get("contacts"):
                with use_language(package.get("language")):
                    self._deliver(package)
        except Exception:  # nothing may ever reach the screen of a duress session
            log.debug("the silent alert could not be prepared", exc_info=True)
        finally:
            self.done.set()

    def _deliver(self, package: dict[str, Any]) -> None:
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        try:
            checkin_outbox.create(engine)
            used_at = datetime.now(UTC)
            record_id = outbox.idempotency_key("duress-unlock", self.vault_id, stamp(used_at))
            with engine.begin() as conn:
                for contact in package["contacts"]:
                    for index, channel in enumerate(contact["channels"]):
                        outbox.enqueue(
                            conn,
                            key=outbox.idempotency_key(record_id, contact["id"], str(index)),
                            record_id=record_id,
                            contact_id=contact["id"],
                            purpose="duress",
                            channel=channel["kind"],
                            payload={**channel, "name": contact["name"]},
                            now=used_at,
                        )
            self._loop(engine, package, used_at)
        finally:
            engine.dispose()

    def _loop(self, engine: Engine, package: dict[str, Any], used_at: datetime) -> None:
        worker = outbox.Worker.new()
        alerting = AlertSettings.from_json(package["alerting"])
        first_round = True
        while first_round or self._session_open():
            first_round = False
            for claimed in outbox.claim(engine, worker, datetime.now(UTC), 100):
                self._send(engine, worker, alerting, package, used_at, claimed)
            wait = _next_due(engine)
            if wait is None:
                return
            deadline = datetime.now(UTC) + wait
            # Woken at once by a lock; the one-second slices also notice a program that is
            # ending without having locked (then it must not be held open by retries).
            while self._session_open() and (left := deadline - datetime.now(UTC)) > ZERO:
                self.stop_event.wait(min(1.0, left.total_seconds()))

    def _session_open(self) -> bool:
        return not self.stop_event.is_set() and threading.main_thread().is_alive()

    def _send(
        self,
        engine: Engine,
        worker: outbox.Worker,
        alerting: AlertSettings,
        package: dict[str, Any],
        used_at: datetime,
        claimed: outbox.Claimed,
    ) -> None:
        entry = claimed.payload
        try:
            message = compose(entry, package, used_at, claimed.key)
            channel = default_channel(claimed.channel, alerting, entry["to"], entry.get("secret"))
            channel.send(message)
        except DeliveryError as exc:
            self.failed_attempts += 1
            with engine.begin() as conn:
                outbox.mark_failed_attempt(
                    conn, claimed, worker, datetime.now(UTC), str(exc), exc.permanent
                )
            return
        except Exception as exc:  # retried like a refusal that can pass
            self.failed_attempts += 1
            with engine.begin() as conn:
                outbox.mark_failed_attempt(
                    conn, claimed, worker, datetime.now(UTC), type(exc).__name__, False
                )
            return
        with engine.begin() as conn:
            outbox.mark_sent(conn, claimed.id, datetime.now(UTC))
        self.sent += 1


def _next_due(engine: Engine) -> timedelta | None:
    with engine.connect() as conn:
        due = conn.execute(
            select(checkin_outbox.c.next_attempt_at)
            .where(checkin_outbox.c.status == outbox.PENDING)
            .order_by(checkin_outbox.c.next_attempt_at)
            .limit(1)
        ).scalar()
    if due is None:
        return None
    return parse_stamp(due) - datetime.now(UTC)


def start_sender(root: Path, vault_id: str, decoy_keys: VaultKeys) -> DuressSender:
    sender = DuressSender(root, vault_id, package_key(decoy_keys, vault_id))
    sender.start()
    return sender

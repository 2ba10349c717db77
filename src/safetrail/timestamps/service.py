"""Trusted timestamps of the ledger head, kept in the vault.

Off unless the person turns it on. When on, ``stamp`` sends one thing to a time-stamping
authority: the SHA-256 of a short statement naming the ledger head ("SafeTrail ledger
head / entries: N / head: <hash>"). Nothing from the log itself leaves the computer, and
the statement cannot be worked back from its hash. The authority signs the hash with the
time; the token is checked and stored as a "timestamp" record, so it is in the ledger like
everything else, and it travels in every case bundle with the statement, so anyone can
check it offline with ``openssl ts -verify``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from safetrail.case import CaseContext
from safetrail.errors import TimestampError, ValidationError
from safetrail.i18n import _
from safetrail.services import settings
from safetrail.storage import ledger
from safetrail.storage.records import format_ref
from safetrail.storage.tables import ledger as ledger_table
from safetrail.storage.tables import records, versions
from safetrail.timestamps.rfc3161 import (
    TokenInfo,
    certificates_pem,
    check_token,
    request,
    token_from_response,
)

__all__ = [
    "DEFAULT_SERVERS",
    "Stamp",
    "TimestampSettings",
    "auto_stamp",
    "bundle_files",
    "check_stamps",
    "configure",
    "current_settings",
    "describe",
    "head_statement",
    "stamp",
    "stamps",
]

log = logging.getLogger("safetrail.timestamps")

#: Public RFC 3161 services, tried in order (the person can replace the list).
DEFAULT_SERVERS = (
    "https://freetsa.org/tsr",
    "http://timestamp.digicert.com",
    "http://timestamp.sectigo.com",
)
TIMEOUT = 15.0
MAX_RESPONSE = 1024 * 1024

Post = Callable[[str, bytes, float], bytes]


@dataclass(frozen=True)
class TimestampSettings:
    enabled: bool
    servers: tuple[str, ...]


def current_settings(vault: CaseContext) -> TimestampSettings:
    data = settings.raw(vault)
    servers = data.get("timestamp_servers")
    return TimestampSettings(
        enabled=bool(data.get("timestamps", False)),
        servers=tuple(servers) if servers else DEFAULT_SERVERS,
    )


def _check_url(url: str) -> str:
    url = url.strip()
    if not (url.startswith(("https://", "http://")) and " " not in url and len(url) > 10):
        raise ValidationError(
            _("'{url}' is not a timestamp server address.").format(url=url),
            _("Give an http:// or https:// address, for example {example}.").format(
                example=DEFAULT_SERVERS[0]
            ),
        )
    return url


def configure(
    vault: CaseContext, enabled: bool | None = None, servers: Sequence[str] | None = None
) -> TimestampSettings:
    """Turn trusted timestamps on or off and choose the servers (empty: the default list)."""
    chosen = [_check_url(u) for u in servers] if servers is not None else None
    settings.update(
        vault,
        _("Trusted timestamp settings changed"),
        timestamps=enabled,
        timestamp_servers=chosen,
    )
    return current_settings(vault)


def head_statement(seq: int, entry_hash: str) -> bytes:
    """The short text whose SHA-256 is stamped (it is shipped beside each token)."""
    return f"SafeTrail ledger head\nentries: {seq}\nhead: {entry_hash}\n".encode("ascii")


@dataclass(frozen=True)
class Stamp:
    """A stored trusted timestamp of the ledger head."""

    ref: str
    seq: int
    entry_hash: str
    server: str
    token: bytes
    gen_time: str  # ISO 8601, UTC, as the authority wrote it
    serial: int
    authority: str

    @property
    def statement(self) -> bytes:
        return head_statement(self.seq, self.entry_hash)

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.statement).digest()


def _post(url: str, body: bytes, timeout: float) -> bytes:
    sent = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        },
    )
    with urllib.request.urlopen(sent, timeout=timeout) as answer:
        return bytes(answer.read(MAX_RESPONSE + 1))[: MAX_RESPONSE + 1]


def _ask(url: str, digest: bytes, post: Post, timeout: float) -> tuple[bytes, TokenInfo]:
    nonce = secrets.randbits(63)
    try:
        body = post(url, request(digest, nonce), timeout)
    except urllib.error.HTTPError as exc:
        raise TimestampError(
            _("{url} answered with HTTP error {code}.").format(url=url, code=exc.code)
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise TimestampError(
            _("{url} could not be reached ({reason}).").format(url=url, reason=reason)
        ) from None
    if len(body) > MAX_RESPONSE:
        raise TimestampError(_("{url} sent an answer that is far too large.").format(url=url))
    token = token_from_response(body)
    return token, check_token(token, digest, nonce)


def stamp(
    vault: CaseContext,
    servers: Sequence[str] | None = None,
    post: Post | None = None,
    timeout: float = TIMEOUT,
) -> Stamp:
    """Stamp the current ledger head with the first server that answers; keep the token.

    Refused while trusted timestamps are turned off: nothing is sent then."""
    chosen = current_settings(vault)
    if not chosen.enabled:
        raise TimestampError(
            _("Trusted timestamps are turned off, so nothing was sent."),
            _(
                "Turn them on with 'safetrail timestamp --on'. Only a SHA-256 hash of a "
                "short statement naming your ledger head is sent, never your records."
            ),
        )
    with vault.read() as conn:
        top = ledger.head(conn)
    if top is None:
        raise TimestampError(_("The log is empty: there is nothing to timestamp yet."))
    statement = head_statement(top.seq, top.entry_hash)
    digest = hashlib.sha256(statement).digest()
    failures: list[str] = []
    for url in servers or chosen.servers:
        try:
            token, info = _ask(url, digest, post or _post, timeout)
        except TimestampError as exc:
            failures.append(exc.message)
            continue
        data = {
            "seq": top.seq,
            "entry_hash": top.entry_hash,
            "statement_sha256": digest.hex(),
            "server": url,
            "token": base64.b64encode(token).decode("ascii"),
            "gen_time": info.gen_time.isoformat(),
            "serial": info.serial,
            "policy": info.policy,
            "authority": info.authority,
        }
        with vault.write() as conn:
            record = vault.store.create(conn, "timestamp", data)
        return _from_data(record.ref, data)
    raise TimestampError(
        _("No timestamp server gave a valid timestamp. {details}").format(
            details=" ".join(failures)
        )
    )


def auto_stamp(vault: CaseContext, post: Post | None = None) -> Stamp | None:
    """When trusted timestamps are on, stamp the head before a report or bundle is made.

    A network problem never stops the report: it is logged and the report says which
    timestamps it has."""
    if not current_settings(vault).enabled:
        return None
    try:
        return stamp(vault, post=post)
    except TimestampError as exc:
        log.warning("no trusted timestamp: %s", exc.message)
        return None


def _from_data(ref: str, data: dict[str, Any]) -> Stamp:
    return Stamp(
        ref=ref,
        seq=int(data["seq"]),
        entry_hash=str(data["entry_hash"]),
        server=str(data["server"]),
        token=base64.b64decode(data["token"]),
        gen_time=str(data["gen_time"]),
        serial=int(data["serial"]),
        authority=str(data.get("authority") or ""),
    )


def stamps(vault: CaseContext) -> list[Stamp]:
    """Every stored timestamp, oldest first."""
    with vault.read() as conn:
        rows = conn.execute(
            select(records.c.ref_no, versions.c.data)
            .join(
                versions,
                (versions.c.record_id == records.c.id)
                & (versions.c.version == records.c.head_version),
            )
            .where(records.c.kind == "timestamp", records.c.voided.is_(False))
            .order_by(records.c.ref_no)
        ).all()
    return [_from_data(format_ref("timestamp", no), json.loads(text)) for no, text in rows]


def check_stamps(vault: CaseContext) -> list[tuple[Stamp, TokenInfo | None, str | None]]:
    """Each stored token checked again: (stamp, what it says, or why it fails)."""
    found: list[tuple[Stamp, TokenInfo | None, str | None]] = []
    with vault.read() as conn:
        hashes = {
            seq: entry
            for seq, entry in conn.execute(select(ledger_table.c.seq, ledger_table.c.entry_hash))
        }
    for item in stamps(vault):
        if hashes.get(item.seq) != item.entry_hash:
            found.append(
                (
                    item,
                    None,
                    _("the ledger no longer has entry {seq} as stamped").format(seq=item.seq),
                )
            )
            continue
        try:
            found.append((item, check_token(item.token, item.digest), None))
        except TimestampError as exc:
            found.append((item, None, exc.message))
    return found


def _readme(items: Sequence[Stamp]) -> str:
    lines = [
        _("Trusted timestamps of the ledger head (RFC 3161)"),
        "",
        _(
            "Each NAME.txt is a short statement naming the ledger head at the time; the "
            "time-stamping authority was sent only its SHA-256 and signed that hash with the "
            "time (NAME.tsr, the token). NAME-certs.pem holds the certificates the token "
            "carries."
        ),
        "",
        _("To check a token offline with OpenSSL:"),
        "  openssl ts -verify -token_in -in NAME.tsr -data NAME.txt "
        "-CAfile AUTHORITY-ROOT.pem -untrusted NAME-certs.pem",
        _(
            "AUTHORITY-ROOT.pem is the root certificate of the authority named below: get it "
            "from the authority itself, so the check does not rest on this bundle. It must "
            "print: Verification: OK"
        ),
        _("To see what a token says (time, serial, hash):"),
        "  openssl ts -reply -token_in -in NAME.tsr -text",
        "",
    ]
    for item in items:
        lines.append(
            _(
                "{name}: ledger entries 1–{seq}, head {head}; stamped {when} by {who} ({url})."
            ).format(
                name=item.ref,
                seq=item.seq,
                head=item.entry_hash,
                when=item.gen_time,
                who=item.authority,
                url=item.server,
            )
        )
    return "\n".join(lines) + "\n"


def bundle_files(items: Sequence[Stamp]) -> list[tuple[str, bytes]]:
    """(path in the bundle, content) for every timestamp, with instructions."""
    if not items:
        return []
    files: list[tuple[str, bytes]] = [("timestamps/README.txt", _readme(items).encode("utf-8"))]
    for item in items:
        base = f"timestamps/{item.ref}"
        files.append((f"{base}.txt", item.statement))
        files.append((f"{base}.tsr", item.token))
        files.append((f"{base}-certs.pem", certificates_pem(item.token).encode("ascii")))
    return files


def describe(item: Stamp) -> str:
    """One line for the report's integrity statement."""
    return _("{ref}: ledger entries 1–{seq} (head {head}…), stamped {when} by {who}.").format(
        ref=item.ref,
        seq=item.seq,
        head=item.entry_hash[:16],
        when=item.gen_time,
        who=item.authority or item.server,
    )


def gen_time_of(item: Stamp) -> datetime:
    return datetime.fromisoformat(item.gen_time)

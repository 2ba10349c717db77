"""A signed JSON webhook, for push-notification bridges and your own services.

The request follows the Standard Webhooks convention (https://www.standardwebhooks.com):

    POST <url>
    Content-Type: application/json
    webhook-id: <idempotency key>            (same on every retry of this message)
    webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>
    Idempotency-Key: <idempotency key>

A secret written ``whsec_<base64>`` is used as those decoded bytes (as in the
convention); any other secret is used as its UTF-8 bytes. The receiver should
check the signature, refuse timestamps far from its clock, and treat a repeated
``webhook-id`` as already handled: that is what makes delivery exactly-once.
The body carries ``title`` and ``message`` at the top level, which is what most
notification bridges (ntfy, Gotify, Apprise and the like) display.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from safetrail.checkins.channels import http
from safetrail.checkins.channels.base import Outgoing

SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 5 * 60
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_bytes(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except binascii.Error:
            pass
    return secret.encode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Check a request as a receiver would (headers looked up case-insensitively)."""
    lower = {k.lower(): v for k, v in headers.items()}
    message_id = lower.get("webhook-id", "")
    stamp = lower.get("webhook-timestamp", "")
    if not message_id or not stamp.isdigit():
        return False
    timestamp = int(stamp)
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, message_id, timestamp, body)
    offered = lower.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def body_for(message: Outgoing, kind: str) -> dict[str, object]:
    attachments = [
        {
            "name": item.name,
            "media_type": item.media_type,
            "base64": base64.b64encode(item.content).decode(),
        }
        for item in message.attachments
        if len(item.content) <= MAX_ATTACHMENT_BYTES
    ]
    return {
        "id": message.key,
        "type": f"safetrail.{kind}",
        "title": message.subject,
        "message": message.text,
        "priority": message.priority,
        "data": message.data,
        "attachments": attachments,
    }


@dataclass
class WebhookChannel:
    url: str
    secret: str
    kind: str = "message"  # e.g. "checkin.alert"; becomes the body's "type"
    wall_clock: Callable[[], float] = time.time  # signatures use real seconds

    def send(self, message: Outgoing) -> str:
        body = json.dumps(body_for(message, self.kind), ensure_ascii=False).encode()
        timestamp = int(self.wall_clock())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "SafeTrail",
            "webhook-id": message.key,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(self.secret, message.key, timestamp, body),
            "Idempotency-Key": message.key,
        }
        return http.post(self.url, body, headers)

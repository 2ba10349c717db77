"""What every channel sends and how it reports failure."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from safetrail.errors import ValidationError
from safetrail.i18n import _

SEND_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class Attachment:
    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Outgoing:
    """One message, fully written, for one address on one channel."""

    key: str  # the idempotency key: identical on every attempt
    to: str
    subject: str
    text: str  # the full text (email body, webhook "message")
    short_text: str  # the text message version
    priority: str = "default"  # "urgent" for alerts
    data: dict[str, Any] = field(default_factory=dict)  # structured facts for webhooks
    attachments: tuple[Attachment, ...] = ()
    date: datetime | None = None  # when it is sent, by the scheduler's clock


class DeliveryError(Exception):
    """The receiver did not take the message; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    def send(self, message: Outgoing) -> str:
        """Deliver ``message``; return the receiver's short answer (for the record)."""
        ...


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_web_address(url: str, what: str) -> str:
    """An https:// address (plain http only to this computer, for bridges and tests)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
        return url
    raise ValidationError(
        _("The {what} address must start with https:// (got {url}).").format(what=what, url=url),
        _("Alerts carry private details, so SafeTrail only sends them over an encrypted link."),
    )

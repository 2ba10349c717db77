"""Delivery channels: email over SMTP, a signed JSON webhook, SMS through a provider's API.

Every channel takes one ``Outgoing`` message and either returns (the receiver took
it) or raises ``DeliveryError`` saying whether trying again later could help. Each
message carries its idempotency key to the receiver (SMTP ``Message-ID``, HTTP
``Idempotency-Key`` / ``webhook-id``), the same on every attempt.
"""

from safetrail.checkins.channels.base import (
    Attachment,
    Channel,
    DeliveryError,
    Outgoing,
)

__all__ = ["Attachment", "Channel", "DeliveryError", "Outgoing"]

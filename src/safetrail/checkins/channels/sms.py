"""Text messages through an SMS provider's HTTP API.

The request has the shape most providers accept, popularised by Twilio and copied
by many others: a form-encoded POST of ``To``, ``From`` and ``Body`` to the
provider's "messages" address, with HTTP Basic authentication (account id and
token). The address is configurable and may contain ``{account}``, for example
``https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json``.
The idempotency key goes along as an ``Idempotency-Key`` header; providers that
honour it drop a repeated message, the others may deliver a repeat (see
``safetrail.checkins`` for exactly when that can happen).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from safetrail.checkins.channels import http
from safetrail.checkins.channels.base import Outgoing

SMS_LIMIT = 1000  # characters; providers split long texts into parts


@dataclass(frozen=True, repr=False)
class SmsConfig:
    endpoint: str
    account: str
    token: str
    sender: str  # the provider number or sender name messages come from

    def __repr__(self) -> str:
        return f"SmsConfig(endpoint={self.endpoint!r}, account={self.account!r}, token=<hidden>)"


@dataclass
class SmsChannel:
    config: SmsConfig

    def send(self, message: Outgoing) -> str:
        url = self.config.endpoint.replace("{account}", quote(self.config.account, safe=""))
        body = urlencode(
            {"To": message.to, "From": self.config.sender, "Body": message.short_text[:SMS_LIMIT]}
        ).encode()
        credentials = f"{self.config.account}:{self.config.token}".encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "User-Agent": "SafeTrail",
            "Idempotency-Key": message.key,
        }
        return http.post(url, body, headers)

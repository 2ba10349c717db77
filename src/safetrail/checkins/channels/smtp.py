"""Email through your own mail account's SMTP server.

Implicit TLS (usually port 465) or STARTTLS (usually 587), certificate checked,
with a user name and password when the server wants them. Plain, unencrypted SMTP
is accepted only for a server on this computer (a local relay, or tests).
The message's ``Message-ID`` is built from the idempotency key, so every attempt
of one alert carries the same id and mail systems can recognise a repeat.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from safetrail.checkins.channels.base import SEND_TIMEOUT_SECONDS, DeliveryError, Outgoing

SECURITY = ("starttls", "tls", "none")
EHLO_NAME = "[127.0.0.1]"  # avoids a slow reverse lookup; servers accept an address literal
_AUTH_CODES = frozenset({530, 534, 535, 538})  # credentials: fixable, so worth retrying


@dataclass(frozen=True, repr=False)
class SmtpConfig:
    host: str
    port: int
    security: str  # "starttls", "tls" or "none"
    sender: str  # the From address
    username: str | None = None
    password: str | None = None
    sender_name: str = "SafeTrail"

    def __repr__(self) -> str:
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"


def message_id(key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "safetrail.invalid"
    return f"<{key}@{domain}>"


def build_email(config: SmtpConfig, message: Outgoing) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr((config.sender_name, config.sender))
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = message_id(message.key, config.sender) if message.key else make_msgid()
    if message.date is not None:
        email["Date"] = format_datetime(message.date)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies back
    if message.priority == "urgent":
        email["Importance"] = "high"
        email["X-Priority"] = "1"
    email.set_content(message.text)
    for item in message.attachments:
        main, _sep, sub = item.media_type.partition("/")
        email.add_attachment(
            item.content, maintype=main, subtype=sub or "octet-stream", filename=item.name
        )
    return email


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if config.security == "tls":
        return smtplib.SMTP_SSL(
            config.host,
            config.port,
            local_hostname=EHLO_NAME,
            timeout=SEND_TIMEOUT_SECONDS,
            context=context,
        )
    client = smtplib.SMTP(
        config.host, config.port, local_hostname=EHLO_NAME, timeout=SEND_TIMEOUT_SECONDS
    )
    if config.security == "starttls":
        client.starttls(context=context)
    return client


def _refused(exc: smtplib.SMTPRecipientsRefused) -> DeliveryError:
    codes = [code for code, _text in exc.recipients.values()]
    text = "; ".join(
        f"{code} {answer.decode('utf-8', 'replace')}" for code, answer in exc.recipients.values()
    )
    return DeliveryError(f"address refused: {text}", permanent=all(c >= 500 for c in codes))


@dataclass
class SmtpChannel:
    config: SmtpConfig

    def send(self, message: Outgoing) -> str:
        email = build_email(self.config, message)
        try:
            client = _connect(self.config)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"mail server not reachable: {exc}") from None
        try:
            if self.config.username:
                client.login(self.config.username, self.config.password or "")
            client.send_message(email, from_addr=self.config.sender, to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc) from None
        except smtplib.SMTPResponseException as exc:
            error = exc.smtp_error
            answer = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
            permanent = exc.smtp_code >= 500 and exc.smtp_code not in _AUTH_CODES
            if isinstance(exc, smtplib.SMTPSenderRefused):
                permanent = False  # the From address is a setting the person can fix
            raise DeliveryError(f"mail server said {exc.smtp_code} {answer}", permanent) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"mail server connection failed: {exc}") from None
        finally:
            _close(client)
        return "250 accepted"


def _close(client: smtplib.SMTP) -> None:
    # The message is already accepted (or refused); how QUIT goes changes nothing.
    with contextlib.suppress(smtplib.SMTPException, OSError):
        client.quit()
    client.close()

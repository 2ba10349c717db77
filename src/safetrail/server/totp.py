"""Time-based one-time codes (RFC 6238 over RFC 4226) and single-use recovery codes.

Authenticator apps expect the defaults used here: HMAC-SHA-1, 30-second steps, 6 digits.
A code is accepted for the current step and one step either side (clocks drift, people
type slowly); the step a code was accepted for is stored per account and any code for
that step or an earlier one is refused afterwards, so a code seen over a shoulder or
captured on the way cannot be used a second time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of now
SECRET_BYTES = 20  # 160 bits, what RFC 4226 recommends for SHA-1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing that reads as another letter


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def secret_text(secret: bytes) -> str:
    """The secret as people type it into an app: base32, no padding, in groups of four."""
    plain = base64.b32encode(secret).decode("ascii").rstrip("=")
    return " ".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def step_at(unix_seconds: float) -> int:
    return int(unix_seconds // STEP_SECONDS)


def code_for_step(secret: bytes, step: int, digits: int = DIGITS) -> str:
    """RFC 4226 HOTP of the step counter (dynamic truncation of HMAC-SHA-1)."""
    mac = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def code_at(secret: bytes, unix_seconds: float) -> str:
    return code_for_step(secret, step_at(unix_seconds))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def matching_step(
    secret: bytes, code: str, unix_seconds: float, last_step: int | None
) -> int | None:
    """The step ``code`` is valid for around ``unix_seconds``, or None.

    Steps at or before ``last_step`` (the last code this account used) never match: a
    code is good once. Every candidate is compared in constant time.
    """
    typed = normalise_code(code)
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    now = step_at(unix_seconds)
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(code_for_step(secret, step), typed) and found is None:
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def provisioning_uri(secret: bytes, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": base64.b32encode(secret).decode("ascii").rstrip("="),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes like ``k7qm-3xpa-9tfw`` (about 70 bits each), shown once."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(count)
    ]


def recovery_digest(code: str) -> str:
    """Recovery codes are random and long, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(normalise_code(code).lower().encode("ascii", "replace")).hexdigest()

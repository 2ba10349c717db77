"""Email over encrypted SMTP: STARTTLS and implicit TLS with a checked certificate, and
authentication — against a real aiosmtpd server on loopback with a test certificate."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from safetrail.checkins.channels.base import DeliveryError, Outgoing
from safetrail.checkins.channels.smtp import SmtpChannel, SmtpConfig
from tests.test_checkins_support import Mailbox, free_port
from tests.tlsutil import self_signed

# Implicit TLS is invisible to aiosmtpd, which then warns about AUTH without TLS.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

USER, PASSWORD = b"alex", b"correct horse battery"
MESSAGE = Outgoing(
    key="0123456789abcdef0123456789abcdef01234567",
    to="sam@example.org",
    subject="Alex has not checked in: please check on them",
    text="Hello Sam,\n\nAlex has not checked in.",
    short_text="Alex has not checked in.",
    priority="urgent",
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"), "SafeTrail test mail server")


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


def _server(certificate: tuple[Path, Path], implicit: bool) -> Iterator[Mailbox]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    box = Mailbox()
    options: dict[str, Any] = {"authenticator": _authenticate, "auth_required": True}
    if implicit:
        # aiosmtpd cannot see that the whole connection is TLS, so it is told directly.
        options.update(ssl_context=context, auth_require_tls=False)
    else:
        options.update(tls_context=context, require_starttls=True)
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # read by OpenSSL per context


def _config(port: int, security: str, password: bytes = PASSWORD) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1",
        port=port,
        security=security,
        sender="alerts@example.org",
        username=USER.decode(),
        password=password.decode(),
    )


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_and_authenticated(
    certificate: tuple[Path, Path], trusted: None, security: str
) -> None:
    for box in _server(certificate, implicit=security == "tls"):
        assert SmtpChannel(_config(box.port, security)).send(MESSAGE) == "250 accepted"  # type: ignore[attr-defined]
        (message,) = box.raw
        assert message["Message-ID"] == f"<{MESSAGE.key}@example.org>"
        assert message["To"] == "sam@example.org"
        assert message["From"] == "SafeTrail <alerts@example.org>"

        with pytest.raises(DeliveryError, match="535") as wrong:
            SmtpChannel(_config(box.port, security, b"not it")).send(MESSAGE)  # type: ignore[attr-defined]
        assert not wrong.value.permanent  # a password can be corrected: keep retrying
        assert len(box.raw) == 1


def test_an_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    for box in _server(certificate, implicit=False):
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED") as refused:
            SmtpChannel(_config(box.port, "starttls")).send(MESSAGE)  # type: ignore[attr-defined]
        assert not refused.value.permanent
        assert box.raw == []


def test_plain_smtp_without_starttls_is_refused_by_a_server_that_requires_it(
    certificate: tuple[Path, Path],
) -> None:
    for box in _server(certificate, implicit=False):
        with pytest.raises(DeliveryError):
            SmtpChannel(_config(box.port, "none")).send(MESSAGE)  # type: ignore[attr-defined]
        assert box.raw == []

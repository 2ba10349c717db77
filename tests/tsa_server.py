"""A real RFC 3161 time-stamping authority on 127.0.0.1, for tests.

It makes its own test CA and a TSA certificate (critical extended key usage
timeStamping), reads each TimeStampReq, and answers with a token it signs: a CMS SignedData
over a TSTInfo with the requested hash and nonce, the ESS signing-certificate-v2 attribute
OpenSSL insists on, and the TSA certificate when asked for it. ``mode`` makes it misbehave
on purpose ("other_hash": stamps a different hash; "reject": refuses).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms, core, tsp, x509  # type: ignore[import-untyped]
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

POLICY = "1.3.6.1.4.1.55555.1.1"


def _name(common: str) -> cx509.Name:
    return cx509.Name(
        [
            cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "SafeTrail Test TSA"),
            cx509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


class Authority:
    """The CA, the TSA certificate and key, and a serial counter."""

    def __init__(self) -> None:
        now = datetime.now(UTC) - timedelta(minutes=5)
        later = now + timedelta(days=30)
        self.ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ca_cert = (
            cx509.CertificateBuilder()
            .subject_name(_name("Test Root"))
            .issuer_name(_name("Test Root"))
            .public_key(self.ca_key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                cx509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert = (
            cx509.CertificateBuilder()
            .subject_name(_name("Test Time Stamping"))
            .issuer_name(self.ca_cert.subject)
            .public_key(self.key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(later)
            .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.cert_der = self.cert.public_bytes(serialization.Encoding.DER)
        self.serial = 0
        self.mode = "normal"
        self.requests: list[bytes] = []

    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    def token(self, digest: bytes, nonce: int | None, with_cert: bool) -> cms.ContentInfo:
        self.serial += 1
        stamped = (
            hashlib.sha256(b"something else").digest() if self.mode == "other_hash" else digest
        )
        info: dict[str, Any] = {
            "version": "v1",
            "policy": POLICY,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": stamped,
            },
            "serial_number": self.serial,
            "gen_time": datetime.now(UTC).replace(microsecond=0),
        }
        if nonce is not None:
            info["nonce"] = nonce
        content = tsp.TSTInfo(info).dump()
        cert = x509.Certificate.load(self.cert_der)
        attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"cert_hash": hashlib.sha256(self.cert_der).digest()}]}],
                },
            ]
        )
        signature = self.key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        signer = {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": cert.issuer,
                        "serial_number": cert.serial_number,
                    }
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signature": signature,
        }
        signed = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(content),
            },
            "signer_infos": [signer],
        }
        if with_cert:
            signed["certificates"] = [cert]
        return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed)})

    def answer(self, body: bytes) -> bytes:
        self.requests.append(body)
        if self.mode == "reject":
            return tsp.TimeStampResp(
                {"status": {"status": "rejection", "status_string": ["bad request"]}}
            ).dump()
        req = tsp.TimeStampReq.load(body)
        digest = req["message_imprint"]["hashed_message"].native
        token = self.token(digest, req["nonce"].native, bool(req["cert_req"].native))
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()


class TsaServer:
    """``with TsaServer() as tsa: tsa.url``; the HTTP server runs in a thread."""

    def __init__(self) -> None:
        self.authority = Authority()
        authority = self.authority

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(size)
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                reply = authority.answer(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/tsr"

    def write_ca(self, folder: Path) -> Path:
        path = folder / "test-root.pem"
        path.write_bytes(self.authority.ca_pem())
        return path

    def __enter__(self) -> TsaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

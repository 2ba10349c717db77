"""RFC 3161 time-stamp protocol: the request, the response and checking a token.

Pure functions of bytes (no network, no vault). A token is a CMS SignedData whose content
is a TSTInfo: the hash that was stamped, the time, a serial number and the TSA's policy,
signed by the time-stamping authority's certificate. ``check_token`` confirms that a token
is for the given hash, that its signature covers exactly that content, and that the
signing certificate is marked for time-stamping. Whether that certificate belongs to an
authority you trust is for the reader to decide with the authority's own root
certificate (for example with ``openssl ts -verify``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, pem, tsp, x509  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509 import load_der_x509_certificate

from safetrail.errors import TimestampError
from safetrail.i18n import _

__all__ = ["TokenInfo", "certificates_pem", "check_token", "request", "token_from_response"]

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_TIME_STAMPING = "time_stamping"


@dataclass(frozen=True)
class TokenInfo:
    """What a checked token says."""

    gen_time: datetime  # when the authority stamped it (UTC)
    serial: int
    policy: str  # the authority's policy OID
    authority: str  # the signing certificate's subject, in words
    digest: bytes  # the SHA-256 that was stamped
    nonce: int | None


def request(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq for a SHA-256 ``digest``, asking for the signer's certificate."""
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest is 32 bytes")
    built = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return bytes(built.dump())


def _damaged(what: str) -> TimestampError:
    return TimestampError(
        _("The timestamp token is damaged or is not an RFC 3161 token ({what}).").format(what=what),
        _("Ask for a new timestamp; the log itself is not affected."),
    )


def token_from_response(body: bytes) -> bytes:
    """The token (DER ContentInfo) in a TimeStampResp, or a clear refusal."""
    try:
        response = tsp.TimeStampResp.load(body)
        status = response["status"]["status"].native
        texts = response["status"]["status_string"].native or []
    except (ValueError, TypeError, KeyError):
        raise TimestampError(
            _("The timestamp server's answer is not an RFC 3161 response."),
            _("Check the server address; it must be a time-stamping (RFC 3161) service."),
        ) from None
    if status not in ("granted", "granted_with_mods"):
        reason = "; ".join(str(t) for t in texts) or str(status)
        raise TimestampError(
            _("The timestamp server refused the request: {reason}.").format(reason=reason)
        )
    token = response["time_stamp_token"]
    if not token or token.native is None:
        raise _damaged(_("the answer holds no token"))
    return bytes(token.dump())


def _signer_certificate(signed: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    sid = signer["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                cert.issuer == wanted["issuer"]
                and cert.serial_number == wanted["serial_number"].native
            ):
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    raise TimestampError(
        _("The timestamp token does not include the certificate that signed it."),
        _("Ask the server again; SafeTrail asks for the certificate with every request."),
    )


def _verify_signature(
    cert: x509.Certificate, signer: cms.SignerInfo, signed_bytes: bytes, hash_name: str
) -> None:
    public = load_der_x509_certificate(cert.dump()).public_key()
    signature = signer["signature"].native
    chosen = _HASHES[hash_name]()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            if signer["signature_algorithm"].signature_algo == "rsassa_pss":
                params = signer["signature_algorithm"]["parameters"]
                salt = int(params["salt_length"].native)
                public.verify(
                    signature, signed_bytes, padding.PSS(padding.MGF1(chosen), salt), chosen
                )
            else:
                public.verify(signature, signed_bytes, padding.PKCS1v15(), chosen)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, signed_bytes, ec.ECDSA(chosen))
        elif isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, signed_bytes)
        else:
            raise _damaged(_("an unsupported kind of key signed it"))
    except InvalidSignature:
        raise TimestampError(
            _("The timestamp token's signature does not match: it was changed after it was made."),
            _("Do not rely on this token; make a new timestamp."),
        ) from None


def _attribute(attrs: cms.CMSAttributes, name: str) -> object:
    for attr in attrs:
        if attr["type"].native == name:
            return attr["values"][0].native
    return None


def check_token(token: bytes, digest: bytes, nonce: int | None = None) -> TokenInfo:
    """Check ``token`` stamps ``digest`` and is intact; say what it records."""
    try:
        info = cms.ContentInfo.load(token)
        if info["content_type"].native != "signed_data":
            raise _damaged(_("it is not signed data"))
        signed = info["content"]
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise _damaged(_("it does not hold a time-stamp"))
        content = bytes(encapsulated["content"].contents)
        tst = tsp.TSTInfo.load(content)
        imprint = tst["message_imprint"]
        stamped_algo = imprint["hash_algorithm"]["algorithm"].native
        stamped = bytes(imprint["hashed_message"].native)
        gen_time = tst["gen_time"].native
        serial = int(tst["serial_number"].native)
        policy = str(tst["policy"].dotted)
        token_nonce = tst["nonce"].native
        signers = signed["signer_infos"]
        if len(signers) != 1:
            raise _damaged(_("it has no single signer"))
        signer = signers[0]
        hash_name = signer["digest_algorithm"]["algorithm"].native
        attrs = signer["signed_attrs"]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise _damaged(type(exc).__name__) from None
    if stamped_algo != "sha256" or stamped != digest:
        raise TimestampError(
            _(
                "This timestamp token is for another hash ({theirs}…), not for the ledger "
                "head it is listed with ({ours}…)."
            ).format(theirs=stamped.hex()[:16], ours=digest.hex()[:16]),
            _("Use the token made for this ledger head, or make a new timestamp."),
        )
    if nonce is not None and token_nonce != nonce:
        raise TimestampError(
            _("The timestamp server answered a different request (the nonce does not match)."),
            _("Try again; if it keeps happening, use another timestamp server."),
        )
    if hash_name not in _HASHES or not attrs:
        raise _damaged(_("its signature is not over signed attributes with SHA-2"))
    measured = hashlib.new(hash_name, content).digest()
    if _attribute(attrs, "message_digest") != measured:
        raise TimestampError(
            _("The timestamp token's content was changed after it was signed."),
            _("Do not rely on this token; make a new timestamp."),
        )
    cert = _signer_certificate(signed, signer)
    usage = cert.extended_key_usage_value
    if usage is None or _TIME_STAMPING not in usage.native:
        raise TimestampError(
            _("The certificate that signed this token is not one for time-stamping."),
            _("Use an RFC 3161 time-stamping service."),
        )
    # The signature covers the DER of the attributes as a SET (not their [0] tagging).
    signed_bytes = b"\x31" + attrs.dump()[1:]
    _verify_signature(cert, signer, signed_bytes, hash_name)
    return TokenInfo(
        gen_time=gen_time,
        serial=serial,
        policy=policy,
        authority=cert.subject.human_friendly,
        digest=digest,
        nonce=token_nonce,
    )


def certificates_pem(token: bytes) -> str:
    """The certificates a token carries, as PEM (for ``openssl ts -verify -untrusted``)."""
    info = cms.ContentInfo.load(token)
    out = []
    for choice in info["content"]["certificates"] or []:
        if choice.name == "certificate":
            out.append(pem.armor("CERTIFICATE", choice.chosen.dump()).decode("ascii"))
    return "".join(out)

"""Sealing derived results that are kept between openings of a case.

Two stores keep results derived from a case beyond one opening of it: the server's
(``safetrail.server.kept``, a PostgreSQL table per server) and the personal vault's
(``safetrail.services.local_kept``, a table inside the encrypted vault database). Both
seal and open their values here, the same way:

- **Sealed.** The value is serialised, then encrypted with AES-256-GCM under a key derived
  from the case's own key material (HKDF-SHA256, salt = the case id, a purpose of its
  own per store). The associated data names what the value is (the case, the slot, the
  version and whatever else the store tells apart), so a sealed value moved to another row
  does not open.
- **Tied to the code.** The version a value is kept under ends with :func:`code_version`, a
  digest of the analysis code and data: after an upgrade, or a change to a detector,
  nothing computed by the older code is read back.
- **Read back with care.** The value is a Python object graph (the analysis holds numpy
  arrays and many small dataclasses), serialised with :mod:`pickle`; it is read back by an
  unpickler that builds only the analysis' and domain's own classes, numpy arrays and dates
  and refuses every other name, besides being authenticated by the key.

A kept value is an optimisation only: one that cannot be opened is simply computed again.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import safetrail
from safetrail.vault.keys import held

NONCE_BYTES = 12

# -- what may be read back -----------------------------------------------------------------

_ALLOWED_NAMES = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("zoneinfo", "ZoneInfo._unpickle"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.dtypes", "StrDType"),
    ("numpy.dtypes", "Int64DType"),
    ("numpy.dtypes", "Float64DType"),
    ("numpy.dtypes", "BoolDType"),
    ("numpy.dtypes", "ObjectDType"),
}
#: the packages whose classes (never their functions) a kept value may be built from
_ALLOWED_PACKAGES = ("safetrail.analysis.", "safetrail.domain.")


class Refused(pickle.UnpicklingError):
    """A kept value named something outside what analysis results are made of."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_NAMES:
            return super().find_class(module, name)
        if module.startswith(_ALLOWED_PACKAGES) and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise Refused(f"{module}.{name} is not part of a kept result")


def loads(payload: bytes) -> Any:
    """A kept value from its serialised form, built only from the allowed names."""
    return _Unpickler(io.BytesIO(payload)).load()


@cache
def code_version() -> str:
    """A digest of the code and data results are computed with (the analysis, the domain
    vocabularies, the translations): after an upgrade nothing older is read back."""
    root = Path(safetrail.__file__).parent
    digest = hashlib.sha256(safetrail.__version__.encode())
    for folder in ("analysis", "domain", "locale"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".jsonl", ".json", ".mo") and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def with_code(version: str) -> str:
    """The version a value is kept under: the caller's, and the code's."""
    return f"{version}:{code_version()}"


def derive_key(material: bytes | bytearray, case_id: str, purpose: bytes) -> bytearray:
    """The sealing key of one store for one case (wipe it with ``vault.keys.scrub``)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=case_id.encode(), info=purpose)
    return held(hkdf.derive(bytes(material)))


def associated(*parts: str) -> bytes:
    """The associated data naming what a sealed value is."""
    return "\x1f".join(("kept", *parts)).encode()


def _cipher(key: bytearray) -> AESGCM:
    if not any(key):
        raise ValueError("the case was closed: its keys are wiped")
    return AESGCM(bytes(key))


def seal(key: bytearray, aad: bytes, value: Any) -> bytes:
    """``value`` serialised and encrypted: nonce, then ciphertext and tag."""
    nonce = os.urandom(NONCE_BYTES)
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return nonce + _cipher(key).encrypt(nonce, payload, aad)


def unseal(key: bytearray, aad: bytes, sealed: bytes) -> Any | None:
    """The value :func:`seal` sealed with the same key and associated data; None when it
    does not open or names something not allowed (it is then computed again)."""
    try:
        plain = _cipher(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        return loads(plain)
    except (  # EOFError: a truncated value; the rest: it names what it may not
        InvalidTag,
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        ImportError,
        AttributeError,
    ):
        return None


__all__ = [
    "NONCE_BYTES",
    "Refused",
    "associated",
    "code_version",
    "derive_key",
    "loads",
    "seal",
    "unseal",
    "with_code",
]

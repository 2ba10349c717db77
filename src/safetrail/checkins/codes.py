"""The check-in code and the duress code.

When a duress code is set, every check-in asks for a code. The normal code checks
in; the duress code checks in exactly the same way on screen and, silently, alerts
every trusted contact at once. Both are kept only as salted scrypt hashes inside
the encrypted vault, and every check-in computes *both* hashes so the two cases
take the same time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from safetrail.errors import ValidationError
from safetrail.i18n import _

MIN_LENGTH = 4

Outcome = Literal["normal", "duress", "wrong"]


def normalise(code: str) -> str:
    """Forgive case, spaces and full-width digits; keep everything else."""
    return "".join(unicodedata.normalize("NFKC", code).split()).casefold()


@dataclass(frozen=True)
class CodeHash:
    salt: str
    digest: str

    def to_json(self) -> dict[str, str]:
        return {"salt": self.salt, "hash": self.digest}

    @classmethod
    def from_json(cls, data: Any) -> CodeHash | None:
        if not isinstance(data, dict) or "salt" not in data or "hash" not in data:
            return None
        return cls(str(data["salt"]), str(data["hash"]))

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(_derive(code, bytes.fromhex(self.salt)), self.digest)


def _derive(code: str, salt: bytes) -> str:
    # scrypt with 16 MiB: cheap for one check-in, costly for guessing at scale.
    return hashlib.scrypt(normalise(code).encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def hash_code(code: str) -> CodeHash:
    if len(normalise(code)) < MIN_LENGTH:
        raise ValidationError(
            _("A code needs at least {n} characters.").format(n=MIN_LENGTH),
            _("Choose something you can type quickly but others would not guess."),
        )
    salt = os.urandom(16)
    return CodeHash(salt.hex(), _derive(code, salt))


_DECOY = CodeHash("00" * 16, "00" * 32)


def check(code: str, normal: CodeHash | None, duress: CodeHash | None) -> Outcome:
    """Which code was typed. Both hashes are always computed (same time either way)."""
    is_normal = (normal or _DECOY).matches(code) and normal is not None
    is_duress = (duress or _DECOY).matches(code) and duress is not None
    if is_duress:
        return "duress"
    if is_normal:
        return "normal"
    return "wrong"

"""Passphrase → key-encryption key with Argon2id, calibrated once per vault.

The parameters live in the vault header so unlocking uses exactly what init chose,
and a later, faster machine can still open an old vault.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from safetrail import config

MIN_MEMORY_KIB = 64 * 1024
MAX_MEMORY_KIB = 1024 * 1024
TARGET_SECONDS = 1.0
SALT_BYTES = 16
KEY_BYTES = 32

# Tests create hundreds of vaults; this flag (and only this flag) allows a tiny cost.
WEAK_KDF_ENV = config.WEAK_KDF_ENV


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    parallelism: int
    salt: bytes
    name: str = "argon2id"
    version: int = 0x13

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "parallelism": self.parallelism,
            "salt": self.salt.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KdfParams:
        name = data["name"]
        if name != "argon2id":
            raise ValueError(f"unknown key derivation {name!r}")
        return cls(
            memory_kib=_int(data["memory_kib"]),
            iterations=_int(data["iterations"]),
            parallelism=_int(data["parallelism"]),
            salt=bytes.fromhex(str(data["salt"])),
            version=_int(data["version"]),
        )

    def with_new_salt(self) -> KdfParams:
        return KdfParams(self.memory_kib, self.iterations, self.parallelism, os.urandom(SALT_BYTES))


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("expected an integer")
    return value


def weak_kdf_allowed() -> bool:
    return config.current().weak_kdf


def derive_kek(passphrase: str, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=params.salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
        version=params.version,
    )


def acceptable(params: KdfParams) -> bool:
    """True when the parameters meet the floor (or tests explicitly allow less)."""
    if weak_kdf_allowed():
        return params.iterations >= 1 and params.memory_kib >= 8
    return params.memory_kib >= MIN_MEMORY_KIB and params.iterations >= 1


def calibrate(target_seconds: float = TARGET_SECONDS) -> KdfParams:
    """Pick memory and iterations so one derivation takes about ``target_seconds``."""
    salt = os.urandom(SALT_BYTES)
    parallelism = max(1, min(4, os.cpu_count() or 1))
    if weak_kdf_allowed():
        return KdfParams(memory_kib=8, iterations=1, parallelism=1, salt=salt)
    memory = MIN_MEMORY_KIB
    probe = KdfParams(memory, 1, parallelism, salt)
    per_pass = _time_one(probe)
    # Spend extra budget on memory first (it is what hurts GPU attackers), then on passes.
    while per_pass * 2 * 3 <= target_seconds and memory * 2 <= MAX_MEMORY_KIB:
        memory *= 2
        per_pass = _time_one(KdfParams(memory, 1, parallelism, salt))
    iterations = max(1, round(target_seconds / per_pass))
    return KdfParams(memory, iterations, parallelism, salt)


def _time_one(params: KdfParams) -> float:
    start = time.perf_counter()
    derive_kek("calibration", params)
    return max(time.perf_counter() - start, 1e-4)

"""Canonical JSON: one byte sequence per value, so hashes are reproducible anywhere."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(value: Any) -> str:
    return hashlib.sha256(dumps(value).encode("utf-8")).hexdigest()

"""Failed unlock attempts, kept beside the vault until the person next opens it.

The vault is locked when a wrong passphrase is tried, so nothing can be written inside it:
the times (UTC, to the second, nothing else) go into a small file in the vault folder.
The next successful unlock reads and removes it and tells the person. Someone holding the
files can delete it; the record is there for the person, not as evidence.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

from safetrail.fsutil import atomic_write

FILE_NAME = "unlock-failures.json"
KEEP = 1000  # the newest times; the count keeps going


def _path(root: Path) -> Path:
    return root / FILE_NAME


def _load(root: Path) -> tuple[int, list[str]]:
    try:
        body = json.loads(_path(root).read_text("utf-8"))
        times = [str(t) for t in body["times"]]
        return max(int(body["count"]), len(times)), times
    except (OSError, ValueError, KeyError, TypeError):
        return 0, []


def record_failure(root: Path, when: datetime | None = None) -> None:
    if not root.is_dir():
        return
    count, times = _load(root)
    stamp = (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    times = [*times, stamp][-KEEP:]
    body = {"count": count + 1, "times": times}
    with contextlib.suppress(OSError):  # a full or read-only disk must not block unlocking
        atomic_write(_path(root), (json.dumps(body) + "\n").encode())


def take_failures(root: Path) -> tuple[int, list[datetime]]:
    """The failures since the last successful unlock (count, newest times), then forget them."""
    count, times = _load(root)
    with contextlib.suppress(FileNotFoundError, OSError):
        _path(root).unlink()
    parsed = []
    for stamp in times:
        with contextlib.suppress(ValueError):
            parsed.append(datetime.fromisoformat(stamp))
    return count, parsed

"""Run the real ``safetrail`` command with phase marks, for tests/test_crash_safety.py.

    python tests/crash_helpers.py MARKS_FILE incident add --what "..."

behaves exactly like ``safetrail incident add --what "..."`` (same entry point, same
exit codes), and also appends one line per phase to MARKS_FILE so that the test can
tell where a SIGKILL landed:

    work       the command started changing the vault (a write transaction began, or
               an evidence file started being encrypted into the blob store)
    committed  a write transaction has committed (the signed checkpoint follows)

Each line is "<phase> <time.monotonic()>" written with a single os.write, so it is
in the kernel before the next instruction runs and survives SIGKILL. The marks only
observe: nothing in the command's behaviour changes. This file is run as a script,
not imported (tests/ is not a package).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _install(marks: Path) -> None:
    from safetrail.services.vault import Vault
    from safetrail.storage.blobs import BlobStore

    fd = os.open(marks, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def mark(phase: str) -> None:
        os.write(fd, f"{phase} {time.monotonic():.6f}\n".encode())

    original_write = Vault.write
    original_checkpoint = Vault.update_checkpoint
    original_put = BlobStore.put_file

    @contextmanager
    def write(self: Vault) -> Iterator[Any]:
        mark("work")
        with original_write(self) as conn:
            yield conn

    def update_checkpoint(self: Vault) -> None:
        mark("committed")  # Vault.write calls this only after the transaction committed
        original_checkpoint(self)

    def put_file(self: BlobStore, path: Path, progress: Any = None) -> Any:
        mark("work")
        return original_put(self, path, progress)

    Vault.write = write  # type: ignore[method-assign]
    Vault.update_checkpoint = update_checkpoint  # type: ignore[method-assign]
    BlobStore.put_file = put_file  # type: ignore[method-assign]


def main() -> None:
    marks = Path(sys.argv[1])
    del sys.argv[1]
    _install(marks)
    from safetrail.cli.main import run

    sys.argv[0] = "safetrail"
    run()


if __name__ == "__main__":
    main()

"""Small real filesystems for fault tests: a full disk and a read-only mount.

A fresh ext4 file system on a loop device where the machine allows it (root, loop
devices), else a size-limited tmpfs. Both give real ENOSPC and EROFS from the kernel.
Outside CI, a machine that allows neither skips with the reason; with CI=true (the same
kind of machine as here) that is a failure, so the fault tests can never silently go
untested.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class SmallDisk:
    mount: Path
    kind: str  # "ext4" or "tmpfs"

    def free(self) -> int:
        return shutil.disk_usage(self.mount).free

    def fill(self, leave: int = 0) -> Path:
        """Fill the disk until at most ``leave`` bytes are free; returns the filler file."""
        filler = self.mount / f"filler-{len(list(self.mount.glob('filler-*')))}"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            block = b"\0" * (64 * 1024)
            while True:
                room = self.free() - leave
                if room <= 0:
                    break
                try:
                    os.write(fd, block[: min(len(block), room)])
                except OSError:
                    break
            os.fsync(fd)
        finally:
            os.close(fd)
        return filler

    def empty_fillers(self) -> None:
        for filler in self.mount.glob("filler-*"):
            filler.unlink()

    def remount(self, read_only: bool) -> None:
        option = "remount,ro" if read_only else "remount,rw"
        subprocess.run(["mount", "-o", option, str(self.mount)], check=True)


def _run(*args: str) -> bool:
    return subprocess.run(args, capture_output=True).returncode == 0


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"fault tests need a small real file system when CI=true: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def small_disk(tmp_path: Path, megabytes: int) -> Iterator[SmallDisk]:
    if os.geteuid() != 0:
        _unavailable("mounting a small file system needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    image = tmp_path / "disk.img"
    kind = ""
    if shutil.which("mkfs.ext4") and Path("/dev/loop-control").exists():
        with image.open("wb") as handle:
            handle.truncate(megabytes * 1024 * 1024)
        # -m 0: no blocks reserved for root (the tests run as root and must see ENOSPC)
        if _run("mkfs.ext4", "-q", "-F", "-m", "0", str(image)) and _run(
            "mount", "-o", "loop", str(image), str(mount)
        ):
            kind = "ext4"
    if not kind:
        image.unlink(missing_ok=True)
        if _run("mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(mount)):
            kind = "tmpfs"
    if not kind:
        _unavailable("neither a loop-mounted ext4 nor a tmpfs could be mounted here")
    try:
        yield SmallDisk(mount, kind)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], capture_output=True)
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        image.unlink(missing_ok=True)

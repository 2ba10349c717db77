"""Tell a full disk and a read-only folder apart from damage.

SQLite reports a full disk as "database or disk is full" or, while it maps its shared
memory file, as a bare "disk I/O error"; the operating system says ENOSPC, EROFS or
EACCES. A person told "your vault is damaged, restore from a backup" when the disk is
merely full might overwrite a healthy vault, so every such failure becomes
:class:`DiskFull` or :class:`ReadOnlyVault` with the place and the space needed.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from safetrail.errors import DiskFull, ReadOnlyVault, SafetrailError
from safetrail.i18n import _

#: below this much free space an I/O error while opening the database is a full disk
NEARLY_FULL = 1024 * 1024
#: what a database write may need when the exact size is unknown (pages, WAL, checkpoint)
DATABASE_MARGIN = 16 * 1024 * 1024

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def human_size(size: int) -> str:
    """Bytes as a short text: 900 bytes, 12.4 MB, 3.1 GB (decimal units, as drives use)."""
    if size < 1000:
        return _("{n} bytes").format(n=size)
    for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < scale * 1000:
            return f"{size / scale:.1f} {unit}"
    return f"{size / 1e12:.1f} TB"


def free_bytes(place: Path) -> int | None:
    """Free space for this user on the drive holding ``place`` (or its nearest parent)."""
    for candidate in (place, *place.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def is_read_only(place: Path) -> bool:
    """True when ``place`` is on a read-only mount or this user may not write to it."""
    try:
        if os.statvfs(place).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(place, os.W_OK)


def nearly_full(place: Path) -> bool:
    free = free_bytes(place)
    return free is not None and free < NEARLY_FULL


def disk_full(place: Path, needed: int | None = None) -> DiskFull:
    free = free_bytes(place)
    free_text = human_size(free) if free is not None else _("no")
    if needed is not None and needed > 0:
        message = _(
            "The drive holding {path} is full: {free} free, and this needs about {needed}."
        ).format(path=place, free=free_text, needed=human_size(needed))
    else:
        message = _("The drive holding {path} is full ({free} free).").format(
            path=place, free=free_text
        )
    # what to free: the shortfall, plus room for the database to grow by a few pages
    shortfall = max(needed or 0, 0) - (free or 0)
    hint = _(
        "Nothing is damaged, and what was saved before stays saved. Free at least {needed} "
        "on that drive (or move the vault to a bigger one), then try again."
    ).format(needed=human_size(max(shortfall, 0) + DATABASE_MARGIN))
    return DiskFull(message, hint)


def read_only(place: Path) -> ReadOnlyVault:
    return ReadOnlyVault(
        _("The vault folder {path} is read-only, so nothing can be changed in it.").format(
            path=place
        )
    )


def from_os_error(exc: OSError, place: Path, needed: int | None = None) -> SafetrailError | None:
    """The person-facing error for a full or read-only drive; None for anything else."""
    if exc.errno in _FULL_ERRNOS:
        return disk_full(place, needed)
    if exc.errno in _READ_ONLY_ERRNOS and is_read_only(place):
        return read_only(place)
    if exc.errno == errno.EROFS:
        return read_only(place)
    return None


def from_database_message(message: str, place: Path | None) -> SafetrailError | None:
    """Classify a SQLite / PostgreSQL error text; None when it is not a space or access fault."""
    text = message.lower()
    where = place or Path.cwd()
    if "database or disk is full" in text or "no space left" in text or "disk full" in text:
        return disk_full(where)
    if "readonly" in text or "read-only" in text:
        return read_only(where)
    if place is not None and ("disk i/o error" in text or "unable to open" in text):
        if nearly_full(place):
            return disk_full(place)
        if is_read_only(place):
            return read_only(place)
    return None

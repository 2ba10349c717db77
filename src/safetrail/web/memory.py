"""Giving memory back after the vault is locked (what Python allows; see docs/security.md).

Locking drops every reference to the unlocked vault: its caches (the case's own cache,
``CaseContext.cache``, holding the analysis results, is cleared on close and vanishes with
it), its database engine, and its keys, which are zeroed first. A garbage collection then
frees what only cycles still held, and on Linux with glibc ``malloc_trim`` hands whole
free pages back to the system, so text that sat in them is no longer part of the process.
Freed memory that stays inside the process is not overwritten: Python gives no way to do
that for strings and bytes it made itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys


def _trim() -> None:
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return


def release() -> None:
    gc.collect()
    _trim()

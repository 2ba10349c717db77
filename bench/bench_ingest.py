"""Evidence ingest speed and memory, against two baselines over the same file in the same
run: plain hashlib.sha256, and a plain copy of the file with fsync (what storing it costs
without hashing or encrypting).

    python bench/bench_ingest.py --size-mib 1024 [--dir /tmp/somewhere]

Goals: ingest >= 0.8 x the slower of the two baselines, peak RSS of the ingesting process
< 150 MB however big the file. Ingest runs in a child process so its peak RSS is its own;
the final fsync is included in both the ingest and the copy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024
READ_SIZE = MIB


def make_input(path: Path, size_mib: int) -> None:
    seed = os.urandom(4 * MIB)
    with path.open("wb") as out:
        for i in range(size_mib):
            # Distinct MiB blocks without paying for os.urandom on every byte.
            start = (i * 7919) % (3 * MIB)
            out.write(i.to_bytes(8, "big") + seed[start + 8 : start + MIB])
        out.flush()
        os.fsync(out.fileno())  # no writeback of the input competing with the measurements


def read_all(path: Path) -> None:
    buf = bytearray(READ_SIZE)
    with path.open("rb", buffering=0) as src:
        while src.readinto(buf):
            pass


def time_sha256(path: Path) -> tuple[float, str]:
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    digest = hashlib.sha256()
    started = time.perf_counter()
    with path.open("rb", buffering=0) as src:
        while n := src.readinto(buf):
            digest.update(view[:n])
    return time.perf_counter() - started, digest.hexdigest()


def time_copy_fsync(path: Path, target: Path) -> float:
    """A plain copy of ``path`` in 1 MiB pieces, fsynced: the storage floor."""
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    started = time.perf_counter()
    with path.open("rb", buffering=0) as src, target.open("wb", buffering=0) as out:
        while n := src.readinto(buf):
            out.write(view[:n])
        os.fsync(out.fileno())
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def child_ingest(source: Path, store_dir: Path) -> None:
    """Runs in the child process: one put_file, timing printed as JSON."""
    try:
        from safetrail.storage.blobs import BlobStore
    except ImportError:  # running from a checkout without an installed package
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        from safetrail.storage.blobs import BlobStore

    store = BlobStore(store_dir, os.urandom(32), os.urandom(32))
    started = time.perf_counter()
    blob = store.put_file(source)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "sha256": blob.sha256, "stored": blob.stored_size}))


def time_ingest(source: Path, store_dir: Path) -> tuple[float, str, int, float]:
    """Return (seconds, sha256, stored bytes, child peak RSS in MB)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(source), str(store_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return result["seconds"], result["sha256"], result["stored"], peak_kib * 1024 / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, help="where to put the data (default: temp dir)")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_ingest(*args.child)
        return

    work = args.dir or Path(tempfile.mkdtemp(prefix="safetrail-bench-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    source, store_dir = work / "input.bin", work / "blobs"
    try:
        make_input(source, args.size_mib)
        size = source.stat().st_size
        read_all(source)  # warm-up: both measurements read from the page cache
        sha_seconds, sha_hex = time_sha256(source)
        copy_seconds = time_copy_fsync(source, work / "copy.bin")
        ingest_seconds, ingest_hex, stored, peak_mb = time_ingest(source, store_dir)
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
        source.unlink(missing_ok=True)
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)

    if ingest_hex != sha_hex:
        sys.exit("ingest hash differs from hashlib.sha256: the benchmark is invalid")
    sha_rate, ingest_rate = size / sha_seconds / 1e6, size / ingest_seconds / 1e6
    copy_rate = size / copy_seconds / 1e6
    floor = min(sha_rate, copy_rate)
    ratio = ingest_rate / floor
    print(f"input            {size / MIB:.0f} MiB ({size} bytes), stored {stored} bytes")
    print(f"sha256           {sha_rate:8.0f} MB/s  ({sha_seconds:.2f} s)")
    print(f"copy + fsync     {copy_rate:8.0f} MB/s  ({copy_seconds:.2f} s)")
    print(f"ingest put_file  {ingest_rate:8.0f} MB/s  ({ingest_seconds:.2f} s, fsync included)")
    print(f"ratio to slower  {ratio:8.2f}       goal >= 0.80  {'ok' if ratio >= 0.8 else 'MISSED'}")
    print(
        f"peak RSS         {peak_mb:8.1f} MB    goal < 150    {'ok' if peak_mb < 150 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

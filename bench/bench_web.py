"""Web app at scale: page latency with 10,000 incidents, evidence streaming throughput.

    python bench/bench_web.py [--count 10000] [--requests 30] [--evidence-mib 1024]

Uses the weak test KDF (SAFETRAIL_TEST_WEAK_KDF=1). Incidents are inserted in bulk with
``vault.store.create``, as bench_records.py does (its synthetic data is reused). The
app then runs in its own process on a real uvicorn server on 127.0.0.1, and this
process times it over HTTP with httpx, one request at a time, as a browser would:

* ``/`` and the timeline ``/incidents`` (first page, a tactic filter, a text search):
  median and p95 of ``--requests`` requests each, after a few warm-up requests;
* a ``--evidence-mib`` file of random bytes: uploaded through ``/evidence/upload``
  (streamed, encrypted and hashed on the way), then streamed back decrypted through
  ``/evidence/{ref}/raw`` (once just counting bytes, once hashing them to prove they
  are identical), next to ``hashlib.sha256`` over the same file and a direct
  ``BlobReader`` decryption, all in the same run.

The timeline route is another part of the app; when it is missing the table says so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench_records import (  # beside this script, so on sys.path when it runs
    NEEDLE,
    PASSPHRASE,
    TIMEZONE,
    Faker,
    add_people,
    bulk_insert,
    check_fast_data,
    ms,
    print_table,
    quiet_weak_kdf,
)

MiB = 1024 * 1024
PIECE = MiB


# --- the server process ------------------------------------------------------------------


def serve(root: Path, port: int) -> None:
    """Unlock the vault, tell the parent the session cookie, and serve until killed."""
    import uvicorn

    from safetrail.web.app import create_app
    from safetrail.web.state import AppState

    state = AppState(root)
    token = state.unlock(PASSPHRASE)
    app = create_app(root, state)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    print(json.dumps({"token": token, "csrf": state.csrf_token}), flush=True)
    server.run()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(root: Path) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(root), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "SAFETRAIL_TEST_WEAK_KDF": "1"},
    )
    assert process.stdout is not None
    session = json.loads(process.stdout.readline())
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/away", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)
    return process, base, session


# --- measurements ------------------------------------------------------------------------


def latency(client: httpx.Client, url: str, requests: int) -> tuple[float, float, int, int]:
    """(median s, p95 s, status, body bytes) over ``requests`` GETs after 3 warm-ups."""
    for _ in range(3):
        answer = client.get(url)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(url)
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, answer.status_code, len(answer.content)


def write_random_file(path: Path, size: int) -> None:
    with path.open("wb") as out:
        for _ in range(size // PIECE):
            out.write(os.urandom(PIECE))
        out.write(os.urandom(size % PIECE))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as src:
        while piece := src.read(PIECE):
            digest.update(piece)
    return digest.hexdigest()


def upload(client: httpx.Client, csrf: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as body:
        answer = client.post(
            "/evidence/upload",
            content=body,
            headers={
                "Content-Type": "application/octet-stream",
                "Accept": "application/json",
                "X-CSRF-Token": csrf,
                "X-File-Name": quote(path.name),
                "Content-Length": str(path.stat().st_size),
            },
            timeout=None,
        )
    if answer.status_code != 200:
        raise SystemExit(f"upload failed: {answer.status_code} {answer.text[:300]}")
    result: dict[str, Any] = answer.json()
    return result


def download(client: httpx.Client, url: str, digest: Any | None) -> int:
    total = 0
    with client.stream("GET", url, timeout=None) as stream:
        if stream.status_code != 200:
            raise SystemExit(f"download failed: {stream.status_code}")
        for piece in stream.iter_raw(PIECE):
            total += len(piece)
            if digest is not None:
                digest.update(piece)
    return total


def direct_decrypt(root: Path, ref: str) -> tuple[float, int]:
    """Decrypt the blob in this process, no HTTP: the floor for the raw route."""
    from safetrail.services import evidence
    from safetrail.services.vault import open_vault

    vault = open_vault(root, PASSPHRASE)
    try:
        _record, reader = evidence.open_evidence(vault, ref)
        seconds, total = timed(lambda: sum(len(piece) for piece in reader))
    finally:
        vault.close()
    return seconds, total


def rate(size: int, seconds: float) -> str:
    return f"{size / MiB / seconds:,.0f} MiB/s"


# --- main --------------------------------------------------------------------------------


def build_vault(root: Path, count: int, batch: int, seed: int) -> float:
    from safetrail.services.vault import create_vault

    vault = create_vault(root, PASSPHRASE, "GB", TIMEZONE)
    try:
        person_ids = add_people(vault)
        faker = Faker(seed)
        check_fast_data(vault, faker, person_ids)
        seconds, _rates, _ids = bulk_insert(vault, faker, person_ids, count, batch)
    finally:
        vault.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="incidents (bulk path)")
    parser.add_argument("--batch", type=int, default=1_000, help="incidents per transaction")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--evidence-mib", type=int, default=1024, help="size of the file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="where to put the vault (default: temp dir)")
    parser.add_argument("--keep", action="store_true", help="do not delete the vault")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    quiet_weak_kdf()
    if args.serve:
        serve(args.serve, args.port)
        return

    work = args.dir or Path(tempfile.mkdtemp(prefix="safetrail-bench-web-", dir="/tmp"))
    root = work / "vault"
    sample = work / "evidence-sample.bin"
    size = args.evidence_mib * MiB
    rows: list[tuple[str, str, str]] = []
    process = None
    try:
        print(f"inserting {args.count:,} incidents ...")
        insert_seconds = build_vault(root, args.count, args.batch, args.seed)
        print(f"writing a {args.evidence_mib:,} MiB file of random bytes ...")
        write_random_file(sample, size)
        process, base, session = start_server(root)
        cookies = {"st_session": session["token"]}
        with httpx.Client(base_url=base, cookies=cookies, timeout=120) as client:
            print("timing pages ...")
            pages = {
                "/  (home)": "/",
                "/incidents  (first page)": "/incidents",
                "/incidents?tactic=following": "/incidents?tactic=following",
                f"/incidents?q={NEEDLE}": f"/incidents?q={quote(NEEDLE)}",
                "/evidence  (list)": "/evidence",
            }
            timings = {name: latency(client, url, args.requests) for name, url in pages.items()}

            print("hashing, uploading and streaming the evidence file ...")
            hash_seconds, expected = timed(lambda: file_sha256(sample))
            upload_seconds, saved = timed(lambda: upload(client, session["csrf"], sample))
            raw = f"/evidence/{saved['ref']}/raw"
            count_seconds, counted = timed(lambda: download(client, raw, None))
            digest = hashlib.sha256()
            verify_seconds, hashed = timed(lambda: download(client, raw, digest))
        process.terminate()
        process.wait(30)
        process = None
        direct_seconds, direct_size = direct_decrypt(root, saved["ref"])
    finally:
        if process is not None:
            process.kill()
        if not args.keep:
            shutil.rmtree(work if args.dir is None else root, ignore_errors=True)
            sample.unlink(missing_ok=True)

    same = saved["sha256"] == expected == digest.hexdigest()
    if not same or counted != size or hashed != size or direct_size != size:
        raise SystemExit("the streamed evidence does not match the file")
    rows.append(("Setup", "", ""))
    rows.append(
        (
            "bulk insert",
            f"{insert_seconds:.2f} s",
            f"{args.count:,} incidents, {args.batch:,} per transaction",
        )
    )
    rows.append((f"Pages over HTTP (median / p95 of {args.requests}, after 3 warm-ups)", "", ""))
    for name, (median, p95, status, length) in timings.items():
        if status == 404:
            rows.append((name, "n/a", "route not present in this build"))
            continue
        note = f"p95 {ms(p95)}, HTTP {status}, {length / 1000:,.0f} KB"
        rows.append((name, ms(median), note))
    rows.append((f"Evidence: {args.evidence_mib:,} MiB of random bytes", "", ""))
    rows.append(("hashlib.sha256 of the file", rate(size, hash_seconds), "baseline, same run"))
    rows.append(
        (
            "upload /evidence/upload",
            rate(size, upload_seconds),
            f"{upload_seconds:.2f} s: stream, encrypt, SHA-256, fsync, record",
        )
    )
    rows.append(
        (
            "GET raw, bytes counted",
            rate(size, count_seconds),
            f"{count_seconds:.2f} s, {hash_seconds / count_seconds:.2f}x the hashlib rate",
        )
    )
    rows.append(
        (
            "GET raw, client also hashes",
            rate(size, verify_seconds),
            f"{verify_seconds:.2f} s, SHA-256 identical: {'yes' if same else 'NO'}",
        )
    )
    rows.append(
        (
            "BlobReader, no HTTP",
            rate(size, direct_seconds),
            f"{direct_seconds:.2f} s, decryption alone in one process",
        )
    )
    rows.append(("Machine", "", ""))
    rows.append(
        ("cpus, 1-min load", f"{os.cpu_count()}", f"{os.getloadavg()[0]:.2f} after the run")
    )
    print_table(rows)
    if args.keep:
        print(f"\nvault kept at {root} (passphrase {PASSPHRASE!r}, weak KDF)")


if __name__ == "__main__":
    main()

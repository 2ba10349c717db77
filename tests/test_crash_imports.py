"""Crash safety of imports: SIGKILL ``safetrail import`` at random moments, again and again.

A clean run into a fresh vault gives the expected result. Then the same import into a
second vault is killed N times at random points (spread over the clean run's duration,
with tests/crash_helpers.py marks saying where each kill landed). After every kill the
vault must open (which settles the killed import: never left "running"), verify with no
problem, hold each communication at most once and only whole batches. A final run to
the end must leave exactly what the clean run left: the same communications, the same
summary incidents with the same counts.

Both ways an export is read: in the importing process, and (the threshold lowered through
``SAFETRAIL_TEST_IMPORT_CHILD_BYTES``) in the parser process of
``services/imports/feed.py``, which must end too when the importing process is killed.
"""

from __future__ import annotations

import json
import os
import random
import select as selector
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from safetrail.services.imports.run import list_imports
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import create_vault, open_vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communications
from tests.test_crash_safety import HELPER, PASSPHRASE, cli_env, phase_of, read_marks

pytestmark = pytest.mark.slow

SEED = 20261207
COUNT = 30_000  # three batches
TRIALS = 8


def export_file(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        out.write(f'<smses count="{COUNT}">\n')
        for n in range(COUNT):
            address = "+447700900123" if n % 4 else "+447700900999"
            # bursts with quiet nights between them, so there are many episodes
            stamp = 1_700_000_000_000 + (n // 50) * 86_400_000 + (n % 50) * 120_000
            out.write(
                f'<sms protocol="0" address="{address}" date="{stamp}" type="{1 if n % 3 else 2}" '
                f'body="Message {n}" read="1" status="-1" />\n'
            )
        out.write("</smses>\n")


def new_vault(root: Path) -> None:
    vault = create_vault(root, PASSPHRASE, "GB", "Europe/London")
    try:
        add_person(vault, PersonInput(names=["Chris Doe"], identifiers=["+447700900123"]))
    finally:
        vault.close()


def children_of(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux: /proc), e.g. the import's parser process."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(n) for n in task.read_text().split()]
        except OSError:
            continue
    return found


def wait_gone(pids: list[int], timeout: float = 60) -> list[int]:
    """Wait (on the kernel's process handles, no polling) until ``pids`` have ended;
    returns those still running after ``timeout`` seconds."""
    handles = {}
    for pid in pids:
        try:
            handles[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            continue  # gone already
    deadline = time.monotonic() + timeout
    try:
        while handles:
            left = deadline - time.monotonic()
            ready, _w, _x = selector.select(list(handles), [], [], max(left, 0))
            if not ready:
                break
            for fd in ready:
                os.close(fd)
                del handles[fd]
        return sorted(handles.values())
    finally:
        for fd in handles:
            os.close(fd)


def run_import(
    root: Path, export: Path, work: Path, kill_after: float | None, child: bool = False
) -> tuple[int, str]:
    marks = work / "marks"
    marks.unlink(missing_ok=True)
    env = cli_env(root)
    if child:  # the export (a few MiB) is parsed in the parser process
        env["SAFETRAIL_TEST_IMPORT_CHILD_BYTES"] = "1"
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(marks), "import", str(export), "--json"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        if kill_after is not None:
            pause = started + kill_after - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            parsers = children_of(proc.pid)
            proc.send_signal(signal.SIGKILL)  # a no-op once it has finished
            proc.wait(timeout=600)
            # the parser process ends at its next write into the closed pipe
            assert wait_gone(parsers) == [], "the parser process outlived the import"
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode == 0:
        json.loads(out)  # a finished run printed its whole report
    elif proc.returncode != -signal.SIGKILL:
        raise AssertionError(err.decode())
    return proc.returncode, phase_of(read_marks(marks))


def state_of(root: Path) -> dict[str, Any]:
    """Open (settling a killed import), verify, and describe what the vault holds."""
    vault = open_vault(root, PASSPHRASE)
    try:
        report = verify(vault)
        assert report.ok, "\n".join(map(str, report.problems))
        with vault.read() as conn:
            total = conn.execute(select(func.count()).select_from(communications)).scalar_one()
            keys = conn.execute(
                select(func.count(func.distinct(communications.c.dedupe_key)))
            ).scalar_one()
            summaries = sorted(
                (
                    str(record.data["occurred"]),
                    str(record.data["what_happened"]),
                )
                for record in vault.store.load(conn, vault.store.list_ids(conn, "incident"))
                if not record.voided
            )
        statuses = [item.status for item in list_imports(vault)]
    finally:
        vault.close()
    return {"total": total, "keys": keys, "summaries": summaries, "statuses": statuses}


@pytest.mark.parametrize("child", [False, True], ids=["in-process", "parser-process"])
def test_random_kills_during_an_import_lose_nothing_and_end_like_a_clean_run(
    tmp_path: Path, child: bool
) -> None:
    export = tmp_path / "sms.xml"
    export_file(export)
    clean_root = tmp_path / "clean"
    new_vault(clean_root)
    started = time.monotonic()
    code, _phase = run_import(clean_root, export, tmp_path, None, child)
    duration = time.monotonic() - started
    assert code == 0
    clean = state_of(clean_root)
    assert (clean["total"], clean["keys"], clean["statuses"]) == (COUNT, COUNT, ["complete"])
    assert len(clean["summaries"]) > 100

    root = tmp_path / "trials"
    new_vault(root)
    rng = random.Random(SEED)
    landed: dict[str, int] = {"before": 0, "during": 0, "after": 0}
    finished_runs = 0
    for trial in range(TRIALS):
        kill_after = rng.uniform(0.1, 1.2) * duration
        code, phase = run_import(root, export, tmp_path, kill_after, child)
        landed[phase] += 1
        finished_runs += code == 0
        state = state_of(root)
        assert state["total"] == state["keys"], f"trial {trial}: a record stored twice"
        assert state["total"] % 10_000 == 0 or state["total"] == COUNT, trial
        assert "running" not in state["statuses"], f"trial {trial}: {state['statuses']}"
    code, _phase = run_import(root, export, tmp_path, None, child)
    assert code == 0
    final = state_of(root)
    assert (final["total"], final["keys"]) == (COUNT, COUNT)
    assert final["summaries"] == clean["summaries"]
    assert final["statuses"][0] == "complete"
    assert set(final["statuses"][1:]) <= {"interrupted", "complete"}
    print(f"\nimport kills: {TRIALS} trials, landed {landed}, {finished_runs} ran to the end")
    assert landed["during"] + landed["after"] > 0, landed

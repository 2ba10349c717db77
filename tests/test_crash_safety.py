"""Crash safety: SIGKILL the real CLI at random points and check the vault afterwards.

Each test first runs its command to completion a few times (those runs reported
success, so their effect must stay in the vault for good) and uses their timings to
spread the kills over "before the command touched the vault", "while it was writing /
committing" and "after it committed" (at calibration speed, all inside [0, 1.2 × run
time]). tests/crash_helpers.py runs the real CLI and leaves phase marks, so each kill's
landing phase is measured, not guessed. After every kill the vault must open, verify
cleanly, hold every earlier success exactly, and hold the killed command either
entirely or not at all.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from safetrail.services import incidents
from safetrail.services.vault import Vault, create_vault, open_vault
from safetrail.services.verify import VerifyReport, verify
from safetrail.storage import ledger
from safetrail.storage.records import Record, Version

pytestmark = pytest.mark.slow

PASSPHRASE = "crash-test passphrase 20261121"
SEED = 20261121
HELPER = Path(__file__).with_name("crash_helpers.py")
BIG_SIZE = 128 * 1024 * 1024
TAIL = 16  # the last bytes of the big file differ per run, so every run stores a new blob
CALIBRATION_RUNS = 3


# -- environment and running the CLI ------------------------------------------------------

PHASES = ("before", "during", "after")


def read_marks(marks: Path) -> dict[str, float]:
    """First time each phase mark of tests/crash_helpers.py was written."""
    found: dict[str, float] = {}
    if marks.exists():
        for line in marks.read_text().splitlines():
            name, _sep, stamp = line.partition(" ")
            if name and stamp:
                found.setdefault(name, float(stamp))
    return found


def phase_of(marks: dict[str, float]) -> str:
    """Where a kill landed: before any write, while writing/committing, or after commit."""
    if "committed" in marks:
        return "after"
    if "work" in marks:
        return "during"
    return "before"


@pytest.fixture(scope="module", autouse=True)
def weak_kdf() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAFETRAIL_TEST_WEAK_KDF", "1")
        yield


def cli_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETRAIL_")}
    env.update(
        SAFETRAIL_TEST_WEAK_KDF="1",
        SAFETRAIL_PASSPHRASE=PASSPHRASE,
        SAFETRAIL_VAULT=str(root),
        SAFETRAIL_LANG="en",
    )
    return env


@dataclass
class Run:
    returncode: int
    phase: str
    seconds: float
    marks: dict[str, float]
    output: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


@dataclass(frozen=True)
class Kill:
    """SIGKILL ``delay`` seconds after ``anchor``: the start, or the first mark of a phase.

    Anchoring "during" and "after" kills on the helper's marks keeps the spread when the
    machine is busy and every phase takes longer than it did while calibrating.
    """

    aim: str
    anchor: str | None
    delay: float


def wait_for_mark(proc: subprocess.Popen[bytes], marks: Path, name: str) -> float | None:
    """Poll until the process writes mark ``name``; None when it ends (or 30 s pass) first."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = read_marks(marks).get(name)
        if found is not None:
            return found
        if proc.poll() is not None:
            return None
        time.sleep(0.0005)
    return None


def run_cli(root: Path, args: list[str], work: Path, kill: Kill | None = None) -> Run:
    """Run ``safetrail ARGS`` to the end, or SIGKILL it as ``kill`` says."""
    work.mkdir(parents=True, exist_ok=True)
    marks = work / "marks"
    marks.unlink(missing_ok=True)
    out_path = work / "output"
    with out_path.open("wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, str(HELPER), str(marks), *args],
            env=cli_env(root),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            if kill is not None:
                anchor = started if kill.anchor is None else wait_for_mark(proc, marks, kill.anchor)
                if anchor is not None:
                    pause = anchor + kill.delay - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    proc.send_signal(signal.SIGKILL)  # a no-op when it has already finished
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        seconds = time.monotonic() - started
    found = read_marks(marks)
    relative = {name: stamp - started for name, stamp in found.items()}
    output = out_path.read_text("utf-8", errors="replace")
    return Run(proc.returncode, phase_of(found), seconds, relative, output)


def completed(root: Path, args: list[str], work: Path) -> Run:
    run = run_cli(root, args, work)
    assert run.returncode == 0, f"safetrail {' '.join(args)} failed:\n{run.output}"
    assert run.phase == "after", run.marks
    return run


@dataclass
class Timing:
    total: float
    work: float
    committed: float

    @classmethod
    def of(cls, runs: list[Run]) -> Timing:
        return cls(
            total=statistics.median(r.seconds for r in runs),
            work=statistics.median(r.marks["work"] for r in runs),
            committed=statistics.median(r.marks["committed"] for r in runs),
        )


def kills(rng: random.Random, timing: Timing, trials: int) -> list[Kill]:
    """``trials`` kills, aimed in turn before, during and after the commit.

    At calibration speed each lands in [0, 1.2 × run time]: "before" in [0, work),
    "during" in [work, committed), "after" in [committed, 1.2 × run time].
    """
    aims = [PHASES[i % len(PHASES)] for i in range(trials)]
    rng.shuffle(aims)
    chosen = []
    for aim in aims:
        if aim == "before":
            chosen.append(Kill(aim, None, rng.uniform(0.0, timing.work)))
        elif aim == "during":
            chosen.append(Kill(aim, "work", rng.uniform(0.0, timing.committed - timing.work)))
        else:
            span = 1.2 * timing.total - timing.committed
            chosen.append(Kill(aim, "committed", rng.uniform(0.0, span)))
    return chosen


@dataclass
class Tally:
    """Where the kills of one test landed, printed at the end (shown with -s or on failure)."""

    name: str
    phases: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    partial_files: int = 0
    unreferenced: int = 0
    lines: list[str] = field(default_factory=list)

    def add(self, kill: Kill, run: Run, present: bool) -> None:
        self.phases[run.phase] += 1
        self.present[run.phase] += present
        marks = ", ".join(f"{name} {at:.3f}s" for name, at in run.marks.items())
        self.lines.append(
            f"  aim {kill.aim:6} ({kill.anchor or 'start'} + {kill.delay:.3f}s) → exit "
            f"{run.returncode} at {run.seconds:.3f}s, landed {run.phase}, "
            f"kept {present} [{marks}]"
        )

    def check_and_report(self, trials: int) -> None:
        summary = ", ".join(
            f"{p} {self.phases[p]} (effect kept in {self.present[p]})" for p in PHASES
        )
        extra = f"; partial blob files cleaned {self.partial_files}" if self.partial_files else ""
        extra += f"; unreferenced blobs {self.unreferenced}" if self.unreferenced else ""
        print(f"\n{self.name}: {trials} kills — {summary}{extra}", *self.lines, sep="\n")
        assert sum(self.phases.values()) == trials
        # A kill before the command started writing can never have kept its effect,
        # and one after the commit mark always has.
        assert self.present["before"] == 0
        assert self.present["after"] == self.phases["after"]
        # The spread must reach past start-up and must interrupt some commands,
        # or the test would prove nothing.
        assert self.phases["during"] + self.phases["after"] > 0, self.phases
        assert self.phases["before"] + self.phases["during"] > 0, self.phases


# -- reopening and inspecting the vault -----------------------------------------------------


def tmp_entries(root: Path) -> list[str]:
    tmp = root / "blobs" / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


def reopen(root: Path) -> tuple[Vault, VerifyReport, int]:
    """Open the vault, check nothing partial survives in blobs/tmp, and verify it."""
    left_before_open = len(tmp_entries(root))
    vault = open_vault(root, PASSPHRASE)
    try:
        assert tmp_entries(root) == [], "partial evidence files survived reopening the vault"
        report = verify(vault)
        assert report.ok, "verify found problems:\n" + "\n".join(map(str, report.problems))
        assert report.entries == report.versions  # these commands add only record versions
        with vault.read() as conn:
            top = ledger.head(conn)
        assert top is not None
        assert report.head_hash == top.entry_hash
        checkpoint = vault.read_checkpoint()
        assert checkpoint is not None
        assert vault.checkpoint_is_authentic(checkpoint)
        assert checkpoint.seq <= top.seq  # a kill between commit and checkpoint leaves it behind
    except BaseException:
        vault.close()
        raise
    return vault, report, left_before_open


def all_of(vault: Vault, kind: str) -> list[tuple[Record, list[Version]]]:
    with vault.read() as conn:
        ids = vault.store.list_ids(conn, kind)
        return [(vault.store.get(conn, i), vault.store.history(conn, i)) for i in ids]


def new_vault(root: Path) -> None:
    vault = create_vault(root, PASSPHRASE, "GB", "Europe/London")
    vault.close()


BASE_VERSIONS = 2  # the case record and the settings record made by create_vault


# -- incident add -----------------------------------------------------------------------------


def test_kill_incident_add(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    root = tmp_path / "vault"
    new_vault(root)
    saved: list[str] = []  # what_happened of every add that is known to be in the vault

    def check(killed_text: str | None) -> bool:
        vault, report, _left = reopen(root)
        try:
            found = all_of(vault, "incident")
        finally:
            vault.close()
        texts = [record.data["what_happened"] for record, _h in found]
        present = killed_text is not None and texts == [*saved, killed_text]
        assert texts == ([*saved, killed_text] if present else saved)
        for number, (record, history) in enumerate(found, start=1):
            assert record.ref == f"I-{number:04d}"
            assert record.head.version == 1
            assert not record.voided
            assert [(v.version, v.op) for v in history] == [(1, "create")]
            assert record.data["tactics"] == ["watching"]
            assert record.data["location"]["text"] == f"Bus stop {number}"
        assert report.records == 2 + len(texts)
        assert report.versions == BASE_VERSIONS + len(texts)
        return present

    def args(text: str, number: int) -> list[str]:
        return [
            "incident",
            "add",
            "--what",
            text,
            "--when",
            "2026-03-14 18:30",
            "--where",
            f"Bus stop {number}",
            "--tactic",
            "watching",
        ]

    calibration = []
    for i in range(CALIBRATION_RUNS):
        text = f"Calibration sighting {i} {rng.getrandbits(32):08x}"
        calibration.append(completed(root, args(text, len(saved) + 1), tmp_path / f"cal{i}"))
        saved.append(text)
        check(None)

    trials = 12
    tally = Tally("incident add")
    for i, kill in enumerate(kills(rng, Timing.of(calibration), trials)):
        text = f"Crash trial {i}: he was outside again {rng.getrandbits(32):08x}"
        run = run_cli(root, args(text, len(saved) + 1), tmp_path / f"t{i}", kill=kill)
        assert run.killed or run.returncode == 0, run.output
        present = check(text)
        if run.returncode == 0:
            assert present, "a command that reported success lost its incident"
        tally.add(kill, run, present)
        if present:
            saved.append(text)
    tally.check_and_report(trials)


# -- incident amend ---------------------------------------------------------------------------


def test_kill_incident_amend(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    root = tmp_path / "vault"
    new_vault(root)
    vault = open_vault(root, PASSPHRASE)
    try:
        target = incidents.record_incident(
            vault, incidents.IncidentInput("Original account", when="2026-03-01 09:00")
        )
        other = incidents.record_incident(vault, incidents.IncidentInput("Untouched neighbour"))
    finally:
        vault.close()
    assert (target.ref, other.ref) == ("I-0001", "I-0002")
    texts = ["Original account"]  # what_happened of versions 1..n of I-0001, in order
    fears = [None]

    def check(killed: tuple[str, int] | None) -> bool:
        vault, report, _left = reopen(root)
        try:
            (first, history), (second, second_history) = all_of(vault, "incident")
        finally:
            vault.close()
        present = killed is not None and first.head.version == len(texts) + 1
        expected_texts = [*texts, killed[0]] if present and killed else texts
        expected_fears = [*fears, killed[1]] if present and killed else fears
        assert first.head.version == len(expected_texts)
        assert [v.version for v in history] == list(range(1, len(expected_texts) + 1))
        assert [v.op for v in history] == ["create"] + ["amend"] * (len(expected_texts) - 1)
        assert [v.data["what_happened"] for v in history] == expected_texts
        assert [v.data["fear"] for v in history] == expected_fears
        assert [v.reason for v in history] == [None] + [
            f"correction {n}" for n in range(2, len(expected_texts) + 1)
        ]
        assert first.data == history[-1].data
        assert all(v.data["occurred"] == history[0].data["occurred"] for v in history)
        assert (second.head.version, second.data["what_happened"]) == (1, "Untouched neighbour")
        assert len(second_history) == 1
        assert report.versions == BASE_VERSIONS + len(expected_texts) + 1
        return present

    def args(text: str, fear: int) -> list[str]:
        number = len(texts) + 1
        reason = f"correction {number}"
        return [
            "incident",
            "amend",
            "I-0001",
            "--reason",
            reason,
            "--what",
            text,
            "--fear",
            str(fear),
        ]

    calibration = []
    for i in range(CALIBRATION_RUNS):
        text, fear = f"Calibration amendment {i} {rng.getrandbits(32):08x}", rng.randrange(5)
        calibration.append(completed(root, args(text, fear), tmp_path / f"cal{i}"))
        texts.append(text)
        fears.append(fear)
        check(None)

    trials = 10
    tally = Tally("incident amend")
    for i, kill in enumerate(kills(rng, Timing.of(calibration), trials)):
        text, fear = f"Amended in crash trial {i} {rng.getrandbits(32):08x}", rng.randrange(5)
        run = run_cli(root, args(text, fear), tmp_path / f"t{i}", kill=kill)
        assert run.killed or run.returncode == 0, run.output
        present = check((text, fear))
        if run.returncode == 0:
            assert present, "a command that reported success lost its amendment"
        tally.add(kill, run, present)
        if present:
            texts.append(text)
            fears.append(fear)
    tally.check_and_report(trials)


# -- evidence add of a large file (attached to an incident in the same transaction) ----------


@dataclass
class BigFile:
    path: Path
    prefix: Any  # sha256 of everything but the last TAIL bytes

    def set_tail(self, label: str) -> str:
        """Make the file's content unique to ``label``; return its SHA-256."""
        tail = label.encode().ljust(TAIL, b".")[:TAIL]
        with self.path.open("r+b") as handle:
            handle.seek(BIG_SIZE - TAIL)
            handle.write(tail)
        digest = self.prefix.copy()
        digest.update(tail)
        return str(digest.hexdigest())


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BigFile]:
    path = tmp_path_factory.mktemp("evidence") / "doorbell-camera.mp4"
    rng = random.Random(SEED)
    prefix = hashlib.sha256()
    piece = 8 * 1024 * 1024
    with path.open("wb") as handle:
        for _ in range(BIG_SIZE // piece):
            data = rng.randbytes(piece)
            handle.write(data)
            prefix.update(data[: piece - TAIL] if handle.tell() == BIG_SIZE else data)
    yield BigFile(path, prefix)
    path.unlink()


def test_kill_evidence_add(tmp_path: Path, big_file: BigFile) -> None:
    rng = random.Random(SEED + 2)
    root = tmp_path / "vault"
    new_vault(root)
    vault = open_vault(root, PASSPHRASE)
    try:
        incidents.record_incident(vault, incidents.IncidentInput("Rang the doorbell at 3 am"))
        address_for = vault.blobs.address_for  # keyed by the vault; still usable once closed
    finally:
        vault.close()
    kept: list[str] = []  # sha256 of each exhibit known to be in the vault, in exhibit order
    attempted: dict[str, str] = {}  # blob address → sha256 of every content ever offered

    def check(killed_sha: str | None) -> tuple[bool, int, int]:
        vault, report, left = reopen(root)
        try:
            exhibits = all_of(vault, "evidence")
            ((incident, history),) = all_of(vault, "incident")
            shas = [record.data["sha256"] for record, _h in exhibits]
            present = killed_sha is not None and shas == [*kept, killed_sha]
            expected = [*kept, killed_sha] if present and killed_sha else kept
            assert shas == expected
            referenced = set()
            for number, (record, ex_history) in enumerate(exhibits, start=1):
                assert record.ref == f"EX-{number:04d}"
                assert [(v.version, v.op) for v in ex_history] == [(1, "create")]
                assert record.data["size"] == BIG_SIZE
                assert record.data["original_name"] == big_file.path.name
                assert record.data["blob_address"] == vault.blobs.address_for(record.data["sha256"])
                assert (
                    vault.blobs.verify(record.data["blob_address"], record.data["sha256"]) is None
                )
                referenced.add(record.data["blob_address"])
            # The exhibit and its link to the incident commit together or not at all.
            ids = [record.id for record, _h in exhibits]
            assert incident.head.version == 1 + len(ids)
            assert [v.op for v in history] == ["create"] + ["amend"] * len(ids)
            for n, version in enumerate(history):
                assert version.data["evidence_ids"] == sorted(ids[:n])
                assert version.data["what_happened"] == "Rang the doorbell at 3 am"
            assert report.blobs_checked == len(referenced) == len(expected)
            assert report.versions == BASE_VERSIONS + 2 * len(expected) + 1
            unreferenced = check_blob_files(vault, attempted, referenced)
            assert report.unreferenced_blobs == unreferenced
        finally:
            vault.close()
        return present, left, unreferenced

    args = [
        "evidence",
        "add",
        str(big_file.path),
        "--incident",
        "I-0001",
        "--source-device",
        "door",
    ]

    def offer(label: str) -> str:
        sha = big_file.set_tail(label)
        attempted[address_for(sha)] = sha
        return sha

    calibration = []
    for i in range(CALIBRATION_RUNS):
        sha = offer(f"calibration {i}")
        calibration.append(completed(root, args, tmp_path / f"cal{i}"))
        kept.append(sha)
        check(None)

    trials = 10
    tally = Tally("evidence add")
    for i, kill in enumerate(kills(rng, Timing.of(calibration), trials)):
        sha = offer(f"trial {i}")
        run = run_cli(root, args, tmp_path / f"t{i}", kill=kill)
        assert run.killed or run.returncode == 0, run.output
        present, left, unreferenced = check(sha)
        if run.returncode == 0:
            assert present, "a command that reported success lost its exhibit"
        tally.add(kill, run, present)
        tally.partial_files += left
        tally.unreferenced = unreferenced
        if present:
            kept.append(sha)
    tally.check_and_report(trials)
    shutil.rmtree(root)  # about 1.5 GB of blobs


def check_blob_files(vault: Vault, attempted: dict[str, str], referenced: set[str]) -> int:
    """Every file under blobs/ (tmp aside) is a complete blob of content we offered.

    Returns how many of them no exhibit refers to (a kill after the blob was placed
    but before the exhibit committed leaves one; that is allowed, a partial is not).
    """
    root = vault.blobs.root
    unreferenced = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] == "tmp":
            assert relative == Path("tmp"), f"left in blobs/tmp: {relative}"
            continue
        if path.is_dir():
            assert len(relative.parts) == 1 and len(path.name) == 2, f"stray folder {relative}"
            continue
        assert len(relative.parts) == 2, f"stray file {relative}"
        address = path.name
        assert address[:2] == relative.parts[0]
        assert address in attempted, f"blob {address} is not any content we stored"
        if address not in referenced:
            assert vault.blobs.verify(address, attempted[address]) is None, address
            unreferenced += 1
    stored = set(vault.blobs.addresses())
    assert referenced <= stored
    assert len(stored - referenced) == unreferenced
    return unreferenced

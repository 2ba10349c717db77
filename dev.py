#!/usr/bin/env python3
"""Set up and run SafeTrail on a fresh machine that has only Python 3.11+.

    python3 dev.py run    create the virtual environment from the lock file, then start SafeTrail
                          (the local web app; add --port N or --no-browser if needed)
    python3 dev.py test   the same environment plus test tools, then lint, type-check and test

The environment lives in .venv and is rebuilt only when a lock file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp(lock: Path) -> str:
    digest = hashlib.sha256(lock.read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def ensure_env(lock_name: str) -> None:
    lock = ROOT / lock_name
    marker = VENV / f".installed-{lock_name}"
    if marker.exists() and marker.read_text() == _stamp(lock):
        return
    if not PYTHON.exists():
        print("Creating the Python environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    print(f"Installing locked dependencies ({lock_name}) …", flush=True)
    subprocess.run([*pip, "install", "--require-hashes", "-r", str(lock)], check=True)
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True
    )
    for other in VENV.glob(".installed-*"):
        other.unlink()
    marker.write_text(_stamp(lock))


def run(args: list[str]) -> int:
    ensure_env("requirements.lock")
    return subprocess.call([str(BIN / "safetrail"), "serve", *args])


CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def ensure_chromium() -> None:
    """CI runs the browser and PDF-rendering tests for real: install Chromium, poppler and
    the Noto CJK fonts (so Japanese and Korean pages in the screenshots show their text)."""
    if os.environ.get("CI") != "true" or (
        Path("/usr/bin/chromium").exists() and shutil.which("pdftoppm") and Path(CJK_FONT).exists()
    ):
        return
    print("Installing Chromium (Debian package) for the browser tests …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "chromium", "poppler-utils", "fonts-noto-cjk"],
        check=True,
        env=env,
    )


def test(args: list[str]) -> int:
    ensure_env("requirements-dev.lock")
    ensure_chromium()
    env = dict(os.environ)
    steps = [
        ["ruff", "check", "src", "tests", "bench", "dev.py"],
        ["ruff", "format", "--check", "src", "tests", "bench", "dev.py"],
        ["mypy"],
        ["pytest", *args],
    ]
    for step in steps:
        print(f"$ {' '.join(step)}", flush=True)
        code = subprocess.call([str(BIN / step[0]), *step[1:]], cwd=ROOT, env=env)
        if code != 0:
            print(f"{step[0]} failed (exit {code}).", flush=True)
            return code
    return 0


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script is what tells people
        print("SafeTrail needs Python 3.11 or newer.")
        return 2
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return run(rest) if command == "run" else test(rest)


if __name__ == "__main__":
    sys.exit(main())

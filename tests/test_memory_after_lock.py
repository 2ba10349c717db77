"""After quick exit, the keys are gone from the server's memory (review finding 7).

The server runs in its own process; this test reads that process's memory through
/proc/PID/mem (Linux) before and after /exit. The vault's keys (derived here from the
header and passphrase) must be found while it is open, proving the scan sees them, and
nowhere once it is locked. Plaintext that Python freed but did not overwrite can remain;
the count is printed and must fall (docs/security.md explains why it cannot reach zero).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from safetrail.vault import keys, session
from safetrail.vault.header import read_header
from tests.conftest import PASSPHRASE
from tests.webutil import set_up

SERVER = """
import os, socket, sys
import uvicorn
from pathlib import Path
from safetrail.web.app import create_app
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(16)
print(sock.getsockname()[1], flush=True)
uvicorn.Server(uvicorn.Config(create_app(Path(sys.argv[1])), log_level="warning")).run(
    sockets=[sock]
)
"""


def count_in_memory(pid: int, needles: list[bytes]) -> list[int]:
    counts = [0] * len(needles)
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("r"):
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue  # guard pages, vsyscall
            for i, needle in enumerate(needles):
                counts[i] += data.count(needle)
    return counts


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_exit_leaves_no_key_in_memory(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(vault)], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        marker = f"MARKER-{uuid.uuid4().hex}"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=True) as http:
            token = set_up(http)  # type: ignore[arg-type]
            http.post("/capture", data={"what": f"He was outside {marker} again", "csrf": token})
            for path in ("/incidents", "/incidents/I-0001", "/"):
                assert marker in http.get(path).text
            header = read_header(vault)
            derived = keys.VaultKeys.derive(session.master_key(header, PASSPHRASE), header.vault_id)
            secrets = [
                bytes(getattr(derived, name)) for name in ("database", "blob_wrap", "ledger")
            ]
            needles = [*secrets, secrets[0].hex().encode(), marker.encode()]
            before = count_in_memory(server.pid, needles)
            assert http.get("/exit").url.path == "/away"
            after = count_in_memory(server.pid, needles)
        print(f"marker copies: {before[-1]} while open, {after[-1]} after quick exit")
        assert all(n >= 1 for n in before[:3]), before  # the scan does see live keys
        assert after[:4] == [0, 0, 0, 0], after
        assert after[-1] < before[-1]
    finally:
        server.terminate()
        server.wait(10)

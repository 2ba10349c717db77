"""``safetrail server init`` and ``safetrail server run`` as real processes: HTTPS with a
test certificate, several web processes, the first operator signing in with a TOTP code."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import queue
import re
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from safetrail.server import totp
from tests.server_support import private_database
from tests.tlsutil import self_signed

pytestmark = pytest.mark.postgres

SAFETRAIL = [sys.executable, "-m", "safetrail.cli.main"]
OPERATOR_PASSWORD = "operator password 1"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETRAIL_SERVER_")}
    env.update(SAFETRAIL_LANG="en", SAFETRAIL_TEST_WEAK_KDF="1", COLUMNS="200", **extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with private_database() as url:
        yield url


def test_run_refuses_plain_http(database: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [*SAFETRAIL, "server", "run", "--database", database, "--blobs", str(tmp_path)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 8
    assert "will not start without HTTPS" in done.stderr
    assert "Traceback" not in done.stderr
    half = subprocess.run(
        [*SAFETRAIL, "server", "run", "--behind-proxy", "not-an-address"],
        env=_env(SAFETRAIL_SERVER_DATABASE=database, SAFETRAIL_SERVER_BLOBS=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert half.returncode == 8
    assert "not-an-address is not an IP address or network" in half.stderr


def test_run_before_init_says_what_to_do(tmp_path: Path) -> None:
    with private_database() as url:
        done = subprocess.run(
            [*SAFETRAIL, "server", "run", "--database", url, "--blobs", str(tmp_path)],
            env=_env(SAFETRAIL_SERVER_BEHIND_PROXY="127.0.0.1"),
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert done.returncode == 8
    assert "safetrail server init" in done.stderr


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def test_init_then_run_over_https(database: str, tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    init = subprocess.run(
        [*SAFETRAIL, "server", "init", "--operator", "Olu"],
        env=_env(
            SAFETRAIL_SERVER_DATABASE=database,
            SAFETRAIL_SERVER_BLOBS=str(blobs),
            SAFETRAIL_SERVER_OPERATOR_PASSWORD=OPERATOR_PASSWORD,
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    assert "First operator: olu" in init.stdout
    assert "▀" in init.stdout or "█" in init.stdout  # the QR code, drawn in the terminal
    key = re.search(r"type this key into the app: ([A-Z2-7 ]+)", init.stdout)
    assert key is not None
    typed = key.group(1).replace(" ", "").strip()
    secret = base64.b32decode(typed + "=" * (-len(typed) % 8))
    codes = re.findall(r"^  ([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$", init.stdout, re.M)
    assert len(codes) == 10
    assert blobs.is_dir()
    again = subprocess.run(
        [*SAFETRAIL, "server", "init", "--database", database, "--blobs", str(blobs)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0
    assert "already has an operator" in again.stdout

    cert, key_file = self_signed(tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [
            *SAFETRAIL,
            "server",
            "run",
            "--database",
            database,
            "--blobs",
            str(blobs),
            "--port",
            str(port),
            "--workers",
            "2",
            "--checkin-workers",
            "0",
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key_file),
            "--log-level",
            "info",
        ],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(server.stdout, lines), daemon=True).start()
    try:
        started, seen = 0, []
        while started < 2:
            line = lines.get(timeout=180)
            seen.append(line)
            started += "Application startup complete" in line
        assert any(f"https://127.0.0.1:{port}" in line for line in seen)
        with httpx.Client(
            base_url=f"https://127.0.0.1:{port}", verify=ssl.create_default_context(cafile=cert)
        ) as client:
            page = client.get("/signin")
            assert page.status_code == 200
            assert page.headers["strict-transport-security"] == "max-age=31536000"
            assert page.headers["cache-control"] == "no-store, max-age=0"
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None
            code = totp.code_at(secret, dt.datetime.now(dt.UTC).timestamp())
            signed = client.post(
                "/signin",
                data={
                    "csrf": csrf.group(1),
                    "name": "olu",
                    "password": OPERATOR_PASSWORD,
                    "code": code,
                },
            )
            assert signed.status_code == 303
            assert signed.headers["location"] == "/operator"
            cookie = signed.headers["set-cookie"]
            assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
            # Any of the web processes serves the session (stateless processes).
            for _ in range(6):
                assert client.get("/operator").status_code == 200
            assert client.get("/").status_code == 403  # an operator never opens a case
            # Signing out on one process ends the session on every process.
            assert client.post("/signout").status_code == 303
            for _ in range(6):
                after = client.get("/operator", follow_redirects=False)
                assert after.status_code == 303 and after.headers["location"] == "/signin"
        with pytest.raises((httpx.RemoteProtocolError, httpx.ConnectError)):  # no plain HTTP
            httpx.get(f"http://127.0.0.1:{port}/signin", timeout=5)
    finally:
        server.terminate()
        server.wait(30)


@contextlib.contextmanager
def _running(database: str, blobs: Path, *extra: str, workers: int = 1) -> Iterator[int]:
    port = _free_port()
    server = subprocess.Popen(
        [
            *SAFETRAIL,
            "server",
            "run",
            "--database",
            database,
            "--blobs",
            str(blobs),
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--checkin-workers",
            "0",
            "--log-level",
            "info",
            *extra,
        ],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(server.stdout, lines), daemon=True).start()
    try:
        started = 0
        while started < workers:
            started += "Application startup complete" in lines.get(timeout=180)
        yield port
    finally:
        server.terminate()
        server.wait(30)


def _failed_sign_in_address(database: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT address FROM safetrail.audit WHERE action = 'sign-in-failed' "
                    "AND detail = 'password' ORDER BY id"
                )
            )
            return [str(row.address) for row in rows]
    finally:
        engine.dispose()


def test_forwarded_headers_only_from_trusted_proxies(database: str, tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    init = subprocess.run(
        [*SAFETRAIL, "server", "init", "--database", database, "--blobs", str(blobs)],
        env=_env(SAFETRAIL_SERVER_OPERATOR_PASSWORD=OPERATOR_PASSWORD),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    known = len(_failed_sign_in_address(database))
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.7"}
    for trusted, proxy in ((True, "127.0.0.1"), (False, "10.1.2.3")):
        with _running(database, blobs, "--behind-proxy", proxy) as port:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, headers=forwarded) as client:
                page = client.get("/signin")
                assert page.status_code == 200
                token = re.search(r'name="csrf" value="([^"]+)"', page.text)
                assert token is not None
                # The browser behind the proxy is on https://…; only a trusted proxy's
                # word makes this request https, so only then does its Origin match.
                # (the browser holds the form's cookie; it is Secure, so say it outright here)
                cookie = {"cookie": f"st_pre={token.group(1)}"}
                reply = client.post(
                    "/signin",
                    headers={"origin": f"https://127.0.0.1:{port}", **cookie},
                    data={"csrf": token.group(1), "name": "olu", "password": "wrong pw 123"},
                )
                if trusted:
                    assert reply.status_code == 401
                else:
                    assert reply.status_code == 400
                    assert "did not come from a SafeTrail page" in reply.text
                    plain = client.post(
                        "/signin",
                        headers={"origin": base, **cookie},
                        data={"csrf": token.group(1), "name": "olu", "password": "wrong pw 12"},
                    )
                    assert plain.status_code == 401
    assert _failed_sign_in_address(database)[known:] == ["198.51.100.7", "127.0.0.1"]


def test_reset_operator_from_the_command_line(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from safetrail.server import accounts

    with private_database() as url:
        env = _env(
            SAFETRAIL_SERVER_DATABASE=url,
            SAFETRAIL_SERVER_BLOBS=str(tmp_path / "blobs"),
            SAFETRAIL_SERVER_OPERATOR_PASSWORD=OPERATOR_PASSWORD,
        )
        first = subprocess.run(
            [*SAFETRAIL, "server", "init", "--operator", "olu"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert first.returncode == 0, first.stderr
        old_key = re.search(r"type this key into the app: ([A-Z2-7 ]+)", first.stdout)
        env["SAFETRAIL_SERVER_OPERATOR_PASSWORD"] = "a brand new password"
        reset = subprocess.run(
            [*SAFETRAIL, "server", "reset-operator", "OLU"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert reset.returncode == 0, reset.stderr
        assert "olu has a new password and new sign-in codes." in reset.stdout
        new_key = re.search(r"type this key into the app: ([A-Z2-7 ]+)", reset.stdout)
        assert old_key is not None and new_key is not None
        assert old_key.group(1) != new_key.group(1)
        assert len(re.findall(r"^  [a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$", reset.stdout, re.M)) == 10
        unknown = subprocess.run(
            [*SAFETRAIL, "server", "reset-operator", "nobody"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert unknown.returncode == 8
        assert "There is no operator called nobody." in unknown.stderr
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                assert accounts.check_password(conn, "olu", OPERATOR_PASSWORD) is None
                assert accounts.check_password(conn, "olu", "a brand new password") is not None
                actions = conn.exec_driver_sql(
                    "SELECT action, detail FROM safetrail.audit ORDER BY id"
                ).all()
        finally:
            engine.dispose()
        assert [tuple(a) for a in actions] == [
            ("account-created", "server init"),
            ("password-reset", "command line"),
        ]

"""Findings of the outside security review, at the HTTP level: who may talk to the server,
odd ids in every path, and the header set on every answer (errors and 500s included)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.web.security import CSP, SECURITY_HEADERS, served_hosts
from safetrail.web.state import AppState
from tests.webutil import new_client, set_up

FOREIGN = {"host": "evil.example", "origin": "http://evil.example"}
PARAM = re.compile(r"\{([^}]+)\}")
ODD_VALUES = [
    "²",
    "①",
    "٣",  # Arabic-Indic three
    "１２",  # full-width digits
    "99999999999999999999",
    "I-99999999999999999999",
    "-1",
    "0",
    "..",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "%00",
    "%25%25%25%25%25%25",
    "______",
    "' OR 1=1 --",
    "a" * 400,
    "%F0%9F%92%A5",
]


def routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, through the included routers."""
    stack: list[object] = list(app.routes)
    while stack:
        route = stack.pop()
        inner = getattr(route, "original_router", None)
        if inner is not None:
            stack.extend(inner.routes)
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods):
                yield method, route.path


def fill(path: str, value: str) -> str:
    return PARAM.sub(value, path)


def check_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value, (name, response)
    assert headers["content-security-policy"] == CSP


def ledger_head(state: AppState) -> object:
    from safetrail.storage import ledger

    assert state.vault is not None
    with state.vault.read() as conn:
        top = ledger.head(conn)
    return None if top is None else (top.seq, top.entry_hash)


def test_every_route_refuses_a_foreign_host_on_a_fresh_vault(tmp_path: Path) -> None:
    state = AppState(tmp_path / "v")
    with new_client(tmp_path / "v", state) as client:
        found = list(routes(client.app))  # type: ignore[arg-type]
        assert len(found) > 60
        for method, path in found:
            response = client.request(method, fill(path, "1"), headers=FOREIGN)
            assert response.status_code == 400, (method, path, response.status_code)
            assert response.text == "This address is not SafeTrail's."
            check_headers(response)
        # The rebinding attack of the review: read the setup token, post the setup form.
        page = client.get("/setup", headers=FOREIGN)
        assert page.status_code == 400 and "csrf" not in page.text
        posted = client.post(
            "/setup",
            headers=FOREIGN,
            data={"passphrase": "attacker passphrase", "confirm": "attacker passphrase"},
        )
        assert posted.status_code == 400
    assert not (tmp_path / "v").exists()
    assert state.vault is None


def test_every_route_refuses_a_foreign_host_on_an_open_vault(tmp_path: Path) -> None:
    state = AppState(tmp_path / "v")
    with new_client(tmp_path / "v", state) as client:
        token = set_up(client)
        client.post("/capture", data={"what": "first entry", "csrf": token})
        before = ledger_head(state)
        session = state.session_token
        for method, path in routes(client.app):  # type: ignore[arg-type]
            response = client.request(
                method, fill(path, "1"), headers=FOREIGN, data={"csrf": token}
            )
            assert response.status_code == 400, (method, path, response.status_code)
            check_headers(response)
        assert state.vault is not None and state.session_token == session
        assert ledger_head(state) == before
        assert client.get("/incidents").status_code == 200


def test_state_change_from_a_foreign_origin_is_refused(tmp_path: Path) -> None:
    """The right Host but a page of another origin (another port is the same site)."""
    state = AppState(tmp_path / "v")
    with new_client(tmp_path / "v", state) as client:
        token = set_up(client)
        before = ledger_head(state)
        for origin in ("http://evil.example", "http://127.0.0.1:9999", "null"):
            refused = client.post(
                "/capture", data={"what": "forged", "csrf": token}, headers={"origin": origin}
            )
            assert refused.status_code == 400
            assert refused.text == "This request did not come from a SafeTrail page."
        cross = client.post(
            "/capture",
            data={"what": "forged", "csrf": token},
            headers={"sec-fetch-site": "same-site"},
        )
        assert cross.status_code == 400
        assert ledger_head(state) == before
        same = client.post(
            "/capture",
            data={"what": "mine", "csrf": token},
            headers={"origin": "http://127.0.0.1", "sec-fetch-site": "same-origin"},
        )
        assert same.status_code == 200 and "Saved as I-0001" in same.text


def test_served_hosts_name_the_port() -> None:
    assert served_hosts("127.0.0.1", 8123) == {
        "127.0.0.1:8123",
        "localhost:8123",
        "[::1]:8123",
    }
    assert served_hosts("192.168.1.20", 443, ("Trail.Home.Arpa",)) == {
        "192.168.1.20:443",
        "192.168.1.20",
        "trail.home.arpa:443",
        "trail.home.arpa",
    }


def test_pinned_hosts_refuse_another_port(tmp_path: Path) -> None:
    state = AppState(tmp_path / "v", allowed_hosts=served_hosts("127.0.0.1", 8123))
    with TestClient(
        __import__("safetrail.web.app", fromlist=["create_app"]).create_app(tmp_path / "v", state),
        base_url="http://127.0.0.1:8123",
    ) as client:
        assert client.get("/setup").status_code == 200
        assert client.get("/setup", headers={"host": "localhost:8123"}).status_code == 200
        assert client.get("/setup", headers={"host": "127.0.0.1:8124"}).status_code == 400
        assert client.get("/setup", headers={"host": "127.0.0.1"}).status_code == 400


def test_launch_secret_lets_only_the_opened_browser_in(tmp_path: Path) -> None:
    from safetrail.web.app import create_app

    state = AppState(tmp_path / "v", launch_secret="s3cret-for-this-launch")
    with TestClient(create_app(tmp_path / "v", state), base_url="http://127.0.0.1") as client:
        refused = client.get("/setup")
        assert refused.status_code == 403
        assert "with the link it printed" in refused.text
        check_headers(refused)
        assert client.get("/?launch=wrong", follow_redirects=False).status_code == 403
        assert client.get("/static/app.css").status_code == 200
        opened = client.get("/?launch=s3cret-for-this-launch", follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == "/"
        assert "st_launch=s3cret-for-this-launch" in opened.headers["set-cookie"]
        assert "HttpOnly" in opened.headers["set-cookie"]
        assert client.get("/setup").status_code == 200  # the cookie is kept from now on
    with TestClient(create_app(tmp_path / "v", state), base_url="http://127.0.0.1") as other:
        assert other.get("/setup").status_code == 403  # another program on this computer


# -- odd ids (review finding 4) --


def _odd_requests(client: TestClient, token: str) -> list[tuple[str, str]]:
    with_params = [(m, p) for m, p in routes(client.app) if "{" in p]  # type: ignore[arg-type]
    assert len(with_params) >= 30
    return with_params


def _send(client: TestClient, method: str, url: str, token: str) -> object:
    if method == "POST":
        return client.post(url, data={"csrf": token}, follow_redirects=False)
    return client.request(method, url, follow_redirects=False)


@pytest.fixture
def open_client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    with new_client(tmp_path / "v") as client:
        token = set_up(client)
        client.post("/capture", data={"what": "one entry", "csrf": token})
        yield client, token


def test_odd_ids_in_every_path_never_fail(open_client: tuple[TestClient, str]) -> None:
    client, token = open_client
    for method, path in _odd_requests(client, token):
        for value in ODD_VALUES:
            response = _send(client, method, fill(path, value), token)
            status = response.status_code  # type: ignore[attr-defined]
            assert status < 500, (method, path, value, status)
            check_headers(response)


def test_review_cases_answer_404_pages(open_client: tuple[TestClient, str]) -> None:
    client, token = open_client
    for url in (
        "/evidence/²",
        "/evidence/①/raw",
        "/incidents/²",
        "/incidents/①/amend",
        "/people/99999999999999999999",
        "/checkins/99999999999999999999",
        "/analysis/risk/99999999999999999999",
        "/plan/orders/99999999999999999999",
        "/plan/history/99999999999999999999",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "That did not work" in response.text
        check_headers(response)
    order = client.post(
        "/events/order",
        data={"csrf": token, "person": "99999999999999999999", "order_type": "restraining order"},
    )
    assert order.status_code == 400 and order.status_code < 500
    check_headers(order)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_path_parameters(open_client: tuple[TestClient, str], data: st.DataObject) -> None:
    client, token = open_client
    method, path = data.draw(st.sampled_from(_odd_requests(client, token)))
    value = data.draw(
        st.one_of(
            st.integers(min_value=-(10**30), max_value=10**30).map(str),
            st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1),
            st.text(min_size=1, max_size=40).map(lambda s: s.replace("/", "%2F")),
        )
    )
    from urllib.parse import quote

    response = _send(client, method, fill(path, quote(value, safe="%")), token)
    assert response.status_code < 500, (method, path, value)  # type: ignore[attr-defined]
    check_headers(response)


def test_a_crash_is_a_calm_page_with_every_header(tmp_path: Path) -> None:
    from safetrail.web.app import create_app

    app = create_app(tmp_path / "v")

    @app.get("/setup/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(app, base_url="http://127.0.0.1") as client:
        set_up(client)
        response = client.get("/setup/boom")
        assert response.status_code == 500
        assert "SafeTrail could not show this page because of an unexpected problem." in (
            response.text
        )
        assert "unexpected" not in response.text.replace("an unexpected problem", "")
        check_headers(response)


def test_exit_locks_only_from_own_pages(tmp_path: Path) -> None:
    state = AppState(tmp_path / "v")
    with new_client(tmp_path / "v", state) as client:
        set_up(client)
        session = client.cookies.get("st_session")
        client.cookies.clear()
        bare = client.get("/exit", follow_redirects=False)  # no cookie: sent away, no lock
        assert bare.status_code == 303 and bare.headers["location"] == "/away"
        assert "set-cookie" not in bare.headers and "clear-site-data" not in bare.headers
        assert state.vault is not None
        client.cookies.set("st_session", session or "")
        for site in ("cross-site", "same-site"):
            sent = client.get("/exit", headers={"sec-fetch-site": site}, follow_redirects=False)
            assert sent.status_code == 303 and "set-cookie" not in sent.headers
            assert state.vault is not None
        mine = client.get(
            "/exit", headers={"sec-fetch-site": "same-origin"}, follow_redirects=False
        )
        assert mine.headers["clear-site-data"] == '"cache", "storage"'
        assert state.vault is None


# -- unlock throttling, token rotation, failed attempts (review finding 2) --


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _try(client: TestClient, passphrase: str) -> object:
    from tests.webutil import form_csrf

    page = client.get("/unlock")
    return client.post("/unlock", data={"csrf": form_csrf(page.text), "passphrase": passphrase})


def test_wrong_passphrases_meet_growing_waits(tmp_path: Path) -> None:
    clock = Clock()
    state = AppState(tmp_path / "v", monotonic=clock)
    with new_client(tmp_path / "v", state) as client:
        set_up(client)
        client.get("/lock")
        for _ in range(3):  # typing slips cost nothing
            assert _try(client, "wrong passphrase").status_code == 401  # type: ignore[attr-defined]
        assert _try(client, "wrong passphrase").status_code == 401  # type: ignore[attr-defined]
        for expected in (1, 2, 4, 8, 16):
            held = _try(client, "a long test passphrase")  # even the right one must wait
            assert held.status_code == 429  # type: ignore[attr-defined]
            unit = "second" if expected == 1 else "seconds"
            assert f"Try again in {expected} {unit}." in held.text  # type: ignore[attr-defined]
            assert state.vault is None
            clock.now += expected
            assert _try(client, "wrong again").status_code == 401  # type: ignore[attr-defined]
        clock.now += 32
        opened = _try(client, "a long test passphrase")
        assert opened.status_code == 200  # type: ignore[attr-defined]
        assert "9 wrong passphrases were tried since you last opened SafeTrail." in (
            opened.text  # type: ignore[attr-defined]
        )
        assert state.vault is not None
        assert state.throttle.wait_seconds("testclient", clock.now) == 0
        assert not (tmp_path / "v" / "unlock-failures.json").exists()


def test_overall_wait_covers_every_client(tmp_path: Path) -> None:
    from safetrail.web.throttle import UnlockThrottle

    throttle = UnlockThrottle()
    for n in range(10):
        throttle.failed(f"10.0.0.{n}", 100.0)  # ten addresses, one try each
    assert throttle.wait_seconds("10.0.0.99", 100.0) == 0
    throttle.failed("10.0.0.11", 100.0)
    assert throttle.wait_seconds("10.0.0.99", 100.0) == 1
    for _ in range(20):
        throttle.failed("10.0.0.12", 100.0)
    assert throttle.wait_seconds("10.0.0.99", 100.0) == 300  # capped at five minutes


def test_unlock_token_is_per_page_and_spent_by_a_try(tmp_path: Path) -> None:
    from tests.webutil import form_csrf

    with new_client(tmp_path / "v") as client:
        set_up(client)
        client.get("/lock")
        first = form_csrf(client.get("/unlock").text)
        second = form_csrf(client.get("/unlock").text)
        assert first != second
        wrong = client.post("/unlock", data={"csrf": second, "passphrase": "wrong one here"})
        assert wrong.status_code == 401
        rotated = form_csrf(wrong.text)
        assert rotated not in (first, second)
        assert client.cookies.get("st_pre") == rotated
        replay = client.post(
            "/unlock", data={"csrf": second, "passphrase": "a long test passphrase"}
        )
        assert replay.status_code == 403  # the spent token is refused
        right = client.post(
            "/unlock", data={"csrf": rotated, "passphrase": "a long test passphrase"}
        )
        assert right.status_code == 200


def test_failed_attempts_survive_a_restart(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        set_up(client)
        client.get("/lock")
        for _ in range(2):
            _try(client, "not the passphrase")
    assert (tmp_path / "v" / "unlock-failures.json").exists()
    with new_client(tmp_path / "v") as client:
        opened = _try(client, "a long test passphrase")
        assert "2 wrong passphrases were tried since you last opened SafeTrail." in (
            opened.text  # type: ignore[attr-defined]
        )
        assert client.get("/unlock/notice", follow_redirects=False).status_code == 303  # once


# -- upload size cap (review finding 8) --


def test_upload_over_the_limit_is_refused_up_front(tmp_path: Path) -> None:
    from tests.test_web_evidence import blob_files, upload_headers

    state = AppState(tmp_path / "v", upload_limit=1000)
    with new_client(tmp_path / "v", state) as client:
        token = set_up(client)
        refused = client.post(
            "/evidence/upload", content=b"x" * 1001, headers=upload_headers(token, "big.bin")
        )
        assert refused.status_code == 413
        assert refused.json() == {
            "error": "This file is larger than SafeTrail accepts in one upload (1.0 KB).",
            "hint": "Nothing from it was kept. Add it from the terminal with 'safetrail "
            "evidence add FILE', which has no limit, or start SafeTrail with a higher "
            "--max-upload.",
        }
        assert blob_files(tmp_path / "v") == []
        fits = client.post(
            "/evidence/upload", content=b"y" * 1000, headers=upload_headers(token, "ok.bin")
        )
        assert fits.status_code == 200 and fits.json()["size"] == 1000


def test_upload_limit_is_counted_while_streaming(tmp_path: Path) -> None:
    """No Content-Length (chunked): the stream is cut at the limit, nothing is kept."""
    import httpx

    from safetrail.web.app import create_app
    from tests.test_web_evidence import blob_files, served, upload_headers

    MiB = 1024 * 1024

    def body() -> Iterator[bytes]:
        for _ in range(64):
            yield b"z" * MiB

    state = AppState(tmp_path / "v", upload_limit=3 * MiB)
    with (
        served(create_app(tmp_path / "v", state)) as base,
        httpx.Client(base_url=base, follow_redirects=True) as http,
    ):
        token = set_up(http)  # type: ignore[arg-type]
        headers = upload_headers(token, "endless.bin")
        try:
            answer = http.post("/evidence/upload", content=body(), headers=headers, timeout=60)
        except httpx.TransportError:
            answer = None  # the server may close before reading the rest: also a refusal
        if answer is not None:
            assert answer.status_code == 413
            assert answer.json()["error"].startswith("This file is larger than SafeTrail")
        assert blob_files(tmp_path / "v") == []
        assert list((tmp_path / "v" / "blobs" / "tmp").glob("*")) == []
        assert "No evidence yet" in http.get("/evidence").text


def test_max_upload_option_parses_sizes() -> None:
    from safetrail.cli.serve import parse_size
    from safetrail.errors import ConfigError

    assert parse_size("4GiB") == 4 * 1024**3
    assert parse_size("500 MB") == 500_000_000
    assert parse_size("1048576") == 1048576
    with pytest.raises(ConfigError) as refused:
        parse_size("lots")
    assert refused.value.message == "lots is not a size SafeTrail understands."


def test_serve_prints_a_link_with_its_launch_key(tmp_path: Path) -> None:
    import os
    import re
    import subprocess
    import sys

    import httpx

    env = {**os.environ, "SAFETRAIL_VAULT": str(tmp_path / "vault"), "COLUMNS": "300"}
    server = subprocess.Popen(
        [sys.executable, "-m", "safetrail.cli.main", "serve", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:(\d+))/\?launch=([A-Za-z0-9_-]{40,})", line)
        assert found, line
        base, port, key = found.groups()
        with httpx.Client(base_url=base) as http:
            assert http.get("/setup").status_code == 403
            assert http.get("/setup", headers={"host": f"localhost:{port}"}).status_code == 403
            foreign = http.get("/setup", headers={"host": "evil.example"})
            assert foreign.status_code == 400
            opened = http.get(f"/?launch={key}")
            assert opened.status_code == 303 and opened.headers["location"] == "/"
            assert http.get("/setup").status_code == 200
            other_port = http.get("/setup", headers={"host": f"127.0.0.1:{int(port) + 1}"})
            assert other_port.status_code == 400
    finally:
        server.terminate()
        server.wait(10)

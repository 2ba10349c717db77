"""The web app's safety guarantees, at the HTTP level."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetrail.errors import ConfigError
from safetrail.web.security import CSP
from safetrail.web.state import AppState
from tests.conftest import PASSPHRASE
from tests.webutil import form_csrf, new_client, session_csrf, set_up


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _check_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["cache-control"] == "no-store, max-age=0"
    assert headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"


def test_every_response_has_the_safety_headers(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        for path in ("/", "/setup", "/static/app.css", "/away", "/nope"):
            _check_headers(client.get(path, follow_redirects=False))
        set_up(client)
        for path in ("/", "/capture", "/lock"):
            _check_headers(client.get(path, follow_redirects=False))


def test_first_run_then_locked_pages_redirect(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/setup"
        set_up(client)
        home = client.get("/")
        assert "Record what just happened" in home.text
        assert "999" in home.text  # the emergency number for GB
        client.get("/lock")
        for path in ("/", "/capture", "/incidents", "/evidence", "/settings"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"] == "/unlock"


def test_session_cookie_flags(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        page = client.get("/setup")
        response = client.post(
            "/setup",
            data={
                "csrf": form_csrf(page.text),
                "passphrase": PASSPHRASE,
                "confirm": PASSPHRASE,
                "country": "GB",
                "timezone": "Europe/London",
            },
            follow_redirects=False,
        )
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("st_session=")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie


def test_state_changes_need_the_csrf_token(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        token = set_up(client)
        refused = client.post("/capture", data={"what": "no token"})
        assert refused.status_code == 403
        wrong = client.post("/capture", data={"what": "wrong", "csrf": "x" * 43})
        assert wrong.status_code == 403
        home = client.get("/")
        assert "no token" not in home.text and "Nothing recorded yet" in home.text
        saved = client.post("/capture", data={"what": "with token", "csrf": token})
        assert saved.status_code == 200
        assert "Saved as I-0001" in saved.text


def test_unlock_form_needs_its_token_and_wrong_passphrase_is_calm(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        set_up(client)
        client.get("/lock")
        refused = client.post("/unlock", data={"passphrase": PASSPHRASE})
        assert refused.status_code == 403
        page = client.get("/unlock")
        wrong = client.post(
            "/unlock", data={"csrf": form_csrf(page.text), "passphrase": "not it at all"}
        )
        assert wrong.status_code == 401
        assert "That passphrase does not open this vault." in wrong.text
        page = client.get("/unlock")
        right = client.post(
            "/unlock", data={"csrf": form_csrf(page.text), "passphrase": PASSPHRASE}
        )
        assert right.status_code == 200
        assert "1 wrong passphrase was tried since you last opened SafeTrail." in right.text
        assert "Record what just happened" in client.get("/").text


def test_quick_exit_locks_and_drops_the_key(tmp_path: Path) -> None:
    state = AppState(tmp_path / "v")
    with new_client(tmp_path / "v", state) as client:
        token = set_up(client)
        client.post("/capture", data={"what": "PRIVATE-DETAIL-77", "csrf": token})
        assert state.vault is not None
        leaving = client.get("/exit", follow_redirects=False)
        assert leaving.status_code == 303
        assert leaving.headers["location"] == "/away"
        assert state.vault is None and state.session_token is None
        away = client.get("/away")
        assert "PRIVATE-DETAIL-77" not in away.text
        assert "<title>Recipes</title>" in away.text
        back = client.get("/", follow_redirects=False)  # the browser's back button
        assert back.headers["location"] == "/unlock"


def test_idle_auto_lock(tmp_path: Path) -> None:
    clock = FakeMonotonic()
    state = AppState(tmp_path / "v", monotonic=clock)
    with new_client(tmp_path / "v", state) as client:
        set_up(client)
        clock.now += 4 * 60
        assert client.get("/", follow_redirects=False).status_code == 200
        clock.now += 4 * 60  # activity above reset the timer
        assert client.get("/", follow_redirects=False).status_code == 200
        clock.now += 5 * 60 + 1
        assert client.get("/", follow_redirects=False).headers["location"] == "/unlock"
        assert state.vault is None


def test_incident_text_is_inert(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        token = set_up(client)
        client.post("/capture", data={"what": "<script>alert(1)</script><b>x</b>", "csrf": token})
        home = client.get("/").text
        assert "<script>alert(1)</script>" not in home
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in home


def test_discreet_title_never_shows_content(tmp_path: Path) -> None:
    state = AppState(tmp_path / "v")
    with new_client(tmp_path / "v", state) as client:
        set_up(client)
        state.discreet = True
        home = client.get("/").text
        assert "<title>Notes</title>" in home
        assert "neutral.svg" in home and "SafeTrail" not in home.split("</head>")[0]


def test_capture_error_keeps_what_was_typed(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        token = set_up(client)
        page = client.post(
            "/capture", data={"what": "He was outside again", "when": "blue moon", "csrf": token}
        )
        assert page.status_code == 400
        assert "He was outside again" in page.text
        assert "not a date or time SafeTrail understands" in page.text
        assert session_csrf(page.text) == token


def test_non_loopback_without_tls_is_refused() -> None:
    from typer.testing import CliRunner

    from safetrail.cli.main import app

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "will not listen on 0.0.0.0 without TLS" in result.exception.message


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_hosts(host: str) -> None:
    from safetrail.cli.serve import _is_loopback

    assert _is_loopback(host)
    assert not _is_loopback("192.168.1.10")

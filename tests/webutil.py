"""Helpers for driving the web app over HTTP in tests."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from safetrail.web.app import create_app
from safetrail.web.state import AppState
from tests.conftest import PASSPHRASE

CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')
BODY_CSRF = re.compile(r'data-csrf="([^"]*)"')


def form_csrf(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no csrf field in the page"
    return found.group(1)


def session_csrf(html: str) -> str:
    found = BODY_CSRF.search(html)
    assert found and found.group(1), "no session csrf on the page"
    return found.group(1)


def set_up(client: TestClient, passphrase: str = PASSPHRASE) -> str:
    """Run first-time setup through the pages; returns the session CSRF token."""
    page = client.get("/setup")
    assert page.status_code == 200
    done = client.post(
        "/setup",
        data={
            "csrf": form_csrf(page.text),
            "passphrase": passphrase,
            "confirm": passphrase,
            "country": "GB",
            "timezone": "Europe/London",
        },
    )
    assert done.status_code == 200, done.text  # followed the redirect to home
    return session_csrf(done.text)


def new_client(vault_path: Path, state: AppState | None = None) -> TestClient:
    return TestClient(create_app(vault_path, state), base_url="http://127.0.0.1")

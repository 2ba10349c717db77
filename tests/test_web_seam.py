"""The web seam: every case route gets its case from the one dependency, through the app's
case provider; each error class answers with its own HTTP status."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from safetrail import errors
from safetrail.case import CaseContext
from safetrail.services.import_jobs import JobBoard
from safetrail.web import app as web_app
from safetrail.web.app import create_app
from safetrail.web.deps import Case, PersonalCaseProvider, case_context
from safetrail.web.state import AppState
from tests.webutil import set_up

ROUTES = Path(web_app.__file__).with_name("routes")
TEXT = re.compile(r"<[^>]+>")


def _vault_reads(path: Path) -> list[str]:
    """Every place a module reads an attribute called ``vault`` or asks for the app state's
    vault by the old helper."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "vault":
            found.append(f"{path.name}:{node.lineno} .vault")
        if isinstance(node, ast.Name) and node.id == "current_vault":
            found.append(f"{path.name}:{node.lineno} current_vault")
    return found


def test_no_route_module_reads_the_app_states_vault() -> None:
    modules = sorted(ROUTES.glob("*.py"))
    assert len(modules) >= 20
    assert [hit for path in modules for hit in _vault_reads(path)] == []


def _dependency_calls(route: APIRoute) -> set[Any]:
    found = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        found.add(dependant.call)
        stack.extend(dependant.dependencies)
    return found


def test_every_case_route_uses_the_one_dependency() -> None:
    case_modules = {module.__name__ for module in web_app.CASE_MODULES}
    local_modules = {module.__name__ for module in web_app.LOCAL_MODULES}
    assert not case_modules & local_modules
    personal = {
        f"safetrail.web.routes.{path.stem}"
        for path in ROUTES.glob("*.py")
        if path.stem != "__init__" and not path.stem.startswith("server_")
    }
    assert personal == case_modules | local_modules  # every route module is one or the other
    case_routes = [
        route
        for module in web_app.CASE_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    assert len(case_routes) > 100
    without = [r.path for r in case_routes if case_context not in _dependency_calls(r)]
    assert without == []


# -- a provider plugged in: the routes ask it, never the app state --------------------------------


class RefusingProvider(PersonalCaseProvider):
    """The personal provider, but once ``error`` is set every case is refused with it."""

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.error: errors.SafetrailError | None = None
        self.asked = 0

    def case_for(self, request: Request) -> CaseContext:
        if self.error is None:
            return super().case_for(request)
        self.asked += 1
        raise self.error


class CountingProvider(PersonalCaseProvider):
    """The personal provider, counting cases handed out and released, with its own token."""

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.given = 0
        self.released = 0

    def case_for(self, request: Request) -> CaseContext:
        self.given += 1
        return super().case_for(request)

    def release(self, ctx: CaseContext) -> None:
        self.released += 1

    def csrf_token(self, request: Request) -> str:
        return "token-of-this-session"

    def page_context(self, request: Request) -> Mapping[str, Any]:
        return {**super().page_context(request), "discreet": True}

    def jobs(self, ctx: CaseContext) -> JobBoard:
        return super().jobs(ctx)


def test_case_pages_ask_the_provider_and_release_what_it_gave(tmp_path: Path) -> None:
    state = AppState(tmp_path / "vault")
    provider = CountingProvider(state)
    app = create_app(tmp_path / "vault", state, cases=provider)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = set_up(client)
        assert csrf == "token-of-this-session"  # the provider's session token, on the page
        before = provider.given
        page = client.get("/incidents")
        assert page.status_code == 200
        assert "<title>Notes</title>" in page.text  # the provider's discreet setting
        assert (provider.given - before, provider.released) == (1, provider.given)
        refused = client.post("/capture", data={"csrf": "x", "what": "Waited outside"})
        assert refused.status_code == 403
        saved = client.post(
            "/capture",
            data={"csrf": "token-of-this-session", "what": "Waited outside"},
            follow_redirects=False,
        )
        assert saved.status_code == 303 and saved.headers["location"] == "/?saved=I-0001"
        assert provider.released == provider.given


STATUSES = [
    (errors.SafetrailError, 400),
    (errors.ValidationError, 400),
    (errors.WrongPassphrase, 400),
    (errors.RecordNotFound, 404),
    (errors.VaultBusy, 409),
    (errors.ReadOnlyVault, 503),
    (errors.DiskFull, 503),
    (errors.NotSignedIn, 401),
    (errors.Forbidden, 403),
]


def test_each_error_class_names_its_status() -> None:
    assert [(cls, cls.http_status) for cls, _status in STATUSES] == STATUSES
    assert errors.VaultDatabaseMissing.http_status == 400  # inherited default


@pytest.mark.parametrize(("error", "status"), STATUSES, ids=[c.__name__ for c, _s in STATUSES])
def test_a_provider_error_answers_with_the_class_status(
    tmp_path: Path, error: type[errors.SafetrailError], status: int
) -> None:
    state = AppState(tmp_path / "vault")
    message = f"Refused by the provider: {error.__name__}."
    provider = RefusingProvider(state)
    app = create_app(tmp_path / "vault", state, cases=provider)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        set_up(client)
        provider.error = error(message, "Try something else.")
        asked = provider.asked
        for path in ("/incidents", "/plan", "/reports", "/import/jobs/abc.json"):
            page = client.get(path)
            assert page.status_code == status, path
            text = " ".join(TEXT.sub(" ", page.text).split())
            assert message in text and "Try something else." in text
            assert "Traceback" not in page.text
        assert provider.asked == asked + 4


def test_errors_raised_by_services_in_a_route_map_through_the_one_handler(
    tmp_path: Path,
) -> None:
    router = APIRouter()

    @router.get("/raise/{name}")
    def raise_it(ctx: Case, name: str) -> None:
        assert ctx.case_id
        raise getattr(errors, name)(f"{name} happened.")

    app = create_app(tmp_path / "vault")
    app.include_router(router)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        set_up(client)
        got = {
            cls.__name__: client.get(f"/raise/{cls.__name__}").status_code for cls, _ in STATUSES
        }
        assert got == {cls.__name__: status for cls, status in STATUSES}
        # a real page: an incident that does not exist
        assert client.get("/incidents/I-0999").status_code == 404

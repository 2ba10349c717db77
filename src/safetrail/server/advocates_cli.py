"""``safetrail server org …`` and ``safetrail server advocate …``: organisations and
advocates from the operator's terminal (and from scripts). See docs/server.md,
"Advocates and sharing"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.exc import OperationalError

from safetrail.cli.common import console, ok
from safetrail.errors import ConfigError
from safetrail.i18n import _
from safetrail.server import sharing
from safetrail.server.cases import Server
from safetrail.server.settings import ServerSettings

org_app = typer.Typer(help="Organisations of advocates.", no_args_is_help=True)
advocate_app = typer.Typer(help="Advocates: invite, list, disable.", no_args_is_help=True)

DATABASE = typer.Option(None, "--database", help="PostgreSQL URL (or SAFETRAIL_SERVER_DATABASE).")
BLOBS = typer.Option(None, "--blobs", help="Folder for evidence files (or SAFETRAIL_SERVER_BLOBS).")


@contextmanager
def _server(database: str | None, blobs: Path | None) -> Iterator[Server]:
    settings = ServerSettings.from_env(database=database, blobs=blobs)
    server = Server.connect(settings.database, settings.blobs)
    try:
        try:
            with server.engine.connect():
                pass
        except OperationalError:
            raise ConfigError(
                _("SafeTrail cannot reach the database at the address given."),
                _("Check the URL (postgresql+psycopg://user@host:port/name) and that it runs."),
            ) from None
        yield server
    finally:
        server.close()


def _now() -> datetime:
    return datetime.now(UTC)


@org_app.command("create")
def org_create(
    name: str = typer.Argument(..., help="The organisation's name."),
    database: str | None = DATABASE,
    blobs: Path | None = BLOBS,
) -> None:
    """Create an organisation (advocates are then invited into it)."""
    with _server(database, blobs) as server, server.engine.begin() as conn:
        org = sharing.create_org(conn, name, _now())
    ok(_("Organisation {name} created.").format(name=org.name))


@org_app.command("list")
def org_list(database: str | None = DATABASE, blobs: Path | None = BLOBS) -> None:
    """List the organisations and how many advocates each has."""
    with _server(database, blobs) as server, server.engine.begin() as conn:
        orgs = sharing.list_orgs(conn)
    if not orgs:
        console.print(_("No organisations yet."))
        return
    table = Table(_("Organisation"), _("Advocates"), _("Created"))
    for org in orgs:
        table.add_row(org.name, str(org.members), f"{org.created_at:%Y-%m-%d}")
    console.print(table)


@advocate_app.command("invite")
def advocate_invite(
    name: str = typer.Argument(..., help="The account name the advocate will sign in with."),
    org: str = typer.Option(..., "--org", help="The organisation they join."),
    url: str = typer.Option(
        "", "--url", help="The server's address, e.g. https://safetrail.example.org."
    ),
    database: str | None = DATABASE,
    blobs: Path | None = BLOBS,
) -> None:
    """Make a single-use invitation link (valid 7 days); print it once."""
    with _server(database, blobs) as server, server.engine.begin() as conn:
        token = sharing.invite(conn, org, name, _now())
    path = f"/invite/{token}"
    ok(_("Invitation for {name} made. Give them this link; it works once:").format(name=name))
    console.print(url.rstrip("/") + path if url else path, markup=False, highlight=False)


@advocate_app.command("list")
def advocate_list(database: str | None = DATABASE, blobs: Path | None = BLOBS) -> None:
    """List the advocates, their organisations and whether they are disabled."""
    with _server(database, blobs) as server, server.engine.begin() as conn:
        found = sharing.list_advocates(conn)
    if not found:
        console.print(_("No advocates yet."))
        return
    table = Table(_("Account name"), _("Organisations"), _("Status"))
    for advocate in found:
        status = _("disabled") if advocate.disabled else _("active")
        table.add_row(advocate.name, ", ".join(advocate.orgs), status)
    console.print(table)


@advocate_app.command("disable")
def advocate_disable(
    name: str = typer.Argument(..., help="The advocate's account name."),
    database: str | None = DATABASE,
    blobs: Path | None = BLOBS,
) -> None:
    """Disable an advocate: their sessions end at once and they cannot sign in."""
    with _server(database, blobs) as server, server.engine.begin() as conn:
        sharing.disable_advocate(conn, name, _now())
    ok(_("{name} is disabled; their sessions have ended.").format(name=name))


def register(server_app: typer.Typer) -> None:
    server_app.add_typer(org_app, name="org")
    server_app.add_typer(advocate_app, name="advocate")

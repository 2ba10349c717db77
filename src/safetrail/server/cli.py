"""``safetrail server …``: set up and run SafeTrail Server (see docs/server.md)."""

from __future__ import annotations

import getpass
import io
import multiprocessing
import os
import sys
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from pathlib import Path

import segno
import typer
from sqlalchemy import Connection, inspect, select
from sqlalchemy.exc import OperationalError

from safetrail.cli.common import console, err_console, interactive, ok
from safetrail.errors import ConfigError, WeakPassphrase
from safetrail.i18n import _
from safetrail.server import accounts, audit, keys, sessions, totp
from safetrail.server.accounts import OPERATOR
from safetrail.server.cases import Server
from safetrail.server.db import SERVER_SCHEMA
from safetrail.server.settings import ENV_PREFIX, ServerSettings

app = typer.Typer(
    help="SafeTrail Server: many people and their phones, one PostgreSQL (docs/server.md).",
    no_args_is_help=True,
)

PASSWORD_ENV = ENV_PREFIX + "OPERATOR_PASSWORD"
ISSUER = "SafeTrail"
#: how long a web process may take to answer uvicorn's liveness ping before it is replaced
WORKER_HEALTHCHECK_SECONDS = 60


def _connect(settings: ServerSettings) -> Server:
    server = Server.connect(settings.database, settings.blobs)
    try:
        with server.engine.connect():
            pass
    except OperationalError:
        server.close()
        raise ConfigError(
            _("SafeTrail cannot reach the database at the address given."),
            _("Check the URL (postgresql+psycopg://user@host:port/name) and that it runs."),
        ) from None
    return server


def _operator_password() -> str:
    given = os.environ.get(PASSWORD_ENV)
    if given:
        return given
    if not interactive():
        raise WeakPassphrase(
            _("No password was given for the first operator."),
            _("Run this in a terminal, or set {name} for scripts.").format(name=PASSWORD_ENV),
        )
    first = getpass.getpass(_("Password for the operator account: "))
    if getpass.getpass(_("Type it again: ")) != first:
        raise WeakPassphrase(_("The two passwords are different."), _("Try again."))
    return first


def _print_qr(uri: str) -> None:
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    console.print(out.getvalue(), markup=False, highlight=False, soft_wrap=True)


@app.command("init")
def init(
    database: str | None = typer.Option(
        None, "--database", help="PostgreSQL URL, e.g. postgresql+psycopg://safetrail@db/safetrail."
    ),
    blobs: Path | None = typer.Option(
        None, "--blobs", help="Folder for the encrypted evidence files (may be a shared mount)."
    ),
    operator: str = typer.Option("operator", "--operator", help="Name of the first operator."),
    alert_key: Path | None = typer.Option(
        None,
        "--alert-key",
        help="File for the check-in workers' private alert key (default: alert.key beside "
        "the blobs folder).",
    ),
) -> None:
    """Create the server's tables and the first operator account (with sign-in codes)."""
    settings = ServerSettings.from_env(database=database, blobs=blobs, alert_key=alert_key)
    server = _connect(settings)
    try:
        accounts.install(server.engine)
        server.init()
        _ensure_alert_key(server, settings)
        now = datetime.now(UTC)
        with server.engine.begin() as conn:
            existing = conn.execute(
                select(accounts.accounts.c.id).where(accounts.accounts.c.role == OPERATOR)
            ).first()
        if existing is not None:
            ok(_("The server's tables are up to date; it already has an operator."))
            return
        password = _operator_password()
        with server.engine.begin() as conn:
            account, kek = accounts.create_account(conn, operator, password, OPERATOR, now)
            secret = _enrol(conn, account.id, kek)
            codes = accounts.activate_pending_totp(conn, account.id)
            audit.record(
                conn,
                audit.ACCOUNT_CREATED,
                now,
                account_id=account.id,
                role=OPERATOR,
                subject_id=account.id,
                detail="server init",
            )
        ok(_("SafeTrail Server is set up. First operator: {name}").format(name=account.name))
        _show_enrolment(secret, account.name, codes)
    finally:
        server.close()


@app.command("reset-operator")
def reset_operator(
    name: str = typer.Argument(..., help="The operator's account name."),
    database: str | None = typer.Option(None, "--database", help="PostgreSQL URL."),
    blobs: Path | None = typer.Option(None, "--blobs", help="Folder for evidence files."),
) -> None:
    """Give an operator who lost their password or phone a new password and sign-in codes."""
    settings = ServerSettings.from_env(database=database, blobs=blobs)
    server = _connect(settings)
    try:
        now = datetime.now(UTC)
        with server.engine.begin() as conn:
            account = accounts.find(conn, name)
        if account is None or account.role != OPERATOR:
            raise ConfigError(
                _("There is no operator called {name}.").format(name=name),
                _("People and advocates are reset by an operator on the server's pages."),
            )
        password = _operator_password()
        with server.engine.begin() as conn:
            kek = accounts.set_password(conn, account.id, password)
            secret = _enrol(conn, account.id, kek)
            codes = accounts.activate_pending_totp(conn, account.id)
            sessions.revoke_all(conn, account.id, now)
            audit.record(
                conn,
                audit.PASSWORD_RESET,
                now,
                subject_id=account.id,
                detail="command line",
            )
        ok(_("{name} has a new password and new sign-in codes.").format(name=account.name))
        _show_enrolment(secret, account.name, codes)
    finally:
        server.close()


def _enrol(conn: Connection, account_id: str, kek: bytes) -> bytes:
    """A new TOTP secret, stored encrypted under the account key the password opens."""
    account_key = accounts.open_account_key(conn, account_id, kek)
    try:
        return accounts.begin_totp(conn, account_id, account_key)
    finally:
        keys.wipe(account_key)


def _ensure_alert_key(server: Server, settings: ServerSettings) -> None:
    """Make the check-in workers' alert key on a new server. On an existing one whose key
    file is elsewhere, say so and carry on: the tables are still brought up to date, and
    the check-in workers refuse to start until the file is found."""
    from safetrail.server import alert_key as alert_keys

    try:
        alert_keys.ensure(server.engine, settings.alert_key_path)
    except ConfigError as problem:
        err_console.print(problem.message)
        if problem.hint:
            err_console.print(problem.hint)


def _show_enrolment(secret: bytes, name: str, codes: list[str]) -> None:
    console.print(_("Scan this with an authenticator app; it asks for a code at every sign-in:"))
    _print_qr(totp.provisioning_uri(secret, name, ISSUER))
    console.print(_("Or type this key into the app: {key}").format(key=totp.secret_text(secret)))
    console.print(_("Recovery codes (each signs in once without the app; keep them safe):"))
    for code in codes:
        console.print(f"  {code}")


def _require_initialised(settings: ServerSettings) -> None:
    server = _connect(settings)
    try:
        names = set(inspect(server.engine).get_table_names(schema=SERVER_SCHEMA))
        ready = {"accounts", "sessions", "audit", "cases"} <= names
    finally:
        server.close()
    if not ready:
        raise ConfigError(
            _("This database has no SafeTrail Server tables yet."),
            _("Run 'safetrail server init --database URL --blobs DIR' first."),
        )
    if not settings.blobs.is_dir():
        raise ConfigError(
            _("The evidence folder {path} does not exist.").format(path=settings.blobs),
            _("Run 'safetrail server init' with the same --blobs, or correct the path."),
        )


def _export(settings: ServerSettings) -> None:
    """The web processes uvicorn starts read their settings from the environment."""
    values = {
        "DATABASE": settings.database,
        "BLOBS": str(settings.blobs),
        "HOST": settings.host,
        "PORT": str(settings.port),
        "WORKERS": str(settings.workers),
        "CHECKIN_WORKERS": str(settings.checkin_workers),
        "BEHIND_PROXY": ",".join(settings.behind_proxy),
        "NAMES": ",".join(settings.names),
        "IDLE_MINUTES": str(settings.idle_minutes),
        "SIGNUP": settings.signup,
        "SIGNUP_PER_ADDRESS": str(settings.signup_per_address),
        "ALERT_KEY": str(settings.alert_key_path),
    }
    if settings.tls_cert is not None and settings.tls_key is not None:
        values["TLS_CERT"] = str(settings.tls_cert)
        values["TLS_KEY"] = str(settings.tls_key)
    for key, value in values.items():
        os.environ[ENV_PREFIX + key] = value


def _checkin_workers(settings: ServerSettings) -> list[BaseProcess]:
    if settings.checkin_workers == 0:
        return []
    from safetrail.server import alert_key as alert_keys  # local: workers only
    from safetrail.server.alerts import run_worker

    server = _connect(settings)
    try:
        alert_keys.ensure(server.engine, settings.alert_key_path)  # made on the first run
    finally:
        server.close()
    started: list[BaseProcess] = []
    for number in range(settings.checkin_workers):
        worker = multiprocessing.get_context("spawn").Process(
            target=run_worker, args=(settings,), name=f"safetrail-checkins-{number}", daemon=True
        )
        worker.start()
        started.append(worker)
    return started


@app.command("run")
def run(
    database: str | None = typer.Option(None, "--database", help="PostgreSQL URL."),
    blobs: Path | None = typer.Option(None, "--blobs", help="Folder for evidence files."),
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(None, "--port", help="Port (default 8443)."),
    workers: int | None = typer.Option(None, "--workers", help="Web processes (default 2)."),
    checkin_workers: int | None = typer.Option(
        None, "--checkin-workers", help="Check-in worker processes (default 1)."
    ),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="TLS certificate file."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="TLS private key file."),
    behind_proxy: list[str] = typer.Option(
        [],
        "--behind-proxy",
        help="Address of a reverse proxy that terminates HTTPS (repeatable; only its "
        "X-Forwarded-Proto and X-Forwarded-For are believed).",
    ),
    name: list[str] = typer.Option(
        [], "--name", help="A host name people reach the server by (repeatable)."
    ),
    idle_minutes: int | None = typer.Option(
        None, "--idle-minutes", help="Minutes of inactivity that end a session (default 15)."
    ),
    signup: str | None = typer.Option(
        None,
        "--signup",
        help="Who may make a person's account: invite (a single-use link an operator makes; "
        "the default), open (anyone), closed (nobody).",
    ),
    signup_per_address: int | None = typer.Option(
        None,
        "--signup-per-address",
        help="New accounts one client address may make in a day (default 5; 0: no limit).",
    ),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn's log level."),
) -> None:
    """Run the web processes and check-in workers (HTTPS only)."""
    import uvicorn

    proxies = tuple(part for item in behind_proxy for part in item.replace(",", " ").split())
    settings = ServerSettings.from_env(
        database=database,
        blobs=blobs,
        host=host,
        port=port,
        workers=workers,
        checkin_workers=checkin_workers,
        tls_cert=tls_cert,
        tls_key=tls_key,
        behind_proxy=proxies,
        names=tuple(name),
        idle_minutes=idle_minutes,
        signup=signup,
        signup_per_address=signup_per_address,
    )
    settings.check_transport()
    _require_initialised(settings)
    _export(settings)
    checkers = _checkin_workers(settings)
    scheme = "https"
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    via = (
        _("itself")
        if settings.tls
        else _("the proxies {list}").format(list=", ".join(settings.behind_proxy))
    )
    console.print(
        _("SafeTrail Server on {address} with {count} web processes; HTTPS by {via}.").format(
            address=f"{scheme}://{shown}:{settings.port}", count=settings.workers, via=via
        )
    )
    sys.stdout.flush()
    try:
        uvicorn.run(
            "safetrail.server.app:app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            ssl_certfile=str(settings.tls_cert) if settings.tls else None,
            ssl_keyfile=str(settings.tls_key) if settings.tls else None,
            proxy_headers=bool(settings.behind_proxy),
            forwarded_allow_ips=",".join(settings.behind_proxy) or "",
            server_header=False,
            access_log=False,  # paths can name records: nothing about a case goes to logs
            log_level=log_level,
            # uvicorn kills a web process that does not answer its supervisor's ping within
            # this time; its default (5 s) killed processes that were still starting, or busy
            # analysing a large case, on a loaded machine, over and over
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    finally:
        for worker in checkers:
            worker.terminate()
            worker.join(5)


def register(root: typer.Typer) -> None:
    from safetrail.server import advocates_cli

    advocates_cli.register(app)  # safetrail server org … / advocate …
    root.add_typer(app, name="server")

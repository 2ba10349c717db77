"""``safetrail serve``: the local web app, on loopback only unless TLS is configured."""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
import threading
import webbrowser
from pathlib import Path

import typer

from safetrail.cli import common
from safetrail.cli.common import VaultOption, console
from safetrail.errors import ConfigError
from safetrail.i18n import _


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
_UNITS |= {"kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*")


def parse_size(text: str) -> int:
    """ "4GiB", "500 MB", "1048576" → bytes."""
    found = _SIZE.fullmatch(text.lower())
    if found is None or found.group(2) not in _UNITS or float(found.group(1)) <= 0:
        raise ConfigError(
            _("{value} is not a size SafeTrail understands.").format(value=text),
            _("Write a number with a unit, such as 4GiB or 500MB."),
        )
    return int(float(found.group(1)) * _UNITS[found.group(2)])


def _own_names(host: str) -> tuple[str, ...]:
    """On every address (0.0.0.0 or ::), this computer's own name and addresses also name
    the server; --tls-name adds any other (a name on the local network, for example)."""
    if host not in ("0.0.0.0", "::"):
        return ()
    name = socket.gethostname()
    try:
        addresses = socket.gethostbyname_ex(name)[2]
    except OSError:
        addresses = []
    return (name, socket.getfqdn(), *addresses)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            _("SafeTrail cannot listen on {host}:{port}: {why}.").format(
                host=host, port=port, why=exc.strerror
            ),
            _("Choose another port with --port, or leave it out to pick a free one."),
        ) from None
    sock.listen(64)
    return sock


def serve(
    vault: Path | None = VaultOption,
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(0, help="Port (default: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
    tls_cert: Path | None = typer.Option(None, help="TLS certificate (needed off loopback)."),
    tls_key: Path | None = typer.Option(None, help="TLS private key (needed off loopback)."),
    max_upload: str = typer.Option(
        "4GiB",
        envvar="SAFETRAIL_MAX_UPLOAD",
        help="Largest file one upload may send, e.g. 4GiB, 500MB or a number of bytes.",
    ),
    tls_name: list[str] = typer.Option(
        [], "--tls-name", help="A name this server is reached by under TLS (repeatable)."
    ),
) -> None:
    """Start SafeTrail in your browser (this computer only)."""
    import uvicorn

    from safetrail.web.app import create_app
    from safetrail.web.security import LAUNCH_PARAM, served_hosts
    from safetrail.web.state import AppState

    if not _is_loopback(host) and not (tls_cert and tls_key):
        raise ConfigError(
            _(
                "SafeTrail will not listen on {host} without TLS: others on the network could "
                "read your record."
            ).format(host=host),
            _("Leave --host out to use this computer only, or give --tls-cert and --tls-key."),
        )
    upload_limit = parse_size(max_upload)
    config_path = common.settings(vault).vault
    sock = bind_socket(host, port)
    actual_port = sock.getsockname()[1]
    scheme = "https" if tls_cert else "http"
    shown_host = "127.0.0.1" if host == "localhost" else host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    # A secret per launch, as Jupyter does: only the browser that opens this link gets in,
    # not another user or program on this computer that finds the port.
    launch_secret = secrets.token_urlsafe(32)
    address = f"{scheme}://{shown_host}:{actual_port}/?{LAUNCH_PARAM}={launch_secret}"
    state = AppState(
        config_path,
        allowed_hosts=served_hosts(host, actual_port, (*tls_name, *_own_names(host))),
        launch_secret=launch_secret,
        tls=bool(tls_cert),
        upload_limit=upload_limit,
    )
    console.print(_("SafeTrail is running at {address}").format(address=address))
    console.print(_("Press Ctrl+C here to stop it. Closing the browser does not stop it."))
    if not no_browser:
        threading.Timer(0.8, lambda: webbrowser.open(address)).start()
    config = uvicorn.Config(
        create_app(config_path, state),
        log_level="warning",
        access_log=False,  # paths can name records; nothing about the record goes to logs
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        server_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])

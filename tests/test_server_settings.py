"""Server settings: options, SAFETRAIL_SERVER_* variables, and the HTTPS-only rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetrail.errors import ConfigError
from safetrail.server.settings import ServerSettings, trusted

ENV = {
    "SAFETRAIL_SERVER_DATABASE": "postgresql+psycopg://db/st",
    "SAFETRAIL_SERVER_BLOBS": "/srv/blobs",
    "SAFETRAIL_SERVER_WORKERS": "4",
    "SAFETRAIL_SERVER_BEHIND_PROXY": "10.0.0.5, 10.0.1.0/24",
    "SAFETRAIL_SERVER_IDLE_MINUTES": "30",
}


def test_environment_and_options() -> None:
    settings = ServerSettings.from_env(ENV)
    assert settings.database == "postgresql+psycopg://db/st"
    assert settings.blobs == Path("/srv/blobs")
    assert settings.workers == 4 and settings.checkin_workers == 1
    assert settings.behind_proxy == ("10.0.0.5", "10.0.1.0/24")
    assert settings.idle_seconds == 1800
    given = ServerSettings.from_env(ENV, workers=2, behind_proxy=("192.0.2.1",), port=None)
    assert given.workers == 2 and given.behind_proxy == ("192.0.2.1",) and given.port == 8443
    given.check_transport()


def test_bad_values_are_clear() -> None:
    with pytest.raises(ConfigError, match="SAFETRAIL_SERVER_WORKERS must be a whole number"):
        ServerSettings.from_env({**ENV, "SAFETRAIL_SERVER_WORKERS": "many"})
    with pytest.raises(ConfigError, match="--workers must be at least 1"):
        ServerSettings.from_env(ENV, workers=0)
    with pytest.raises(ConfigError, match="No database was given"):
        ServerSettings.from_env({"SAFETRAIL_SERVER_BLOBS": "/x"})


def test_https_only(tmp_path: Path) -> None:
    plain = ServerSettings(database="x", blobs=tmp_path)
    with pytest.raises(ConfigError, match="will not start without HTTPS"):
        plain.check_transport()
    with pytest.raises(ConfigError, match="needs its key"):
        ServerSettings(database="x", blobs=tmp_path, tls_cert=tmp_path / "c").check_transport()
    missing = ServerSettings(
        database="x", blobs=tmp_path, tls_cert=tmp_path / "c", tls_key=tmp_path / "k"
    )
    with pytest.raises(ConfigError, match="cannot be read"):
        missing.check_transport()
    (tmp_path / "c").write_text("cert")
    (tmp_path / "k").write_text("key")
    missing.check_transport()


def test_trusted_proxies() -> None:
    proxies = ("10.0.0.5", "10.0.1.0/24")
    assert trusted("10.0.0.5", proxies) and trusted("10.0.1.77", proxies)
    assert not trusted("10.0.2.1", proxies)
    assert not trusted("garbage", proxies)
    assert not trusted(None, proxies)

"""Evidence, integrity and settings pages over HTTP.

Uploads stream (bounded memory, raw body, never multipart), viewing supports byte
ranges, nothing decrypted ever reaches the disk, and hostile files are only ever
served as downloads.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import socket
import tempfile
import threading
import time
import tracemalloc
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from safetrail.services import incidents
from safetrail.services.verify import verify
from safetrail.web.app import create_app
from safetrail.web.state import AppState
from tests.conftest import PASSPHRASE

CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')
BODY_CSRF = re.compile(r'data-csrf="([^"]*)"')
NEW_PASSPHRASE = "another quite long passphrase"
MiB = 1024 * 1024


# -- helpers ----------------------------------------------------------------------------


def form_csrf(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no csrf field in the page"
    return found.group(1)


def session_csrf(html: str) -> str:
    found = BODY_CSRF.search(html)
    assert found and found.group(1), "no session csrf on the page"
    return found.group(1)


def set_up(client: TestClient | httpx.Client) -> str:
    """First-run setup through the pages; returns the session CSRF token."""
    page = client.get("/setup")
    assert page.status_code == 200
    assert "st_pre" in client.cookies
    done = client.post(
        "/setup",
        data={
            "csrf": form_csrf(page.text),
            "passphrase": PASSPHRASE,
            "confirm": PASSPHRASE,
            "country": "GB",
            "timezone": "Europe/London",
        },
        follow_redirects=True,
    )
    assert done.status_code == 200, done.text
    return session_csrf(done.text)


def unlock(client: TestClient, passphrase: str) -> httpx.Response:
    page = client.get("/unlock")
    answer: httpx.Response = client.post(
        "/unlock", data={"csrf": form_csrf(page.text), "passphrase": passphrase}
    )
    return answer


def upload_headers(csrf: str | None, name: str, **extra: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/octet-stream",
        "Accept": "application/json",
        "X-File-Name": quote(name),
    }
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    headers.update({key: quote(value) for key, value in extra.items()})
    return headers


def upload(
    client: TestClient, csrf: str | None, name: str, body: bytes, **extra: str
) -> httpx.Response:
    answer: httpx.Response = client.post(
        "/evidence/upload", content=body, headers=upload_headers(csrf, name, **extra)
    )
    return answer


def state_of(client: TestClient) -> AppState:
    app: Any = client.app
    state: AppState = app.state.safetrail
    return state


def png_bytes() -> bytes:
    """A small photo with a capture date and a GPS position in its EXIF."""
    image = Image.new("RGB", (64, 48), (31, 95, 91))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif.get_ifd(0x8769)[0x9003] = "2026:03:14 18:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    gps[3], gps[4] = "W", (0.0, 7.0, 30.0)
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif)
    return out.getvalue()


def wav_bytes() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(bytes(range(256)) * 40)
    return out.getvalue()


def blob_files(vault_path: Path) -> list[Path]:
    root = vault_path / "blobs"
    return [p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp"]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(tmp_path / "vault"), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def csrf(client: TestClient) -> str:
    return set_up(client)


# -- upload and viewing -----------------------------------------------------------------


def test_page_explains_that_uploading_needs_javascript(client: TestClient, csrf: str) -> None:
    page = client.get("/evidence")
    assert page.status_code == 200
    assert "<noscript>" in page.text and "needs JavaScript" in page.text
    assert 'id="upload-form"' in page.text and "hidden" in page.text
    assert '<script src="/static/upload.js" defer></script>' in page.text
    assert "No evidence yet" in page.text
    assert client.get("/static/upload.js").status_code == 200


def test_upload_png_and_wav_then_view_them(client: TestClient, csrf: str) -> None:
    png, wav = png_bytes(), wav_bytes()
    first = upload(client, csrf, "photo of the car.png", png, **{"X-Source-Device": "my phone"})
    second = upload(client, csrf, "voicemail.wav", wav, **{"X-Description": "Message at 2 am"})
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert first.json()["ref"] == "EX-0001"
    assert second.json()["ref"] == "EX-0002"
    assert first.json()["sha256"] == hashlib.sha256(png).hexdigest()
    assert second.json()["sha256"] == hashlib.sha256(wav).hexdigest()
    assert first.json()["size"] == len(png)

    listing = client.get("/evidence").text
    for ref, body in (("EX-0001", png), ("EX-0002", wav)):
        assert f'href="/evidence/{ref}"' in listing
        assert hashlib.sha256(body).hexdigest()[:12] in listing
    assert "photo of the car.png" in listing and "image/png" in listing

    detail = client.get("/evidence/EX-0001")
    assert detail.status_code == 200
    assert '<img class="evidence-view" src="/evidence/EX-0001/raw"' in detail.text
    assert "2026-03-14 18:30:00" in detail.text  # EXIF read back from the stored blob
    assert "51.500000, -0.125000" in detail.text
    assert "my phone" in detail.text
    assert hashlib.sha256(png).hexdigest() in detail.text
    audio = client.get("/evidence/EX-0002").text
    assert '<audio class="evidence-view" controls' in audio
    assert "Message at 2 am" in audio

    raw = client.get("/evidence/EX-0001/raw")
    assert raw.status_code == 200
    assert raw.content == png
    assert raw.headers["content-type"] == "image/png"
    assert raw.headers["accept-ranges"] == "bytes"
    assert raw.headers["content-length"] == str(len(png))
    assert raw.headers["content-disposition"].startswith("inline;")
    assert raw.headers["x-content-type-options"] == "nosniff"
    sound = client.get("/evidence/EX-0002/raw")
    assert sound.content == wav
    assert sound.headers["content-type"].startswith("audio/")


def test_range_requests(client: TestClient, csrf: str) -> None:
    wav = wav_bytes()
    size = len(wav)
    assert upload(client, csrf, "call.wav", wav).status_code == 200
    url = "/evidence/EX-0001/raw"

    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == wav[10:20] and len(part.content) == 10
    assert part.headers["content-range"] == f"bytes 10-19/{size}"
    assert part.headers["content-length"] == "10"

    tail = client.get(url, headers={"Range": "bytes=-5"})
    assert tail.status_code == 206
    assert tail.content == wav[-5:]
    assert tail.headers["content-range"] == f"bytes {size - 5}-{size - 1}/{size}"

    rest = client.get(url, headers={"Range": "bytes=100-"})
    assert rest.status_code == 206 and rest.content == wav[100:]
    past_end = client.get(url, headers={"Range": "bytes=0-999999"})
    assert past_end.status_code == 206 and past_end.content == wav

    for outside in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        refused = client.get(url, headers={"Range": outside})
        assert refused.status_code == 416, outside
        assert refused.headers["content-range"] == f"bytes */{size}"

    for ignored in ("bytes=5-2", "items=0-3", "bytes=0-1,4-5"):
        whole = client.get(url, headers={"Range": ignored})
        assert whole.status_code == 200 and whole.content == wav, ignored
    stale = client.get(url, headers={"Range": "bytes=0-3", "If-Range": '"not-this"'})
    assert stale.status_code == 200 and stale.content == wav


def test_upload_without_csrf_token_is_refused_and_nothing_is_stored(
    client: TestClient, csrf: str, tmp_path: Path
) -> None:
    png = png_bytes()
    for token in (None, "not-the-token"):
        refused = upload(client, token, "photo.png", png)
        assert refused.status_code == 403
    assert blob_files(tmp_path / "vault") == []
    assert "No evidence yet" in client.get("/evidence").text
    assert client.get("/evidence/EX-0001/raw").status_code == 404


def test_attach_to_incident_and_refuse_unknown_incident(
    client: TestClient, csrf: str, tmp_path: Path
) -> None:
    vault = state_of(client).vault
    assert vault is not None
    incident = incidents.quick_incident(vault, "Car parked outside again", "now", None)
    png = png_bytes()
    unknown = upload(client, csrf, "photo.png", png, **{"X-Incident": "I-0099"})
    assert unknown.status_code == 400
    assert "There is no incident called I-0099" in unknown.json()["error"]
    assert blob_files(tmp_path / "vault") == []

    saved = upload(client, csrf, "photo.png", png, **{"X-Incident": str(incident.ref_no)})
    assert saved.status_code == 200
    assert saved.json()["incident"] == incident.ref
    listing = client.get("/evidence").text
    assert f'href="/incidents/{incident.ref}"' in listing
    assert f'href="/incidents/{incident.ref}"' in client.get("/evidence/EX-0001").text


def test_download_is_recorded_as_a_custody_export(client: TestClient, csrf: str) -> None:
    png = png_bytes()
    name = "Foto über Auto.png"
    upload(client, csrf, name, png)
    assert "No copies have been taken out" in client.get("/evidence/EX-0001").text
    viewed = client.get("/evidence/EX-0001/raw")
    assert viewed.content == png
    assert "No copies have been taken out" in client.get("/evidence/EX-0001").text

    copy = client.get("/evidence/EX-0001/raw?download=1")
    assert copy.content == png
    disposition = copy.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Foto%20%C3%BCber%20Auto.png" in disposition
    detail = client.get("/evidence/EX-0001").text
    assert "A copy was taken out of the vault" in detail
    assert "browser download" in detail and "matches" in detail


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("page.html", b"<html><script>alert(document.cookie)</script></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("notes.txt", b"<script>alert(1)</script>"),
        ("no-extension", b"<script>alert(1)</script>"),
    ],
)
def test_hostile_files_are_only_ever_downloads(
    client: TestClient, csrf: str, name: str, body: bytes
) -> None:
    assert upload(client, csrf, name, body).status_code == 200
    for url in ("/evidence/EX-0001/raw", "/evidence/EX-0001/raw?download=1"):
        served = client.get(url)
        assert served.content == body
        assert served.headers["content-type"] == "application/octet-stream"
        assert served.headers["content-disposition"].startswith("attachment;")
        assert served.headers["x-content-type-options"] == "nosniff"
    ranged = client.get("/evidence/EX-0001/raw", headers={"Range": "bytes=0-3"})
    assert ranged.headers["content-type"] == "application/octet-stream"
    assert ranged.headers["content-disposition"].startswith("attachment;")
    detail = client.get("/evidence/EX-0001").text
    assert 'src="/evidence/EX-0001/raw"' not in detail
    assert "not opened inside SafeTrail" in detail


# -- large uploads: bounded memory, no plaintext on disk -------------------------------


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """Run the app on a real uvicorn server on 127.0.0.1 (a free port) in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def files_containing(roots: list[Path], marker: bytes, since: float | None) -> list[Path]:
    """Files under ``roots`` (changed since ``since``, if given) that contain ``marker``."""
    found = []
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                with contextlib.suppress(OSError):
                    if since is not None and path.stat().st_mtime < since:
                        continue
                    if _contains(path, marker):
                        found.append(path)
    return found


def _contains(path: Path, marker: bytes) -> bool:
    overlap = b""
    with path.open("rb") as handle:
        while block := handle.read(4 * MiB):
            if marker in overlap + block:
                return True
            overlap = block[-(len(marker) - 1) :]
    return False


def test_large_upload_streams_in_bounded_memory_and_never_touches_disk(tmp_path: Path) -> None:
    started = time.time() - 2  # file times can be coarse
    vault_path = tmp_path / "vault"
    marker = b"SAFETRAIL-PLAINTEXT-MARKER-" + secrets.token_hex(16).encode()
    size, piece = 64 * MiB, MiB
    digest = hashlib.sha256()

    def piece_at(index: int) -> bytes:
        head = index.to_bytes(8, "big") + marker
        return (head * (piece // len(head) + 1))[:piece]

    def body() -> Iterator[bytes]:
        for index in range(size // piece):
            data = piece_at(index)
            digest.update(data)
            yield data

    with served(create_app(vault_path)) as base, httpx.Client(base_url=base) as http:
        csrf = set_up(http)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            answer = http.post(
                "/evidence/upload",
                content=body(),
                headers={**upload_headers(csrf, "long video.mp4"), "Content-Length": str(size)},
                timeout=120,
            )
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert answer.status_code == 200, answer.text
        assert answer.json()["sha256"] == digest.hexdigest()
        assert answer.json()["size"] == size
        assert peak < 16 * MiB, f"upload peak memory {peak / MiB:.1f} MiB"

        viewed = hashlib.sha256()
        with http.stream("GET", "/evidence/EX-0001/raw") as stream:
            assert stream.headers["content-type"] == "video/mp4"
            for data in stream.iter_bytes():
                viewed.update(data)
        assert viewed.hexdigest() == digest.hexdigest()
        start = 40 * MiB + 12345
        ranged = http.get("/evidence/EX-0001/raw", headers={"Range": f"bytes={start}-{start + 99}"})
        assert ranged.status_code == 206
        expected = piece_at(start // piece)[start % piece :][:100]
        assert ranged.content == expected
        assert http.get("/evidence/EX-0001").status_code == 200

    assert files_containing([vault_path], marker, since=None) == []
    assert files_containing([Path(tempfile.gettempdir())], marker, since=started) == []


def test_interrupted_upload_keeps_nothing(tmp_path: Path) -> None:
    vault_path = tmp_path / "vault"

    def broken_body() -> Iterator[bytes]:
        yield b"x" * MiB
        raise ConnectionError("the cable was pulled")

    with served(create_app(vault_path)) as base, httpx.Client(base_url=base) as http:
        csrf = set_up(http)
        with pytest.raises(ConnectionError):
            http.post(
                "/evidence/upload",
                content=broken_body(),
                headers={**upload_headers(csrf, "cut.bin"), "Content-Length": str(8 * MiB)},
                timeout=30,
            )
        deadline = time.monotonic() + 10
        while list((vault_path / "blobs" / "tmp").glob("*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list((vault_path / "blobs" / "tmp").glob("*")) == []
        assert blob_files(vault_path) == []
        assert "No evidence yet" in http.get("/evidence").text


# -- integrity ----------------------------------------------------------------------------


def test_integrity_check_shows_intact_and_head_hash(client: TestClient, csrf: str) -> None:
    upload(client, csrf, "photo.png", png_bytes())
    before = client.get("/integrity")
    assert before.status_code == 200
    assert "not yet since you unlocked" in before.text
    vault = state_of(client).vault
    assert vault is not None
    head = verify(vault).head_hash
    assert head in before.text

    page = client.get("/integrity").text
    checked = client.post("/integrity", data={"csrf": form_csrf(page)})
    assert checked.status_code == 200
    assert "Your record is intact." in checked.text
    assert head in checked.text
    assert re.search(r"Evidence files checked</dt><dd>1</dd>", checked.text)
    after = client.get("/integrity").text
    assert "intact" in after and "not yet since you unlocked" not in after


def test_integrity_names_a_damaged_exhibit_calmly(
    client: TestClient, csrf: str, tmp_path: Path
) -> None:
    upload(client, csrf, "photo.png", png_bytes())
    (blob,) = blob_files(tmp_path / "vault")
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0xFF
    blob.write_bytes(bytes(data))
    page = client.get("/integrity").text
    checked = client.post("/integrity", data={"csrf": form_csrf(page)})
    assert checked.status_code == 200
    assert "SafeTrail found 1 problem." in checked.text
    assert "evidence EX-0001" in checked.text
    assert "do not delete it" in checked.text


def test_integrity_check_needs_the_form_token(client: TestClient, csrf: str) -> None:
    assert client.post("/integrity", data={"csrf": "wrong"}).status_code == 403


# -- settings -----------------------------------------------------------------------------


def settings_form(client: TestClient, **changes: str) -> dict[str, str]:
    page = client.get("/settings").text
    form = {
        "csrf": form_csrf(page),
        "country": "GB",
        "timezone": "Europe/London",
        "auto_lock_minutes": "5",
        "exit_url": "/away",
    }
    form.update(changes)
    return form


def test_settings_apply_at_once(client: TestClient, csrf: str) -> None:
    home = client.get("/").text
    assert "<title>Home · SafeTrail</title>" in home
    assert 'data-autolock="300"' in home
    saved = client.post(
        "/settings",
        data=settings_form(client, auto_lock_minutes="1", discreet="on", timezone="Asia/Tokyo"),
    )
    assert saved.status_code == 200
    assert "Saved. The new settings apply now." in saved.text
    home = client.get("/").text
    assert "<title>Notes</title>" in home
    assert 'data-autolock="60"' in home
    assert "/static/neutral.svg" in home
    state = state_of(client)
    assert state.auto_lock_minutes == 1 and state.discreet
    page = client.get("/settings").text
    assert 'value="Asia/Tokyo"' in page and 'name="discreet" type="checkbox" checked' in page

    client.post("/settings", data=settings_form(client))  # discreet left unticked: off
    assert "<title>Home · SafeTrail</title>" in client.get("/").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("auto_lock_minutes", "soon", "whole number of minutes"),
        ("auto_lock_minutes", "0", "between 1 and 240"),
        ("country", "ZZ", "not a country code"),
        ("timezone", "Mars/Olympus", "not a time zone"),
        ("exit_url", "http://example.com", "https://"),
    ],
)
def test_settings_errors_are_explained(
    client: TestClient, csrf: str, field: str, value: str, message: str
) -> None:
    refused = client.post("/settings", data=settings_form(client, **{field: value}))
    assert refused.status_code == 400
    assert message in refused.text
    assert f'value="{value}"' in refused.text  # what was typed is kept
    assert state_of(client).auto_lock_minutes == 5


def test_passphrase_change(client: TestClient, csrf: str) -> None:
    def change(current: str, new: str, confirm: str) -> httpx.Response:
        page = client.get("/settings").text
        answer: httpx.Response = client.post(
            "/settings/passphrase",
            data={"csrf": form_csrf(page), "current": current, "new": new, "confirm": confirm},
        )
        return answer

    wrong = change("not my passphrase", NEW_PASSPHRASE, NEW_PASSPHRASE)
    assert wrong.status_code == 400
    assert "not the passphrase you use now" in wrong.text
    mismatch = change(PASSPHRASE, NEW_PASSPHRASE, NEW_PASSPHRASE + "x")
    assert mismatch.status_code == 400 and "different" in mismatch.text
    short = change(PASSPHRASE, "short", "short")
    assert short.status_code == 400 and "too short" in short.text

    done = change(PASSPHRASE, NEW_PASSPHRASE, NEW_PASSPHRASE)
    assert done.status_code == 200
    assert "Your passphrase is changed." in done.text
    client.get("/lock")
    assert not state_of(client).unlocked
    assert unlock(client, PASSPHRASE).status_code == 401
    opened = unlock(client, NEW_PASSPHRASE)
    assert opened.status_code == 200
    assert "1 wrong passphrase was tried since you last opened SafeTrail." in opened.text
    assert "Record what just happened" in client.get("/").text


def test_pages_need_an_unlocked_vault(client: TestClient, csrf: str) -> None:
    client.get("/lock")
    for path in ("/evidence", "/evidence/EX-0001", "/evidence/EX-0001/raw", "/integrity"):
        assert client.get(path, follow_redirects=False).status_code == 303
    locked = client.post("/evidence/upload", content=b"data", headers=upload_headers(csrf, "a.png"))
    assert locked.status_code == 401


def test_a_quick_record_leads_to_adding_a_photo_to_it(client: TestClient, csrf: str) -> None:
    saved = client.post(
        "/capture", data={"what": "He photographed my door", "csrf": csrf}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/?saved=I-0001"
    home = client.get("/?saved=I-0001").text
    assert 'href="/evidence?incident=I-0001#add-heading"' in home
    assert "Add a photo, video or recording to I-0001" in home
    form = client.get("/evidence?incident=I-0001").text
    assert 'id="upload-incident" name="incident" maxlength="40" value="I-0001"' in form
    plain = client.get("/evidence").text
    assert 'id="upload-incident" name="incident" maxlength="40" value=""' in plain

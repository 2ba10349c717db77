"""The reports page over HTTP: downloads, CSRF, custody, letters and the bundle stream."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetrail.services.vault import Vault
from safetrail.web.app import create_app
from safetrail.web.routes import reports
from tests.test_reports_support import MARKER, Case, pdf_pages, pdf_text, populate
from tests.webutil import set_up


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, str, Case]]:
    app = create_app(tmp_path / "vault")
    if not any(getattr(r, "path", "") == "/reports" for r in app.routes):
        app.include_router(reports.router)  # until the app's route list includes it
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = set_up(client)
        vault: Vault = client.app.state.safetrail.vault  # type: ignore[attr-defined]
        files = tmp_path / "files"
        files.mkdir()
        case = populate(vault, files)
        yield client, csrf, case


def handed_out(client: TestClient) -> list[str]:
    vault: Vault = client.app.state.safetrail.vault  # type: ignore[attr-defined]
    with vault.read() as conn:
        return [
            r.data["format"] for r in vault.store.load(conn, vault.store.list_ids(conn, "export"))
        ]


def test_page_offers_the_choices(web: tuple[TestClient, str, Case]) -> None:
    client, _csrf, case = web
    page = client.get("/reports")
    assert page.status_code == 200
    html = unescape(page.text)
    assert 'name="csrf"' in html
    assert f'value="{case.person}"' in html and "Mark Example" in html
    assert 'formaction="/reports/bundle"' in html and 'formaction="/reports/police-sheet"' in html
    assert "<script>" not in html and "style=" not in html  # strict CSP: nothing inline
    assert page.headers["Cache-Control"].startswith("no-store")


def test_pdf_download_needs_csrf_and_is_recorded(web: tuple[TestClient, str, Case]) -> None:
    client, csrf, case = web
    refused = client.post("/reports/pdf", data={})
    assert refused.status_code == 403
    done = client.post(
        "/reports/pdf",
        data={"csrf": csrf, "offenders": [case.person], "witness_contacts": "1"},
    )
    assert done.status_code == 200
    assert done.headers["content-type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="report-\d{4}-\d{2}-\d{2}\.pdf"',
        done.headers["content-disposition"],
    )
    text = pdf_text(done.content)
    assert "Incidents in this report: 7." in text  # P-002's one incident is left out
    assert MARKER not in text
    assert handed_out(client) == ["pdf-report"]
    listed = client.get("/reports")
    assert "pdf-report" in listed.text


def test_bad_choice_shows_the_form_again(web: tuple[TestClient, str, Case]) -> None:
    client, csrf, _case = web
    shown = client.post(
        "/reports/pdf", data={"csrf": csrf, "from_day": "2026-04-01", "to_day": "2026-03-01"}
    )
    assert shown.status_code == 400
    assert "The &#39;from&#39; date is after the &#39;to&#39; date." in shown.text
    assert 'value="2026-04-01"' in shown.text
    missing = client.post("/reports/pdf", data={"csrf": csrf, "incidents": "I-0999"})
    assert missing.status_code == 400
    assert handed_out(client) == []


def test_police_sheet_download(web: tuple[TestClient, str, Case]) -> None:
    client, csrf, _case = web
    done = client.post("/reports/police-sheet", data={"csrf": csrf})
    assert done.status_code == 200
    assert len(pdf_pages(done.content)) == 1
    assert handed_out(client) == ["police-sheet"]


def test_bundle_streams_a_checkable_zip(web: tuple[TestClient, str, Case]) -> None:
    client, csrf, case = web
    done = client.post("/reports/bundle", data={"csrf": csrf})
    assert done.status_code == 200
    assert done.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(done.content)) as archive:
        names = archive.namelist()
        folder = names[0].split("/")[0]
        manifest = archive.read(f"{folder}/SHA256SUMS").decode()
        for line in manifest.splitlines():
            digest, name = line.split("  ", 1)
            import hashlib

            assert hashlib.sha256(archive.read(f"{folder}/{name}")).hexdigest() == digest
    assert len(manifest.splitlines()) == 7 + len(case.exhibits)
    assert handed_out(client) == ["bundle"]


def test_encrypted_bundle_checks_its_passphrase_first(
    web: tuple[TestClient, str, Case],
) -> None:
    client, csrf, _case = web
    mismatch = client.post(
        "/reports/bundle",
        data={"csrf": csrf, "bundle_passphrase": "one long passphrase", "bundle_confirm": "x"},
    )
    assert mismatch.status_code == 400
    assert "different" in mismatch.text
    sealed = client.post(
        "/reports/bundle",
        data={
            "csrf": csrf,
            "bundle_passphrase": "one long passphrase",
            "bundle_confirm": "one long passphrase",
        },
    )
    assert sealed.status_code == 200
    assert sealed.content.startswith(b"SAFETRAIL-BUNDLE")
    assert sealed.headers["content-disposition"].endswith('.stbundle"')
    assert handed_out(client) == ["bundle-encrypted"]


def test_exports(web: tuple[TestClient, str, Case]) -> None:
    client, csrf, _case = web
    as_json = client.post("/reports/export/json", data={"csrf": csrf})
    assert as_json.json()["format"] == "safetrail-export"
    as_csv = client.post("/reports/export/csv", data={"csrf": csrf})
    assert as_csv.headers["content-type"].startswith("text/csv")
    comms = client.post("/reports/export/communications-csv", data={"csrf": csrf})
    assert comms.content.decode("utf-8-sig").startswith("at_utc,direction,channel")
    for response in (as_json, as_csv, comms):
        assert MARKER not in response.content.decode("utf-8-sig")
    assert handed_out(client) == ["json", "csv", "communications-csv"]


def test_letter_preview_download_and_mark_sent(web: tuple[TestClient, str, Case]) -> None:
    client, csrf, case = web
    preview = client.post(
        "/reports/letter", data={"csrf": csrf, "kind": "no-contact", "person": case.person}
    )
    assert preview.status_code == 200
    html = unescape(preview.text)
    assert "I do not want any contact with you, of any kind." in html
    assert "A notice is already recorded:" in html
    assert handed_out(client) == []  # a preview hands nothing out
    as_text = client.post(
        "/reports/letter/download",
        data={"csrf": csrf, "kind": "no-contact", "person": case.person, "file_type": "text"},
    )
    assert as_text.headers["content-type"].startswith("text/plain")
    assert as_text.text.startswith("To: Mark Example")
    as_pdf = client.post(
        "/reports/letter/download",
        data={"csrf": csrf, "kind": "no-contact", "person": case.person, "file_type": "pdf"},
    )
    assert as_pdf.content.startswith(b"%PDF")
    assert handed_out(client) == ["letter-no-contact", "letter-no-contact"]
    sent = client.post(
        "/reports/letter/sent",
        data={"csrf": csrf, "person": case.person, "sent_on": "2026-03-20", "method": "letter"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/events?saved=N-002#notices"
    wrong = client.post(
        "/reports/letter",
        data={"csrf": csrf, "kind": "platform", "person": case.person},
    )
    assert wrong.status_code == 400
    assert "Say which platform" in wrong.text

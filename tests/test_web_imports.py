"""The import page over HTTP: upload an export, preview it, import it, undo it.

The export goes up through /evidence/upload (kept as an exhibit, never in plaintext);
previews and imports run as background jobs whose JSON the page polls.
"""

from __future__ import annotations

import html
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safetrail.errors import ValidationError
from safetrail.importers.registry import all_importers
from safetrail.services import people
from safetrail.services.imports import mappings
from safetrail.services.imports.report import ImportReport, SourceReport
from safetrail.services.imports.run import ImportOptions, ProgressInfo, list_imports
from safetrail.services.vault import Vault
from safetrail.storage.comm_tables import communications
from safetrail.web.routes import imports as import_routes
from safetrail.web.state import AppState
from tests.webutil import form_csrf, new_client, set_up

SAMPLES = Path(__file__).parent / "samples" / "smsbackup"
SMS = SAMPLES / "sms-20220502091433.xml"
TRUNCATED = SAMPLES / "sms-truncated.xml"
DRAFT = "This message is a draft that was never sent; it was not imported."
BAD_DATE = "This message has no date that can be read ('not a date'); it was not imported."
BAD_PHOTO = (
    "The attachment 'photo.jpg' of this message is damaged (its contents are not valid "
    "base64), so the message was imported without it."
)
FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


# -- helpers ----------------------------------------------------------------------------


def state_of(client: TestClient) -> AppState:
    app: Any = client.app
    state: AppState = app.state.safetrail
    return state


def vault_of(client: TestClient) -> Vault:
    vault = state_of(client).vault
    assert vault is not None
    return vault


def upload(client: TestClient, csrf: str, path: Path) -> dict[str, Any]:
    answer = client.post(
        "/evidence/upload",
        content=path.read_bytes(),
        headers={
            "Content-Type": "application/octet-stream",
            "Accept": "application/json",
            "X-CSRF-Token": csrf,
            "X-File-Name": quote(path.name),
        },
    )
    assert answer.status_code == 200, answer.text
    saved: dict[str, Any] = answer.json()
    return saved


def start(client: TestClient, csrf: str | None, **body: Any) -> httpx.Response:
    headers = {"Accept": "application/json"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    answer: httpx.Response = client.post("/import/jobs", json=body, headers=headers)
    return answer


def finished(client: TestClient, status_url: str, seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = client.get(status_url).json()
        if job["state"] != "running":
            return job
        assert time.monotonic() < deadline, "the job did not finish in time"
        time.sleep(0.05)


def add_jordan(client: TestClient) -> None:
    people.add_person(
        vault_of(client),
        people.PersonInput(["Jordan Hale"], role="offender", identifiers=["+447700900123"]),
    )


def comms(vault: Vault, undone: bool) -> int:
    with vault.read() as conn:
        found = conn.execute(
            select(func.count())
            .select_from(communications)
            .where(communications.c.undone.is_(undone))
        ).scalar_one()
    return int(found)


def commit_fields(page: str) -> list[tuple[str, str]]:
    form = page.split('id="commit-form"', 1)[1].split("</form>", 1)[0]
    return [(name, html.unescape(value)) for name, value in FIELD.findall(form)]


def text_of(page: str) -> str:
    main = page.split('<main id="main"', 1)[1]
    main = re.sub(r"<span class=\"nowrap\">([^<]*)</span>", r"\1", main)  # no word break
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


class Gate:
    """Stands in for run_import: reports progress, then waits to be cancelled or let go."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self,
        vault: Vault,
        paths: list[Path] | None = None,
        options: ImportOptions | None = None,
        commit: bool = True,
        progress: Any = None,
        cancel: threading.Event | None = None,
        evidence_refs: list[str] | None = None,
    ) -> ImportReport:
        assert cancel is not None and progress is not None
        self.calls.append({"commit": commit, "refs": evidence_refs, "options": options})
        progress(ProgressInfo("big-export.xml", 2500, 10000, 1234))
        deadline = time.monotonic() + 20
        while not cancel.is_set() and not self.release.is_set():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        report = ImportReport(preview=not commit)
        report.status = "cancelled" if cancel.is_set() else "preview"
        return report


# -- the page ---------------------------------------------------------------------------


def test_import_page_names_every_format_and_is_locked_away(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        assert client.get("/import", follow_redirects=False).headers["location"] == "/setup"
        set_up(client)
        page = client.get("/import")
        assert page.status_code == 200
        assert "<title>Import · SafeTrail</title>" in page.text
        assert '<a href="/import">Import</a>' in page.text  # in the menu
        labels = [importer.label for importer in all_importers()]
        assert "SMS Backup & Restore (Android)" in labels
        for label in labels:
            assert f"<li>{html.escape(label, quote=False)}</li>" in page.text
            assert f">{html.escape(label, quote=False)}</option>" in page.text
        text = text_of(page.text)
        assert "Each export file you choose is first kept in your evidence" in text
        assert 'data-upload="/evidence/upload"' in page.text
        assert 'data-jobs="/import/jobs"' in page.text
        assert '<script src="/static/imports.js" defer></script>' in page.text
        assert "Nothing has been imported yet." in text
        for option in ('value="auto" selected', 'value="day"', 'value="month"'):
            assert option in page.text
        assert 'id="import-me" name="me"' in page.text
        assert "<script>" not in page.text and " style=" not in page.text
        client.get("/lock")
        assert client.get("/import", follow_redirects=False).headers["location"] == "/unlock"
        assert client.get("/static/imports.js").status_code == 200


def test_posts_without_the_csrf_token_are_refused(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        ref = upload(client, csrf, SMS)["ref"]
        assert start(client, None, mode="preview", evidence=[ref]).status_code == 403
        assert start(client, "x" * 43, mode="preview", evidence=[ref]).status_code == 403
        form = client.post("/import/jobs", data={"mode": "preview", "evidence": ref})
        assert form.status_code == 403
        assert "This form has expired" in form.text
        assert client.post("/import/IM-001/undo", data={"reason": "no"}).status_code == 403
        assert client.post("/import/jobs/abc/cancel").status_code == 403
        assert state_of(client).import_jobs == {}
        assert list_imports(vault_of(client)) == []


# -- the whole way through ----------------------------------------------------------------


def test_preview_import_and_undo_a_real_export(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        add_jordan(client)
        saved = upload(client, csrf, SMS)
        assert saved["ref"] == "EX-0001"

        begun = start(client, csrf, mode="preview", evidence=["EX-0001"])
        assert begun.status_code == 200, begun.text
        started = begun.json()
        assert started["url"] == f"/import/jobs/{started['id']}"
        assert started["status_url"] == started["url"] + ".json"
        job = finished(client, started["status_url"])
        assert job["state"] == "done" and job["mode"] == "preview"
        assert job["error"] is None and job["stopping"] is False
        assert (job["source"], job["records"]) == ("sms-20220502091433.xml", 9)
        assert job["done_bytes"] == job["total_bytes"] == SMS.stat().st_size
        report = job["report"]
        assert report["preview"] is True and report["ref"] is None
        assert report["status"] == "preview"
        assert (report["records"], report["new"], report["duplicates"], report["skipped"]) == (
            9,
            9,
            0,
            3,
        )
        assert report["first_at"] == "2022-05-01T10:13:20.000000Z"
        assert report["last_at"] == "2022-05-01T10:25:00.000000Z"
        assert report["people"] == [{"ref": "P-001", "name": "Jordan Hale", "records": 6}]
        assert report["unmatched"] == [
            ["07700 900456", 1],
            ["Jordan, Sam, Riley", 1],
            ["+447700900789", 1],
        ]
        [source] = report["sources"]
        assert source["importer"] == "smsbackup 1"
        assert source["skipped"] == {BAD_PHOTO: 1, BAD_DATE: 1, DRAFT: 1}
        assert source["rest_lost"] is None and source["refused"] is None

        page = client.get(started["url"])
        assert page.status_code == 200
        text = text_of(page.text)
        assert "What SafeTrail found" in text
        assert "Nothing has been added to your log yet." in text
        assert "9 records found 9 new 0 already in your log 3 skipped (see why below)" in text
        assert "Dated from 2022-05-01 11:13 to 2022-05-01 11:25." in text  # London summer time
        assert "P-001 Jordan Hale: 6 records" in text
        assert '<a href="/people/P-001">P-001</a>' in page.text
        assert "07700 900456 : 1 record" in text
        assert "add it to their phone numbers and accounts" in text
        assert "Read as: SMS Backup & Restore (Android)" in text
        assert "Records 9 New 9 Already in your log 0 Skipped 3" in text
        for reason in (DRAFT, BAD_DATE, BAD_PHOTO):
            assert f"1 × {reason}" in text
        assert "This file is damaged" not in text
        assert "Import these 9 records" in text
        assert "the export files stay in your evidence: EX-0001" in text
        assert 'data-status="' not in page.text  # finished: no polling
        fields = commit_fields(page.text)
        assert ("mode", "commit") in fields and ("evidence", "EX-0001") in fields
        assert ("csrf", csrf) in fields
        assert list_imports(vault_of(client)) == []  # a preview writes nothing
        assert comms(vault_of(client), undone=False) == 0

        committed = client.post("/import/jobs", data=dict(fields), follow_redirects=False)
        assert committed.status_code == 303
        url = committed.headers["location"]
        assert url.startswith("/import/jobs/") and url != started["url"]
        job = finished(client, url + ".json")
        assert job["state"] == "done" and job["mode"] == "commit"
        report = job["report"]
        assert (report["ref"], report["status"], report["preview"]) == ("IM-001", "complete", False)
        assert (report["records"], report["new"], report["duplicates"]) == (9, 9, 0)
        assert report["incidents"] == {"created": 1, "amended": 0, "voided": 0}
        assert report["attachments_stored"] == 1
        assert report["sources"][0]["evidence_ref"] == "EX-0001"  # the upload, not a copy

        done = text_of(client.get(url).text)
        assert "Saved as IM-001: 9 new records were added to your log." in done
        assert "Summary incidents on your timeline: 1 new, 0 updated." in done
        assert "9 records found 9 added" in done
        assert "kept as EX-0001" in done
        result = client.get(url).text
        assert 'href="/incidents"' in result and 'href="/evidence"' in result

        vault = vault_of(client)
        [summary] = list_imports(vault)
        assert (summary.ref, summary.status, summary.records, summary.new, summary.skipped) == (
            "IM-001",
            "complete",
            9,
            9,
            3,
        )
        assert summary.files == ["sms-20220502091433.xml"]
        assert comms(vault, undone=False) == 9

        listing = client.get("/import")
        text = text_of(listing.text)
        assert "IM-001" in text and "Finished" in text
        assert "9 records read, 9 new, 3 skipped." in text
        assert 'action="/import/IM-001/undo"' in listing.text
        assert "Nothing has been imported yet." not in text

        again = start(client, csrf, mode="preview", evidence=["ex-0001"])
        job = finished(client, again.json()["status_url"])
        assert (job["report"]["new"], job["report"]["duplicates"]) == (0, 9)
        page = client.get(again.json()["url"]).text
        assert "Everything in these files is already in your log" in text_of(page)
        assert 'id="commit-form"' not in page

        token = form_csrf(listing.text)
        empty = client.post("/import/IM-001/undo", data={"csrf": token, "reason": "  "})
        assert empty.status_code == 400
        assert "Please say why the import is being undone." in text_of(empty.text)
        assert list_imports(vault)[0].status == "complete"
        undone = client.post(
            "/import/IM-001/undo",
            data={"csrf": token, "reason": "wrong phone's backup"},
            follow_redirects=False,
        )
        assert undone.status_code == 303
        assert undone.headers["location"] == "/import?undone=IM-001"
        shown = text_of(client.get(undone.headers["location"]).text)
        assert "IM-001 was undone." in shown and "Undone" in shown
        assert list_imports(vault)[0].status == "undone"
        assert comms(vault, undone=True) == 9 and comms(vault, undone=False) == 0
        twice = client.post("/import/IM-001/undo", data={"csrf": token, "reason": "again"})
        assert twice.status_code == 400
        assert "IM-001 was already undone." in text_of(twice.text)


def test_a_damaged_export_is_explained(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        ref = upload(client, csrf, TRUNCATED)["ref"]
        started = start(client, csrf, mode="preview", evidence=[ref], date_order="day").json()
        job = finished(client, started["status_url"])
        [source] = job["report"]["sources"]
        assert (source["records"], source["new"]) == (4, 4)
        assert source["rest_lost"].startswith("The file ends in the middle of a record at line 18")
        text = text_of(client.get(started["url"]).text)
        assert "This file is damaged." in text
        assert "Everything before the damaged part was read" in text
        assert "None of these messages or calls matched a person on your People page." in text
        assert "Import these 4 records" in text


def test_a_file_that_is_not_an_export_is_refused_calmly(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        note = tmp_path / "<img src=x onerror=alert(1)>.txt"
        note.write_text("milk, eggs, bread\n")
        ref = upload(client, csrf, note)["ref"]
        started = start(client, csrf, mode="preview", evidence=[ref]).json()
        job = finished(client, started["status_url"])
        assert job["state"] == "done"
        refused = "SafeTrail does not recognise this file as an export it can read."
        assert job["report"]["sources"][0]["refused"] == refused
        text = text_of(client.get(started["url"]).text)
        assert refused in text
        assert "SafeTrail found no messages or calls it could read in these files." in text
        assert "Import these" not in text
        shown = client.get(started["url"]).text
        assert "<img src=x" not in shown
        assert "&lt;img src=x onerror=alert(1)&gt;.txt" in shown


# -- problems -------------------------------------------------------------------------------


def test_bad_requests_get_a_message_and_a_hint(tmp_path: Path) -> None:
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        missing = start(client, csrf, mode="preview", evidence=["EX-0099"])
        assert missing.status_code == 400
        assert missing.json()["hint"] == "Check the reference number and try again."
        nothing = start(client, csrf, mode="preview", evidence=[])
        assert nothing.json()["error"] == "Choose at least one export file first."
        ref = upload(client, csrf, SMS)["ref"]
        unknown = start(client, csrf, mode="preview", evidence=[ref], format="nope")
        assert unknown.status_code == 400
        assert unknown.json()["error"] == "There is no import format called 'nope'."
        assert "smsbackup" in unknown.json()["hint"]
        odd = start(client, csrf, mode="delete-everything", evidence=[ref])
        assert odd.json()["error"] == "The import request was not understood."

        page = client.post(
            "/import/jobs", data={"csrf": csrf, "mode": "preview", "me": "Sam", "format": "nope"}
        )
        assert page.status_code == 400
        text = text_of(page.text)
        assert "Choose at least one export file first." in text
        assert 'value="Sam"' in page.text  # what was typed stays
        assert "Traceback" not in page.text
        assert state_of(client).import_jobs == {}

        token = form_csrf(client.get("/import").text)
        unknown_import = client.post("/import/IM-099/undo", data={"csrf": token, "reason": "x"})
        assert unknown_import.status_code == 400
        assert 'id="undo-error"' in unknown_import.text
        assert "Check the reference number and try again." in text_of(unknown_import.text)

        gone = client.get("/import/jobs/0123456789abcdef01234567")
        assert gone.status_code == 404
        assert "This import is no longer shown here." in text_of(gone.text)
        assert client.get("/import/jobs/0123456789abcdef01234567.json").status_code == 404


def test_a_failing_job_shows_its_message_never_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> ImportReport:
        raise ValidationError("Another import into this vault is running.", "Wait a moment.")

    def crash(*_args: Any, **_kwargs: Any) -> ImportReport:
        raise RuntimeError("secret internals")

    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        ref = upload(client, csrf, SMS)["ref"]
        monkeypatch.setattr(import_routes, "run_import", refuse)
        started = start(client, csrf, mode="commit", evidence=[ref]).json()
        job = finished(client, started["status_url"])
        assert job["state"] == "failed"
        assert job["error"] == {
            "message": "Another import into this vault is running.",
            "hint": "Wait a moment.",
        }
        text = text_of(client.get(started["url"]).text)
        assert "That did not work Another import into this vault is running. Wait a moment." in text

        monkeypatch.setattr(import_routes, "run_import", crash)
        started = start(client, csrf, mode="preview", evidence=[ref]).json()
        job = finished(client, started["status_url"])
        assert job["state"] == "failed"
        assert job["error"]["message"] == (
            "Something went wrong while reading the files (RuntimeError)."
        )
        page = client.get(started["url"]).text
        assert "secret internals" not in page and "Traceback" not in page
        assert "Nothing was saved. Please try again." in text_of(page)


def test_cancel_a_running_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setattr(import_routes, "run_import", gate)
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        ref = upload(client, csrf, SMS)["ref"]
        started = start(
            client, csrf, mode="preview", evidence=[ref], me="Sam", date_order="month"
        ).json()
        deadline = time.monotonic() + 10
        while not gate.calls:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        options = gate.calls[0]["options"]
        assert (options.me, options.day_first, options.format) == ("Sam", False, None)
        assert gate.calls[0]["refs"] == ["EX-0001"] and gate.calls[0]["commit"] is False

        job = client.get(started["status_url"]).json()
        assert job["state"] == "running" and job["report"] is None
        assert (job["source"], job["done_bytes"], job["total_bytes"], job["records"]) == (
            "big-export.xml",
            2500,
            10000,
            1234,
        )
        page = client.get(started["url"]).text
        assert '<progress id="job-progress" max="10000" value="2500"></progress>' in page
        assert f'data-status="{started["status_url"]}"' in page and 'data-poll="500"' in page
        assert "1,234 records read so far" in page
        assert "Reading big-export.xml" in page
        listing = text_of(client.get("/import").text)
        assert "Check: EX-0001 — running" in listing

        refused = client.post(started["url"] + "/cancel")
        assert refused.status_code == 403
        stopped = client.post(
            started["url"] + "/cancel", data={"csrf": csrf}, follow_redirects=False
        )
        assert stopped.status_code == 303 and stopped.headers["location"] == started["url"]
        job = finished(client, started["status_url"])
        assert job["state"] == "cancelled"
        text = text_of(client.get(started["url"]).text)
        assert "The check was stopped" in text and "Nothing was added to your log." in text


def test_a_second_click_joins_the_running_job_and_locking_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(import_routes, "run_import", gate)
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        ref = upload(client, csrf, SMS)["ref"]
        first = start(client, csrf, mode="commit", evidence=[ref]).json()
        second = start(client, csrf, mode="commit", evidence=[ref.lower()]).json()
        assert second["id"] == first["id"]
        other = start(client, csrf, mode="preview", evidence=[ref]).json()
        assert other["id"] != first["id"]
        state = state_of(client)
        jobs = [state.import_jobs[first["id"]], state.import_jobs[other["id"]]]
        client.get("/lock")
        assert state.import_jobs == {}
        for job in jobs:
            assert isinstance(job, import_routes.ImportJob) and job.stop.is_set()
        deadline = time.monotonic() + 10
        while any(job.state == "running" for job in jobs):  # type: ignore[attr-defined]
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert len(gate.calls) == 2


def test_a_csv_column_layout_is_passed_on_and_saved_after_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[ImportOptions] = []

    def complete(*_args: Any, **kwargs: Any) -> ImportReport:
        seen.append(kwargs["options"])
        report = ImportReport(preview=not kwargs["commit"], ref="IM-001")
        report.sources.append(SourceReport("calls.csv", "csv 1", records=1, new=1))
        report.status = "complete" if kwargs["commit"] else "preview"
        return report

    monkeypatch.setattr(import_routes, "run_import", complete)
    with new_client(tmp_path / "v") as client:
        csrf = set_up(client)
        page = client.get("/import").text
        assert 'name="col_timestamp"' in page and 'name="save_mapping"' in page
        ref = upload(client, csrf, SMS)["ref"]
        half = start(client, csrf, mode="preview", evidence=[ref], col_timestamp="Date")
        assert half.status_code == 400
        assert half.json()["error"] == (
            "A CSV mapping needs at least the timestamp and counterpart columns."
        )
        nothing = start(client, csrf, mode="preview", evidence=[ref], save_mapping="carrier")
        assert nothing.json()["error"] == "There is no column layout to save."

        layout = {"col_timestamp": "Date", "col_counterpart": "Number", "col_direction": "Type"}
        preview = start(
            client, csrf, mode="preview", evidence=[ref], save_mapping="carrier", **layout
        ).json()
        assert finished(client, preview["status_url"])["state"] == "done"
        mapping = seen[0].csv_mapping
        assert mapping is not None
        assert (mapping.timestamp, mapping.counterpart, mapping.direction) == (
            "Date",
            "Number",
            "Type",
        )
        assert seen[0].format == "csv"  # a layout means a CSV list, never guessed
        assert mappings.saved_mappings(vault_of(client)) == {}  # only saved by the import

        fields = dict(commit_fields(client.get(preview["url"]).text))
        assert fields["col_counterpart"] == "Number" and fields["save_mapping"] == "carrier"
        committed = client.post("/import/jobs", data=fields, follow_redirects=False)
        assert finished(client, committed.headers["location"] + ".json")["state"] == "done"
        assert mappings.saved_mappings(vault_of(client)) == {"carrier": mapping}
        again = client.get("/import").text
        assert '<option value="carrier">carrier</option>' in again

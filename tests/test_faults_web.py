"""Web forms never answer with raw JSON: an empty unlock or setup form is a calm page."""

from __future__ import annotations

from pathlib import Path

from tests.webutil import form_csrf, new_client, set_up


def test_an_empty_passphrase_on_unlock_is_a_calm_page(tmp_path: Path) -> None:
    with new_client(tmp_path / "vault") as client:
        set_up(client)
        client.get("/lock")
        page = client.get("/unlock")
        sent = client.post("/unlock", data={"csrf": form_csrf(page.text)})
        assert sent.status_code == 400
        assert sent.headers["content-type"].startswith("text/html")
        assert "Please type your passphrase first." in sent.text
        assert '"detail"' not in sent.text
        again = client.post("/unlock", data={"csrf": form_csrf(sent.text), "passphrase": ""})
        assert again.status_code == 400
        assert "Please type your passphrase first." in again.text
        # an empty form is not a wrong passphrase: the next right one opens at once
        opened = client.post(
            "/unlock",
            data={"csrf": form_csrf(again.text), "passphrase": "a long test passphrase"},
        )
        assert opened.status_code == 200, opened.text
        assert opened.url.path == "/"


def test_an_empty_setup_form_is_a_page_not_json(tmp_path: Path) -> None:
    with new_client(tmp_path / "vault") as client:
        page = client.get("/setup")
        sent = client.post(
            "/setup",
            data={"csrf": form_csrf(page.text), "country": "GB", "timezone": "Europe/London"},
        )
        assert sent.status_code == 400
        assert sent.headers["content-type"].startswith("text/html")
        assert '"detail"' not in sent.text
        assert "too short" in sent.text
        assert not (tmp_path / "vault" / "vault.header").exists()


def test_committing_a_file_that_is_not_an_export_leaves_no_import(tmp_path: Path) -> None:
    from safetrail.services.imports.run import list_imports
    from tests.test_web_evidence import set_up as set_up_session
    from tests.test_web_imports import finished, start, upload, vault_of

    with new_client(tmp_path / "vault") as client:
        csrf = set_up_session(client)
        note = tmp_path / "groceries.txt"
        note.write_text("milk, eggs, bread\n")
        ref = upload(client, csrf, note)["ref"]
        started = start(client, csrf, mode="commit", evidence=[ref]).json()
        job = finished(client, started["status_url"])
        assert job["state"] == "failed"
        assert job["error"]["message"] == (
            "Nothing was imported: none of these files could be read as an export."
        )
        assert job["report"]["status"] == "refused"
        assert list_imports(vault_of(client)) == []

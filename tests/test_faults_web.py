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

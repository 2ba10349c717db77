"""The lookout sheet: one page, the chosen photos, no address, no incidents, in the ledger."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from safetrail.cli.main import app
from safetrail.services import people
from safetrail.services.evidence import add_evidence
from safetrail.services.incidents import IncidentInput, record_incident
from safetrail.services.vault import Vault, open_vault
from tests.conftest import PASSPHRASE

ARTIFACTS = Path(__file__).parent / "artifacts"
HOME = "14 Larch Crescent"
INCIDENT = "Waited by the bins outside my flat for an hour"


def _photo(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (400, 300), colour)
    for x in range(120, 280):  # a darker block, so the picture is visible on the page
        for y in range(80, 220):
            image.putpixel((x, y), (20, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMakerXYZ"  # camera make: must not reach the sheet
    path = folder / name
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


@pytest.fixture
def case(vault: Vault, tmp_path: Path) -> Vault:
    person_photo = add_evidence(vault, _photo(tmp_path, "face.jpg", (200, 160, 120)))
    car_photo = add_evidence(vault, _photo(tmp_path, "car.jpg", (60, 90, 200)))
    assert (person_photo.record.ref, car_photo.record.ref) == ("EX-0001", "EX-0002")
    people.add_person(
        vault,
        people.PersonInput(
            names=["Alex Doe"],
            identifiers=["+447700900123"],
            vehicles=[people.Vehicle("blue estate car", "AB12 CDE")],
        ),
    )
    record_incident(
        vault,
        IncidentInput(INCIDENT, when="2026-03-04 21:00", where=HOME, offenders=["P-001"]),
    )
    return vault


def _run(vault_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [*args, "--vault", str(vault_path)],
        env={"SAFETRAIL_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"},
    )
    return result.exit_code, result.output + (str(result.exception) if result.exception else "")


def test_lookout_sheet(case: Vault, vault_path: Path, tmp_path: Path) -> None:
    case.close()
    out = tmp_path / "sheet.pdf"
    code, output = _run(
        vault_path,
        "lookout",
        "--person",
        "P-001",
        "--photo",
        "EX-0001",
        "--vehicle-photo",
        "EX-0002",
        "--description",
        "Tall, short grey hair, often in a green parka",
        "--contact",
        "Jo (my sister), 07700 900555",
        "--given-to",
        "building manager",
        "--given-on",
        "2026-08-03",
        "--output",
        str(out),
    )
    assert code == 0, output
    pdf = out.read_bytes()
    assert b"PhoneMakerXYZ" not in pdf and b"SafeTrail" not in pdf
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert [line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")] == [
        "1"
    ]
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "Please look out for this person" in text
    assert "Tall, short grey hair, often in a green parka" in text
    assert "Vehicle: blue estate car, number plate AB12 CDE" in text
    assert "Emergency: 999" in text
    assert "Also tell: Jo (my sister), 07700 900555" in text
    assert "do not give my phone number, email, address or schedule" in text
    for secret in (HOME, "Larch", INCIDENT, "I-0001", "EX-0001", "+447700900123"):
        assert secret not in text
    images = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) - 2 >= 2  # both photos are on the page
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(out), str(ARTIFACTS / "lookout-sheet")],
        check=True,
    )
    assert (ARTIFACTS / "lookout-sheet.png").stat().st_size > 10_000

    code, listed = _run(vault_path, "exports")
    assert code == 0 and "(given to: building manager, 2026-08-03)" in listed
    opened = open_vault(vault_path, PASSPHRASE)
    try:
        with opened.read() as conn:
            found = opened.store.load(conn, opened.store.list_ids(conn, "export"))
        (export,) = [r for r in found if r.data["format"] == "lookout-sheet"]
    finally:
        opened.close()
    assert export.data["given_to"] == "building manager"
    assert export.data["given_on"] == "2026-08-03"
    assert export.data["file_name"] == "sheet.pdf"
    assert export.data["photos"] == ["EX-0001", "EX-0002"]


def test_lookout_in_japanese_and_refusals(case: Vault, vault_path: Path, tmp_path: Path) -> None:
    case.close()
    out = tmp_path / "ja.pdf"
    code, output = _run(
        vault_path,
        "lookout",
        "--person",
        "P-001",
        "--given-to",
        "管理人",
        "--description",
        "背が高く、緑のパーカーを着ていることが多い",
        "--language",
        "ja",
        "--output",
        str(out),
    )
    assert code == 0, output
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "AB12 CDE" in text
    assert "この人物に気をつけてください" in text and "Please look out" not in text
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(out), str(ARTIFACTS / "lookout-ja")],
        check=True,
    )
    assert "背が高く、緑のパーカーを着ていることが多い" in text.replace("\n", "")
    code, output = _run(
        vault_path,
        "lookout",
        "--person",
        "P-001",
        "--given-to",
        " ",
        "--output",
        str(tmp_path / "x.pdf"),
    )
    assert code == 1 and "Say who this copy is for" in output
    assert not (tmp_path / "x.pdf").exists()

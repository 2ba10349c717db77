"""Shared fixtures and helpers for the report, bundle and letter tests (no tests here).

``populate`` builds a small case with everything a report shows: two people (one with a
Japanese name), incidents recorded out of date order, a Japanese and a Korean incident, an
emoji, witnesses with contact details, police details, three evidence files, a notice, an
order, a corrected and a withdrawn incident, and a private note carrying MARKER in each
incident so any leak is found by a plain text search.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from safetrail.services import events, evidence, incidents, people
from safetrail.services.incidents import IncidentInput, Witness
from safetrail.services.people import PersonInput
from safetrail.services.vault import Vault

MARKER = "PRIVATE-NOTE-MARKER-4417"
JAPANESE = "駅のホームで待ち伏せされ、家までついて来られた。とても怖かった。"
KOREAN = "회사 앞에서 기다리고 있다가 집까지 따라왔다. 너무 무서웠다."
KOREAN_NAME = "김민준"
JAPANESE_NAME = "山田太郎"
WITNESS_PHONE = "07700 900456"
ARTIFACTS = Path(__file__).parent / "artifacts" / "reports"


@dataclass
class Case:
    person: str
    second: str
    exhibits: dict[str, tuple[str, bytes]]  # ref -> (sha256, content)
    order: list[str]  # incident refs in chronological order (live ones)
    withdrawn: str
    corrected: str
    japanese: str
    korean: str


def populate(vault: Vault, tmp: Path) -> Case:
    first = people.add_person(
        vault,
        PersonInput(
            names=["Mark Example", JAPANESE_NAME],
            relationship="former partner",
            identifiers=["07700 900123", "mark@example.com", "@mark_example"],
        ),
    )
    second = people.add_person(
        vault, PersonInput(names=[KOREAN_NAME], relationship="coworker", identifiers=["@minjun"])
    )
    exhibits: dict[str, tuple[str, bytes]] = {}
    for name, content in (
        ("doorstep.jpg", b"\xff\xd8\xff\xe0" + b"photo bytes " * 300),
        ("voicemail 2026-03-04.m4a", b"audio " * 500),
        ("写真.png", b"\x89PNG\r\n\x1a\n" + b"png " * 200),
    ):
        path = tmp / name
        path.write_bytes(content)
        added = evidence.add_evidence(vault, path)
        exhibits[added.record.ref] = (added.record.data["sha256"], content)
    refs = sorted(exhibits)
    # Recorded out of date order on purpose: the report must sort by when things happened.
    plan = [
        ("2026-03-10 21:40", "Waited outside my flat for an hour.", ["watching"], first, 3),
        ("2026-02-01 08:15", "Eleven missed calls before work.", ["unwanted_calls"], first, 2),
        ("2026-03-04 19:05", "Voicemail saying he knows where I live.", ["threats"], first, 4),
        ("2026-02-20", JAPANESE, ["following"], first, 3),
        ("2026-03-12 12:30", KOREAN, ["following", "showing_up"], second, 3),
        ("2026-03-15 09:00", "He sent a message 🔪 and a photo of my door.", ["threats"], first, 4),
        ("2026-01-15", "A gift left on the doorstep.", ["items_sent"], first, 1),
        ("~2026-03", "Someone went through my bins.", ["information_gathering"], first, None),
    ]
    made = {}
    for n, (when, what, tactics, who, fear) in enumerate(plan):
        record = incidents.record_incident(
            vault,
            IncidentInput(
                what_happened=what,
                when=when,
                where="home, front door" if n % 2 == 0 else "Central station",
                tactics=tactics,
                channel="in_person" if n != 1 else "phone_call",
                offenders=[who.ref],
                witnesses=[Witness("Jo Evans", WITNESS_PHONE)] if n in (0, 4) else [],
                fear=fear,
                police_reported=True if n == 2 else None,
                police_reference="CAD 1234/26" if n == 2 else None,
                police_officer="PC Smith" if n == 2 else None,
                police_badge="4411" if n == 2 else None,
                evidence=[refs[n % 3]] if n < 6 else [],
                private_note=f"{MARKER} {n}",
            ),
        )
        made[when] = record.ref
    withdrawn = incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="Entered twice by mistake.", when="2026-02-02", private_note=MARKER
        ),
    )
    incidents.withdraw_incident(vault, withdrawn.ref, "duplicate")
    corrected = made["2026-03-10 21:40"]
    incidents.amend_incident(vault, corrected, {"fear": 4}, "I was more afraid than I wrote")
    events.add_notice(
        vault, events.NoticeInput("2026-03-01", "text_message", first.ref, "Told him to stop.")
    )
    events.add_order(
        vault,
        events.OrderInput(
            "Non-molestation order", "2026-03-11", reference="FD26P001", person=first.ref
        ),
    )
    chronological = [
        "2026-01-15",
        "2026-02-01 08:15",
        "2026-02-20",
        "~2026-03",
        "2026-03-04 19:05",
        "2026-03-10 21:40",
        "2026-03-12 12:30",
        "2026-03-15 09:00",
    ]
    return Case(
        person=first.ref,
        second=second.ref,
        exhibits=exhibits,
        order=[made[w] for w in chronological],
        withdrawn=withdrawn.ref,
        corrected=corrected,
        japanese=made["2026-02-20"],
        korean=made["2026-03-12 12:30"],
    )


def pdf_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    # pypdf reads the two-byte codes of the embedded CJK font as NUL + character;
    # the NULs are an artefact of extraction, not part of the document.
    return [
        (page.extract_text() or "").replace("\x00", "") for page in PdfReader(io.BytesIO(pdf)).pages
    ]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages(pdf))


def squeeze(text: str) -> str:
    """Text without whitespace: pypdf inserts spaces between CJK glyphs it places itself."""
    return re.sub(r"\s+", "", text)


def poppler_text(pdf: bytes) -> str | None:
    """pdftotext's reading of the PDF, or None when poppler-utils is not installed."""
    if shutil.which("pdftotext") is None:
        return None
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")

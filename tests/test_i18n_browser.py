"""Every page in Japanese and Korean, in real headless Chromium, at desktop and phone size.

The browser asks for the language (Accept-Language, as a browser set to that language does);
the first-run setup keeps it as the vault's language. On every page no English word may be
left outside an explicit allow-list (brand and format names, codes people type), and nothing
may overflow the phone-width screen. Screenshots go to tests/artifacts/i18n/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from safetrail.i18n import use_language
from safetrail.reports.fonts import font_files
from safetrail.services import events, evidence, incidents, people
from safetrail.services.events import NoticeInput, OrderInput
from safetrail.services.incidents import IncidentInput
from safetrail.services.people import PersonInput
from tests.conftest import PASSPHRASE
from tests.test_e2e_browser import CHROMIUM, FLAGS, SIZES, Server, _need_chromium, tiny_png

ARTIFACTS = Path(__file__).parent / "artifacts" / "i18n"
LOCALE = Path(__file__).parent.parent / "src" / "safetrail" / "locale"

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/capture",
    "/incidents",
    "/incidents/new",
    "/incidents/I-0001",
    "/incidents/I-0001/amend",
    "/incidents/I-0001/void",
    "/evidence",
    "/evidence/EX-0001",
    "/import",
    "/people",
    "/people/new",
    "/people/P-001",
    "/events",
    "/integrity",
    "/settings",
    "/analysis",
    "/analysis/check",
    "/analysis/risk",
    "/plan",
    "/plan/go-bag",
    "/plan/history",
    "/plan/orders",
    "/plan/orders/O-001",
    "/resources",
    "/guidance",
    "/guidance/digital",
    "/guidance/phrases",
    "/notice-helper",
    "/reports",
    "/checkins",
    "/checkins/new",
    "/checkins/settings",
    "/checkins/contacts",
    "/checkins/contacts/new",
    "/checkins/alerts",
    "/device",
    "/device/iphone",
    "/messages",
    "/arrangements",
    "/lookout",
    "/settings/duress",
    "/guidance/is-this-stalking",
    "/guidance/not-your-fault",
    "/guidance/evidence",
    "/guidance/telling-people",
    "/guidance/continued-contact",
    "/guidance/supporting",
    "/plan/section/general",
    "/plan/section/technology",
    "/away",
]

# Words that stay as they are in any language: the product, file formats and standards,
# and the technical names typed into forms (SMTP fields, commands, codes).
_ALLOWED_TEXT = """SafeTrail English PDF CSV JSON SHA Esc zip https http TLS STARTTLS SMTP SMS
    Webhook
    VPN GPS EXIF ID DV SNS USB TTY PIN URL OK JavaScript Wi Fi To From Body safetrail daemon
    AndroidQF MVT Echap AssoEchap CC BY stalkerware indicators Backup Restore
    RAINN SPARC PSNI Triple Zero JP KR US GB away account fri sat sun sms email"""
ALLOWED = frozenset(_ALLOWED_TEXT.split())
# Names of apps, services and devices, written the way people see them on their own phones
# and in the export files they bring (a translated page keeps them in Latin letters, often
# right next to Japanese or Korean text). A name of several words is allowed only whole:
# "Chat" alone is an English word left untranslated, "Google Chat" is a product.
BRAND_NAMES = (
    "Google Chat",
    "Google Takeout",
    "Google Hangouts",
    "Hangouts",
    "Google",
    "LINE",
    "KakaoTalk",
    "WhatsApp",
    "Telegram Desktop",
    "Telegram",
    "Facebook Messenger",
    "Facebook",
    "Messenger",
    "Instagram",
    "Discord",
    "DiscordChatExporter",
    "Signal Desktop",
    "Signal",
    "signal-export",  # the community tools Signal Desktop exports are made with
    "sigtop",
    "Apple Watch",
    "Watch",  # the iPhone app of that name
    "Apple",
    "AirTag",
    "iPhone",
    "iTunes",
    "Finder",
    "iOS",
    "Android",
    "Bluetooth",
    "Tracker Detect",
    "Samsung",
    "Xiaomi",
    "MIUI",
)
# Longest first, so "Google Chat" goes whole before "Google"; bounded by non-letters only,
# since a Japanese or Korean character right next to the name is a word character to `\b`.
_BRANDS = re.compile(
    "|".join(
        rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])"
        for name in sorted(BRAND_NAMES, key=len, reverse=True)
    )
)
# Text shown exactly as the person or a file gave it: references, hashes, addresses, file
# and zone names, numbers.
_DATA = re.compile(
    r"\b[A-Z]{1,3}-\d{3,4}\b"  # I-0001, EX-0001, P-001
    r"|\b[0-9a-f]{6,}\b"  # hashes
    r"|\S+@\S+|\S+\.(?:com|org|jp|kr|gov|uk|net|png|txt|json|db|zip|yaml|md|pdf|csv)\S*"
    r"|\b[A-Z][a-z]+/[A-Za-z_]+\b"  # Asia/Tokyo
    r"|\b(?:image|text|application)/[a-z.+-]+"  # media types
    r"|\.[a-z]{2,5}\b"  # file extensions: .eml, .json
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Pages that show the emergency phrases give their romanisation, for visitors and for
# people who read the local script slowly.
_ROMANISED = """Tasukete Hottoite Yamete Chikan da Keisatsu o yonde
    Dowajuseyo Haji Ttaraoji maseyo Gyeongchal bulleo juseyo"""
PHRASE_PAGE_WORDS = frozenset(_ROMANISED.split())


def complete(lang: str) -> bool:
    with (LOCALE / lang / "LC_MESSAGES" / "safetrail.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return all(
        (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
        for m in catalog
        if m.id
    )


LANGS = [
    pytest.param(
        "ja",
        "JP",
        "Asia/Tokyo",
        marks=pytest.mark.xfail(not complete("ja"), reason="ja catalogue incomplete"),
    ),
    pytest.param(
        "ko",
        "KR",
        "Asia/Seoul",
        marks=pytest.mark.xfail(not complete("ko"), reason="ko catalogue being written"),
    ),
]


def english_words(text: str, path: str) -> list[str]:
    """Latin-script words left on a page after data and allowed names are removed."""
    words = _WORD.findall(_DATA.sub(" ", _BRANDS.sub(" ", text)))
    allowed = ALLOWED | (PHRASE_PAGE_WORDS if path == "/guidance/phrases" else frozenset())
    return sorted({w for w in words if w not in allowed and w.strip("'’") not in allowed})


def seed(server: Server, tmp: Path) -> None:
    """A small case with one of everything, written in the person's own language."""
    vault = server.state.vault
    assert vault is not None
    person = people.add_person(
        vault,
        PersonInput(names=["山田 太郎"], relationship="元交際相手", identifiers=["090-1234-5678"]),
    )
    for when, tactics in (
        ("2026-11-10", ["unwanted_calls"]),
        ("2026-11-20 08:10", ["showing_up", "threats"]),
        ("2026-11-28 21:40", ["following"]),
    ):
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened="駅から家までついて来た。",
                when=when,
                where="自宅前",
                tactics=tactics,
                offenders=[person.ref],
                fear=3,
            ),
        )
    events.add_notice(
        vault, NoticeInput(sent_on="2026-11-01", method="text_message", person=person.ref)
    )
    events.add_order(
        vault,
        OrderInput(
            order_type="禁止命令", issued_on="2026-11-05", person=person.ref, no_contact=True
        ),
    )
    photo = tmp / "写真.png"
    tiny_png(photo)
    evidence.add_evidence(vault, photo, incident="I-0001")


def cjk_fontconfig(folder: Path) -> Path:
    """A fontconfig file that adds the Noto Sans CJK font SafeTrail already depends on.

    A person reading Japanese or Korean has such a font on their system; this test machine
    may not, and the screenshots must be readable (no tofu boxes), so Chromium gets it here.
    """
    cjk = font_files().cjk.parent
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{cjk}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        "utf-8",
    )
    return conf


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    conf = cjk_fontconfig(tmp_path_factory.mktemp("fonts"))
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=FLAGS,
            env={**os.environ, "FONTCONFIG_FILE": str(conf)},
        )
        yield launched
        launched.close()


@pytest.mark.parametrize(("lang", "country", "zone"), LANGS)
def test_every_page_in_the_language(
    browser: object, tmp_path: Path, lang: str, country: str, zone: str
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale=lang, viewport=SIZES["desktop"])  # type: ignore[attr-defined]
    page = context.new_page()
    leftovers: dict[str, list[str]] = {}
    overflow: list[str] = []
    with Server(tmp_path / "vault") as server:
        page.goto(server.url + "/setup")
        assert page.evaluate("document.documentElement.lang") == lang
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#confirm", PASSPHRASE)
        page.fill("#country", country)
        page.fill("#timezone", zone)
        page.locator("button.primary[type=submit]").click()
        page.wait_for_url(server.url + "/")
        assert server.state.language == lang  # the browser's language became the vault's
        with use_language(lang):  # what the person writes is recorded in their language
            seed(server, tmp_path)
        for path in PAGES:
            page.goto(server.url + path)
            name = path.strip("/").replace("/", "_") or "home"
            text = page.inner_text("body")
            found = english_words(text, path)
            if found:
                leftovers[path] = found
            for label, size in SIZES.items():
                page.set_viewport_size(size)
                page.screenshot(path=str(ARTIFACTS / f"{lang}-{name}-{label}.png"), full_page=True)
                if label == "phone" and page.evaluate(
                    "document.documentElement.scrollWidth > window.innerWidth + 1"
                ):
                    overflow.append(path)
            page.set_viewport_size(SIZES["desktop"])
    context.close()
    for path, words in leftovers.items():
        print(f"{lang} {path}: {' '.join(words)}")
    assert leftovers == {}
    assert overflow == []

"""Printable PDFs: the safety plan, and the guidance page for friends and family.

Rendered in memory with fpdf2; nothing is written to disk here (the caller decides
where the bytes go).

Fonts: DejaVu Sans, which ships with matplotlib (a SafeTrail dependency), covers
Latin, Greek and Cyrillic text and the symbols used here. Japanese and Korean text use
Noto Sans CJK from the ``noto-cjk-sans-jp-regular`` dependency (shared with the reports),
then any system CJK font (Debian: ``fonts-noto-cjk``, ``fonts-ipaexfont-gothic``).
Characters that no available font can draw are replaced by "□", and the document
says so at the end, rather than silently dropping text. Without DejaVu, the PDF core
font (Helvetica, Latin-1 only) is used the same way.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from safetrail.i18n import _

MISSING = "□"
INK = (29, 35, 36)
MUTED = (74, 85, 87)
ACCENT = (31, 95, 91)
ALERT = (138, 28, 28)
ALERT_BG = (253, 236, 236)
LINE = (213, 217, 216)
HEAD_BG = (230, 243, 239)

CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
)


@dataclass(frozen=True)
class FontSet:
    regular: Path | None
    bold: Path | None
    fallbacks: tuple[Path, ...] = ()


def _matplotlib_fonts() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
    return folder if folder.is_dir() else None


def find_fonts() -> FontSet:
    """DejaVu Sans (from matplotlib, else the system) and any system CJK font."""
    folders = [f for f in (_matplotlib_fonts(), Path("/usr/share/fonts/truetype/dejavu")) if f]
    regular = bold = None
    for folder in folders:
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            break
    return FontSet(regular, bold, _cjk_fonts())


def _cjk_fonts() -> tuple[Path, ...]:
    """The Noto Sans CJK font shipped as a dependency first, then any system CJK font."""
    found: list[Path] = []
    try:
        from safetrail.reports.fonts import font_files

        packaged = font_files().cjk
        if packaged.is_file():
            found.append(packaged)
    except (ImportError, OSError, ValueError):
        pass
    found.extend(Path(p) for p in CJK_CANDIDATES if Path(p).is_file())
    return tuple(found)


class Document(FPDF):
    """An A4 document with SafeTrail's calm layout and honest handling of missing glyphs."""

    def __init__(self, title: str, footer_note: str, fonts: FontSet | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.footer_note = footer_note
        self.missing_glyphs = False
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_creator("")
        fonts = fonts if fonts is not None else find_fonts()
        self._cmaps: list[set[int]] = []
        if fonts.regular and fonts.bold:
            self.add_font("body", "", str(fonts.regular))
            self.add_font("body", "B", str(fonts.bold))
            self.family = "body"
            names = []
            for index, path in enumerate(fonts.fallbacks):
                name = f"fallback{index}"
                self.add_font(name, "", str(path))
                self.add_font(name, "B", str(path))
                names.append(name)
            if names:
                self.set_fallback_fonts(names, exact_match=False)
            self._cmaps = [set(font.cmap) for font in self.fonts.values() if hasattr(font, "cmap")]
        else:
            self.family = "helvetica"
        self.set_font(self.family, size=11)
        self.set_text_color(*INK)
        self.add_page()

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        """fpdf2's multi_cell, with the current font selected again in the page first.

        After a line that ended in a fallback (CJK) font, fpdf2 may believe the body font is
        still selected and not select it again, so the next line's Latin start (the "DV" of
        "DV相談+") was drawn with no font and lost. Switching style and back forces it.
        """
        if not kwargs.get("dry_run") and self.page:
            style, size = self.font_style, self.font_size_pt
            self.set_font(self.font_family, "" if "B" in style else "B", size)
            self.set_font(self.font_family, style, size)
        return super().multi_cell(*args, **kwargs)

    # -- text that every available font can draw ----------------------------------------

    def safe(self, text: str) -> str:
        out = []
        for char in text:
            if char in "\n\t" or self._drawable(char):
                out.append(char)
            else:
                self.missing_glyphs = True
                out.append(MISSING if self._cmaps else "?")
        return "".join(out)

    def _drawable(self, char: str) -> bool:
        if not self._cmaps:
            return ord(char) < 256
        code = ord(char)
        return any(code in cmap for cmap in self._cmaps)

    # -- page furniture ------------------------------------------------------------------

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.family, size=8)
        self.set_text_color(*MUTED)
        left = self.safe(self.footer_note)
        page = self.safe(_("Page {n} of {total}").format(n=self.page_no(), total="{nb}"))
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, page, align="R")
        self.set_text_color(*INK)

    # -- building blocks -----------------------------------------------------------------

    def title_block(self, title: str, lines: Iterable[str]) -> None:
        self.set_font(self.family, "B", 19)
        self.multi_cell(0, 9, self.safe(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_font(self.family, size=9.5)
        self.set_text_color(*MUTED)
        for line in lines:
            self.multi_cell(0, 5, self.safe(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_text_color(*INK)
        self.ln(3)

    def emergency_box(self, headline: str, lines: Sequence[str]) -> None:
        """A tinted, outlined box: the number to call, and what else to know."""
        width = self.epw - 8
        self.set_font(self.family, "B", 15)
        head = self.safe(headline)
        height = 4 + self._height(head, width, 8)
        self.set_font(self.family, size=10)
        body = [self.safe(line) for line in lines]
        height += sum(self._height(line, width, 5.2) for line in body)
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        self.set_fill_color(*ALERT_BG)
        self.set_draw_color(*ALERT)
        self.set_line_width(0.6)
        self.rect(self.l_margin, self.get_y(), self.epw, height, style="DF")
        self.set_line_width(0.2)
        self.set_fill_color(255, 255, 255)
        self.ln(2)
        self.set_x(self.l_margin + 4)
        self.set_font(self.family, "B", 15)
        self.set_text_color(*ALERT)
        self.multi_cell(width, 8, head, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_text_color(*INK)
        self.set_font(self.family, size=10)
        for line in body:
            self.set_x(self.l_margin + 4)
            self.multi_cell(width, 5.2, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.ln(6)

    def _height(self, text: str, width: float, line: float) -> float:
        measured = self.multi_cell(width, line, text, dry_run=True, output="HEIGHT", align="L")
        assert isinstance(measured, float | int)
        return float(measured)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(2)
        self.set_font(self.family, "B", 13.5)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, 7, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(1.5)
        self.set_text_color(*INK)
        self.set_font(self.family, size=10.5)

    def subheading(self, text: str) -> None:
        self.ln(1)
        self.set_font(self.family, "B", 11)
        self.multi_cell(0, 6, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_font(self.family, size=10.5)

    def paragraph(self, text: str, muted: bool = False) -> None:
        self.set_font(self.family, size=10.5)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, 5.4, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_text_color(*INK)
        self.ln(1.2)

    def bullet(self, text: str, mark: str = "•") -> None:
        self.set_font(self.family, size=10.5)
        self.set_x(self.l_margin + 1.5)
        self.cell(6, 5.4, self.safe(mark) if self._cmaps else "-")
        self.multi_cell(0, 5.4, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.ln(0.8)

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label: value lines, the label in bold."""
        for label, value in rows:
            if not value:
                continue
            self.set_font(self.family, "B", 10.5)
            self.write(5.4, self.safe(label + ": "))
            self.set_font(self.family, size=10.5)
            self.write(5.4, self.safe(value))
            self.ln(6)

    def grid(
        self, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        self.set_font(self.family, size=9.5)
        self.set_draw_color(*LINE)
        with self.table(
            col_widths=tuple(widths),
            line_height=5,
            text_align="LEFT",
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_BG),
            padding=1.5,
        ) as table:
            head = table.row()
            for text in headings:
                head.cell(self.safe(text))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.safe(value))
        self.ln(3)

    def finish(self) -> bytes:
        if self.missing_glyphs:
            self.ln(4)
            self.paragraph(
                _(
                    "Some characters could not be shown in this PDF, because no font for them "
                    "is installed on this computer; they appear as {mark}. Your full text is "
                    "kept in the app."
                ).format(mark=MISSING if self._cmaps else "?"),
                muted=True,
            )
        return bytes(self.output())


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfSection:
    title: str
    entries: list[str]


@dataclass(frozen=True)
class PlanDocument:
    """Everything the printed plan shows, already in the person's language."""

    title: str
    subtitle_lines: list[str]
    emergency_headline: str
    emergency_lines: list[str]
    sections: list[PdfSection]
    contingencies: list[tuple[str, str]]
    go_bag: list[tuple[str, str]]  # (mark, item)
    escape_routes: list[tuple[str, str, str]]
    trusted_people: list[tuple[str, list[tuple[str, str]]]]  # (name, label/value pairs)
    contacts: list[tuple[str, str]]  # (name and role, how to reach)
    orders: list[list[tuple[str, str]]]  # label/value pairs per order
    footer: str
    empty_note: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    children: list[list[tuple[str, str]]] = field(default_factory=list)  # pairs per arrangement
    children_note: str = ""


def plan_pdf(doc: PlanDocument, fonts: FontSet | None = None) -> bytes:
    pdf = Document(doc.title, doc.footer, fonts)
    labels = doc.labels
    pdf.title_block(doc.title, doc.subtitle_lines)
    pdf.emergency_box(doc.emergency_headline, doc.emergency_lines)
    if doc.empty_note:
        pdf.paragraph(doc.empty_note, muted=True)
    for part in doc.sections:
        if not part.entries:
            continue
        pdf.heading(part.title)
        for entry in part.entries:
            pdf.bullet(entry)
    if doc.contingencies:
        pdf.heading(labels.get("contingencies", ""))
        for when, then in doc.contingencies:
            pdf.bullet(labels.get("if_then", "{when} → {then}").format(when=when, then=then))
    if doc.go_bag:
        pdf.heading(labels.get("go_bag", ""))
        for mark, item in doc.go_bag:
            pdf.bullet(item, mark=mark)
    if doc.escape_routes:
        pdf.heading(labels.get("escape_routes", ""))
        pdf.grid(
            [labels.get("place", ""), labels.get("route", ""), labels.get("go_to", "")],
            [list(row) for row in doc.escape_routes],
            (3, 5, 4),
        )
    if doc.children:
        pdf.heading(labels.get("children", ""))
        for pairs in doc.children:
            pdf.pairs(pairs)
            pdf.ln(1)
        if doc.children_note:
            pdf.paragraph(doc.children_note, muted=True)
    if doc.trusted_people:
        pdf.heading(labels.get("trusted_people", ""))
        for name, pairs in doc.trusted_people:
            pdf.subheading(name)
            pdf.pairs(pairs)
            pdf.ln(1)
    if doc.contacts:
        pdf.heading(labels.get("contacts", ""))
        pdf.pairs(doc.contacts)
    if doc.orders:
        pdf.heading(labels.get("orders", ""))
        for pairs in doc.orders:
            pdf.pairs(pairs)
            pdf.ln(1)
    return pdf.finish()


# --- a guidance page ------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideDocument:
    title: str
    intro_lines: list[str]
    blocks: list[tuple[str | None, list[str], list[str]]]  # heading, paragraphs, bullets
    help_headline: str | None
    help_lines: list[str]
    footer: str


def guide_pdf(doc: GuideDocument, fonts: FontSet | None = None) -> bytes:
    pdf = Document(doc.title, doc.footer, fonts)
    pdf.title_block(doc.title, doc.intro_lines)
    for heading, paragraphs, bullets in doc.blocks:
        if heading:
            pdf.heading(heading)
        for text in paragraphs:
            pdf.paragraph(text)
        for text in bullets:
            pdf.bullet(text)
    if doc.help_headline:
        pdf.ln(3)
        pdf.emergency_box(doc.help_headline, doc.help_lines)
    return pdf.finish()

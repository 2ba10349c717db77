"""A small, fast layout layer over fpdf2: measuring, wrapping, paragraphs and tables.

fpdf2's own ``multi_cell`` and ``table`` re-measure text for every fragment and lay each
cell out twice; at 10,000 incidents that alone takes about a minute. Here each character's
width is looked up once per face, lines are wrapped in one pass, and every line is drawn
with one ``text()`` call per font run. Page breaks are ours: a table row that does not fit
moves to the next page under a repeated header, and a row taller than a page continues
across pages.

Characters that DejaVu Sans lacks are drawn with Noto Sans CJK (Japanese, Korean, Chinese).
Characters neither font has (most emoji) are printed as their Unicode name in square
brackets, e.g. ``[hocho]`` for a knife emoji, so nothing a person was sent silently
disappears from the printed record. Invisible formatting characters are dropped.
"""

from __future__ import annotations

import io
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from typing import Any, Literal, cast

from fpdf import FPDF
from fpdf.fonts import TTFFont

from safetrail import __version__
from safetrail.i18n import _
from safetrail.reports.fonts import font_files

Align = Literal["L", "R", "C"]
Orientation = Literal["P", "L"]

LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "PR", "CR", "SV"})
INK = (25, 25, 25)
MUTED = (95, 95, 95)
RULE = (175, 175, 175)
HEAD_FILL = (222, 226, 231)
ZEBRA_FILL = (245, 246, 248)
BOX_FILL = (240, 243, 246)

# Characters that must not begin a line in Japanese text (closing marks, small kana, ...).
_NO_LINE_START = frozenset(
    "、。，．,.・：:；;？?！!ー〜」』）)]｝}〉》】〕ゝゞヽヾ々"
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)


def paper_for(country: str) -> str:
    """US Letter where that is the paper people print on; A4 everywhere else."""
    return "Letter" if country.upper() in LETTER_COUNTRIES else "A4"


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
        or 0x1100 <= o <= 0x11FF
        or 0x3130 <= o <= 0x318F
    )


@dataclass(frozen=True)
class Font:
    face: Literal["sans", "bold", "mono"]
    size: float  # points


BODY = Font("sans", 9.5)
SMALL = Font("sans", 8)
TINY = Font("sans", 7)
STRONG = Font("bold", 9.5)
TITLE = Font("bold", 20)
H1 = Font("bold", 14)
H2 = Font("bold", 11)
CELL = Font("sans", 7.5)
CELL_HEAD = Font("bold", 7.5)
CELL_MONO = Font("mono", 6.8)
MONO = Font("mono", 8)

_FACES: dict[str, tuple[str, str]] = {
    "sans": ("sans", ""),
    "bold": ("sans", "B"),
    "mono": ("mono", ""),
    "cjk": ("cjk", ""),
}


@dataclass(frozen=True)
class Column:
    title: str
    weight: float  # share of the table width
    mono: bool = False
    align: Align = "L"


class _Widths(dict[str, float]):
    """Advance widths (1/1000 em) of one face, each looked up once."""

    def __init__(self, lookup: Callable[[str], float]) -> None:
        super().__init__()
        self._lookup = lookup

    def __missing__(self, ch: str) -> float:
        width = self._lookup(ch)
        self[ch] = width
        return width


class Doc(FPDF):
    """One PDF with SafeTrail's fonts, running head, and a footer on every page:
    the document ID, the ledger head prefix and "Page X of Y"."""

    def __init__(
        self,
        paper: str,
        running_head: str,
        footer_left: str,
        title: str,
        created: datetime,
        plain: bool = False,
    ) -> None:
        super().__init__(unit="mm", format=paper)
        files = font_files()
        self.add_font("sans", "", str(files.sans))
        self.add_font("sans", "B", str(files.sans_bold))
        self.add_font("mono", "", str(files.mono))
        self.add_font("cjk", "", str(files.cjk))
        self.set_fallback_fonts(["cjk"], exact_match=False)
        self.set_auto_page_break(False)
        self.set_margins(16, 18, 16)
        self.running_head = running_head
        self.footer_left = footer_left
        self.plain = plain
        self.set_title(title)
        if not plain:  # a letter may be read by the person it is about: no app names in it
            self.set_creator(f"SafeTrail {__version__}")
            self.set_author("SafeTrail")
        self.set_producer("")
        self.set_creation_date(created)
        self._primary = {
            "sans": cast(TTFFont, self.fonts["sans"]),
            "bold": cast(TTFFont, self.fonts["sansB"]),
            "mono": cast(TTFFont, self.fonts["mono"]),
        }
        self._cjk = cast(TTFFont, self.fonts["cjk"])
        self._widths = {face: _Widths(self._width_lookup(face)) for face in self._primary}
        self._printable: dict[str, str] = {}
        self.page_repeat: Callable[[], None] | None = None  # e.g. a table header

    # -- fonts and measuring --------------------------------------------------------------

    def _width_lookup(self, face: str) -> Callable[[str], float]:
        font: Any = self._primary[face]
        cjk: Any = self._cjk

        def lookup(ch: str) -> float:
            o = ord(ch)
            if o in font.cmap:
                return float(font.cw[o])
            if o in cjk.cmap:
                return float(cjk.cw[o])
            return float(font.cw[o])

        return lookup

    def _covered(self, ch: str) -> bool:
        o = ord(ch)
        return o in self._primary["sans"].cmap or o in self._cjk.cmap

    def printable(self, text: str) -> str:
        """``text`` with every character something the fonts can draw (see module doc)."""
        if text.isascii() and text.isprintable():
            return text
        out = []
        cache = self._printable
        for ch in text:
            shown = cache.get(ch)
            if shown is None:
                shown = self._printable_char(ch)
                cache[ch] = shown
            out.append(shown)
        return "".join(out)

    def _printable_char(self, ch: str) -> str:
        if ch == "\n":
            return ch
        if ch in "\t\r\v\f":
            return " "
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn") or 0xFE00 <= ord(ch) <= 0xFE0F:
            return ""
        if category.startswith("Z"):
            return " "
        if self._covered(ch):
            return ch
        name = unicodedata.name(ch, f"U+{ord(ch):04X}").lower()
        return f"[{name}]"

    def width(self, text: str, font: Font) -> float:
        """Width of ``text`` in mm."""
        table = self._widths[font.face]
        return sum(map(table.__getitem__, text)) * font.size / 1000 / self.k

    def line_height(self, font: Font) -> float:
        return font.size / self.k * 1.32

    # -- wrapping ---------------------------------------------------------------------------

    def wrap(self, text: str, font: Font, width: float) -> list[str]:
        """Lines of ``text`` no wider than ``width`` mm: breaks at spaces, between CJK
        characters (not before closing marks), and inside a word only when it is wider
        than the whole line. Newlines are kept."""
        lines: list[str] = []
        limit = width * self.k * 1000 / font.size
        table = self._widths[font.face]
        for para in text.split("\n"):
            para = para.rstrip()
            if not para:
                lines.append("")
                continue
            ems = list(map(table.__getitem__, para))
            if sum(ems) <= limit:
                lines.append(para)
                continue
            lines.extend(_wrap_paragraph(para, ems, limit))
        return lines or [""]

    # -- drawing ----------------------------------------------------------------------------

    def draw_line(self, x: float, baseline: float, text: str, font: Font) -> None:
        """One line at ``baseline``, switching to the CJK face for the characters that need it."""
        if not text:
            return
        if text.isascii():
            family, style = _FACES[font.face]
            self.set_font(family, style, font.size)
            self.text(x, baseline, text)
            return
        if font.face == "sans" and self._all_cjk_face(text, font):
            self._run(x, baseline, text, "cjk", font)
            return
        primary = self._primary[font.face].cmap
        cjk = self._cjk.cmap
        start = 0
        current = None
        for index, ch in enumerate(text):
            o = ord(ch)
            face = "cjk" if o not in primary and o in cjk else font.face
            if face != current:
                if current is not None:
                    x = self._run(x, baseline, text[start:index], current, font)
                current, start = face, index
        if current is not None:
            self._run(x, baseline, text[start:], current, font)

    def _all_cjk_face(self, text: str, font: Font) -> bool:
        """Whether a line with Japanese or Korean in it can be drawn in the CJK face alone.

        Dates like 2026年8月1日(土) otherwise switch fonts at every digit, one PDF text
        operation per switch. The CJK face has the digits and Latin letters too; it is used
        for the whole line when it covers every character and is no wider than the measured
        (mixed) line, so wrapping and cell widths stay as measured.
        """
        cmap = self._cjk.cmap
        if not any(_is_cjk(ch) for ch in text) or not all(ord(ch) in cmap for ch in text):
            return False
        widths: Any = self._cjk.cw
        own = sum(float(widths[ord(ch)]) for ch in text) * font.size / 1000 / self.k
        return own <= self.width(text, font) + 0.01

    def _run(self, x: float, baseline: float, run: str, face: str, font: Font) -> float:
        family, style = _FACES[face]
        self.set_font(family, style, font.size)
        self.text(x, baseline, run)
        return x + self.width(run, font)

    @property
    def bottom(self) -> float:
        return self.h - 17

    @property
    def content_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def ink(self, rgb: tuple[int, int, int] = INK) -> None:
        self.set_text_color(*rgb)

    def new_page(self, orientation: Orientation | None = None) -> None:
        self.add_page(orientation=orientation or ("L" if self.w > self.h else "P"))
        self.set_y(self.t_margin)
        if self.page_repeat is not None:
            self.page_repeat()

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.get_y() + height > self.bottom:
            self.new_page()

    def gap(self, mm: float) -> None:
        self.set_y(self.get_y() + mm)

    def lines(
        self,
        lines: Sequence[str],
        font: Font,
        x: float,
        color: tuple[int, int, int] = INK,
        keep: int = 1,
    ) -> None:
        height = self.line_height(font)
        self.ensure(height * min(keep, len(lines)))
        self.ink(color)
        for line in lines:
            self.ensure(height)
            y = self.get_y()
            self.draw_line(x, y + height * 0.72, line, font)
            self.set_y(y + height)
        self.ink()

    def para(
        self,
        text: str,
        font: Font = BODY,
        indent: float = 0.0,
        after: float = 1.6,
        color: tuple[int, int, int] = INK,
    ) -> None:
        width = self.content_width - indent
        wrapped = self.wrap(self.printable(text), font, width)
        self.lines(wrapped, font, self.l_margin + indent, color, keep=2)
        self.gap(after)

    def bullets(self, items: Iterable[str], font: Font = BODY, after: float = 1.6) -> None:
        indent = 5.0
        height = self.line_height(font)
        for item in items:
            wrapped = self.wrap(self.printable(item), font, self.content_width - indent)
            self.ensure(height * min(2, len(wrapped)))
            self.ink()
            self.draw_line(self.l_margin + 1.2, self.get_y() + height * 0.72, "•", font)
            self.lines(wrapped, font, self.l_margin + indent)
            self.gap(0.6)
        self.gap(after)

    def heading(self, text: str, font: Font = H1, rule: bool = True) -> None:
        height = self.line_height(font)
        self.ensure(height + 22)
        self.gap(2.5 if self.get_y() > self.t_margin + 1 else 0)
        self.lines(self.wrap(self.printable(text), font, self.content_width), font, self.l_margin)
        if rule:
            y = self.get_y() + 0.6
            self.set_draw_color(*RULE)
            self.set_line_width(0.3)
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self.set_y(y + 2.2)
        else:
            self.gap(1.2)

    def box(self, lines_by_font: Sequence[tuple[str, Font]], fill: tuple[int, int, int]) -> None:
        """A shaded block of short paragraphs (kept on one page)."""
        pad = 2.8
        width = self.content_width - 2 * pad
        laid = [
            (self.wrap(self.printable(text), font, width), font) for text, font in lines_by_font
        ]
        height = sum(len(ls) * self.line_height(f) + 0.8 for ls, f in laid) + 2 * pad
        self.ensure(height)
        top = self.get_y()
        self.set_fill_color(*fill)
        self.rect(self.l_margin, top, self.content_width, height, "F")
        self.set_y(top + pad)
        for wrapped, font in laid:
            self.lines(wrapped, font, self.l_margin + pad)
            self.gap(0.8)
        self.set_y(top + height + 2)

    def image_png(self, png: bytes, width: float, height: float) -> None:
        self.ensure(height + 2)
        x = self.l_margin + (self.content_width - width) / 2
        self.image(io.BytesIO(png), x=x, y=self.get_y(), w=width, h=height)
        self.gap(height + 2)

    # -- tables -----------------------------------------------------------------------------

    def grid_table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[str]],
        font: Font = CELL,
        head_font: Font = CELL_HEAD,
        mono_font: Font = CELL_MONO,
        zebra: bool = True,
        header: bool = True,
        grid: bool = True,
    ) -> int:
        """Draw rows under a header repeated on every page; returns the number of rows."""
        total = sum(c.weight for c in columns)
        widths = [self.content_width * c.weight / total for c in columns]
        pad = 1.1
        line_h = self.line_height(font)
        fonts = [mono_font if c.mono else font for c in columns]

        def draw_header() -> None:
            if not header:
                return
            cells = [
                self.wrap(self.printable(c.title), head_font, w - 2 * pad)
                for c, w in zip(columns, widths, strict=True)
            ]
            height = max(len(c) for c in cells) * self.line_height(head_font) + 2 * pad
            self._row(cells, widths, [head_font] * len(cells), columns, height, HEAD_FILL, grid)

        previous = self.page_repeat
        self.page_repeat = draw_header
        draw_header()
        count = 0
        try:
            for count, row in enumerate(rows, start=1):
                cells = [
                    self.wrap(self.printable(text), f, w - 2 * pad)
                    for text, f, w in zip(row, fonts, widths, strict=True)
                ]
                fill = ZEBRA_FILL if zebra and count % 2 == 0 else None
                self._flow_row(cells, widths, fonts, columns, line_h, pad, fill, grid)
        finally:
            self.page_repeat = previous
        self.gap(2.5)
        return count

    def _flow_row(
        self,
        cells: list[list[str]],
        widths: list[float],
        fonts: list[Font],
        columns: Sequence[Column],
        line_h: float,
        pad: float,
        fill: tuple[int, int, int] | None,
        grid: bool,
    ) -> None:
        count = max(len(c) for c in cells)
        offset = 0
        fresh_page = False
        while True:
            available = self.bottom - self.get_y()
            remaining = count - offset
            need = remaining * line_h + 2 * pad
            if need <= available:
                part = [c[offset:] for c in cells]
                self._row(part, widths, fonts, columns, need, fill, grid)
                return
            fits = int((available - 2 * pad) // line_h)
            # Move a row that fits on a page of its own; split only rows taller than a page.
            if not fresh_page and (fits < 3 or (offset == 0 and need <= self._page_room())):
                self.new_page()
                fresh_page = True
                continue
            fits = max(fits, 1)
            part = [c[offset : offset + fits] for c in cells]
            self._row(part, widths, fonts, columns, fits * line_h + 2 * pad, fill, grid)
            offset += fits
            self.new_page()
            fresh_page = True

    def _page_room(self) -> float:
        """Height a row has on a new page, below the repeated header."""
        return self.bottom - self.t_margin - 9

    def _row(
        self,
        cells: list[list[str]],
        widths: list[float],
        fonts: list[Font],
        columns: Sequence[Column],
        height: float,
        fill: tuple[int, int, int] | None,
        grid: bool,
    ) -> None:
        top = self.get_y()
        left = self.l_margin
        full = sum(widths)
        if fill is not None:
            self.set_fill_color(*fill)
            self.rect(left, top, full, height, "F")
        self.ink()
        pad = 1.1
        x = left
        for lines, width, font, column in zip(cells, widths, fonts, columns, strict=True):
            line_h = self.line_height(font)
            y = top + pad
            for line in lines:
                right = column.align == "R"
                tx = x + width - pad - self.width(line, font) if right else x + pad
                self.draw_line(tx, y + line_h * 0.72, line, font)
                y += line_h
            x += width
        if grid:
            self.set_draw_color(*RULE)
            self.set_line_width(0.15)
            self.line(left, top, left + full, top)
            self.line(left, top + height, left + full, top + height)
            x = left
            for width in widths:
                self.line(x, top, x, top + height)
                x += width
            self.line(x, top, x, top + height)
        self.set_y(top + height)

    # -- page furniture ---------------------------------------------------------------------

    def header(self) -> None:
        if self.plain:
            self.set_y(self.t_margin)
            return
        self.set_font("sans", "", 7)
        self.ink(MUTED)
        self.set_xy(self.l_margin, 8)
        self.cell(self.content_width, 4, self.printable(self.running_head), align="L")
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 12.6, self.w - self.r_margin, 12.6)
        self.ink()
        self.set_y(self.t_margin)

    def footer(self) -> None:
        if self.plain:
            if self.pages_count > 1 or self.page_no() > 1:
                self.set_font("sans", "", 7)
                self.ink(MUTED)
                self.set_xy(self.l_margin, self.h - 11.5)
                self.cell(
                    self.content_width,
                    4,
                    _("Page {n} of {total}").format(n=self.page_no(), total="{nb}"),
                    align="R",
                )
                self.ink()
            return
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.h - 12.5, self.w - self.r_margin, self.h - 12.5)
        self.set_font("sans", "", 7)
        self.ink(MUTED)
        # The page number goes first: fpdf2 can encode the "{nb}" alias with the wrong font
        # when a cell drawn just before it switched to the CJK fallback (Japanese or Korean
        # footer text), which printed the digits as unrelated kanji.
        self.set_xy(self.l_margin + self.content_width * 0.78, self.h - 11.5)
        self.cell(
            self.content_width * 0.22,
            4,
            _("Page {n} of {total}").format(n=self.page_no(), total="{nb}"),
            align="R",
        )
        self.set_xy(self.l_margin, self.h - 11.5)
        self.cell(self.content_width * 0.78, 4, self.printable(self.footer_left), align="L")
        self.ink()


def _wrap_paragraph(para: str, ems: list[float], limit: float) -> list[str]:
    """Greedy line filling over precomputed widths (1/1000 em, ``limit`` in the same unit)."""
    if para.isascii():
        return _wrap_spaces(para, ems, limit)
    out: list[str] = []
    n = len(para)
    cjk = [_is_cjk(ch) for ch in para]  # once per character, not once per look
    start = 0
    while start < n:
        total = 0.0
        index = start
        last_break = -1
        while index < n:
            ch = para[index]
            breakable = para[index - 1] == " " or (
                (cjk[index - 1] or cjk[index]) and ch not in _NO_LINE_START and ch != " "
            )
            if index > start and breakable:
                last_break = index
            if total + ems[index] > limit and index > start:
                if ch == " ":
                    last_break = index
                break
            total += ems[index]
            index += 1
        if index >= n:
            out.append(para[start:].rstrip())
            break
        end = last_break if last_break > start else index
        out.append(para[start:end].rstrip())
        start = end
        while start < n and para[start] == " ":
            start += 1
    return out


def _wrap_spaces(para: str, ems: list[float], limit: float) -> list[str]:
    """The same filling for text without CJK (breaks only after spaces), by binary search
    over running widths instead of a step per character: most report text is like this."""
    out: list[str] = []
    n = len(para)
    running = [0.0, *accumulate(ems)]  # running[i]: the width of para[:i]
    start = 0
    while start < n:
        # the first character that no longer fits (at least one always does)
        index = max(bisect_right(running, running[start] + limit) - 1, start + 1)
        if index >= n:
            out.append(para[start:].rstrip())
            break
        if para[index] == " ":
            end = index
        else:
            space = para.rfind(" ", start, index)
            end = space + 1 if space >= start and space + 1 > start else index
        out.append(para[start:end].rstrip())
        start = end
        while start < n and para[start] == " ":
            start += 1
    return out

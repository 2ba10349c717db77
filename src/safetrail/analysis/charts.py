"""Charts as PNG bytes, drawn server-side with matplotlib (Agg), in memory only.

Each chart has a text alternative (``*_alt``) that says what the chart shows, and the
pages also show the numbers behind it as a table. Colours come from a colour-blind-safe
palette, and nothing relies on colour alone (markers differ in shape too).

Nothing is written to disk: figures are rendered into a ``BytesIO``. Matplotlib keeps only
its font cache in its own configuration folder; it never sees a file name from the vault.
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from safetrail.analysis.case import Analysis
from safetrail.analysis.localtime import day_number, month_number
from safetrail.analysis.pattern import Series
from safetrail.analysis.text import day_text, ngettext, weekday_name
from safetrail.analysis.timeline import DAY, MONTH
from safetrail.domain import vocab
from safetrail.i18n import _, current_language

__all__ = [
    "ChartImage",
    "TacticGrid",
    "chart_series",
    "frequency_alt",
    "frequency_png",
    "heatmap_alt",
    "heatmap_png",
    "report_charts",
    "tactic_grid",
    "tactics_alt",
    "tactics_png",
]

# Okabe-Ito colours: distinguishable with the common forms of colour blindness.
INK = "#1d2324"
MUTED = "#4a5557"
BAR = "#0072B2"
LINE = "#E69F00"
NOTICE = "#CC79A7"
ORDER = "#009E73"
MARK = "#D55E00"
TIER_COLOURS = {1: "#56B4E9", 2: "#0072B2", 3: "#009E73", 4: "#E69F00", 5: "#D55E00"}
_CJK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "NanumGothic",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
)
_DATE_MARKS = {"ja": ("%Y年", "%-m月", "%-d日"), "ko": ("%Y년 ", "%-m월 ", "%-d일")}
_LOCK = threading.Lock()  # matplotlib is not thread-safe; charts are drawn one at a time
_fonts: list[str] | None = None


def _add_packaged_cjk_font() -> None:
    """The Noto Sans CJK font SafeTrail ships with (the reports embed it), for the labels."""
    from safetrail.errors import ConfigError
    from safetrail.reports.fonts import font_files

    # Without it, a system CJK font (if any) is used instead.
    with contextlib.suppress(ConfigError, OSError, RuntimeError):
        font_manager.fontManager.addfont(str(font_files().cjk))


def _font_family() -> list[str]:
    """DejaVu Sans, then any installed CJK font, so Japanese and Korean labels can show."""
    global _fonts
    if _fonts is None:
        _add_packaged_cjk_font()
        installed = {f.name for f in font_manager.fontManager.ttflist}
        _fonts = ["DejaVu Sans", *(name for name in _CJK_FONTS if name in installed)]
    return _fonts


def _style() -> dict[str, Any]:
    return {
        "font.family": _font_family(),
        "font.size": 10,
        "axes.edgecolor": MUTED,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "text.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()


def _empty(message: str, size: tuple[float, float]) -> Figure:
    figure = Figure(figsize=size, dpi=100)
    axes = figure.add_subplot()
    axes.axis("off")
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color=MUTED, wrap=True)
    return figure


def _render(draw: Any, *args: Any) -> bytes:
    style: Any = _style()
    with _LOCK, matplotlib.rc_context(style):
        return _png(draw(*args))


def _x(days: list[date] | date) -> Any:
    """Dates as matplotlib's axis numbers (typed loosely: matplotlib's stubs want floats)."""
    converter: Any = mdates.date2num
    return converter(days)


def _date_axis(axes: Any) -> None:
    dates: Any = mdates
    locator = dates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    # Japanese and Korean dates are written with their own year/month/day marks.
    marks = _DATE_MARKS.get(current_language())
    if marks is None:
        axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
        return
    year, month, day = marks
    formats = [year, month, day, "%H:%M", "%H:%M", "%S.%f"]
    offsets = ["", year, year + month, year + month + day, year + month + day, year + month + day]
    axes.xaxis.set_major_formatter(
        dates.ConciseDateFormatter(locator, formats=formats, offset_formats=offsets)
    )


# --- frequency over time ------------------------------------------------------------------


def chart_series(analysis: Analysis) -> Series:
    """Days for up to three months, weeks for up to two years, months beyond."""
    pattern = analysis.pattern
    span = len(pattern.days.starts)
    if span <= 92:
        return pattern.days
    if span <= 730:
        return pattern.weeks
    return pattern.months


_UNIT_WIDTH = {"day": 0.8, "week": 5.6, "month": 24.0}


def _unit_label(unit: str) -> str:
    return {"day": _("per day"), "week": _("per week"), "month": _("per month")}[unit]


def _frequency(analysis: Analysis) -> Figure:
    series = chart_series(analysis)
    if not series.starts:
        return _empty(_("Nothing recorded yet."), (9, 3.4))
    figure = Figure(figsize=(9, 4.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    starts = list(series.starts)
    axes.bar(
        _x(starts),
        series.incidents,
        width=_UNIT_WIDTH[series.unit],
        align="edge",
        color=BAR,
        label=_("Incidents"),
    )
    axes.set_ylabel(_("Incidents {unit}").format(unit=_unit_label(series.unit)))
    top = max(1, int(series.incidents.max(initial=0)))
    axes.set_ylim(0, top * 1.25 + 0.5)
    handles, labels = axes.get_legend_handles_labels()
    if int(series.contacts.sum()):
        other = axes.twinx()
        other.plot(
            _x(starts), series.contacts, color=LINE, linewidth=1.8, label=_("Calls and messages")
        )
        other.set_ylabel(_("Calls and messages {unit}").format(unit=_unit_label(series.unit)))
        other.set_ylim(0, max(1, int(series.contacts.max())) * 1.25)
        other.spines["right"].set_visible(True)
        extra_handles, extra_labels = other.get_legend_handles_labels()
        handles += extra_handles
        labels += extra_labels
    first, last = starts[0], starts[-1] + timedelta(days=_UNIT_WIDTH[series.unit] + 1)
    for i, event in enumerate(e for e in analysis.facts.events if e.kind == "notice"):
        line = axes.axvline(
            _x(event.starts_on),
            color=NOTICE,
            linestyle="--",
            linewidth=1.6,
            label=_("No-contact notice") if i == 0 else None,
        )
        if i == 0:
            handles.append(line)
            labels.append(_("No-contact notice"))
    for i, event in enumerate(e for e in analysis.facts.events if e.kind == "order"):
        end = event.ends_on or max(last, analysis.today)
        span = axes.axvspan(
            _x(max(event.starts_on, first)),
            _x(min(end, last)),
            color=ORDER,
            alpha=0.12,
            label=_("Order in force") if i == 0 else None,
        )
        if i == 0:
            handles.append(span)
            labels.append(_("Order in force"))
    y = top * 1.15 + 0.2
    steps = [s.on for s in analysis.tier_steps]
    if steps:
        handles.append(
            axes.scatter(_x(steps), [y] * len(steps), marker="^", s=70, color=MARK, zorder=3)
        )
        labels.append(_("More serious behaviour"))
    if analysis.rate_marks:
        marks = list(analysis.rate_marks)
        handles.append(
            axes.scatter(_x(marks), [y] * len(marks), marker="D", s=40, color=INK, zorder=3)
        )
        labels.append(_("Started happening more often"))
    _date_axis(axes)
    axes.set_xlim(_x(first - timedelta(days=1)), _x(last))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        fontsize=8,
        frameon=False,
        ncols=min(len(labels), 4),
    )
    axes.grid(axis="y", color="#d5d9d8", linewidth=0.6)
    axes.set_axisbelow(True)
    return figure


def frequency_png(analysis: Analysis) -> bytes:
    return _render(_frequency, analysis)


def frequency_alt(analysis: Analysis) -> str:
    series = chart_series(analysis)
    if not series.starts:
        return _("Chart of incidents over time: nothing is recorded yet.")
    parts = [
        _("Bar chart of incidents {unit}, from {first} to {last}.").format(
            unit=_unit_label(series.unit),
            first=day_text(series.starts[0]),
            last=day_text(series.starts[-1]),
        )
    ]
    busiest = series.busiest()
    if busiest is not None:
        when = {
            "day": _("The busiest day was {date}"),
            "week": _("The busiest week began on {date}"),
            "month": _("The busiest month began on {date}"),
        }[series.unit].format(date=day_text(busiest[0]))
        parts.append(
            ngettext(
                "{when}, with {n} incident.", "{when}, with {n} incidents.", busiest[1]
            ).format(when=when, n=busiest[1])
        )
    if int(series.contacts.sum()):
        parts.append(
            _("A line shows {n} calls and messages from them over the same time.").format(
                n=int(series.contacts.sum())
            )
        )
    notices = [day_text(e.starts_on) for e in analysis.facts.events if e.kind == "notice"]
    if notices:
        parts.append(
            _("Dashed lines mark no-contact notices: {dates}.").format(dates=", ".join(notices))
        )
    orders = [day_text(e.starts_on) for e in analysis.facts.events if e.kind == "order"]
    if orders:
        parts.append(
            _("Shaded areas show orders in force from {dates}.").format(dates=", ".join(orders))
        )
    if analysis.tier_steps:
        parts.append(
            _("Triangles mark more serious behaviour: {dates}.").format(
                dates=", ".join(day_text(s.on) for s in analysis.tier_steps)
            )
        )
    if analysis.rate_marks:
        parts.append(
            _("Diamonds mark when it started happening more often: {dates}.").format(
                dates=", ".join(day_text(d) for d in analysis.rate_marks)
            )
        )
    if series.left_out:
        parts.append(
            ngettext(
                "{n} incident with only a rough date is not in the chart.",
                "{n} incidents with only a rough date are not in the chart.",
                series.left_out,
            ).format(n=series.left_out)
        )
    return " ".join(parts)


# --- weekday x hour -------------------------------------------------------------------------


def _draw_grid(figure: Figure, axes: Any, grid: NDArray[np.int64], title: str, cmap: str) -> None:
    image = axes.imshow(grid, aspect="auto", cmap=cmap, vmin=0, interpolation="nearest")
    axes.set_yticks(range(7), [weekday_name(i, short=True) for i in range(7)])
    axes.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
    axes.set_title(title, fontsize=10, loc="left")
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    peak = int(grid.max(initial=0))
    if 0 < peak < 1000:
        for day, hour in zip(*np.nonzero(grid), strict=True):
            value = int(grid[day, hour])
            colour = "white" if value > peak * 0.55 else INK
            axes.text(hour, day, str(value), ha="center", va="center", fontsize=7, color=colour)
    bar = figure.colorbar(image, ax=axes, shrink=0.8, pad=0.01)
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()


def _heatmap(analysis: Analysis) -> Figure:
    pattern = analysis.pattern
    grids = [(pattern.heatmap, _("Incidents, by day of the week and hour"), "Blues")]
    if int(pattern.contact_heatmap.sum()):
        grids.append((pattern.contact_heatmap, _("Calls and messages from them"), "Oranges"))
    if not any(int(g.sum()) for g, _t, _c in grids):
        return _empty(_("No incident has a time of day recorded yet."), (9, 3))
    figure = Figure(figsize=(9, 3.1 * len(grids)), dpi=100, layout="constrained")
    for index, (grid, title, cmap) in enumerate(grids, start=1):
        _draw_grid(figure, figure.add_subplot(len(grids), 1, index), grid, title, cmap)
    return figure


def heatmap_png(analysis: Analysis) -> bytes:
    return _render(_heatmap, analysis)


def _peak_words(grid: NDArray[np.int64]) -> list[str]:
    total = int(grid.sum())
    if not total:
        return []
    day, hour = np.unravel_index(int(np.argmax(grid)), grid.shape)
    by_day = grid.sum(axis=1)
    by_hour = grid.sum(axis=0)
    best_hour = int(np.argmax(by_hour))
    words = []
    if int(grid[day, hour]) > 1:
        words.append(
            _("Most often on {day}s between {start}:00 and {end}:00 ({n}).").format(
                day=weekday_name(int(day)),
                start=f"{int(hour):02d}",
                end=f"{(int(hour) + 1) % 24:02d}",
                n=int(grid[day, hour]),
            )
        )
    return [
        *words,
        _(
            "Busiest day of the week: {day} ({n}). Busiest hour: {start}:00 to {end}:00 ({m})."
        ).format(
            day=weekday_name(int(np.argmax(by_day))),
            n=int(by_day.max()),
            start=f"{best_hour:02d}",
            end=f"{(best_hour + 1) % 24:02d}",
            m=int(by_hour.max()),
        ),
    ]


def heatmap_alt(analysis: Analysis) -> str:
    pattern = analysis.pattern
    total = int(pattern.heatmap.sum())
    if not total and not int(pattern.contact_heatmap.sum()):
        return _("Grid of incidents by day of the week and hour: no times of day recorded yet.")
    parts = [
        ngettext(
            "Grid of {n} incident by day of the week (rows) and hour of the day (columns).",
            "Grid of {n} incidents by day of the week (rows) and hour of the day (columns).",
            total,
        ).format(n=total)
    ]
    parts += _peak_words(pattern.heatmap)
    if int(pattern.contact_heatmap.sum()):
        parts.append(_("A second grid shows calls and messages from them."))
        parts += _peak_words(pattern.contact_heatmap)
    if pattern.heatmap_left_out:
        parts.append(
            ngettext(
                "{n} incident without a time of day is not in the grid.",
                "{n} incidents without a time of day are not in the grid.",
                pattern.heatmap_left_out,
            ).format(n=pattern.heatmap_left_out)
        )
    return " ".join(parts)


# --- tactics over time ------------------------------------------------------------------


class TacticGrid:
    """Incidents per kind of behaviour (rows, least to most serious) per period (columns)."""

    def __init__(
        self, unit: str, periods: list[date], tactics: list[vocab.Tactic], counts: NDArray[np.int64]
    ) -> None:
        self.unit = unit
        self.periods = periods
        self.tactics = tactics
        self.counts = counts

    def rows(self) -> list[tuple[vocab.Tactic, list[int]]]:
        """One row per kind of behaviour: its count in each period."""
        return [(t, self.counts[i].tolist()) for i, t in enumerate(self.tactics)]

    def columns(self) -> list[tuple[date, list[int]]]:
        """One row per period with anything in it: the count of each kind of behaviour."""
        return [
            (period, self.counts[:, i].tolist())
            for i, period in enumerate(self.periods)
            if int(self.counts[:, i].sum())
        ]


def tactic_grid(analysis: Analysis) -> TacticGrid:
    table = analysis.table
    series = chart_series(analysis)
    unit = "month" if series.unit == "month" or len(analysis.pattern.days.starts) > 120 else "week"
    source = analysis.pattern.months if unit == "month" else analysis.pattern.weeks
    periods = list(source.starts)
    if not periods:
        return TacticGrid(unit, [], [], np.zeros((0, 0), dtype=np.int64))
    if unit == "month":
        keys = table.clock.month
        first = month_number(periods[0])
        usable = table.level <= MONTH
        index = keys - first
    else:
        keys = table.clock.day - table.clock.weekday
        first = day_number(periods[0])
        usable = table.level <= DAY
        index = (keys - first) // 7
    present = [t for t in vocab.TACTICS if any(t.slug in f.tactics for f in table.facts)]
    present.sort(key=lambda t: int(t.tier))
    row_of = {t.slug: i for i, t in enumerate(present)}
    counts = np.zeros((len(present), len(periods)), dtype=np.int64)
    for i, fact in enumerate(table.facts):
        if not usable[i]:
            continue
        column = int(index[i])
        if 0 <= column < len(periods):
            for slug in fact.tactics:
                if slug in row_of:
                    counts[row_of[slug], column] += 1
    return TacticGrid(unit, periods, present, counts)


def _tactics(analysis: Analysis) -> Figure:
    grid = tactic_grid(analysis)
    if not grid.tactics or not int(grid.counts.sum()):
        return _empty(_("No kinds of behaviour recorded yet."), (9, 3))
    height = 1.2 + 0.42 * len(grid.tactics)
    figure = Figure(figsize=(9, height), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    peak = int(grid.counts.max())
    rows, columns = np.nonzero(grid.counts)
    sizes = 30 + 330 * np.sqrt(grid.counts[rows, columns] / peak)
    tiers = [int(grid.tactics[r].tier) for r in rows.tolist()]
    axes.scatter(
        _x([grid.periods[c] for c in columns.tolist()]),
        rows,
        s=sizes,
        c=[TIER_COLOURS[t] for t in tiers],
        edgecolors=INK,
        linewidths=0.4,
        zorder=3,
    )
    axes.set_yticks(range(len(grid.tactics)), [t.label_text() for t in grid.tactics])
    axes.set_ylim(-0.7, len(grid.tactics) - 0.3)
    _date_axis(axes)
    pad = timedelta(days=20 if grid.unit == "month" else 5)
    axes.set_xlim(_x(grid.periods[0] - pad), _x(grid.periods[-1] + pad))
    axes.grid(color="#e3e6e5", linewidth=0.6)
    axes.set_axisbelow(True)
    used = sorted(set(tiers))
    handles = [
        axes.scatter([], [], s=60, color=TIER_COLOURS[t], edgecolors=INK, linewidths=0.4)
        for t in used
    ]
    axes.legend(
        handles,
        [_(vocab.SEVERITY_LABELS[vocab.SeverityTier(t)]) for t in used],
        title=_("Severity"),
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )
    axes.set_title(
        _("Kinds of behaviour {unit} (bigger dots: more incidents)").format(
            unit=_unit_label(grid.unit)
        ),
        fontsize=10,
        loc="left",
    )
    return figure


def tactics_png(analysis: Analysis) -> bytes:
    return _render(_tactics, analysis)


def tactics_alt(analysis: Analysis) -> str:
    grid = tactic_grid(analysis)
    if not grid.tactics:
        return _("Chart of kinds of behaviour over time: none recorded yet.")
    parts = [
        _("Dot chart of kinds of behaviour {unit}, from least to most serious.").format(
            unit=_unit_label(grid.unit)
        )
    ]
    for tactic, counts in grid.rows():
        used = [i for i, n in enumerate(counts) if n]
        if not used:
            continue
        first = day_text(grid.periods[used[0]])
        if used[0] == used[-1]:  # one period: no range from a date to the same date
            within = {
                "day": _("{label}: {n} on {first}."),
                "week": _("{label}: {n} in the week of {first}."),
                "month": _("{label}: {n} in the month starting {first}."),
            }[grid.unit]
            parts.append(within.format(label=tactic.label_text(), n=sum(counts), first=first))
            continue
        parts.append(
            _("{label}: {n} from {first} to {last}.").format(
                label=tactic.label_text(),
                n=sum(counts),
                first=first,
                last=day_text(grid.periods[used[-1]]),
            )
        )
    return " ".join(parts)


# --- the same charts for reports ----------------------------------------------------------


@dataclass(frozen=True)
class ChartImage:
    """A chart as a report prints it: a title, its text alternative and the PNG."""

    title: str
    description: str
    png: bytes

    @property
    def aspect(self) -> float:
        """Height / width, read from the PNG header."""
        width = int.from_bytes(self.png[16:20], "big")
        height = int.from_bytes(self.png[20:24], "big")
        return height / width if width else 0.5


def report_charts(analysis: Analysis) -> list[ChartImage]:
    """The Patterns page's charts, with the same words, for a report."""
    if not len(analysis.table) and not len(analysis.contacts):
        return []
    return [
        ChartImage(_("How often, over time"), frequency_alt(analysis), frequency_png(analysis)),
        ChartImage(
            _("Days of the week and times of day"), heatmap_alt(analysis), heatmap_png(analysis)
        ),
        ChartImage(_("Kinds of behaviour over time"), tactics_alt(analysis), tactics_png(analysis)),
    ]

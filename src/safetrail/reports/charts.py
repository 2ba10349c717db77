"""Simple charts drawn with matplotlib's Agg renderer, in memory only (no file, no pyplot
state): incidents over time by kind of behaviour, the kinds of behaviour, and fear.

Colours run from light yellow to dark red with the severity tier: one hue family that gets
darker as behaviour gets more serious, so the order survives colour-blindness and greyscale
print.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from safetrail.domain import vocab
from safetrail.i18n import _
from safetrail.reports.fonts import font_files
from safetrail.reports.model import CaseData, day_text

DPI = 200
WIDTH_IN = 7.0


# Light to dark: indirect, contact, surveillance, approach, violence (ColorBrewer YlOrRd).
TIER_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c", "#800026")
UNCLASSIFIED = "#d9d9d9"


def tier_colour(tier: int) -> str:
    return TIER_COLOURS[int(tier) - 1] if 1 <= int(tier) <= len(TIER_COLOURS) else UNCLASSIFIED


@dataclass(frozen=True)
class Chart:
    title: str
    description: str  # one sentence saying what the chart shows
    png: bytes
    aspect: float  # height / width


@lru_cache(maxsize=1)
def _cjk_family() -> str:
    """Register Noto Sans CJK with matplotlib once, so CJK labels draw too."""
    from matplotlib import font_manager

    path = font_files().cjk
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def _figure(height_in: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return out.getvalue()


def _aspect(png: bytes) -> float:
    """Height / width, read from the PNG header (the tight bounding box changes the size)."""
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    return height / width if width else 0.5


def _style() -> Any:
    return {
        "font.family": ["DejaVu Sans", _cjk_family()],
        "font.size": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 9,
    }


def _buckets(first: date, last: date) -> tuple[list[date], str]:
    """Week starts (Mondays) for short periods, month starts for longer ones."""
    if (last - first).days <= 7 * 16:
        start = first - timedelta(days=first.weekday())
        weeks = []
        while start <= last:
            weeks.append(start)
            start += timedelta(days=7)
        return weeks, "week"
    months = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months, "month"


def _bucket_of(day: date, unit: str) -> date:
    return day - timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)


def incidents_over_time(case: CaseData) -> Chart | None:
    from matplotlib import rc_context

    if not case.incidents or case.first_day is None or case.last_day is None:
        return None
    buckets, unit = _buckets(case.first_day, case.last_day)
    index = {b: n for n, b in enumerate(buckets)}
    tiers = list(vocab.SeverityTier)
    counts = {t: [0] * len(buckets) for t in [0, *tiers]}
    for incident in case.incidents:
        slot = index[_bucket_of(incident.occurred.local_start.date(), unit)]
        counts[incident.tier][slot] += 1
    with rc_context(_style()):
        figure = _figure(2.5)
        axes = figure.add_subplot()
        positions = list(range(len(buckets)))
        bottom = [0] * len(buckets)
        layers: list[tuple[str, list[int], Any]] = []
        if any(counts[0]):
            layers.append((_("Not classified"), counts[0], UNCLASSIFIED))
        layers += [
            (_(vocab.SEVERITY_LABELS[t]), counts[t], tier_colour(t))
            for t in tiers
            if any(counts[t])
        ]
        for label, values, colour in layers:
            axes.bar(
                positions,
                values,
                bottom=bottom,
                color=colour,
                label=label,
                width=0.8,
                edgecolor="white",
                linewidth=0.3,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        step = max(1, len(buckets) // 12)
        axes.set_xticks(positions[::step])
        labels = [day_text(b) if unit == "week" else f"{b:%Y-%m}" for b in buckets[::step]]
        axes.set_xticklabels(labels, rotation=30, ha="right")
        axes.set_ylabel(_("Incidents per week") if unit == "week" else _("Incidents per month"))
        axes.yaxis.get_major_locator().set_params(integer=True)
        for event_day, label in [(n.day, _("notice")) for n in case.notices] + [
            (o.starts, _("order")) for o in case.orders
        ]:
            if case.first_day <= event_day <= case.last_day:
                x = index[_bucket_of(event_day, unit)]
                axes.axvline(x, color="#2b3a55", linestyle="--", linewidth=1)
                axes.text(
                    x + 0.12,
                    0.98,
                    label,
                    rotation=90,
                    va="top",
                    fontsize=7,
                    color="#2b3a55",
                    transform=axes.get_xaxis_transform(),
                )
        axes.legend(
            frameon=False,
            fontsize=7,
            ncols=len(layers),
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            title=_("Most serious kind of behaviour in the incident"),
            title_fontsize=7,
            alignment="left",
        )
        png = _png(figure)
    what = _("week") if unit == "week" else _("month")
    return Chart(
        _("Incidents over time"),
        _(
            "Number of incidents in each {unit}, coloured by the most serious kind of "
            "behaviour in each incident; dashed lines mark no-contact notices and orders."
        ).format(unit=what),
        png,
        _aspect(png),
    )


def kinds_of_behaviour(case: CaseData) -> Chart | None:
    from matplotlib import rc_context

    counts = case.tactic_counts()[:12]
    if not counts:
        return None
    with rc_context(_style()):
        figure = _figure(0.35 + 0.2 * len(counts))
        axes = figure.add_subplot()
        labels = [vocab.tactic(slug).label_text() for slug, _n in counts][::-1]
        values = [n for _slug, n in counts][::-1]
        colours = [tier_colour(vocab.tactic(slug).tier) for slug, _n in counts][::-1]
        bars = axes.barh(labels, values, color=colours, edgecolor="#555555", linewidth=0.3)
        axes.bar_label(bars, padding=2, fontsize=7)
        axes.set_xlabel(_("Incidents"))
        axes.xaxis.get_major_locator().set_params(integer=True)
        png = _png(figure)
    return Chart(
        _("Kinds of behaviour"),
        _("How many incidents included each kind of behaviour (one incident can include several)."),
        png,
        _aspect(png),
    )


def fear_over_time(case: CaseData) -> Chart | None:
    from matplotlib import rc_context

    rated = [i for i in case.incidents if i.fear is not None]
    if len(rated) < 3 or case.first_day is None or case.last_day is None:
        return None
    buckets, unit = _buckets(case.first_day, case.last_day)
    sums: Counter[date] = Counter()
    counts: Counter[date] = Counter()
    for incident in rated:
        key = _bucket_of(incident.occurred.local_start.date(), unit)
        sums[key] += incident.fear or 0
        counts[key] += 1
    xs = [n for n, b in enumerate(buckets) if counts[b]]
    ys = [sums[b] / counts[b] for b in buckets if counts[b]]
    with rc_context(_style()):
        figure = _figure(1.9)
        axes = figure.add_subplot()
        axes.plot(xs, ys, marker="o", color="#2b3a55", linewidth=0.9, linestyle=":", markersize=3.5)
        axes.set_ylim(-0.2, vocab.MAX_FEAR + 0.2)
        axes.set_yticks(range(vocab.MAX_FEAR + 1))
        step = max(1, len(buckets) // 12)
        axes.set_xticks(list(range(len(buckets)))[::step])
        axes.set_xticklabels(
            [day_text(b) if unit == "week" else f"{b:%Y-%m}" for b in buckets[::step]],
            rotation=30,
            ha="right",
        )
        axes.set_ylabel(_("Average fear (0–4)"))
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        png = _png(figure)
    return Chart(
        _("Fear recorded"),
        _(
            "Average fear the person recorded, from 0 (not afraid) to 4 (terrified, afraid for "
            "their life), per {unit} with at least one rating."
        ).format(unit=_("week") if unit == "week" else _("month")),
        png,
        _aspect(png),
    )


def basic_charts(case: CaseData) -> list[Chart]:
    made = (incidents_over_time(case), kinds_of_behaviour(case), fear_over_time(case))
    return [chart for chart in made if chart is not None]

"""Small server-rendered SVG charts: readable without JavaScript, printable, and accessible.

Every chart is `role="img"` labelled by its own `<title>` and `<desc>`; the page puts the same
numbers in a table beside it, so the chart is never the only way to read them. Elements
carry printable colours as SVG presentation attributes (fill=, stroke=), never style=
attributes, which the Content-Security-Policy refuses; their classes let the static CSS
(svg.chart ... in muster.css) give them the page's theme colours instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)
BAR = 'class="bar" fill="#0172ad"'
GRID = 'class="grid" stroke="#e7eaf0"'
SERIES = (
    'class="series-0" stroke="#0172ad"',
    'class="series-1" stroke="#646b79" stroke-dasharray="6 4"',
)
TEXT = 'font-size="12" fill="#373c44"'


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(width: int, height: int, title: str, desc: str, key: str) -> tuple[str, str]:
    uid = f"chart-{key}-{next(_ids)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{uid}-title {uid}-desc">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>'
    )
    return head, uid


def bar_chart(
    title: str,
    desc: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    unit: str = "",
    maximum: float | None = None,
    key: str = "bar",
) -> SafeString:
    """Horizontal bars, one per (label, value); a None value is drawn as "no data"."""
    label_width, bar_width, row = 220, 300, 26
    width = label_width + bar_width + 70
    height = max(row * len(bars) + 10, 40)
    top = max((v for _, v in bars if v is not None), default=0.0)
    scale_max = maximum if maximum is not None else (top or 1.0)
    head, _ = _open(width, height, title, desc, key)
    parts = [head]
    if not bars:
        parts.append(f'<text x="0" y="24" {TEXT}>No data.</text>')
    for i, (label, value) in enumerate(bars):
        y = 5 + i * row
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" {TEXT}>'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        if value is None:
            parts.append(f'<text x="{label_width}" y="{y + 16}" {TEXT}>no data</text>')
            continue
        length = 0.0 if scale_max <= 0 else max(0.0, min(1.0, value / scale_max)) * bar_width
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f"{BAR}/>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 16}" {TEXT}>'
            f"{escape(_num(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped


def line_chart(
    title: str,
    desc: str,
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    x_max: float,
    x_label: str = "",
    y_unit: str = "%",
    key: str = "line",
) -> SafeString:
    """Lines through (x, y) points, one per named series, with a legend and a y-axis from 0."""
    left, right, top, bottom = 50, 20, 30, 40
    width, height = 600, 260
    plot_w, plot_h = width - left - right, height - top - bottom
    y_top = max((y for _, pts in series for _, y in pts), default=0.0)
    y_max = max(10.0, _nice(y_top))
    head, _ = _open(width, height, title, desc, key)
    parts = [head]

    def px(x: float, y: float) -> str:
        return (
            f"{left + plot_w * (x / x_max if x_max else 0):.1f},"
            f"{top + plot_h * (1 - y / y_max):.1f}"
        )

    for tick in range(5):
        value = y_max * tick / 4
        y = top + plot_h * (1 - tick / 4)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f"{GRID}/>"
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {TEXT}>'
            f"{escape(_num(value))}{escape(y_unit)}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle" {TEXT}>'
        f"{escape(x_label)}</text>"
    )
    for i, (name, points) in enumerate(series):
        look = SERIES[i % len(SERIES)]
        if points:
            path = " ".join(px(x, y) for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke-width="2.5" {look}>'
                f"<title>{escape(name)}</title></polyline>"
            )
        lx = left + 10 + i * 200
        parts.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="14" y2="14" stroke-width="2.5" '
            f'{look}/><text x="{lx + 30}" y="18" {TEXT}>{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped


def _nice(value: float) -> float:
    """A round axis maximum at or above `value` (10, 20, 25, 50, 100, …)."""
    for power in range(1, 8):
        for factor in (1.0, 2.0, 2.5, 5.0):
            candidate = factor * float(10**power)
            if candidate >= value:
                return candidate
    return value

"""Server-side SVG charts for the supervisor dashboard.

The portal must render without reaching the internet, so charts are plain
SVG strings built here rather than a JavaScript library from a CDN. Each
chart carries a ``<title>``/``<desc>`` and ``role="img"`` so a screen reader
announces it, and the page shows the same numbers in a table beside it.
Every label passes through ``markupsafe.escape``: service names come from a
city-edited file and must never inject markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

# Colours chosen for at least 3:1 contrast against white (WCAG 1.4.11).
PALETTE = ("#1f4e79", "#b34700", "#2d6a2d", "#6b2c91", "#8a1c1c")
_FONT = "font-family=\"system-ui, sans-serif\" font-size=\"12\""


def _nice_max(value: float) -> float:
    """Round a maximum up to 1, 2 or 5 times a power of ten so axis ticks read well."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - loop always returns


def _fmt(value: float) -> str:
    """Format a number without a trailing ``.0`` for whole values."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _open_svg(width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="chart">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]


def bar_chart(
    items: Sequence[tuple[str, float]],
    title: str,
    unit: str = "",
    width: int = 560,
    bar_height: int = 22,
) -> Markup:
    """Return a horizontal bar chart as SVG markup.

    Args:
        items: ``(label, value)`` pairs, drawn top to bottom in the given order.
        title: the accessible name of the chart.
        unit: appended to each value label (``" d"`` for days).
        width: total width in pixels.
        bar_height: height of one bar in pixels.
    """
    label_w, value_w, pad = 200, 60, 8
    height = max(1, len(items)) * (bar_height + pad) + pad
    top = _nice_max(max((v for _, v in items), default=0))
    plot_w = width - label_w - value_w
    desc = "; ".join(f"{label}: {_fmt(v)}{unit}" for label, v in items) or "no data"
    parts = _open_svg(width, height, title, desc)
    if not items:
        parts.append(f'<text x="{pad}" y="{bar_height}" {_FONT} fill="#333">No data</text>')
    for i, (label, value) in enumerate(items):
        y = pad + i * (bar_height + pad)
        w = 0 if top == 0 else max(0.0, value) / top * plot_w
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{label_w - pad}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'{_FONT} fill="#222">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {_fmt(value)}{escape(unit)}</title>'
            "</rect>"
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" {_FONT} '
            f'fill="#222">{_fmt(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every input above is escaped


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    title: str,
    width: int = 640,
    height: int = 260,
) -> Markup:
    """Return a line chart of one or more series sharing the x labels, as SVG markup.

    Args:
        labels: the x-axis labels (e.g. days), one per point.
        series: ``(name, values)`` pairs; each values list matches ``labels``.
        title: the accessible name of the chart.
        width: total width in pixels.
        height: total height in pixels.
    """
    left, right, top_pad, bottom = 40, 16, 28, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = _nice_max(max((v for _, vals in series for v in vals), default=0))
    n = len(labels)

    def x_at(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top_pad + plot_h - (v / peak * plot_h)

    desc = "; ".join(f"{name}: total {_fmt(sum(vals))}" for name, vals in series) or "no data"
    parts = _open_svg(width, height, title, desc)
    # Axes and three horizontal gridlines with their values.
    for frac in (0, 0.5, 1):
        y = y_at(peak * frac)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#767676" '
            f'stroke-width="{1 if frac == 0 else 0.5}"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT} fill="#222">'
            f"{_fmt(peak * frac)}</text>"
        )
    # Label every few days so the axis stays legible over 30 points.
    step = max(1, n // 6)
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x_at(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" {_FONT} '
            f'fill="#222">{escape(labels[i])}</text>'
        )
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(values))
        dash = "" if k == 0 else ' stroke-dasharray="6 3"'
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(name)} {escape(labels[i])}: {_fmt(v)}</title></circle>"
            )
        # Legend along the top.
        lx = left + k * 140
        parts.append(
            f'<rect x="{lx}" y="6" width="14" height="4" fill="{colour}"/>'
            f'<text x="{lx + 18}" y="12" {_FONT} fill="#222">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every input above is escaped

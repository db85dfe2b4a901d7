"""Static SVG line charts with bands for the printable report (WeasyPrint runs no JavaScript, so no Plotly there)."""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = ("#1f5f8b", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#117a65")


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    return (int(value / step) + 1) * step


def band_chart(series: list[dict[str, Any]], *, title: str, x_label: str, width: int = 640, height: int = 220) -> str:
    """An SVG chart: per series a median line and an optional shaded band (``x``, ``median``, ``low``, ``high``)."""
    left, right, top, bottom = 56, 12, 26, 34
    xs = [x for s in series for x in s["x"]]
    ys = [y for s in series for key in ("median", "high") for y in (s.get(key) or []) if y is not None]
    if not xs or not ys:
        return ""
    x0, x1 = min(xs), max(xs) or 1.0
    y1 = _nice_max(max(ys))
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1.0) * plot_w

    def py(y: float) -> float:
        return top + plot_h - (y / y1) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
             f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i in range(5):
        y = y1 * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#e3e7eb"/>')
        parts.append(f'<text x="{left - 6}" y="{py(y) + 3:.1f}" text-anchor="end">{y:g}</text>')
    for i in range(6):
        x = x0 + (x1 - x0) * i / 5
        parts.append(f'<text x="{px(x):.1f}" y="{height - bottom + 14}" text-anchor="middle">{x:.0f}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">{escape(x_label)}</text>')
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        if s.get("low") and s.get("high"):
            upper = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(s["x"], s["high"], strict=True))
            lower = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(s["x"][::-1], s["low"][::-1], strict=True))
            parts.append(f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.15" stroke="none"/>')
        line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(s["x"], s["median"], strict=True))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        parts.append(f'<rect x="{left + 8}" y="{top + 4 + i * 13}" width="10" height="3" fill="{colour}"/>'
                     f'<text x="{left + 22}" y="{top + 9 + i * 13}">{escape(str(s["name"]))}</text>')
    parts.append("</svg>")
    return "".join(parts)

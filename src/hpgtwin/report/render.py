"""Render the report as printable HTML (Jinja, autoescaped) and as PDF (WeasyPrint)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The report's Jinja environment (autoescaping on)."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def render_report_html(context: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    charts = [Markup(svg) for svg in context.get("charts", [])]  # built by svgchart with every text escaped
    return _environment().get_template("report.html").render(**{**context, "charts": charts})


def render_report_pdf(context: dict[str, Any]) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import HTML

    return HTML(string=render_report_html(context), base_url=str(TEMPLATES)).write_pdf()

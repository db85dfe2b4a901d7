"""Printable reports for one patient: assessment, projections, monitoring calendar, sources, disclaimer (HTML, PDF)."""

from hpgtwin.report.context import build_report_context, collect_sources, monitoring_calendar
from hpgtwin.report.render import render_report_html, render_report_pdf

__all__ = [
    "build_report_context",
    "collect_sources",
    "monitoring_calendar",
    "render_report_html",
    "render_report_pdf",
]

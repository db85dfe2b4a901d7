"""What goes into one patient's report: record, assessment, projections, monitoring calendar, sources."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hpgtwin import DISCLAIMER, __version__
from hpgtwin.report.svgchart import band_chart

REPORT_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("testosterone_ng_dl", "Testosterone (ng/dL)"),
    ("estradiol_pg_ml", "Estradiol (pg/mL)"),
    ("sperm_concentration_million_ml", "Sperm concentration (million/mL)"),
)
WEEK_KEYS = ("weeks", "week", "at_weeks", "after_weeks", "due_weeks", "interval_weeks")


def _weeks_of(item: dict[str, Any]) -> list[float]:
    """The week offsets a monitoring item names (a number, or a list of numbers), if any."""
    for key in WEEK_KEYS:
        raw = item.get(key)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return [float(raw)]
        if isinstance(raw, list) and all(isinstance(x, (int, float)) for x in raw):
            return [float(x) for x in raw]
    return []


def monitoring_calendar(monitoring: Any, start: date) -> list[dict[str, Any]]:
    """Dated check-ups from the assessment's monitoring items (week offsets from ``start``), soonest first."""
    items = monitoring.get("schedule") or monitoring.get("items") if isinstance(monitoring, dict) else monitoring
    rows: list[dict[str, Any]] = []
    for item in items or []:
        if not isinstance(item, dict):
            rows.append({"date": None, "week": None, "what": str(item), "why": None, "source": None})
            continue
        what = item.get("what") or item.get("test") or item.get("tests") or item.get("name") or item.get("code")
        if isinstance(what, list):
            what = ", ".join(map(str, what))
        weeks = _weeks_of(item) or [None]
        for week in weeks:
            rows.append({"date": (start + timedelta(weeks=week)).isoformat() if week is not None else None,
                         "week": week, "what": what, "why": item.get("why") or item.get("reason") or
                         item.get("message"), "source": item.get("source")})
    return sorted(rows, key=lambda r: (r["week"] is None, r["week"] or 0))


def collect_sources(assessment: dict[str, Any] | None) -> list[str]:
    """Every distinct full reference (and stand-alone source line) in the assessment, in order of appearance."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("source", "citation") and isinstance(value, str):
                    found.setdefault(value)
                elif key in ("references", "citations") and isinstance(value, list):
                    for v in value:
                        if isinstance(v, str):
                            found.setdefault(v)
                        else:
                            walk(v)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(assessment or {})
    return list(found)


def projection_charts(plan: dict[str, Any]) -> list[str]:
    """One static SVG chart per main output, every candidate regimen with its 80 % band."""
    charts = []
    for output, label in REPORT_OUTPUTS:
        series = []
        for projection in plan.get("projections", []):
            q = projection.get("outputs", {}).get(output)
            if q:
                series.append({"name": projection["regimen"], "x": [d / 7 for d in projection["days"]],
                               "median": q["median"], "low": q.get("p10"), "high": q.get("p90")})
        svg = band_chart(series, title=f"{label}: median and 80 % band", x_label="weeks") if series else ""
        if svg:
            charts.append(svg)
    return charts


def build_report_context(store: Any, patient_id: str, *, plan: dict[str, Any] | None = None) -> dict[str, Any]:
    """Gather the report through the store and the public API; ``plan`` is a finished ``Plan.to_dict()`` or None."""
    from hpgtwin.store import parameter_set_hash
    from hpgtwin.web import services

    record = store.get_patient(patient_id)
    notes: list[str] = []
    assessment = None
    try:
        assessment = services.assess(store.patient_file(patient_id))
    except Exception as exc:  # noqa: BLE001 - a report states what is missing instead of failing
        notes.append(f"Assessment not available: {exc}")
    if plan is None:
        notes.append("No personal projection in this report: open the projection page, let it finish, then "
                     "print again.")
    current = [r for r in record.get("regimens", []) if not r["end_date"] and r["start_date"]]
    start = date.fromisoformat(current[-1]["start_date"]) if current else date.today()
    return {
        "record": record,
        "assessment": assessment,
        "plan": plan,
        "charts": projection_charts(plan) if plan else [],
        "calendar": monitoring_calendar((assessment or {}).get("monitoring"), start),
        "calendar_start": start.isoformat(),
        "sources": collect_sources(assessment),
        "notes": notes,
        "generated": date.today().isoformat(),
        "version": __version__,
        "parameter_set_hash": parameter_set_hash(),
        "disclaimer": DISCLAIMER,
    }

"""Plotly figures for the pages: the lab timeline with regimen bands, projections with bands, dose finder, trials,
a simulated trajectory and its 24 h LH pulse profile.

Figures are rendered as a ``<div>`` carrying the figure as JSON; ``/static/plots.js`` draws it with plotly.js from
``/static-vendor/plotly.min.js`` (served from the installed plotly package; no network, no inline script).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from html import escape
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

PALETTE = ("#1f5f8b", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#117a65", "#7f8c8d")
BAND_COLOURS = ("rgba(31,95,139,0.12)", "rgba(192,57,43,0.12)", "rgba(39,174,96,0.12)", "rgba(142,68,173,0.12)")
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
MIN_PAD_DAYS = 14  # the timeline shows at least two weeks either side of the data, so one draw is not a blur

# Lab timeline panels: title and the (analyte key, label) series drawn in it (canonical units).
TIMELINE_PANELS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Testosterone (ng/dL)", (("testosterone_total", "Total T"),)),
    ("Estradiol (pg/mL)", (("estradiol", "E2"),)),
    ("LH and FSH (IU/L)", (("lh", "LH"), ("fsh", "FSH"))),
    ("T/E2 (T ng/dL ÷ E2 pg/mL)", (("t_e2_ratio", "T/E2"),)),
    ("Semen", (("concentration_million_per_ml", "Concentration (million/mL)"),
               ("total_motility_pct", "Total motility (%)"))),
)

PROJECTED_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("testosterone_ng_dl", "Testosterone (ng/dL)"),
    ("estradiol_pg_ml", "Estradiol (pg/mL)"),
    ("lh_iu_l", "LH (IU/L)"),
    ("fsh_iu_l", "FSH (IU/L)"),
    ("sperm_concentration_million_ml", "Sperm concentration (million/mL)"),
    ("total_motile_count_million", "Total motile count (million)"),
)


def to_fragment(fig: go.Figure, div_id: str) -> str:
    """A ``<div>`` holding one figure as escaped JSON, drawn by ``/static/plots.js`` (the CSP forbids inline script)."""
    figure = escape(pio.to_json(fig, validate=False), quote=True)
    config = escape(json.dumps(PLOT_CONFIG), quote=True)
    return (f'<div id="{escape(div_id, quote=True)}" class="plotly-figure" data-figure="{figure}" '
            f'data-config="{config}"></div>')


def _style(fig: go.Figure, height: int) -> go.Figure:
    """The house look: white background, light grid, legend on top."""
    fig.update_layout(template="plotly_white", height=height, margin={"l": 60, "r": 20, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": 1.08, "x": 0}, font={"family": "system-ui, sans-serif"})
    return fig


def _series(record: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """Dated canonical values per analyte, the T/E2 ratio per draw date, and semen values, oldest first."""
    out: dict[str, list[tuple[str, float]]] = {}
    for lab in record.get("labs", []):
        if lab["date"] and lab["canonical_value"] is not None:
            out.setdefault(lab["analyte"], []).append((lab["date"], lab["canonical_value"]))
    t_by_date = dict(out.get("testosterone_total", []))
    for when, e2 in out.get("estradiol", []):
        if when in t_by_date and e2 > 0:
            out.setdefault("t_e2_ratio", []).append((when, t_by_date[when] / e2))
    for semen in record.get("semen", []):
        for name in ("concentration_million_per_ml", "total_motility_pct"):
            if semen["date"] and semen.get(name) is not None:
                out.setdefault(name, []).append((semen["date"], semen[name]))
    return {k: sorted(v) for k, v in out.items()}


def lab_timeline(record: dict[str, Any], t_e2_threshold: float | None = None) -> go.Figure | None:
    """Stacked timelines of T, E2, LH/FSH, T/E2 and semen with a shaded band per regimen taken; None if no dated data."""
    series = _series(record)
    if not series:
        return None
    panels = [p for p in TIMELINE_PANELS if any(key in series for key, _ in p[1])]
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[title for title, _ in panels])
    colour = 0
    for row, (_title, keys) in enumerate(panels, start=1):
        for key, label in keys:
            if key not in series:
                continue
            xs, ys = zip(*series[key], strict=True)
            fig.add_trace(go.Scatter(x=list(xs), y=list(ys), mode="lines+markers", name=label,
                                     line={"color": PALETTE[colour % len(PALETTE)]}), row=row, col=1)
            colour += 1
        if keys[0][0] == "t_e2_ratio" and t_e2_threshold is not None:
            fig.add_hline(y=t_e2_threshold, line_dash="dash", line_color="#c0392b", row=row, col=1,
                          annotation_text=f"T/E2 = {t_e2_threshold:g}", annotation_position="bottom right")
    dates = [date.fromisoformat(d) for points in series.values() for d, _ in points]
    dates += [date.fromisoformat(r["start_date"]) for r in record.get("regimens", []) if r["start_date"]]
    first, last = min(dates), max(dates)
    pad = timedelta(days=max(MIN_PAD_DAYS, (last - first).days * 0.05))
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d", range=[(first - pad).isoformat(), (last + pad).isoformat()])
    today = date.today().isoformat()
    for i, regimen in enumerate(record.get("regimens", [])):
        if not regimen["start_date"]:
            continue
        fig.add_vrect(x0=regimen["start_date"], x1=regimen["end_date"] or today, row="all", col=1,
                      fillcolor=BAND_COLOURS[i % len(BAND_COLOURS)], line_width=0, layer="below")
        fig.add_annotation(x=regimen["start_date"], y=1.0, yref="paper", xanchor="left", yanchor="bottom",
                           text=regimen["regimen"], showarrow=False, font={"size": 11, "color": "#333"})
    return _style(fig, 190 * len(panels) + 80)


def projection_figure(plan: dict[str, Any], output: str, label: str) -> go.Figure | None:
    """Median and 80 % band of one output under each candidate regimen (weeks on the x axis)."""
    fig = go.Figure()
    for i, projection in enumerate(plan.get("projections", [])):
        q = projection.get("outputs", {}).get(output)
        if not q:
            continue
        weeks = [d / 7 for d in projection["days"]]
        colour = PALETTE[i % len(PALETTE)]
        fill = BAND_COLOURS[i % len(BAND_COLOURS)].replace("0.12", "0.18")
        fig.add_trace(go.Scatter(x=weeks + weeks[::-1], y=q["p90"] + q["p10"][::-1], fill="toself",
                                 fillcolor=fill, line={"width": 0}, hoverinfo="skip", showlegend=False,
                                 legendgroup=str(i)))
        fig.add_trace(go.Scatter(x=weeks, y=q["median"], mode="lines", name=projection["regimen"],
                                 line={"color": colour, "width": 2}, legendgroup=str(i)))
    if not fig.data:
        return None
    history = (plan.get("calibration") or {}).get("history") or {}
    measured = [o for o in history.get("observations", []) if o.get("output") == output]
    if measured:
        on = history.get("regimen") or "no drug"
        fig.add_trace(go.Scatter(x=[max(o["day"], 0) / 7 for o in measured], y=[o["value"] for o in measured],
                                 mode="markers", name=f"his measured values (week 0 = start of {on})",
                                 marker={"symbol": "x", "size": 10, "color": "#1d2733"}))
    fig.update_layout(title=f"{label}: median and 80 % band")
    fig.update_xaxes(title_text="weeks from start")
    return _style(fig, 360)


def dose_figure(dose: dict[str, Any] | None) -> go.Figure | None:
    """Dose finder: the target output's median and the lowest E2 edge per candidate weekly amount."""
    if not dose or not dose.get("candidates"):
        return None
    target_output = next(iter(dose["target"]), None)
    rows = sorted(dose["candidates"], key=lambda c: c["weekly_amount"])
    x = [c["regimen"] for c in rows]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if target_output:
        fig.add_trace(go.Bar(x=x, y=[c["target_median"].get(target_output) for c in rows],
                             marker_color=["#27ae60" if c["meets_target"] and c["e2_above_floor"] else "#b0b7bf"
                                           for c in rows],
                             name=f"{target_output} median at week {dose['evaluation_week']:g}"), secondary_y=False)
        op, value = dose["target"][target_output]
        fig.add_hline(y=value, line_dash="dash", line_color="#27ae60", annotation_text=f"target {op} {value:g}")
    fig.add_trace(go.Scatter(x=x, y=[c["e2_lower_min_pg_ml"] for c in rows], mode="lines+markers",
                             name="lowest E2, lower band edge (pg/mL)", line={"color": "#c0392b"}), secondary_y=True)
    fig.add_hline(y=dose["e2_floor_pg_ml"], line_dash="dot", line_color="#c0392b", secondary_y=True,
                  annotation_text=f"E2 floor {dose['e2_floor_pg_ml']:g} pg/mL", annotation_position="bottom left")
    fig.update_layout(title=f"Dose finder ({dose['drug']}); green = meets the target and keeps E2 above the floor")
    return _style(fig, 380)


def trajectory_figure(traj: dict[str, Any], outputs: tuple[tuple[str, str], ...] = PROJECTED_OUTPUTS) -> go.Figure:
    """A simulated trajectory of a typical man: one panel per output, days on the x axis."""
    present = [(k, label) for k, label in outputs if k in traj]
    fig = make_subplots(rows=len(present) or 1, cols=1, shared_xaxes=True, subplot_titles=[lb for _, lb in present])
    for row, (key, label) in enumerate(present, start=1):
        fig.add_trace(go.Scatter(x=traj["days"], y=traj[key], mode="lines", name=label,
                                 line={"color": PALETTE[(row - 1) % len(PALETTE)]}), row=row, col=1)
    fig.update_xaxes(title_text="days", row=len(present) or 1, col=1)
    fig.update_yaxes(rangemode="tozero")  # from zero: a flat output must not look like a swing (autorange zooms in)
    return _style(fig, 170 * max(1, len(present)) + 60)


def pulse_profile_figure(profile: dict[str, Any]) -> go.Figure:
    """The 24 h LH pulse profile of one day (``hpgtwin.simulate.pulsatile``): LH, its 24 h mean, the pulse times."""
    day = f"{profile['day']:g}"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=profile["time_h"], y=profile["lh_iu_l"], mode="lines", name="LH (IU/L)",
                             line={"color": PALETTE[0], "width": 2}))
    fig.add_hline(y=profile["mean_iu_l"], line_dash="dash", line_color=PALETTE[6],
                  annotation_text=f"24-h mean {profile['mean_iu_l']:.3g} IU/L (the model's LH)",
                  annotation_position="top left")
    if profile["pulse_times_h"]:
        fig.add_trace(go.Scatter(x=profile["pulse_times_h"], y=[0.0] * len(profile["pulse_times_h"]),
                                 mode="markers", name="pulse onset", marker={"symbol": "triangle-up", "size": 9,
                                                                             "color": PALETTE[1]}))
    fig.update_layout(title=f"24-h LH pulse profile on day {day}: {profile['pulses_per_day']:.3g} pulses/day, "
                            f"{profile['amplitude_iu_l']:.3g} IU/L per pulse (seed {profile['seed']})")
    fig.update_xaxes(title_text=f"hours from the start of day {day}", range=[0, 24])
    fig.update_yaxes(title_text="LH (IU/L)", rangemode="tozero")
    return _style(fig, 360)


TRIAL_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("testosterone_ng_dl", "Testosterone (ng/dL)"),
    ("estradiol_pg_ml", "Estradiol (pg/mL)"),
    ("lh_iu_l", "LH (IU/L)"),
    ("fsh_iu_l", "FSH (IU/L)"),
    ("sperm_concentration_million_ml", "Sperm concentration (million/mL)"),
)


def arm_label(name: str, arm: dict[str, Any]) -> str:
    """Legend text of a trial arm: its name and regimen (once when they are the same)."""
    regimen = str(arm.get("regimen") or "")
    return regimen if not name or name == regimen else f"{name}: {regimen}"


def trial_figure(result: dict[str, Any], published: list[dict[str, Any]] | None = None) -> go.Figure | None:
    """Per output: each arm's mean with its 95 % CI by week (0 = baseline), and the published means as diamonds."""
    arms = result.get("arms") or {"": result}
    present = [(k, label) for k, label in TRIAL_OUTPUTS
               if any(k in (arm.get("baseline") or {}) for arm in arms.values())]
    if not present:
        return None
    fig = make_subplots(rows=len(present), cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        subplot_titles=[label for _, label in present])
    for row, (output, _label) in enumerate(present, start=1):
        for i, (name, arm) in enumerate(arms.items()):
            points = [(0.0, (arm.get("baseline") or {}).get(output))]
            points += [(float(w), stats.get(output)) for w, stats in (arm.get("weeks") or {}).items()]
            points = [(w, s) for w, s in points if isinstance(s, dict) and "mean" in s]
            if not points:
                continue
            weeks = [w for w, _ in points]
            means = [s["mean"] for _, s in points]
            lows = [s["mean"] - s["ci95"][0] for _, s in points]
            highs = [s["ci95"][1] - s["mean"] for _, s in points]
            fig.add_trace(go.Scatter(x=weeks, y=means, mode="lines+markers", name=arm_label(name, arm),
                                     line={"color": PALETTE[i % len(PALETTE)]}, legendgroup=name,
                                     showlegend=row == 1,
                                     error_y={"type": "data", "symmetric": False, "array": highs, "arrayminus": lows}),
                          row=row, col=1)
        reported = [(float(v["week"]), v[output]["mean"]) for v in published or []
                    if isinstance(v.get(output), dict) and "mean" in v[output] and "week" in v]
        if reported:
            fig.add_trace(go.Scatter(x=[w for w, _ in reported], y=[m for _, m in reported], mode="markers",
                                     name="published mean", legendgroup="published", showlegend=row == 1,
                                     marker={"symbol": "diamond", "size": 11, "color": "#c0392b"}), row=row, col=1)
    fig.update_xaxes(title_text="weeks (0 = baseline)", row=len(present), col=1)
    fig.update_layout(title="Virtual trial: follow-up means with 95 % CI")
    return _style(fig, 230 * len(present) + 100)

"""``hpgtwin plan FILE``: calibrate the twin to one man's labs, project regimens with bands, find the lowest dose."""

from __future__ import annotations

import html
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from hpgtwin import DISCLAIMER
from hpgtwin.cli.common import echo_json, fail, footer
from hpgtwin.errors import HpgtwinError

SHOWN = (
    ("testosterone_ng_dl", "T ng/dL"),
    ("estradiol_pg_ml", "E2 pg/mL"),
    ("lh_iu_l", "LH IU/L"),
    ("sperm_concentration_million_ml", "sperm M/mL"),
)


class Format(StrEnum):
    """Output formats of the plan command."""

    json = "json"
    text = "text"
    html = "html"


def _num(x: float) -> str:
    """A clinical number with sensible precision (no exponent notation)."""
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def _cell(row: dict[str, Any], output: str) -> str:
    """'median (p10-p90)' for one summary cell, or '-'."""
    q = row.get(output)
    if not q:
        return "-"
    return f"{_num(q['median'])} ({_num(q['p10'])}-{_num(q['p90'])})"


def _dose_lines(dose: dict[str, Any] | None) -> list[str]:
    """The dose recommendation as short sentences."""
    if not dose:
        return []
    target = ", ".join(f"{k} {op} {v:g}" for k, (op, v) in dose["target"].items())
    head = (
        f"Lowest {dose['drug']} dose reaching {target} at week {dose['evaluation_week']:g} with the lower "
        f"{int(dose['e2_band_level'] * 100)} % E2 band >= {dose['e2_floor_pg_ml']:g} pg/mL: "
    )
    if dose["recommended_regimen"]:
        head += f"{dose['recommended_regimen']} ({dose['weekly_amount']:g} {dose['unit']}/week)"
    else:
        head += "none in the searched grid"
    return [head, *[f"  note: {n}" for n in dose["notes"]], f"  E2 floor source: {dose['e2_floor_source']}"]


def render_text(d: dict[str, Any]) -> str:
    """The plan as a plain-text report."""
    lines = [
        f"Personal plan for patient {d['patient_id']}",
        "",
        "Calibrated parameters (prior -> posterior median [95 %]):",
    ]
    for p in d["calibration"]["parameters"]:
        lines.append(
            f"  {p['role']:<20} {p['prior_value']:.4g} -> {p['posterior_median']:.4g} "
            f"[{p['lower_95']:.3g}-{p['upper_95']:.3g}] {p['unit']}"
        )
    diag = d["calibration"]["diagnostics"]
    lines.append(
        f"  {diag['n_observations']} lab values, chi2 {diag['data_chi2']:.2f}, "
        f"effective sample size {diag['effective_sample_size']}"
    )
    lines += [
        "",
        "Projections, median (80 % band):",
        "  " + " | ".join(["regimen", "week"] + [h for _, h in SHOWN]),
    ]
    for row in d["summary"]:
        cells = [row["regimen"], str(row["week"])] + [_cell(row, o) for o, _ in SHOWN]
        lines.append("  " + " | ".join(cells))
    lines += ["", *_dose_lines(d["dose_recommendation"]), "", "Conventions:"]
    lines += [f"  - {c}" for c in d["conventions"]]
    return "\n".join(lines) + "\n" + footer()


def render_html(d: dict[str, Any]) -> str:
    """The plan as a small self-contained HTML page."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in ["regimen", "week"] + [h for _, h in SHOWN])
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(c))}</td>" for c in [r["regimen"], r["week"]] + [_cell(r, o) for o, _ in SHOWN]
        )
        + "</tr>"
        for r in d["summary"]
    )
    params = "".join(
        f"<tr><td>{e(p['role'])}</td><td>{p['prior_value']:.4g}</td><td>{p['posterior_median']:.4g}</td>"
        f"<td>{p['lower_95']:.3g}-{p['upper_95']:.3g}</td><td>{e(p['unit'])}</td></tr>"
        for p in d["calibration"]["parameters"]
    )
    dose = "".join(f"<p>{e(line)}</p>" for line in _dose_lines(d["dose_recommendation"]))
    conventions = "".join(f"<li>{e(c)}</li>" for c in d["conventions"])
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>hpgtwin plan {e(d['patient_id'])}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}</style></head><body>"
        f"<h1>Personal plan: {e(d['patient_id'])}</h1>"
        "<h2>Calibrated parameters</h2><table><tr><th>role</th><th>prior</th><th>posterior median</th>"
        f"<th>95 %</th><th>unit</th></tr>{params}</table>"
        f"<h2>Projections: median (80 % band)</h2><table><tr>{head}</tr>{rows}</table>"
        f"<h2>Lowest dose</h2>{dose}<h2>Conventions</h2><ul>{conventions}</ul>"
        f"<footer><p><strong>{e(DISCLAIMER)}</strong></p></footer></body></html>\n"
    )


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``hpgtwin plan`` to the app."""

    @app.command("plan")
    def plan_command(
        file: Path = typer.Argument(..., help="Patient file (JSON or FHIR Bundle)."),
        regimen: list[str] = typer.Option(
            None, "--regimen", "-r", help="Candidate regimen text (repeatable)."
        ),
        days: int = typer.Option(180, "--days", min=7, max=3650, help="Days to project."),
        samples: int = typer.Option(200, "--samples", min=10, max=5000, help="Posterior draws."),
        seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same plan)."),
        started: str = typer.Option(None, "--started", help="Date (YYYY-MM-DD) the current regimen started."),
        start_from: str = typer.Option(
            "baseline",
            "--start",
            help="Project from 'baseline' (untreated) or 'current' (his state at his last lab).",
        ),
        goal: str = typer.Option("testosterone", "--goal", help="Dose-finder goal: testosterone or sperm."),
        output_format: Format = typer.Option(Format.text, "--format", "-f", help="json, text or html."),
    ) -> None:
        """Calibrate the twin to one man's labs, project each candidate regimen with bands, find the lowest dose."""
        from hpgtwin.fit import plan as make_plan
        from hpgtwin.labs import load_patient_file

        try:
            start = date.fromisoformat(started) if started else None
        except ValueError:
            fail(f"--started must be a date YYYY-MM-DD, got {started!r}")
        if not file.exists():
            fail(f"no such file: {file}")
        try:
            pf = load_patient_file(file)
            result = make_plan(
                pf,
                list(regimen) if regimen else None,
                days=days,
                n_samples=samples,
                seed=seed,
                regimen_start=start,
                goal=goal,
                start=start_from,
            )
        except HpgtwinError as exc:
            fail(str(exc))
        payload = result.to_dict()
        if output_format is Format.json:
            echo_json(payload)
        elif output_format is Format.html:
            typer.echo(render_html(payload))
        else:
            typer.echo(render_text(payload))

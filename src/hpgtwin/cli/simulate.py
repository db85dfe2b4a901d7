"""``hpgtwin simulate``: one man's daily trajectories under a regimen, as JSON, CSV or a small HTML page, and on
request (``--pulsatile-day N``) the 24 h LH pulse profile of day N."""

from __future__ import annotations

import csv
import io
from html import escape
from pathlib import Path
from typing import Any

import typer

from hpgtwin import DISCLAIMER
from hpgtwin.cli.common import echo_json, fail
from hpgtwin.errors import HpgtwinError, InputError

FORMATS = ("json", "csv", "html")
METHODS = ("adaptive", "fast")
HTML_PANELS = (
    "testosterone_ng_dl", "estradiol_pg_ml", "lh_iu_l", "fsh_iu_l", "inhibin_b_pg_ml",
    "sperm_concentration_million_ml", "total_motile_count_million",
)


def run_simulation(patient_file: Path | None, regimen: str, days: float, method: str,
                   pulsatile_day: int | None = None, pulsatile_seed: int | None = None) -> dict[str, Any]:
    """Load the patient (if any), simulate, and return ``{"days": [...], "<output>": [...]}`` (plus
    ``"pulsatile"``, the 24 h LH profile of ``pulsatile_day``, when asked)."""
    from hpgtwin.simulate import simulate

    patient = None
    if patient_file is not None:
        from hpgtwin.labs import load_patient_file

        patient = load_patient_file(patient_file).patient
    trajectory = simulate(regimen, parameters=patient, days=days, method=method)
    result: dict[str, Any] = dict(trajectory.to_dict())
    if pulsatile_day is not None:
        from hpgtwin.simulate.pulsatile import lh_profile

        result["pulsatile"] = lh_profile(trajectory, day=pulsatile_day, seed=pulsatile_seed).to_dict()
    return result


def to_csv(result: dict[str, list]) -> str:
    """One row per day, one column per output."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = list(result)
    writer.writerow(names)
    for i in range(len(result["days"])):
        writer.writerow(["" if result[n][i] is None else f"{result[n][i]:.6g}" for n in names])
    return buf.getvalue()


def to_html(result: dict[str, Any], regimen: str) -> str:
    """A self-contained page: one chart per key output, the 24 h LH pulse profile when present, the disclaimer."""
    from hpgtwin.report.svgchart import band_chart

    charts = []
    for name in HTML_PANELS:
        if name in result:
            series = [{"name": name, "x": result["days"], "median": result[name], "low": None, "high": None}]
            charts.append(band_chart(series, title=name, x_label="day"))
    pulsatile = result.get("pulsatile")
    if pulsatile:
        day = f"{pulsatile['day']:g}"
        series = [{"name": "lh_iu_l", "x": pulsatile["time_h"], "median": pulsatile["lh_iu_l"], "low": None,
                   "high": None}]
        charts.append(band_chart(series, title=f"24-h LH pulse profile on day {day} (IU/L): "
                                 f"{pulsatile['pulses_per_day']:.3g} pulses/day, mean {pulsatile['mean_iu_l']:.3g}",
                                 x_label=f"hours from the start of day {day}"))
        if pulsatile.get("caveat"):
            charts[-1] += f"<figcaption><small>{escape(pulsatile['caveat'])}</small></figcaption>"
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>hpgtwin simulation: {escape(regimen)}</title></head><body>"
        f"<h1>Simulated response to {escape(regimen)}</h1>"
        f"<p>Daily trough values over {len(result['days']) - 1} days from the model's baseline.</p>"
        + "".join(f"<figure>{c}</figure>" for c in charts)
        + f"<p><small>{escape(DISCLAIMER)}</small></p></body></html>\n"
    )


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``simulate`` to the app."""

    @app.command("simulate")
    def simulate_command(
        regimen: str = typer.Option(..., "--regimen", help='Regimen text, e.g. "anastrozole 1 mg daily".'),
        patient: Path | None = typer.Option(None, "--patient", help="Patient file (JSON contract or FHIR Bundle)."),
        days: float = typer.Option(180.0, "--days", help="Horizon in days (daily samples 0..days)."),
        output_format: str = typer.Option("json", "--format", help="json, csv or html."),
        method: str = typer.Option("adaptive", "--method", help="adaptive (tight Rodas4) or fast (ETDRK4)."),
        pulsatile_day: int | None = typer.Option(
            None, "--pulsatile-day", help="Add the 24 h LH pulse profile of this day (0..days; json or html)."),
        pulsatile_seed: int | None = typer.Option(
            None, "--pulsatile-seed", help="Seed of the pulse timing (default: fixed, from params/pulsatility.yaml)."),
    ) -> None:
        """Simulate one man under a regimen: daily hormones, semen outputs and drug levels."""
        if output_format not in FORMATS:
            fail(f"--format must be one of {', '.join(FORMATS)}, got {output_format!r}")
        if method not in METHODS:
            fail(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
        if pulsatile_day is not None:
            if output_format == "csv":
                fail("--pulsatile-day needs --format json or html (the CSV holds daily values only)")
            if not 0 <= pulsatile_day <= days:
                fail(f"--pulsatile-day must lie between 0 and --days ({days:g}), got {pulsatile_day}")
        if pulsatile_seed is not None and pulsatile_seed < 0:
            fail(f"--pulsatile-seed must be a non-negative whole number, got {pulsatile_seed}")
        try:
            result = run_simulation(patient, regimen, days, method, pulsatile_day, pulsatile_seed)
        except InputError as exc:
            fail(str(exc))
        except HpgtwinError as exc:
            fail(str(exc))
        if output_format == "json":
            echo_json(result)
        elif output_format == "csv":
            typer.echo(to_csv(result), nl=False)
        else:
            typer.echo(to_html(result, regimen), nl=False)

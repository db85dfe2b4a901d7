"""``hpgtwin simulate``: one man's daily trajectories under a regimen, as JSON, CSV or a small HTML page."""

from __future__ import annotations

import csv
import io
from html import escape
from pathlib import Path

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


def run_simulation(patient_file: Path | None, regimen: str, days: float, method: str) -> dict[str, list]:
    """Load the patient (if any), simulate, and return ``{"days": [...], "<output>": [...]}``."""
    from hpgtwin.simulate import simulate

    patient = None
    if patient_file is not None:
        from hpgtwin.labs import load_patient_file

        patient = load_patient_file(patient_file).patient
    return simulate(regimen, parameters=patient, days=days, method=method).to_dict()


def to_csv(result: dict[str, list]) -> str:
    """One row per day, one column per output."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = list(result)
    writer.writerow(names)
    for i in range(len(result["days"])):
        writer.writerow(["" if result[n][i] is None else f"{result[n][i]:.6g}" for n in names])
    return buf.getvalue()


def to_html(result: dict[str, list], regimen: str) -> str:
    """A self-contained page: one chart per key output and the disclaimer."""
    from hpgtwin.report.svgchart import band_chart

    charts = []
    for name in HTML_PANELS:
        if name in result:
            series = [{"name": name, "x": result["days"], "median": result[name], "low": None, "high": None}]
            charts.append(band_chart(series, title=name, x_label="day"))
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
    ) -> None:
        """Simulate one man under a regimen: daily hormones, semen outputs and drug levels."""
        if output_format not in FORMATS:
            fail(f"--format must be one of {', '.join(FORMATS)}, got {output_format!r}")
        if method not in METHODS:
            fail(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
        try:
            result = run_simulation(patient, regimen, days, method)
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

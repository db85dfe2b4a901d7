"""``hpgtwin import fhir FILE`` and ``hpgtwin export fhir PATIENT_FILE --out FILE`` (FHIR R4)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from hpgtwin.cli.common import echo_json, fail, footer
from hpgtwin.errors import InputError
from hpgtwin.interop.fhir import bundle_to_patient_file, patient_file_to_bundle, read_fhir_text
from hpgtwin.labs import PatientFile, intake, load_patient_file, patient_file_to_dict


class OutputFormat(StrEnum):
    """Output formats of the FHIR commands."""

    json = "json"
    text = "text"


def _assessment(pf: PatientFile) -> dict[str, Any]:
    """The clinical assessment when the clinic engine is installed, else the intake (labs, derived, alerts)."""
    try:
        from hpgtwin.clinic import assess
    except ImportError:
        return intake(pf).to_dict()
    return assess(pf).to_dict()


def _read_plan(path: Path) -> dict[str, Any]:
    """A plan JSON document; exit 2 with one line when it cannot be read."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"{path}: not a readable JSON plan ({exc.__class__.__name__})")
    if not isinstance(document, dict):
        fail(f"{path}: a plan is a JSON object")
    return document


def import_fhir(
    file: Path = typer.Argument(..., help="FHIR R4 Bundle, Observation, or NDJSON of resources."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="json or text."),
) -> None:
    """Read labs from a FHIR R4 document and print the patient file it gives, with what was skipped and why."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{file}: cannot read ({exc.__class__.__name__})")
    try:
        pf, report = bundle_to_patient_file(read_fhir_text(text))
    except InputError as exc:
        fail(f"{file}: {exc}")
    if output_format is OutputFormat.json:
        echo_json({"patient_file": patient_file_to_dict(pf), "report": report.to_dict()})
        return
    lines = [f"Imported {len(report.imported)} result(s) for patient {pf.patient.id} from {file}"]
    for item in report.imported:
        lines.append(f"  {item['analyte']:<28} {item['value']:>10g} {item['unit']:<10} {item.get('date') or ''}")
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} entr{'y' if len(report.skipped) == 1 else 'ies'}:")
        lines += [f"  {s.describe()}" for s in report.skipped]
    lines += [f"Warning: {w}" for w in report.warnings]
    typer.echo("\n".join(lines) + footer())


def export_fhir(
    patient: Path = typer.Argument(..., help="Patient file (JSON contract) or a FHIR Bundle."),
    out: Path = typer.Option(..., "--out", help="Where to write the FHIR R4 Bundle (JSON)."),
    plan: Path | None = typer.Option(None, "--plan", help="A plan (output of `hpgtwin plan --format json`) to add as a CarePlan."),
) -> None:
    """Write the patient's labs, derived metrics and assessment (and a plan) as a FHIR R4 Bundle."""
    plan_doc = _read_plan(plan) if plan is not None else None
    try:
        pf = load_patient_file(patient)
        bundle = patient_file_to_bundle(pf, _assessment(pf), plan_doc)
    except InputError as exc:
        fail(f"{patient}: {exc}")
    try:
        out.write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"{out}: cannot write ({exc.__class__.__name__})")
    typer.echo(f"wrote FHIR R4 Bundle with {len(bundle['entry'])} resources to {out}")


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``import fhir`` and ``export fhir`` to the command groups."""
    groups["import"].command("fhir")(import_fhir)
    groups["export"].command("fhir")(export_fhir)

"""``hpgtwin assess FILE``: labs in canonical units, derived metrics, phenotype, therapy fit, monitoring, alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hpgtwin.cli.common import echo_json, fail, footer
from hpgtwin.clinic import AUDIENCES
from hpgtwin.clinic import assess as clinical_assessment
from hpgtwin.errors import InputError
from hpgtwin.labs import load_patient_file

FORMATS = ("json", "text")


def _value(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def render_text(report: dict[str, Any]) -> str:
    """A readable plain-text rendering of :meth:`Assessment.to_dict`."""
    p = report["patient"]
    lines = [f"Patient {p['id']}  age {_value(p['age_years'])}  BMI {_value(p['bmi_kg_m2'])}"
             f"  desires fertility: {_value(p['desires_fertility'])}"]
    if p["conditions"] or p["medications"]:
        lines.append(f"  conditions: {', '.join(p['conditions']) or '-'}; medications: {', '.join(p['medications']) or '-'}")
    lines.append("\nLabs (canonical units)")
    for lab in report["labs"]:
        entered = f"  (entered {lab['original_value']:g} {lab['original_unit']})" if lab.get("original_unit") and lab["original_unit"] != lab["unit"] else ""
        lines.append(f"  {lab['date'] or 'undated':10}  {lab['name']:<32} {_value(lab['value'], lab['unit'])}{entered}")
    lines.append("\nDerived")
    for name, d in report["derived"].items():
        if d["value"] is not None:
            lines.append(f"  {name:<34} {_value(d['value'], '' if d['unit'] == '1' else d['unit'])}")
    lines.append("\nPhenotype")
    for ph in report["phenotype"]:
        lines.append(f"  {ph['code']}: {ph['explanation']}")
        if ph.get("evidence"):
            lines.append(f"      evidence: {ph['evidence']}")
        lines.append(f"      source: {ph['source']}")
    lines.append("\nTherapy fit")
    for t in report["therapies"]:
        lines.append(f"  {t['agent']:<13} {t['fit']:<15} {t['reasons'][0] if t['reasons'] else ''}")
        for reason in t["reasons"][1:]:
            lines.append(f"  {'':<29} also: {reason}")
        lines.append(f"  {'':<29} sources: {'; '.join(t['sources'])}")
    lines.append("\nMonitoring")
    for m in report["monitoring"]:
        weeks = ", ".join(str(w) for w in m["at_weeks"])
        lines.append(f"  week {weeks}: {m['test']} - {m['why']} [{m['source']}]")
    lines.append("\nAlerts")
    for a in report["alerts"] or [{"severity": "-", "code": "none", "message": "", "source": ""}]:
        lines.append(f"  [{a['severity']}] {a['code']}: {a['message']}" + (f" [{a['source']}]" if a["source"] else ""))
    plain = report.get("plain_language")
    if plain:
        lines.append("\nIn plain language")
        lines += [f"  - {s}" for s in plain["summary"]]
        lines.append("\nAt a glance (seed 004)")
        for row in plain["at_a_glance"]:
            mark = "*" if row["applies_to_you"] else " "
            lines.append(f"  {mark} {row['situation']}: {row['what_it_may_mean']} -> {row['possible_next_step']}")
        lines.append("  (* applies to your results)")
        lines.append("\nQuestions to ask your doctor")
        lines += [f"  - {q['question']}" for q in plain["questions_to_ask_your_doctor"]]
    return "\n".join(lines) + "\n" + footer()


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``assess`` to the app."""

    @app.command("assess")
    def assess_command(
        file: Path = typer.Argument(..., help="Patient file (JSON contract) or FHIR R4 Bundle."),
        output_format: str = typer.Option("text", "--format", help="json or text."),
        audience: str = typer.Option("clinician", "--audience", help="clinician or patient wording."),
        who_edition: int = typer.Option(2021, "--who-edition", help="WHO semen reference limits: 2021 or 2010."),
    ) -> None:
        """Assess one patient file: labs, derived metrics, phenotype, therapy fit, monitoring and alerts."""
        if output_format not in FORMATS:
            fail(f"--format must be json or text, got {output_format!r}")
        if audience not in AUDIENCES:
            fail(f"--audience must be {' or '.join(AUDIENCES)}, got {audience!r}")
        if who_edition not in (2010, 2021):
            fail(f"--who-edition must be 2021 or 2010, got {who_edition}")
        try:
            pf = load_patient_file(file)
            report = clinical_assessment(pf, audience=audience, who_edition=who_edition).to_dict()
        except InputError as exc:
            fail(str(exc))
        if output_format == "json":
            echo_json(report)
        else:
            typer.echo(render_text(report))

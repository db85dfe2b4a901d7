"""``hpgtwin import fhir`` and ``hpgtwin export fhir``: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hpgtwin.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data" / "labs"
runner = CliRunner()


def test_export_then_import_json(tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    exported = runner.invoke(app, ["export", "fhir", str(DATA / "obese_high_e2.json"), "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text())["resourceType"] == "Bundle"
    imported = runner.invoke(app, ["import", "fhir", str(out), "--format", "json"])
    assert imported.exit_code == 0, imported.output
    payload = json.loads(imported.stdout)
    assert payload["patient_file"]["patient"]["id"] == "lab-test-001"
    assert payload["report"]["skipped"] == []
    assert {lab["analyte"] for lab in payload["patient_file"]["labs"]} >= {"testosterone_total", "estradiol"}


def test_import_text_lists_results(tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    runner.invoke(app, ["export", "fhir", str(DATA / "si_units.json"), "--out", str(out)])
    result = runner.invoke(app, ["import", "fhir", str(out)])
    assert result.exit_code == 0
    assert "testosterone_total" in result.stdout and "not a medical device" in result.stdout


def test_import_refuses_non_fhir_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"patient": {"id": "x"}}', encoding="utf-8")
    result = runner.invoke(app, ["import", "fhir", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "no resourceType" in result.stderr


def test_export_refuses_bad_patient_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"patient": {"id": "x"}, "labs": [{"analyte": "lh", "value": 3, "unit": "ng/mL"}]}')
    result = runner.invoke(app, ["export", "fhir", str(bad), "--out", str(tmp_path / "o.json")])
    assert result.exit_code == 2 and "activity concentration" in result.stderr
    assert not (tmp_path / "o.json").exists()


def test_assess_accepts_a_fhir_bundle(tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    runner.invoke(app, ["export", "fhir", str(DATA / "si_units.json"), "--out", str(out)])
    result = runner.invoke(app, ["assess", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["patient"]["id"] == "lab-test-002"
    assert payload["derived"]["free_androgen_index"]["value"] == 25.0  # 100 x 10 nmol/L / 40 nmol/L


def test_export_with_a_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"dose_recommendation": {"recommended_regimen": "anastrozole 1 mg twice weekly"}}))
    out = tmp_path / "bundle.json"
    result = runner.invoke(app, ["export", "fhir", str(DATA / "obese_high_e2.json"), "--out", str(out), "--plan", str(plan)])
    assert result.exit_code == 0, result.output
    kinds = [e["resource"]["resourceType"] for e in json.loads(out.read_text())["entry"]]
    assert "CarePlan" in kinds and "DiagnosticReport" in kinds

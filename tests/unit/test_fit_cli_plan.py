"""``hpgtwin plan FILE``: json/text/html output and exit code 2 with one line on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpgtwin.cli.main import app

PATIENT = {
    "patient": {
        "id": "cli-plan",
        "age_years": 36,
        "bmi_kg_m2": 30.1,
        "desires_fertility": True,
        "medications": ["anastrozole 1 mg daily"],
    },
    "labs": [
        {"analyte": "testosterone_total", "value": 265, "unit": "ng/dL", "date": "2026-01-05"},
        {"analyte": "estradiol", "value": 34, "unit": "pg/mL", "date": "2026-01-05"},
        {"analyte": "lh", "value": 3.6, "unit": "IU/L", "date": "2026-01-05"},
        {"analyte": "testosterone_total", "value": 455, "unit": "ng/dL", "date": "2026-04-06"},
        {"analyte": "estradiol", "value": 17, "unit": "pg/mL", "date": "2026-04-06"},
    ],
}


@pytest.fixture()
def patient_file(tmp_path: Path) -> Path:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(PATIENT), encoding="utf-8")
    return path


def _run(*args: str):
    return CliRunner().invoke(app, ["plan", *args])


def test_plan_json(patient_file: Path) -> None:
    result = _run(
        str(patient_file),
        "--regimen",
        "anastrozole 0.5 mg twice weekly",
        "--days",
        "84",
        "--samples",
        "40",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["patient_id"] == "cli-plan"
    assert d["projections"][0]["regimen"] == "anastrozole 0.5 mg twice weekly"
    assert d["calibration"]["diagnostics"]["n_observations"] == 5


@pytest.mark.parametrize("fmt, marker", [("text", "not a medical device"), ("html", "<!doctype html>")])
def test_plan_text_and_html(patient_file: Path, fmt: str, marker: str) -> None:
    result = _run(
        str(patient_file), "-r", "anastrozole 1 mg daily", "--days", "84", "--samples", "20", "--format", fmt
    )
    assert result.exit_code == 0, result.output
    assert marker in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["does-not-exist.json"],
        ["{file}", "--regimen", "anastrozole lots daily"],
        ["{file}", "--started", "yesterday"],
    ],
)
def test_bad_input_exits_2_with_one_line(patient_file: Path, args: list[str]) -> None:
    result = _run(*[a.replace("{file}", str(patient_file)) for a in args])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error:")
    assert len(result.stderr.strip().splitlines()) == 1

"""Current medications the twin cannot simulate (metformin, ...) are left out of the regimen and named in the plan."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hpgtwin.cli.main import app
from hpgtwin.fit.history import lab_history
from hpgtwin.labs import load_patient_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "patients" / "type2-diabetes-obese-low-t-e2.json"

# Smallest settings the CLI allows (--samples >= 10, --days >= 7); 28 days reaches the week-4 summary row.
FAST = ("--samples", "10", "--days", "28", "--format", "json")


def _with_medications(medications: list[str]) -> dict:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["patient"]["medications"] = medications
    return doc


def test_plan_accepts_the_metformin_example_and_names_what_is_not_modelled() -> None:
    result = CliRunner().invoke(app, ["plan", str(EXAMPLE), *FAST])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["unmodelled_medications"] == ["metformin 1000 mg twice daily (metabolic: glucose- or weight-lowering drug)"]
    assert any("not in the model" in c and "metformin" in c for c in d["conventions"])
    assert any(c.startswith("no modelled current medication") for c in d["conventions"])
    assert not any("metformin" in p["regimen"] for p in d["projections"])
    assert d["calibration"]["history"]["regimen"] is None


def test_text_plan_lists_the_unmodelled_medication() -> None:
    result = CliRunner().invoke(app, ["plan", str(EXAMPLE), "--samples", "10", "--days", "28", "-r",
                                      "anastrozole 1 mg daily"])
    assert result.exit_code == 0, result.output
    assert "not in the model" in result.stdout
    assert "metformin 1000 mg twice daily" in result.stdout


def test_history_keeps_the_modelled_course_of_a_mixed_list() -> None:
    pf = load_patient_file(_with_medications(["metformin 1000 mg twice daily + anastrozole 1 mg daily",
                                              "finasteride 1 mg daily"]))
    history = lab_history(pf)
    assert history.regimen == "anastrozole 1 mg daily"
    assert [m.split(" (")[0] for m in history.unmodelled_medications] == [
        "metformin 1000 mg twice daily",
        "finasteride 1 mg daily",
    ]
    assert history.to_dict()["unmodelled_medications"] == list(history.unmodelled_medications)


def test_history_without_unmodelled_medications_says_nothing_about_them() -> None:
    history = lab_history(load_patient_file(_with_medications(["anastrozole 1 mg daily"])))
    assert history.regimen == "anastrozole 1 mg daily"
    assert history.unmodelled_medications == ()
    assert not any("not in the model" in c for c in history.conventions)

"""``hpgtwin assess`` and ``hpgtwin rules``: the installed console script as a real process for the main paths,
typer's CliRunner on the same app for the bad-input cases (each process start costs seconds of imports)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hpgtwin.cli.main import app

HPGTWIN = Path(sys.executable).with_name("hpgtwin")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"
SHAH = EXAMPLES / "shah-2021-like-obese-subfertile.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HPGTWIN), *args], capture_output=True, text=True, timeout=120, check=False)


def test_assess_json_has_the_contract_keys() -> None:
    done = run("assess", str(SHAH), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"patient", "labs", "derived", "semen", "alerts", "conventions", "phenotype", "therapies",
            "monitoring", "disclaimer"} <= set(report)
    assert next(t for t in report["therapies"] if t["agent"] == "anastrozole")["fit"] == "indicated"


def test_assess_patient_text_shows_glance_table_questions_and_disclaimer() -> None:
    done = run("assess", str(SHAH), "--audience", "patient", "--who-edition", "2010")
    assert done.returncode == 0, done.stderr
    assert "At a glance (seed 004)" in done.stdout
    assert "Questions to ask your doctor" in done.stdout
    assert "not a medical device" in done.stdout


def test_assess_patient_json_has_plain_language() -> None:
    report = json.loads(CliRunner().invoke(app, ["assess", str(SHAH), "--format", "json", "--audience", "patient"]).stdout)
    assert {"summary", "at_a_glance", "questions_to_ask_your_doctor", "disclaimer"} <= set(report["plain_language"])
    assert report["conventions"]["who_edition"] == 2021


@pytest.mark.parametrize(
    ("args", "content"),
    [
        (["assess", "{missing}"], None),
        (["assess", "{bad}"], '{"patient": {"id": "x"}, "labs": [{"analyte": "testosterone", "value": 300, "unit": "IU/L"}]}'),
        (["assess", "{bad}"], '{"patient": {"id": "x"}, "labs": [{"analyte": "testosteron", "value": 300, "unit": "ng/dL"}]}'),
        (["assess", "{bad}"], "not json"),
        (["assess", "{good}", "--who-edition", "1999"], None),
        (["assess", "{good}", "--format", "xml"], None),
        (["assess", "{good}", "--audience", "nurse"], None),
        (["rules", "--format", "yaml"], None),
    ],
    ids=["missing_file", "wrong_dimension", "unknown_analyte", "not_json", "bad_who_edition", "bad_format",
         "bad_audience", "rules_bad_format"],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], content: str | None) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    paths = {"missing": str(tmp_path / "nope.json"), "bad": str(bad), "good": str(SHAH)}
    done = CliRunner().invoke(app, [a.format(**paths) for a in args])
    assert done.exit_code == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error:")


def test_bad_input_exits_2_in_a_real_process(tmp_path: Path) -> None:
    done = run("assess", str(tmp_path / "nope.json"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "no such file" in done.stderr


def test_assess_accepts_a_fhir_bundle(tmp_path: Path) -> None:
    """A FHIR R4 Bundle of LOINC/UCUM Observations goes through the same command (dispatch in labs)."""

    def obs(loinc: str, value: float, unit: str) -> dict:
        return {"resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "subject": {"reference": "Patient/fhir-1"}, "effectiveDateTime": "2025-03-03T08:00:00Z",
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}}

    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "fhir-1", "gender": "male"}},
        obs("2986-8", 265, "ng/dL"), obs("2243-4", 36, "pg/mL"), obs("10501-5", 3.1, "m[IU]/mL"),
        obs("15067-2", 4.4, "m[IU]/mL")]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    done = run("assess", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "aromatization_excess" in {p["code"] for p in report["phenotype"]}  # 265/36 = 7.4 < 10 (seed 000)


def test_rules_lists_every_rule_with_condition_and_sources() -> None:
    done = run("rules", "--format", "json")
    assert done.returncode == 0, done.stderr
    table = json.loads(done.stdout)
    assert len(table["rules"]) > 50
    for rule in table["rules"]:
        assert rule["condition"] and rule["conclusion"] and rule["sources"] and rule["strength"]
    assert any(t["name"] == "t_e2_ratio_low" and t["value"] == 10 for t in table["thresholds"])
    text = CliRunner().invoke(app, ["rules"])
    assert text.exit_code == 0 and "THER-AI-CRITERIA" in text.stdout

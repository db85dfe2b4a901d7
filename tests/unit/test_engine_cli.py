"""CLI: ``hpgtwin simulate`` (json/csv/html) and ``hpgtwin export sbml`` on the real model."""

from __future__ import annotations

import csv
import io
import json

import libsbml
import pytest
from typer.testing import CliRunner

from hpgtwin.cli.main import app

pytest.importorskip("hpgtwin.pk", reason="the regimen parser is needed")
runner = CliRunner()


def test_simulate_json_has_days_and_one_array_per_output() -> None:
    """Contract (issue 4): JSON with ``days`` plus one array per output name, days+1 samples each."""
    result = runner.invoke(app, ["simulate", "--regimen", "anastrozole 1 mg daily", "--days", "7"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["days"] == [float(d) for d in range(8)]
    for name in ("testosterone_ng_dl", "estradiol_pg_ml", "lh_iu_l", "sperm_concentration_million_ml",
                 "anastrozole_ng_ml"):
        assert len(doc[name]) == 8


def test_simulate_csv_and_html() -> None:
    """CSV has a header and one row per day; HTML carries the disclaimer."""
    result = runner.invoke(app, ["simulate", "--regimen", "clomiphene 25 mg daily", "--days", "3", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][0] == "days" and len(rows) == 5
    result = runner.invoke(app, ["simulate", "--regimen", "clomiphene 25 mg daily", "--days", "3", "--format", "html"])
    assert result.exit_code == 0
    assert "not a medical device" in result.stdout and "<svg" in result.stdout


def test_simulate_bad_input_exits_2() -> None:
    """A bad regimen or format is one line on stderr and exit code 2."""
    result = runner.invoke(app, ["simulate", "--regimen", "anastrozole 1 mgg daily", "--days", "3"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["simulate", "--regimen", "anastrozole 1 mg daily", "--format", "xml"])
    assert result.exit_code == 2


def test_export_sbml_writes_valid_sbml(tmp_path) -> None:
    """``export sbml`` writes SBML L3 with hour time units and one event per dose and dose target before the horizon."""
    from hpgtwin.model import MODEL

    targets = sum(t.drug == "testosterone_enanthate" for t in MODEL.dose_targets)
    target = tmp_path / "twin.xml"
    result = runner.invoke(app, ["export", "sbml", "--regimen", "testosterone enanthate 200 mg weekly",
                                 "--days", "28", "-o", str(target)])
    assert result.exit_code == 0, result.output
    doc = libsbml.readSBMLFromFile(str(target))
    model = doc.getModel()
    assert model.getTimeUnits() == "hour"
    assert model.getNumEvents() == 4 * targets
    assert model.getAssignmentRuleByVariable("testosterone_ng_dl") is not None


def test_simulate_and_export_for_a_patient_file(tmp_path) -> None:
    """--patient personalises both commands (example patient of the repository)."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "patients" / "estradiol-oversuppressed-on-anastrozole.json"
    if not example.exists():
        pytest.skip("example patient file not present")
    result = runner.invoke(app, ["simulate", "--patient", str(example), "--regimen", "anastrozole 1 mg daily",
                                 "--days", "2"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["testosterone_ng_dl"]) == 3
    target = tmp_path / "man.xml"
    result = runner.invoke(app, ["export", "sbml", "--patient", str(example), "--regimen", "anastrozole 1 mg daily",
                                 "--days", "5", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert libsbml.readSBMLFromFile(str(target)).getModel().getNumEvents() == 5

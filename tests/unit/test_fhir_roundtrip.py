"""FHIR export -> import gives the same labs (6 significant figures, canonical units); the export is valid R4."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from hpgtwin.interop.fhir import bundle_to_patient_file, patient_file_to_bundle
from hpgtwin.interop.fhir_codes import FINDING
from hpgtwin.labs import intake, load_patient_file

DATA = Path(__file__).resolve().parents[1] / "data" / "labs"
TODAY = date(2026, 11, 21)
SIX_SIG_FIGS = 5e-6  # issue 7: values to 6 significant figures


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=SIX_SIG_FIGS))


@pytest.mark.parametrize("name", ["obese_high_e2", "si_units", "unit_slips"])
def test_round_trip_same_labs(name: str) -> None:
    pf = load_patient_file(DATA / f"{name}.json", today=TODAY)
    doc = json.loads(json.dumps(patient_file_to_bundle(pf, intake(pf).to_dict())))
    again, report = bundle_to_patient_file(doc, today=TODAY)
    assert report.skipped == []
    assert len(again.labs) == len(pf.labs)
    for before, after in zip(pf.labs, again.labs, strict=True):
        assert (after.analyte, after.unit, after.date) == (before.analyte, before.unit, before.date)
        assert _close(after.value, before.value)
    for before, after in zip(pf.semen, again.semen, strict=True):
        for field in ("volume_ml", "concentration_million_per_ml", "total_motility_pct", "progressive_motility_pct",
                      "normal_forms_pct", "total_sperm_count_million"):
            assert _close(getattr(after, field), getattr(before, field))
        assert after.date == before.date
    p, q = pf.patient, again.patient
    assert (q.id, q.desires_fertility, q.conditions, q.medications) == (p.id, p.desires_fertility, p.conditions, p.medications)
    for field in ("age_years", "weight_kg", "height_cm", "bmi_kg_m2"):
        assert _close(getattr(q, field), getattr(p, field))


def test_calculated_free_t_lab_round_trips_through_its_molar_code() -> None:
    from hpgtwin.labs import parse_patient_dict

    pf = parse_patient_dict({"patient": {"id": "cft"}, "labs": [
        {"analyte": "calculated free testosterone", "value": 72.5, "unit": "pg/mL", "date": "2026-10-01"}]})
    doc = patient_file_to_bundle(pf)
    obs = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Observation")
    assert obs["valueQuantity"]["code"] == "pmol/L"  # 103227-5 is [Moles/volume]
    again, report = bundle_to_patient_file(doc, today=TODAY)
    assert report.skipped == [] and _close(again.labs[0].value, 72.5) and again.labs[0].unit == "pg/mL"


def test_export_is_valid_and_deterministic() -> None:
    pf = load_patient_file(DATA / "obese_high_e2.json", today=TODAY)
    first = patient_file_to_bundle(pf, intake(pf).to_dict(), {"summary": "lowest effective dose", "candidates": [
        {"regimen": "anastrozole 0.5 mg twice weekly"}]})
    assert first == patient_file_to_bundle(pf, intake(pf).to_dict(), {"summary": "lowest effective dose", "candidates": [
        {"regimen": "anastrozole 0.5 mg twice weekly"}]})
    Bundle.model_validate(first)
    kinds = [e["resource"]["resourceType"] for e in first["entry"]]
    assert kinds[0] == "Patient" and {"Observation", "DiagnosticReport", "CarePlan", "Condition"} <= set(kinds)


def test_observations_carry_loinc_and_ucum() -> None:
    pf = load_patient_file(DATA / "si_units.json", today=TODAY)
    doc = patient_file_to_bundle(pf)
    lh = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Observation"
              and e["resource"]["code"]["coding"][0]["code"] == "10501-5")
    assert lh["code"]["coding"][0]["system"] == "http://loinc.org"
    assert lh["valueQuantity"] | {} == {"value": 5.2, "unit": "IU/L", "system": "http://unitsofmeasure.org",
                                         "code": "[IU]/L"}


def test_derived_metrics_and_report_are_coded_and_sourced() -> None:
    pf = load_patient_file(DATA / "obese_high_e2.json", today=TODAY)
    doc = patient_file_to_bundle(pf, intake(pf).to_dict())
    derived = [e["resource"] for e in doc["entry"] if e["resource"].get("meta", {}).get("tag")]
    names = {r["code"]["text"] for r in derived}
    assert {"t_e2_ratio", "free_testosterone_pg_ml", "total_motile_count_million", "bmi_kg_m2"} <= names
    assert all("Source:" in r["note"][0]["text"] for r in derived)
    report = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
    codes = {c["coding"][0]["code"] for c in report["conclusionCode"]}
    assert {"oligozoospermia", "asthenozoospermia", "teratozoospermia"} <= codes
    assert all(c["coding"][0]["system"] == FINDING and c["extension"][0]["valueString"] for c in report["conclusionCode"])
    assert "not a medical device" in report["conclusion"]


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "patients").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_patient_round_trips(path: Path) -> None:
    pf = load_patient_file(path)
    again, report = bundle_to_patient_file(patient_file_to_bundle(pf, intake(pf).to_dict()))
    assert report.skipped == []
    assert [(r.analyte, r.date) for r in again.labs] == [(r.analyte, r.date) for r in pf.labs]
    assert all(_close(a.value, b.value) for a, b in zip(pf.labs, again.labs, strict=True))


PLAN = {  # the shape of hpgtwin.fit.Plan.to_dict(), trimmed to the keys the CarePlan uses
    "patient_id": "lab-test-001",
    "summary": [
        {"regimen": "anastrozole 1 mg daily", "week": 12,
         "testosterone_ng_dl": {"median": 512.0, "p10": 430.0, "p90": 601.0}},
        {"regimen": "anastrozole 0.5 mg twice weekly", "week": 12,
         "testosterone_ng_dl": {"median": 455.0, "p10": 380.0, "p90": 540.0}},
    ],
    "projections": [{"regimen": "anastrozole 1 mg daily"}, {"regimen": "anastrozole 0.5 mg twice weekly"}],
    "dose_recommendation": {"recommended_regimen": "anastrozole 0.5 mg twice weekly"},
    "conventions": ["bands are posterior (parameter) uncertainty"],
    "disclaimer": "For research and education.",
}


def test_care_plan_from_a_plan() -> None:
    pf = load_patient_file(DATA / "obese_high_e2.json", today=TODAY)
    doc = patient_file_to_bundle(pf, None, PLAN)
    Bundle.model_validate(doc)
    care = next(e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "CarePlan")
    assert (care["status"], care["intent"]) == ("draft", "proposal")
    texts = [a["detail"]["description"] for a in care["activity"]]
    assert texts[0].startswith("recommended: anastrozole 0.5 mg twice weekly; projected at week 12")
    assert texts[1].startswith("candidate: anastrozole 1 mg daily")
    assert "DiagnosticReport" not in {e["resource"]["resourceType"] for e in doc["entry"]}

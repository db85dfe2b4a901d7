"""FHIR import of Bundles built independently with fhir.resources (not by hpgtwin's exporter)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from labs_fhir_builders import LOINC, bundle, observation, patient

from hpgtwin.interop.fhir import bundle_to_patient_file, ndjson_to_patient_file
from hpgtwin.labs import intake, load_patient_file

TODAY = date(2026, 11, 21)


def _lab_bundle():
    return bundle(
        patient(),
        observation([(LOINC, "14913-8")], 12.0, "nmol/L"),  # total T, molar code
        observation([("http://acme.lab/codes", "TESTO-E2"), (LOINC, "2243-4")], 35.0, "pg/mL"),  # LOINC second
        observation([(LOINC, "10501-5")], 4.2, "m[IU]/mL"),
        observation([(LOINC, "13967-5")], 33.0, "nmol/L", when="2026-09-01"),
        observation([(LOINC, "1751-7")], 44.0, "g/L"),
        observation([(LOINC, "29463-7")], 220.0, "[lb_av]", when="2026-08-01"),  # weight in pounds
        observation([(LOINC, "8302-2")], 71.0, "[in_i]", when="2026-08-01"),  # height in inches
        observation([(LOINC, "9780-8")], 12.0, "10*6/mL", when="2026-09-03"),
        observation([(LOINC, "3160-9")], 2.0, "mL", when="2026-09-03"),
    )


def test_independent_bundle_imports_in_canonical_units() -> None:
    pf, report = bundle_to_patient_file(_lab_bundle(), today=TODAY)
    assert report.skipped == []
    assert pf.patient.id == "p1"
    assert pf.patient.age_years == pytest.approx((TODAY - date(1990, 5, 17)).days / 365.25, abs=0.01)
    tt = pf.latest("testosterone_total")
    assert tt is not None and tt.value == pytest.approx(12.0 * 28.842, rel=1e-12)  # MW 288.42 g/mol
    assert tt.date == date(2026, 9, 1) and tt.loinc == "14913-8"
    assert pf.latest("estradiol").value == pytest.approx(35.0)
    assert pf.latest("lh").value == pytest.approx(4.2)
    assert pf.latest("albumin").value == pytest.approx(4.4)
    # avoirdupois pound 0.45359237 kg and international inch 2.54 cm, both exact by definition
    assert pf.patient.weight_kg == pytest.approx(220.0 * 0.45359237, rel=1e-12)
    assert pf.patient.height_cm == pytest.approx(71.0 * 2.54, rel=1e-12)
    assert pf.semen[0].concentration_million_per_ml == 12.0 and pf.semen[0].volume_ml == 2.0
    assert intake(pf).value("bmi_kg_m2") == pytest.approx(99.79032140 / 1.8034**2, rel=1e-6)


def test_free_text_unit_without_ucum_code() -> None:
    doc = bundle(patient(), observation([(LOINC, "2986-8")], 410.0, "ng/dl", ucum=False))
    pf, report = bundle_to_patient_file(doc, today=TODAY)
    assert pf.latest("testosterone_total").value == pytest.approx(410.0) and not report.skipped


def test_single_observation() -> None:
    obs = observation([(LOINC, "15067-2")], 6.5, "[IU]/L").model_dump(mode="json")
    pf, report = bundle_to_patient_file(obs, today=TODAY)
    assert pf.latest("fsh").value == 6.5 and pf.patient.id == "fhir-import"


def test_ndjson_of_observations() -> None:
    lines = [
        json.dumps(observation([(LOINC, "2986-8")], 350.0, "ng/dL").model_dump(mode="json")),
        json.dumps(observation([(LOINC, "2243-4")], 28.0, "pg/mL").model_dump(mode="json")),
    ]
    pf, _ = ndjson_to_patient_file("\n".join(lines), today=TODAY)
    assert {r.analyte for r in pf.labs} == {"testosterone_total", "estradiol"}


def test_assess_path_accepts_a_bundle_file(tmp_path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_lab_bundle()), encoding="utf-8")
    pf = load_patient_file(path, today=TODAY)
    assert pf.source == "fhir" and pf.latest("shbg").value == 33.0


def test_female_patient_is_warned() -> None:
    _, report = bundle_to_patient_file(bundle(patient(gender="female")), today=TODAY)
    assert any("female" in w for w in report.warnings)

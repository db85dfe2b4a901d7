"""FHIR import failure cases of issue 7: per-entry skips with reasons; whole-document refusals in one line."""

from __future__ import annotations

from datetime import date

import pytest
from labs_fhir_builders import LOINC, bundle, observation, patient

from hpgtwin.errors import FhirError
from hpgtwin.interop.fhir import bundle_to_patient_file, read_fhir_text
from hpgtwin.labs import intake

TODAY = date(2026, 11, 21)


def _import(*resources):
    return bundle_to_patient_file(bundle(patient(), *resources), today=TODAY)


def _reasons(report) -> list[str]:
    return [s.reason for s in report.skipped]


def test_unsupported_analyte_is_skipped_and_the_rest_imported() -> None:
    pf, report = _import(
        observation([(LOINC, "2986-8")], 400.0, "ng/dL"),
        observation([(LOINC, "2093-3")], 190.0, "mg/dL"),  # cholesterol: not in the catalogue
    )
    assert [r.analyte for r in pf.labs] == ["testosterone_total"]
    assert _reasons(report) == ["unsupported analyte (codes: 2093-3)"]
    assert report.skipped[0].index == 2 and report.skipped[0].resource_type == "Observation"


def test_observation_without_value() -> None:
    _, report = _import(observation([(LOINC, "2243-4")], None, None))
    assert _reasons(report) == ["estradiol (LOINC 2243-4): no value"]


def test_observation_with_unknown_unit() -> None:
    _, report = _import(observation([(LOINC, "2243-4")], 30.0, "pg/mLx"))
    assert "unknown unit 'pg/mLx'" in _reasons(report)[0]


def test_observation_without_unit() -> None:
    _, report = _import(observation([(LOINC, "2243-4")], 30.0, None))
    assert "no unit" in _reasons(report)[0]


@pytest.mark.parametrize(
    ("code", "unit", "fragment"),
    [
        ("10501-5", "ng/mL", "lh is measured as an activity concentration"),  # LH in a mass unit
        ("2986-8", "nmol/L", "code/unit mismatch, LOINC 2986-8 is a mass concentration"),  # mass code, molar unit
        ("14913-8", "ng/dL", "code/unit mismatch, LOINC 14913-8 is a molar concentration"),
    ],
)
def test_code_unit_mismatch(code: str, unit: str, fragment: str) -> None:
    pf, report = _import(observation([(LOINC, code)], 5.0, unit))
    assert pf.labs == ()
    assert fragment in _reasons(report)[0]


def test_future_date_negative_value_and_duplicate_are_reported() -> None:
    pf, report = _import(
        observation([(LOINC, "2986-8")], 400.0, "ng/dL", when="2027-02-01"),
        observation([(LOINC, "2243-4")], -4.0, "pg/mL"),
        observation([(LOINC, "13967-5")], 30.0, "nmol/L"),
        observation([(LOINC, "13967-5")], 31.0, "nmol/L"),
    )
    reasons = _reasons(report)
    assert "in the future" in reasons[0] and "negative" in reasons[1] and "duplicates entry[3]" in reasons[2]
    assert [r.value for r in pf.labs] == [30.0]


def test_skips_become_alerts_at_intake() -> None:
    pf, report = _import(observation([(LOINC, "2093-3")], 190.0, "mg/dL"))
    codes = [a.code for a in intake(pf).alerts]
    assert codes == ["fhir_entry_skipped"] and report.notes()[0].startswith("entry[1] Observation")


def test_observation_of_another_patient_is_skipped() -> None:
    _, report = _import(observation([(LOINC, "2986-8")], 400.0, "ng/dL", subject="Patient/other"))
    assert "not the Patient of this Bundle" in _reasons(report)[0]


def test_entered_in_error_is_skipped() -> None:
    obs = observation([(LOINC, "2986-8")], 400.0, "ng/dL")
    obs.status = "entered-in-error"
    _, report = _import(obs)
    assert "entered-in-error" in _reasons(report)[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON list"),
        ('{"patient": {"id": "x"}}', "no resourceType"),
        ('{"resourceType": "Appointment", "status": "booked"}', "unsupported FHIR resourceType 'Appointment'"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Observation", "status": "final"}}]}',
         "Bundle failed FHIR R4 validation"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Observation", '
         '"status": "final", "code": {"text": "T"}, "valueQuantity": {"value": "abc"}}}]}', "failed FHIR R4 validation"),
    ],
)
def test_malformed_or_non_fhir_documents_are_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(FhirError, match=message) as caught:
        bundle_to_patient_file(read_fhir_text(text), today=TODAY)
    assert "\n" not in str(caught.value)


def test_censored_value_is_reported() -> None:
    from fhir.resources.R4B.quantity import Quantity

    obs = observation([(LOINC, "2243-4")], 5.0, "pg/mL")
    obs.valueQuantity = Quantity(value=5, comparator="<", system="http://unitsofmeasure.org", code="pg/mL")
    pf, report = _import(obs)
    assert pf.labs == () and "censored value (< 5)" in _reasons(report)[0]

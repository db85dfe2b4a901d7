"""One bad MedicationStatement or vital-sign Observation is skipped with its reason; the rest of the Bundle imports."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.reference import Reference
from labs_fhir_builders import LOINC, bundle, observation, patient

from hpgtwin.interop.fhir import bundle_to_patient_file
from hpgtwin.labs import intake

TODAY = date(2026, 11, 21)
TESTOSTERONE = (LOINC, "2986-8")  # Testosterone [Mass/volume] in Serum or Plasma
WEIGHT, HEIGHT, BMI = (LOINC, "29463-7"), (LOINC, "8302-2"), (LOINC, "39156-5")  # FHIR vital-signs profile codes


def statement(*dosage_texts: str) -> MedicationStatement:
    """An active MedicationStatement of patient p1 with one dosage per text."""
    return MedicationStatement(
        status="active",
        subject=Reference(reference="Patient/p1"),
        medicationCodeableConcept=CodeableConcept(text=dosage_texts[0].split()[0]),
        dosage=[Dosage(text=t) for t in dosage_texts],
    )


def _import(*resources):
    return bundle_to_patient_file(bundle(patient(), *resources), today=TODAY)


def test_unknown_medication_is_skipped_and_the_rest_imported() -> None:
    pf, report = _import(
        observation([TESTOSTERONE], 300.0, "ng/dL"),
        statement("xyzzy 5 parsecs"),
        statement("anastrozole 1 mg twice weekly"),
        statement("metformin 1000 mg twice daily"),
    )
    assert pf.patient.medications == ("anastrozole 1 mg twice weekly", "metformin 1000 mg twice daily")
    assert [r.analyte for r in pf.labs] == ["testosterone_total"]
    [skipped] = report.skipped
    assert (skipped.index, skipped.resource_type) == (2, "MedicationStatement")
    assert skipped.reason.startswith("MedicationStatement dosage: unknown drug 'xyzzy'")
    assert any("xyzzy" in note for note in pf.import_notes)


def test_modelled_drug_with_a_bad_dose_is_skipped_with_the_grammar_message() -> None:
    pf, report = _import(statement("anastrozole 1 parsec daily"))
    assert pf.patient.medications == ()
    assert report.skipped[0].reason.startswith("MedicationStatement dosage: ")
    assert "parsec" in report.skipped[0].reason


def test_one_bad_dosage_text_skips_its_whole_statement() -> None:
    pf, report = _import(statement("anastrozole 1 mg twice weekly", "metformin 500 mg after lunch"))
    assert pf.patient.medications == ()
    assert "'after' is not a dose, unit, route or schedule word" in report.skipped[0].reason


@pytest.mark.parametrize(
    ("code", "value", "unit", "fragments"),
    [
        # Limits from labs/data/analytes.yaml (plausible, assumption_anthro): weight 25-400 kg, height 100-250 cm.
        (WEIGHT, 900.0, "kg", ("weight", "outside the plausible range 25-400 kg")),
        (HEIGHT, 70.0, "cm", ("height", "it would be 177.8 cm: check the unit")),  # 70 in = 177.8 cm (exact)
        (BMI, 3.0, "kg/m2", ("bmi", "outside the plausible range 10-80 kg/m2")),
    ],
)
def test_implausible_vital_sign_is_skipped_with_its_reason(code, value: float, unit: str, fragments) -> None:
    pf, report = _import(observation([TESTOSTERONE], 300.0, "ng/dL"), observation([code], value, unit))
    assert [r.analyte for r in pf.labs] == ["testosterone_total"]
    assert (pf.patient.weight_kg, pf.patient.height_cm, pf.patient.bmi_kg_m2) == (None, None, None)
    [skipped] = report.skipped
    assert skipped.index == 2 and skipped.resource_type == "Observation"
    assert all(f in skipped.reason for f in fragments), skipped.reason
    assert report.imported[0]["analyte"] == "testosterone_total" and len(report.imported) == 1


def test_plausible_vital_signs_are_imported_next_to_a_skipped_one() -> None:
    pf, report = _import(
        observation([WEIGHT], 92.0, "kg"),
        observation([HEIGHT], 180.0, "cm"),
        observation([BMI], 900.0, "kg/m2"),
    )
    assert (pf.patient.weight_kg, pf.patient.height_cm) == (92.0, 180.0)
    assert pf.patient.bmi_kg_m2 is None
    assert [s.index for s in report.skipped] == [3]
    assert intake(pf).to_dict()["patient"]["weight_kg"] == 92.0

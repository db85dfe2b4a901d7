"""Current medications at intake: regimen text the grammar parses, or a recognised medication name plus dose words;
anything else is refused naming the bad token. The clinic rules' drug names and the example patients still load."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hpgtwin.clinic.rulebook import load_rulebook
from hpgtwin.errors import InputError
from hpgtwin.labs import load_patient_file, parse_patient_dict
from hpgtwin.labs.medications import (
    check_medication,
    medication_classes,
    medication_table,
    modelled_medications,
)
from hpgtwin.pk.drugs import DRUGS, drug_names

TODAY = date(2026, 11, 21)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def _load(*medications: Any) -> tuple[str, ...]:
    document = {"patient": {"id": "m1", "medications": list(medications)}, "labs": []}
    return parse_patient_dict(document, today=TODAY).patient.medications


@pytest.mark.parametrize("text, bad", [
    ("xyzzy 5 parsecs", "'xyzzy'"),
    ("anastrozole 5 parsecs", "'parsecs'"),
    ("metformin 5 parsecs", "'parsecs'"),
    ("anastrozole 1 mg daily + magic beans", "'magic beans'"),
    ("anastrozole 1 mg daily +", "'+'"),
    ("finasteride 1 mg daily please", "'please'"),
])
def test_unknown_medication_text_is_refused_naming_the_bad_token(text: str, bad: str) -> None:
    with pytest.raises(InputError, match=r"^patient\.medications\[1\]: ") as err:
        _load("anastrozole 1 mg daily", text)
    assert bad in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("text", [
    "anastrozole 1 mg twice weekly",
    "trt 100 mg weekly",
    "hcg 2000 IU 3x/week + clomiphene 25 mg every other day",
    "anastrozole 1 mg daily for 4 weeks then 0.5 mg twice weekly",
    "metformin 1000 mg twice daily",
    "metformin 1,000 mg bid with meals",
    "finasteride",
    "nandrolone 100 mg weekly",
    "testosterone undecanoate 1000 mg IM every 12 weeks",
    "sertraline 50 mg daily + anastrozole 1 mg daily",
    "oxycodone 5 mg q6h prn",
])
def test_regimen_text_and_recognised_medications_are_kept(text: str) -> None:
    assert _load(text) == (text,)


def test_none_means_no_medication() -> None:
    assert _load("none", "anastrozole 1 mg daily") == ("anastrozole 1 mg daily",)


def test_only_grammar_courses_are_modelled() -> None:
    text = "metformin 1000 mg twice daily + anastrozole 1 mg daily"
    assert [c.modelled for c in check_medication(text)] == [False, True]
    assert check_medication(text)[0].medication_class == "metabolic"
    assert modelled_medications([text, "finasteride 1 mg daily"]) == ("anastrozole 1 mg daily",)


def test_every_free_text_class_is_sourced_and_names_are_unique() -> None:
    names = [name for cls in medication_classes().values() for name in cls.names]
    assert len(names) == len(set(names))
    assert not set(names) & set(drug_names()), "a name is both modelled and free text"
    for cls in medication_classes().values():
        assert cls.effect and cls.source
    assert set(medication_table()["sources"]) >= {spec["source"] for spec in medication_table()["classes"].values()}


def test_every_drug_name_the_clinic_rules_use_is_accepted() -> None:
    # plain "testosterone" is refused on purpose: the grammar asks for cypionate, enanthate or gel
    rulebook = load_rulebook()
    names = {n for spec in rulebook.agents.values() for n in (*spec.get("synonyms", []), spec["name"])}
    names |= set(rulebook.exogenous_androgens) - {""}
    names -= {"testosterone", "Testosterone (exogenous)", "Human chorionic gonadotropin (hCG)",
              "FSH (recombinant or urinary)", "Gonadorelin (GnRH)", "Clomiphene citrate"}
    for name in sorted(names):
        key = drug_names().get(name.lower())
        dose = f"100 {DRUGS[key].dose_unit}" if key else "10 mg"
        assert check_medication(f"{name} {dose} weekly"), name


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_all_example_patients_still_load(path: Path) -> None:
    pf = load_patient_file(path)
    assert pf.patient.id and all(check_medication(m) for m in pf.patient.medications)


def _fhir_bundle(dosage_text: str) -> dict[str, Any]:
    statement = {"resourceType": "MedicationStatement", "status": "active", "subject": {"reference": "Patient/p1"},
                 "medicationCodeableConcept": {"text": dosage_text.split()[0]}, "dosage": [{"text": dosage_text}]}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": {"resourceType": "Patient", "id": "p1", "gender": "male"}}, {"resource": statement}]}


def test_fhir_import_gets_the_same_medication_check() -> None:
    """A bad MedicationStatement is skipped with its reason (like other bad entries); a known class is kept."""
    pf = load_patient_file(_fhir_bundle("xyzzy 5 parsecs"))
    assert pf.patient.medications == ()
    assert any("MedicationStatement dosage: unknown drug 'xyzzy'" in note for note in pf.import_notes)
    assert load_patient_file(_fhir_bundle("metformin 500 mg daily")).patient.medications == ("metformin 500 mg daily",)


"""Bundles built independently of hpgtwin's exporter, with fhir.resources (R4B) model objects."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def observation(
    codes: list[tuple[str, str]],
    value: float | None,
    unit: str | None,
    *,
    ucum: bool = True,
    when: str | None = "2026-09-01T08:30:00Z",
    subject: str = "Patient/p1",
    **extra: Any,
) -> Observation:
    """An Observation with the given (system, code) codings and a valueQuantity (UCUM code or free-text unit)."""
    fields: dict[str, Any] = {
        "status": "final",
        "code": CodeableConcept(coding=[Coding(system=s, code=c) for s, c in codes]),
        "subject": Reference(reference=subject),
        **extra,
    }
    if value is not None:
        quantity = {"value": value}
        if unit is not None:
            quantity.update({"system": UCUM, "code": unit, "unit": unit} if ucum else {"unit": unit})
        fields["valueQuantity"] = Quantity(**quantity)
    if when:
        fields["effectiveDateTime"] = when
    return Observation(**fields)


def patient(birth_date: str = "1990-05-17", gender: str = "male", pid: str = "p1") -> Patient:
    """A Patient resource."""
    return Patient(id=pid, gender=gender, birthDate=birth_date)


def bundle(*resources: Any) -> dict[str, Any]:
    """A collection Bundle of the resources, as FHIR JSON (dict)."""
    entries = [BundleEntry(resource=r) for r in resources]
    return Bundle(type="collection", entry=entries).model_dump(mode="json")

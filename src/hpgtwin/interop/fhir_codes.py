"""Code systems and URLs shared by FHIR import and export (LOINC, UCUM, HL7 categories, hpgtwin's own codes)."""

from __future__ import annotations

import uuid

from hpgtwin.units import dimensionality

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# hpgtwin's own code systems: URNs, so they never pretend to be a registered terminology.
DERIVED_METRIC = "urn:hpgtwin:derived-metric"
FINDING = "urn:hpgtwin:finding"
CONDITION = "urn:hpgtwin:condition"
REPORT_CODE = "urn:hpgtwin:report"
DERIVED_TAG = "urn:hpgtwin:tag"
EXT_SOURCE = "urn:hpgtwin:source"
EXT_DESIRES_FERTILITY = "urn:hpgtwin:desires-fertility"
EXT_AGE_YEARS = "urn:hpgtwin:age-years"

_NAMESPACE = uuid.UUID("6f1d7a52-8f2b-4c61-9a55-2f0b1f6b2d10")  # fixed, so exports are reproducible


def stable_urn(*parts: object) -> str:
    """A deterministic ``urn:uuid:`` for a resource, from the patient id and the resource's identity."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '|'.join(str(p) for p in parts))}"


def loinc_property(long_name: str) -> str | None:
    """The LOINC property class in a long name: ``mass``, ``molar`` or ``activity``, None when not stated."""
    if "[Mass/volume]" in long_name:
        return "mass"
    if "[Moles/volume]" in long_name:
        return "molar"
    if "[Units/volume]" in long_name:
        return "activity"
    return None


PROPERTY_DIMENSION = {
    "mass": "[mass] / [length] ** 3",
    "molar": "[substance] / [length] ** 3",
    "activity": "[biological_activity] / [length] ** 3",
}


def unit_fits_code(long_name: str, unit: str) -> bool:
    """True when a LOINC code's property (mass, molar, activity) agrees with the unit, or the name states none."""
    kind = loinc_property(long_name)
    return kind is None or str(dimensionality(unit)) == PROPERTY_DIMENSION[kind]

"""FHIR R4 interoperability: import labs from a Bundle/Observation/NDJSON, export a patient as a Bundle.

``fhir.resources.R4B`` validates both directions (R4B is wire-compatible with R4 for the resources used here).
"""

from __future__ import annotations

from hpgtwin.interop.fhir_export import patient_file_to_bundle
from hpgtwin.interop.fhir_import import (
    ImportReport,
    SkippedEntry,
    bundle_to_patient_file,
    ndjson_to_patient_file,
    read_fhir_text,
)

__all__ = [
    "ImportReport",
    "SkippedEntry",
    "bundle_to_patient_file",
    "ndjson_to_patient_file",
    "patient_file_to_bundle",
    "read_fhir_text",
]

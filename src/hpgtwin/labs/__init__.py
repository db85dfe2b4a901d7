"""Lab intake: the analyte catalogue, the patient file, units, derived metrics, WHO semen classes and alerts."""

from __future__ import annotations

from hpgtwin.labs.alerts import Alert
from hpgtwin.labs.catalogue import CATALOGUE, Analyte, is_valid_loinc, lookup_analyte
from hpgtwin.labs.derived import DerivedValue, derive, vermeulen_free_testosterone
from hpgtwin.labs.intake import Intake, intake
from hpgtwin.labs.patient_file import load_patient_file, parse_patient_dict, patient_file_to_dict
from hpgtwin.labs.records import LabResult, Patient, PatientFile, SemenAnalysis
from hpgtwin.labs.semen import SEMEN_CODES, SemenClassification, classify_semen

__all__ = [
    "Alert",
    "Analyte",
    "CATALOGUE",
    "DerivedValue",
    "Intake",
    "LabResult",
    "Patient",
    "PatientFile",
    "SEMEN_CODES",
    "SemenAnalysis",
    "SemenClassification",
    "classify_semen",
    "derive",
    "intake",
    "is_valid_loinc",
    "load_patient_file",
    "lookup_analyte",
    "parse_patient_dict",
    "patient_file_to_dict",
    "vermeulen_free_testosterone",
]

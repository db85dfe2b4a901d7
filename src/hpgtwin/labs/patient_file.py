"""Parse the JSON patient file (contract in ARCHITECTURE.md) into typed records in canonical units, and back.

Parsing is all-or-nothing: the first bad entry raises an InputError subclass whose one-line message names the
entry (``labs[3] (estradiol): ...``), so nothing half-parsed reaches the clinical engine or the store.

The ``patient`` section is checked by :mod:`hpgtwin.labs.covariates` (age 12-110 years; BMI, weight and height within
the ``plausible`` ranges of ``analytes.yaml``, with a unit hint for inches/pounds mix-ups; ``desires_fertility`` is
true/"yes"/"true", false/"no"/"false", or null/"unknown"/"not stated"/"" for not stated) and
:mod:`hpgtwin.labs.medications` (each current medication parses with the regimen grammar or starts with a recognised
medication name from ``medications.yaml``; "none" is dropped).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from hpgtwin.errors import PatientFileError
from hpgtwin.labs.catalogue import Analyte, is_valid_loinc, lookup_analyte
from hpgtwin.labs.covariates import (
    AGE_LIMITS_YEARS,  # noqa: F401  (re-exported: callers read the age limits here)
    COVARIATE_FIELDS,
    check_body_measure,
    check_body_measures,
    check_covariate,
    parse_desires_fertility,
)
from hpgtwin.labs.medications import check_medications
from hpgtwin.labs.records import LabResult, Patient, PatientFile, SemenAnalysis
from hpgtwin.labs.validate import as_date, as_number, to_canonical

TOP_LEVEL_KEYS = ("patient", "labs", "semen")
PATIENT_KEYS = (
    "id",
    "age_years",
    "bmi_kg_m2",
    "weight_kg",
    "height_cm",
    "desires_fertility",
    "conditions",
    "medications",
    "name",
    "notes",
)
SEMEN_KEYS = (
    "date",
    "volume_ml",
    "concentration_million_per_ml",
    "total_motility_pct",
    "progressive_motility_pct",
    "normal_forms_pct",
    "total_sperm_count_million",
)
LAB_KEYS = ("analyte", "loinc", "value", "unit", "date", "note")


def load_patient_file(source: str | Path | Mapping[str, Any], *, today: date | None = None) -> PatientFile:
    """A PatientFile from a path to a JSON patient file / FHIR document, or from an already-parsed dict."""
    if isinstance(source, Mapping):
        return parse_patient_document(dict(source), origin="dict", today=today)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PatientFileError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PatientFileError(f"{path}: cannot read ({exc.__class__.__name__})") from exc
    return parse_patient_text(text, origin=str(path), today=today)


def parse_patient_text(text: str, *, origin: str = "text", today: date | None = None) -> PatientFile:
    """A PatientFile from JSON text (patient file, FHIR resource, or FHIR NDJSON of Observations)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines):
            from hpgtwin.interop.fhir import ndjson_to_patient_file

            return ndjson_to_patient_file(text, today=today)[0]
        raise PatientFileError(f"{origin}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(document, dict):
        raise PatientFileError(f"{origin}: a patient file is a JSON object, got {type(document).__name__}")
    return parse_patient_document(document, origin=origin, today=today)


def parse_patient_document(document: dict[str, Any], *, origin: str = "dict", today: date | None = None) -> PatientFile:
    """A PatientFile from a parsed JSON document; FHIR resources go to ``interop.fhir``."""
    if "resourceType" in document:
        from hpgtwin.interop.fhir import bundle_to_patient_file

        return bundle_to_patient_file(document, today=today)[0]
    return parse_patient_dict(document, origin=origin, today=today)


def parse_patient_dict(document: Mapping[str, Any], *, origin: str = "dict", today: date | None = None) -> PatientFile:
    """A PatientFile from the patient-file JSON contract; raises an InputError subclass on the first bad entry."""
    unknown = sorted(set(document) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise PatientFileError(f"unknown top-level key {unknown[0]!r} (expected one of {', '.join(TOP_LEVEL_KEYS)})")
    raw_patient = document.get("patient")
    if not isinstance(raw_patient, Mapping):
        raise PatientFileError("the patient file needs a 'patient' object with at least an 'id'")
    raw_labs = document.get("labs") or []
    if not isinstance(raw_labs, list):
        raise PatientFileError("'labs' must be a list of {analyte, value, unit, date} entries")
    raw_semen = document.get("semen") or []
    if isinstance(raw_semen, Mapping):
        raw_semen = [raw_semen]
    if not isinstance(raw_semen, list):
        raise PatientFileError("'semen' must be an object or a list of objects")

    labs, semen_from_labs, vitals = _parse_labs(raw_labs, today)
    semen = [_parse_semen(entry, f"semen[{i}]", today) for i, entry in enumerate(raw_semen)]
    semen = _merge_semen(semen, semen_from_labs)
    patient = _parse_patient(raw_patient, vitals)
    return PatientFile(patient=patient, labs=tuple(labs), semen=tuple(semen), source=origin)


def _parse_patient(raw: Mapping[str, Any], vitals: dict[str, float]) -> Patient:
    unknown = sorted(set(raw) - set(PATIENT_KEYS))
    if unknown:
        raise PatientFileError(f"patient: unknown key {unknown[0]!r} (expected one of {', '.join(PATIENT_KEYS)})")
    patient_id = raw.get("id")
    if patient_id is None or not str(patient_id).strip():
        raise PatientFileError("patient: 'id' is missing")
    numbers = {key: check_covariate(key, raw.get(key)) for key in COVARIATE_FIELDS}
    for key, value in vitals.items():
        if numbers.get(key) is None:
            numbers[key] = value
    check_body_measures(numbers["bmi_kg_m2"], numbers["weight_kg"], numbers["height_cm"])
    return Patient(
        id=str(patient_id),
        age_years=numbers["age_years"],
        bmi_kg_m2=numbers["bmi_kg_m2"],
        weight_kg=numbers["weight_kg"],
        height_cm=numbers["height_cm"],
        desires_fertility=parse_desires_fertility(raw.get("desires_fertility")),
        conditions=_strings(raw.get("conditions"), "patient.conditions", lower=True),
        medications=check_medications(
            _strings(raw.get("medications"), "patient.medications", lower=False), "patient.medications"
        ),
    )


def _strings(value: Any, where: str, *, lower: bool) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PatientFileError(f"{where} must be a list of strings")
    cleaned = [v.strip().lower() if lower else v.strip() for v in value if v.strip()]
    return tuple(dict.fromkeys(cleaned))


def _parse_labs(
    raw_labs: list[Any], today: date | None
) -> tuple[list[LabResult], list[tuple[date | None, str, float]], dict[str, float]]:
    """Lab entries -> serum results; semen parameters and vital signs are routed to their own records."""
    labs: list[LabResult] = []
    semen: list[tuple[date | None, str, float]] = []
    vitals: dict[str, tuple[date | None, float]] = {}
    seen: dict[tuple[str, date | None], int] = {}
    for i, entry in enumerate(raw_labs):
        where = f"labs[{i}]"
        if not isinstance(entry, Mapping):
            raise PatientFileError(f"{where}: each lab entry is an object {{analyte, value, unit, date}}")
        unknown = sorted(set(entry) - set(LAB_KEYS))
        if unknown:
            raise PatientFileError(f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(LAB_KEYS)})")
        name = entry.get("analyte") or entry.get("loinc")
        analyte = lookup_analyte(str(name) if name is not None else "")
        where = f"{where} ({analyte.key})"
        value = as_number(entry.get("value"), where)
        unit = entry.get("unit")
        canonical = to_canonical(analyte, value, unit, where)
        when = as_date(entry.get("date"), where, today=today)
        key = (analyte.key, when)
        if key in seen:
            on = when.isoformat() if when else "undated"
            raise PatientFileError(f"{where}: duplicates labs[{seen[key]}] ({analyte.key}, {on})")
        seen[key] = i
        if analyte.semen_field:
            semen.append((when, analyte.semen_field, canonical))
        elif analyte.patient_field:
            check_body_measure(analyte, value, str(unit), canonical, where)
            previous = vitals.get(analyte.patient_field)
            if previous is None or (when or date.min) >= (previous[0] or date.min):
                vitals[analyte.patient_field] = (when, canonical)
        else:
            code = str(name).strip()
            labs.append(make_result(analyte, canonical, when, value, str(unit), code if is_valid_loinc(code) else None))
    return labs, semen, {k: v for k, (_, v) in vitals.items()}


def make_result(analyte: Analyte, canonical: float, when: date | None, value: float, unit: str, loinc: str | None = None) -> LabResult:
    """A LabResult in canonical units that keeps what was entered."""
    return LabResult(
        analyte=analyte.key,
        value=canonical,
        unit=analyte.canonical_unit,
        date=when,
        original_value=value,
        original_unit=unit,
        loinc=loinc or analyte.loinc,
    )


def _parse_semen(raw: Any, where: str, today: date | None) -> SemenAnalysis:
    if not isinstance(raw, Mapping):
        raise PatientFileError(f"{where}: a semen analysis is an object of {', '.join(SEMEN_KEYS)}")
    unknown = sorted(set(raw) - set(SEMEN_KEYS))
    if unknown:
        raise PatientFileError(f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(SEMEN_KEYS)})")
    values = {
        key: (None if raw.get(key) is None else as_number(raw.get(key), f"{where}.{key}"))
        for key in SEMEN_KEYS
        if key != "date"
    }
    return SemenAnalysis(date=as_date(raw.get("date"), where, today=today), **values)


def _merge_semen(
    analyses: list[SemenAnalysis], from_labs: list[tuple[date | None, str, float]]
) -> list[SemenAnalysis]:
    """Semen analyses from the ``semen`` block plus those assembled from semen lab entries, oldest first."""
    by_date: dict[date | None, dict[str, float]] = {}
    for when, field_name, value in from_labs:
        by_date.setdefault(when, {})[field_name] = value
    seen_dates = [a.date for a in analyses]
    for when in by_date:
        if when in seen_dates:
            on = when.isoformat() if when else "undated"
            raise PatientFileError(f"semen analysis of {on} is given both in 'semen' and in 'labs'")
    duplicates = {d for d in seen_dates if seen_dates.count(d) > 1}
    if duplicates:
        first = sorted(duplicates, key=lambda d: d or date.min)[0]
        raise PatientFileError(f"semen: two analyses on {first.isoformat() if first else 'no date'}")
    merged = analyses + [SemenAnalysis(date=when, **fields) for when, fields in by_date.items()]
    return sorted(merged, key=lambda a: (a.date is not None, a.date or date.min))


def patient_file_to_dict(pf: PatientFile) -> dict[str, Any]:
    """The patient-file JSON contract for a PatientFile (canonical units; dates as ISO strings)."""
    p = pf.patient
    patient: dict[str, Any] = {"id": p.id}
    for key in ("age_years", "bmi_kg_m2", "weight_kg", "height_cm", "desires_fertility"):
        value = getattr(p, key)
        if value is not None:
            patient[key] = value
    patient["conditions"] = list(p.conditions)
    patient["medications"] = list(p.medications)
    labs = []
    for r in pf.labs:
        entry: dict[str, Any] = {"analyte": r.analyte, "value": r.value, "unit": r.unit}
        if r.date is not None:
            entry["date"] = r.date.isoformat()
        labs.append(entry)
    semen = []
    for s in pf.semen:
        record: dict[str, Any] = {"date": s.date.isoformat()} if s.date else {}
        for key in SEMEN_KEYS[1:]:
            if getattr(s, key) is not None:
                record[key] = getattr(s, key)
        semen.append(record)
    document: dict[str, Any] = {"patient": patient, "labs": labs}
    if semen:
        document["semen"] = semen
    return document

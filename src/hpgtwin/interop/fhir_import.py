"""Import FHIR R4 (Bundle, single Observation, or NDJSON of resources) into a PatientFile, entry by entry.

The document is validated with ``fhir.resources.R4B`` (wire-compatible with R4 for Patient and Observation) and
refused whole if invalid. Entries that are valid FHIR but cannot be used (unsupported analyte, no value, unknown
unit, code/unit mismatch, future date, duplicate, implausible weight/height/BMI, medication text that is neither
regimen text nor a recognised medication) are skipped and listed, with the reason, in the ImportReport.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from hpgtwin.errors import FhirError, InputError, UnitError
from hpgtwin.interop.fhir_codes import (
    CONDITION,
    DERIVED_TAG,
    EXT_AGE_YEARS,
    EXT_DESIRES_FERTILITY,
    LOINC,
    UCUM,
    loinc_property,
    unit_fits_code,
)
from hpgtwin.labs.catalogue import CATALOGUE, Analyte
from hpgtwin.labs.covariates import check_body_measure
from hpgtwin.labs.medications import check_medication
from hpgtwin.labs.patient_file import parse_patient_dict
from hpgtwin.labs.records import PatientFile
from hpgtwin.labs.validate import as_date, as_number, to_canonical

_INDEX_BY_LOINC = {code.code: (a, code) for a in CATALOGUE.values() for code in a.loinc_codes}
_SUPPORTED_TYPES = ("Bundle", "Observation")
_OUTPUT_TYPES = ("DiagnosticReport", "CarePlan", "Provenance", "Composition")
_ACCEPTED_STATUS = ("final", "amended", "corrected", "preliminary", "registered", None)


@dataclass
class SkippedEntry:
    """One entry that was not imported, and why."""

    index: int
    resource_type: str
    resource_id: str | None
    reason: str

    def describe(self) -> str:
        """``entry[3] Observation/abc: reason`` on one line."""
        ident = f"/{self.resource_id}" if self.resource_id else ""
        return f"entry[{self.index}] {self.resource_type}{ident}: {self.reason}"


@dataclass
class ImportReport:
    """What a FHIR import took and what it skipped (with reasons), per entry."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: list[SkippedEntry] = field(default_factory=list)  # not input data by design (reports, derived metrics)

    def skip(self, index: int, resource: Any, reason: str) -> None:
        """Record one skipped entry."""
        self.skipped.append(SkippedEntry(index, resource.get_resource_type(), getattr(resource, "id", None), reason))

    def ignore(self, index: int, resource: Any, reason: str) -> None:
        """Record one entry that is not input data (e.g. a DiagnosticReport or a derived metric)."""
        self.ignored.append(SkippedEntry(index, resource.get_resource_type(), getattr(resource, "id", None), reason))

    def notes(self) -> tuple[str, ...]:
        """One line per skipped entry and warning (kept on the PatientFile, shown as alerts)."""
        return tuple([s.describe() for s in self.skipped] + self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``{imported, skipped: [{index, resource_type, id, reason}], warnings}``."""
        return {
            "imported": self.imported,
            "skipped": [
                {"index": s.index, "resource_type": s.resource_type, "id": s.resource_id, "reason": s.reason}
                for s in self.skipped
            ],
            "warnings": self.warnings,
            "ignored": [
                {"index": s.index, "resource_type": s.resource_type, "id": s.resource_id, "reason": s.reason}
                for s in self.ignored
            ],
        }


def read_fhir_text(text: str) -> dict[str, Any]:
    """A FHIR document from JSON text, or a collection Bundle built from NDJSON lines; FhirError otherwise."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            return _ndjson_bundle(lines)
        raise FhirError(f"not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(document, dict):
        raise FhirError(f"not a FHIR resource: the document is a JSON {type(document).__name__}")
    return document


def _ndjson_bundle(lines: list[str]) -> dict[str, Any]:
    resources = []
    for number, line in enumerate(lines, start=1):
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FhirError(f"not valid JSON or NDJSON (line {number}: {exc.msg})") from exc
        if not isinstance(resource, dict) or "resourceType" not in resource:
            raise FhirError(f"NDJSON line {number} is not a FHIR resource (no resourceType)")
        resources.append(resource)
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _validate(document: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """Validated (fullUrl, resource) pairs of a Bundle or single Observation; FhirError when invalid."""
    kind = document.get("resourceType")
    if not isinstance(kind, str):
        raise FhirError("not a FHIR resource (no resourceType)")
    if kind not in _SUPPORTED_TYPES:
        raise FhirError(f"unsupported FHIR resourceType {kind!r} (expected Bundle or Observation)")
    try:
        if kind == "Bundle":
            bundle = Bundle.model_validate(document)
            return [(e.fullUrl, e.resource) for e in (bundle.entry or []) if e.resource is not None]
        return [(None, get_fhir_model_class(kind).model_validate(document))]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise FhirError(f"{kind} failed FHIR R4 validation at {where or 'root'}: {first.get('msg')}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise FhirError(f"{kind} failed FHIR R4 validation: {str(exc).splitlines()[0]}") from None


def _observation_date(obs: Any) -> object:
    if obs.effectiveDateTime is not None:
        return obs.effectiveDateTime
    if obs.effectivePeriod is not None and obs.effectivePeriod.start is not None:
        return obs.effectivePeriod.start
    if obs.effectiveInstant is not None:
        return obs.effectiveInstant
    return None


def _match_code(obs: Any) -> tuple[Analyte, Any] | None:
    """The catalogue analyte of any LOINC coding in ``code.coding`` (not only the first)."""
    for coding in obs.code.coding or []:
        if coding.system not in (LOINC, None) or coding.code is None:
            continue
        found = _INDEX_BY_LOINC.get(coding.code)
        if found is not None:
            return found
    return None


def _unit_of(quantity: Any) -> str | None:
    """UCUM ``code`` when the system is UCUM (or absent), else the free-text ``unit``."""
    if quantity.code and quantity.system in (UCUM, None):
        return quantity.code
    return quantity.unit or quantity.code


def _is_derived(resource: Any) -> bool:
    meta = getattr(resource, "meta", None)
    return bool(meta and any(t.system == DERIVED_TAG for t in (meta.tag or [])))


def _date_text(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else str(value)


class _Collector:
    """Turns validated resources into patient-file JSON, recording each skip in the report."""

    def __init__(self, today: date | None) -> None:
        self.today = today
        self.report = ImportReport()
        self.labs: list[dict[str, Any]] = []
        self.seen: dict[tuple[str, date | None], int] = {}
        self.patient: dict[str, Any] = {}
        self.patient_refs: set[str] = set()
        self.conditions: list[str] = []
        self.medications: list[str] = []

    def add_patient(self, index: int, full_url: str | None, resource: Any) -> None:
        if self.patient_refs:
            self.report.skip(index, resource, "a second Patient in the Bundle; only the first is imported")
            return
        self.patient_refs = {f"Patient/{resource.id}"} if resource.id else set()
        if full_url:
            self.patient_refs.add(full_url)
        identifiers = [i.value for i in (resource.identifier or []) if i.system == "urn:hpgtwin:patient-id" and i.value]
        self.patient["id"] = identifiers[0] if identifiers else (resource.id or "fhir-import")
        if resource.gender not in (None, "male"):
            self.report.warnings.append(
                f"Patient gender is {resource.gender!r}: hpgtwin models the adult male HPG axis"
            )
        for ext in resource.extension or []:
            if ext.url == EXT_DESIRES_FERTILITY and ext.valueBoolean is not None:
                self.patient["desires_fertility"] = ext.valueBoolean
            if ext.url == EXT_AGE_YEARS and ext.valueDecimal is not None:
                self.patient["age_years"] = float(ext.valueDecimal)
        if resource.birthDate is not None:
            reference = self.today or date.today()
            self.patient["age_years"] = round((reference - resource.birthDate).days / 365.25, 2)

    def _belongs(self, resource: Any) -> bool:
        subject = getattr(resource, "subject", None)
        if not self.patient_refs or subject is None or subject.reference is None:
            return True
        return subject.reference in self.patient_refs

    def add_observation(self, index: int, obs: Any) -> None:
        skip = self.report.skip
        if _is_derived(obs):
            self.report.ignore(index, obs, "derived metric exported by hpgtwin; recomputed from the labs instead")
            return
        if not self._belongs(obs):
            skip(index, obs, f"subject {obs.subject.reference} is not the Patient of this Bundle")
            return
        if obs.status not in _ACCEPTED_STATUS:
            skip(index, obs, f"status {obs.status!r} (only final, amended, corrected, preliminary are used)")
            return
        found = _match_code(obs)
        if found is None:
            codes = ", ".join(f"{c.code}" for c in (obs.code.coding or []) if c.code) or obs.code.text or "none"
            skip(index, obs, f"unsupported analyte (codes: {codes})")
            return
        analyte, code = found
        where = f"{analyte.key} (LOINC {code.code})"
        if obs.valueQuantity is None or obs.valueQuantity.value is None:
            reason = "no value"
            if obs.dataAbsentReason is not None:
                reason += f" (dataAbsentReason: {obs.dataAbsentReason.text or (obs.dataAbsentReason.coding or [None])[0].code})"
            skip(index, obs, f"{where}: {reason}")
            return
        if obs.valueQuantity.comparator is not None:
            skip(index, obs, f"{where}: censored value ({obs.valueQuantity.comparator} {obs.valueQuantity.value}); enter it by hand if meant")
            return
        unit = _unit_of(obs.valueQuantity)
        try:
            value = as_number(float(obs.valueQuantity.value), where)
            if not unit:
                raise UnitError(f"{where}: no unit (valueQuantity has neither code nor unit)")
            canonical = to_canonical(analyte, value, unit, where)
            _check_property(code, unit, where)
            if analyte.patient_field:
                check_body_measure(analyte, value, unit, canonical, where)
            when = as_date(_date_text(_observation_date(obs)), where, today=self.today)
        except InputError as exc:
            skip(index, obs, str(exc))
            return
        key = (analyte.key, when)
        if key in self.seen:
            skip(index, obs, f"{where}: duplicates entry[{self.seen[key]}] ({when.isoformat() if when else 'undated'})")
            return
        self.seen[key] = index
        entry: dict[str, Any] = {"analyte": code.code, "value": value, "unit": unit}
        if when is not None:
            entry["date"] = when.isoformat()
        self.labs.append(entry)
        self.report.imported.append({"index": index, **entry, "analyte": analyte.key, "loinc": code.code})

    def add_condition(self, index: int, resource: Any) -> None:
        if not self._belongs(resource):
            self.report.skip(index, resource, "subject is not the Patient of this Bundle")
            return
        code = resource.code
        for coding in (code.coding if code else None) or []:
            if coding.system == CONDITION and coding.code:
                self.conditions.append(coding.code)
                return
        self.report.skip(index, resource, "Condition without an hpgtwin condition code; not imported")

    def add_medication(self, index: int, resource: Any) -> None:
        if not self._belongs(resource):
            self.report.skip(index, resource, "subject is not the Patient of this Bundle")
            return
        if resource.status not in ("active", "intended", None):
            self.report.skip(index, resource, f"status {resource.status!r}: not a current medication")
            return
        texts = [d.text for d in (resource.dosage or []) if d.text]
        if not texts:
            self.report.skip(index, resource, "MedicationStatement without dosage text (regimen); not imported")
            return
        try:
            for text in texts:
                check_medication(text, "MedicationStatement dosage")
        except InputError as exc:
            self.report.skip(index, resource, str(exc))
            return
        self.medications.extend(texts)

    def document(self) -> dict[str, Any]:
        patient = dict(self.patient) or {"id": "fhir-import"}
        patient["conditions"] = self.conditions
        patient["medications"] = self.medications
        return {"patient": patient, "labs": self.labs}


def _check_property(code: Any, unit: str, where: str) -> None:
    """A LOINC [Mass/volume] code needs a mass unit, [Moles/volume] a molar one, [Units/volume] IU."""
    if not unit_fits_code(code.long_name, unit):
        kind = loinc_property(code.long_name)
        raise UnitError(f"{where}: code/unit mismatch, LOINC {code.code} is a {kind} concentration but the unit is {unit!r}")


def bundle_to_patient_file(doc: dict[str, Any] | str, *, today: date | None = None) -> tuple[PatientFile, ImportReport]:
    """A PatientFile and an ImportReport from a FHIR R4 Bundle / Observation (dict or JSON/NDJSON text)."""
    document = read_fhir_text(doc) if isinstance(doc, str) else doc
    if not isinstance(document, dict):
        raise FhirError("not a FHIR resource (expected a JSON object)")
    entries = _validate(document)
    collector = _Collector(today)
    for index, (full_url, resource) in enumerate(entries):
        if resource.get_resource_type() == "Patient":
            collector.add_patient(index, full_url, resource)
    for index, (_, resource) in enumerate(entries):
        kind = resource.get_resource_type()
        if kind == "Patient":
            continue
        if kind == "Observation":
            collector.add_observation(index, resource)
        elif kind == "Condition":
            collector.add_condition(index, resource)
        elif kind == "MedicationStatement":
            collector.add_medication(index, resource)
        elif kind in _OUTPUT_TYPES:
            collector.report.ignore(index, resource, f"{kind} is an output (assessment or plan), not input data")
        else:
            collector.report.skip(index, resource, f"resource type {kind} is not imported")
    pf = parse_patient_dict(collector.document(), origin="fhir", today=today)
    report = collector.report
    return PatientFile(pf.patient, pf.labs, pf.semen, source="fhir", import_notes=report.notes()), report


def ndjson_to_patient_file(text: str, *, today: date | None = None) -> tuple[PatientFile, ImportReport]:
    """A PatientFile and an ImportReport from NDJSON (one FHIR resource per line)."""
    return bundle_to_patient_file(read_fhir_text(text), today=today)

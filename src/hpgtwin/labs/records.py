"""Typed records of one man's file: who he is, his labs and semen analyses, as parsed from the patient file.

These types are the contract between intake (``labs``), the clinical engine (``clinic``), the twin
(``model``/``fit``), the store and FHIR. Values here are already in the analyte's canonical unit; the value and
unit as entered are kept beside them so nothing the user typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class LabResult:
    """One measured analyte, converted to the catalogue's canonical unit."""

    analyte: str  # catalogue key, e.g. "testosterone_total"
    value: float  # in ``unit`` (canonical)
    unit: str  # canonical unit, e.g. "ng/dL"
    date: date | None = None
    original_value: float | None = None
    original_unit: str | None = None
    loinc: str | None = None


@dataclass(frozen=True)
class SemenAnalysis:
    """One semen analysis as reported (WHO 2021 manual quantities)."""

    date: date | None = None
    volume_ml: float | None = None
    concentration_million_per_ml: float | None = None
    total_motility_pct: float | None = None
    progressive_motility_pct: float | None = None
    normal_forms_pct: float | None = None
    total_sperm_count_million: float | None = None  # as reported; None when only volume x concentration is known


@dataclass(frozen=True)
class Patient:
    """Who the man is: covariates, conditions and current medications (regimen text or a recognised medication)."""

    id: str
    age_years: float | None = None
    bmi_kg_m2: float | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    desires_fertility: bool | None = None
    conditions: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()


@dataclass(frozen=True)
class PatientFile:
    """A parsed patient file: the patient, every lab result, every semen analysis (oldest first)."""

    patient: Patient
    labs: tuple[LabResult, ...] = ()
    semen: tuple[SemenAnalysis, ...] = ()
    source: str | None = field(default=None, compare=False)  # where it was read from (path, "fhir", "form")
    import_notes: tuple[str, ...] = field(default=(), compare=False)  # entries skipped on import, and why

    def results(self, analyte: str) -> list[LabResult]:
        """Every result of one analyte, oldest first (undated ones last)."""
        found = [r for r in self.labs if r.analyte == analyte]
        return sorted(found, key=lambda r: (r.date is None, r.date or date.min))

    def latest(self, analyte: str) -> LabResult | None:
        """The most recent result of one analyte, or None when it was not measured."""
        found = self.results(analyte)
        dated = [r for r in found if r.date is not None]
        return (dated or found)[-1] if found else None

    def latest_semen(self) -> SemenAnalysis | None:
        """The most recent semen analysis, or None."""
        if not self.semen:
            return None
        return sorted(self.semen, key=lambda s: (s.date is not None, s.date or date.min))[-1]

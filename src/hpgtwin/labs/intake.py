"""Intake: one patient file in canonical units, with derived metrics, WHO semen classification and alerts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hpgtwin.labs.alerts import Alert
from hpgtwin.labs.catalogue import CATALOGUE, SOURCES
from hpgtwin.labs.consistency import consistency_alerts
from hpgtwin.labs.derived import DerivedValue, constant, derive, derived_table
from hpgtwin.labs.plausibility import plausibility_alerts
from hpgtwin.labs.records import LabResult, PatientFile
from hpgtwin.labs.semen import SemenClassification, classify_semen, semen_reference

FHIR_IMPORT_SOURCE = "hpgtwin FHIR R4 import (interop/fhir.py): entries that could not be mapped are skipped"


@dataclass(frozen=True)
class Intake:
    """What intake made of a patient file: the file itself, derived metrics, semen classification, alerts."""

    patient_file: PatientFile
    derived: dict[str, DerivedValue]
    semen: tuple[SemenClassification, ...]
    alerts: tuple[Alert, ...]
    who_edition: int

    def value(self, name: str) -> float | None:
        """The value of one derived metric (None when it could not be computed)."""
        return self.derived[name].value

    def latest_semen_classification(self) -> SemenClassification | None:
        """The classification of the most recent semen analysis, or None."""
        return self.semen[-1] if self.semen else None

    def conventions(self) -> dict[str, Any]:
        """Which definitions and units the numbers follow (so a reader knows what a ratio means)."""
        metrics = derived_table()["metrics"]
        reference = semen_reference()
        return {
            "units": "canonical units of the analyte catalogue (hpgtwin/labs/data/analytes.yaml)",
            "canonical_units": {key: a.canonical_unit for key, a in CATALOGUE.items()},
            "t_e2_ratio": metrics["t_e2_ratio"]["convention"],
            "t_lh_ratio": metrics["t_lh_ratio"]["convention"],
            "free_testosterone": metrics["free_testosterone_pg_ml"]["convention"],
            "default_albumin_g_dl": constant("default_albumin_g_dl"),
            "total_motile_count": metrics["total_motile_count_million"]["convention"],
            "who_edition": self.who_edition,
            "who_source": reference["editions"][self.who_edition]["source"],
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``{patient, labs, derived, semen, alerts, conventions}``."""
        p = self.patient_file.patient
        return {
            "patient": {
                "id": p.id,
                "age_years": p.age_years,
                "bmi_kg_m2": p.bmi_kg_m2,
                "weight_kg": p.weight_kg,
                "height_cm": p.height_cm,
                "desires_fertility": p.desires_fertility,
                "conditions": list(p.conditions),
                "medications": list(p.medications),
            },
            "labs": [_lab_dict(r) for r in _sorted_labs(self.patient_file.labs)],
            "derived": {name: d.to_dict() for name, d in self.derived.items()},
            "semen": [
                {**_semen_dict(s), "classification": c.to_dict()}
                for s, c in zip(_sorted_semen(self.patient_file), self.semen, strict=True)
            ],
            "alerts": [a.to_dict() for a in self.alerts],
            "conventions": self.conventions(),
        }


def _sorted_labs(labs: tuple[LabResult, ...]) -> list[LabResult]:
    from datetime import date

    order = {key: i for i, key in enumerate(CATALOGUE)}
    return sorted(labs, key=lambda r: (order.get(r.analyte, len(order)), r.date is None, r.date or date.min))


def _sorted_semen(pf: PatientFile) -> list[Any]:
    from datetime import date

    return sorted(pf.semen, key=lambda s: (s.date is not None, s.date or date.min))


def _lab_dict(r: LabResult) -> dict[str, Any]:
    analyte = CATALOGUE[r.analyte]
    ri = analyte.reference_interval
    return {
        "analyte": r.analyte,
        "name": analyte.name,
        "value": r.value,
        "unit": r.unit,
        "date": r.date.isoformat() if r.date else None,
        "original_value": r.original_value,
        "original_unit": r.original_unit,
        "loinc": r.loinc,
        "reference_interval": {"low": ri.low, "high": ri.high, "unit": analyte.canonical_unit,
                               "source": SOURCES[ri.source]},
    }


def _semen_dict(s: Any) -> dict[str, Any]:
    return {
        "date": s.date.isoformat() if s.date else None,
        "volume_ml": s.volume_ml,
        "concentration_million_per_ml": s.concentration_million_per_ml,
        "total_motility_pct": s.total_motility_pct,
        "progressive_motility_pct": s.progressive_motility_pct,
        "normal_forms_pct": s.normal_forms_pct,
        "total_sperm_count_million": s.total_sperm_count_million,
    }


def _derived_alerts(derived: dict[str, DerivedValue]) -> list[Alert]:
    alerts = []
    free_t = derived["free_testosterone_pg_ml"]
    if free_t.value is not None and free_t.inputs.get("albumin", {}).get("default"):
        alerts.append(
            Alert(
                code="default_albumin_used",
                severity="info",
                message=(
                    f"albumin was not measured: calculated free and bioavailable testosterone assume "
                    f"{constant('default_albumin_g_dl'):g} g/dL"
                ),
                source=derived_table()["sources"]["issam"],
            )
        )
    return alerts


def intake(pf: PatientFile, *, who_edition: int = 2021) -> Intake:
    """Derived metrics, WHO semen classification (``who_edition`` 2021 or 2010) and data alerts for one file."""
    derived = derive(pf)
    semen = tuple(classify_semen(s, edition=who_edition) for s in _sorted_semen(pf))
    alerts = plausibility_alerts(pf) + consistency_alerts(pf) + _derived_alerts(derived)
    alerts += [Alert("fhir_entry_skipped", "warning", note, FHIR_IMPORT_SOURCE) for note in pf.import_notes]
    return Intake(patient_file=pf, derived=derived, semen=semen, alerts=tuple(alerts), who_edition=who_edition)

"""Builders for clinical-engine tests: a patient file from a few keyword values, through the real intake parser."""

from __future__ import annotations

from typing import Any

from hpgtwin.labs import parse_patient_dict
from hpgtwin.labs.records import PatientFile

# keyword -> (analyte name as a user writes it, unit) ; values are given in these units.
LAB_KEYWORDS: dict[str, tuple[str, str]] = {
    "t": ("testosterone", "ng/dL"),
    "e2": ("estradiol", "pg/mL"),
    "lh": ("LH", "IU/L"),
    "fsh": ("FSH", "IU/L"),
    "prl": ("prolactin", "ng/mL"),
    "tsh": ("TSH", "mIU/L"),
    "shbg": ("SHBG", "nmol/L"),
    "inhibin_b": ("inhibin B", "pg/mL"),
    "hct": ("hematocrit", "%"),
    "psa": ("PSA", "ng/mL"),
}
LAB_DATE = "2025-03-03"
FIRST_T_DATE = "2025-02-17"  # a second early-morning total T two weeks earlier (AUA statement 2)


def case_dict(
    *,
    desires_fertility: bool | None = True,
    bmi: float | None = 24.0,
    conditions: tuple[str, ...] = (),
    medications: tuple[str, ...] = (),
    semen: dict[str, Any] | None = None,
    t_measurements: int = 2,
    patient_id: str = "case",
    age: float = 35,
    **labs: float,
) -> dict[str, Any]:
    """A patient-file dict: labs by keyword (see LAB_KEYWORDS), semen as a dict of SemenAnalysis fields."""
    entries = []
    for key, value in labs.items():
        name, unit = LAB_KEYWORDS[key]
        entries.append({"analyte": name, "value": value, "unit": unit, "date": LAB_DATE})
        if key == "t" and t_measurements >= 2:
            entries.append({"analyte": name, "value": value, "unit": unit, "date": FIRST_T_DATE})
    patient: dict[str, Any] = {
        "id": patient_id,
        "age_years": age,
        "bmi_kg_m2": bmi,
        "conditions": list(conditions),
        "medications": list(medications),
    }
    if desires_fertility is not None:
        patient["desires_fertility"] = desires_fertility
    document: dict[str, Any] = {"patient": patient, "labs": entries}
    if semen is not None:
        document["semen"] = {"date": LAB_DATE, **semen}
    return document


def case(**kwargs: Any) -> PatientFile:
    """A PatientFile built by :func:`case_dict` and parsed by the real ``hpgtwin.labs`` parser."""
    return parse_patient_dict(case_dict(**kwargs))


# Semen analyses relative to WHO 2021 lower reference limits (concentration 16 M/mL, total 39 M, PR 30 %,
# normal forms 4 %): values chosen clearly on one side of each limit.
NORMAL_SEMEN = {"volume_ml": 3.0, "concentration_million_per_ml": 50, "total_motility_pct": 60,
                "progressive_motility_pct": 45, "normal_forms_pct": 8}
OLIGO_SEMEN = {"volume_ml": 2.5, "concentration_million_per_ml": 8, "total_motility_pct": 55,
               "progressive_motility_pct": 40, "normal_forms_pct": 6}
AZOOSPERMIA = {"volume_ml": 2.5, "concentration_million_per_ml": 0}


def report(pf: PatientFile, audience: str = "clinician") -> dict[str, Any]:
    """The assessment dict of a patient file (real intake + real rule table)."""
    from hpgtwin.clinic import assess

    return assess(pf, audience=audience).to_dict()


def fits(rep: dict[str, Any]) -> dict[str, str]:
    """Agent -> fit."""
    return {t["agent"]: t["fit"] for t in rep["therapies"]}


def therapy_rules(rep: dict[str, Any], agent: str) -> list[str]:
    """Rule ids that rated one agent."""
    return next(t["rules"] for t in rep["therapies"] if t["agent"] == agent)


def phenotypes(rep: dict[str, Any]) -> set[str]:
    """Phenotype codes."""
    return {p["code"] for p in rep["phenotype"]}


def alert_codes(rep: dict[str, Any]) -> set[str]:
    """Alert codes (intake and clinical)."""
    return {a["code"] for a in rep["alerts"]}


def monitoring_rules(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Monitoring rule id -> entry."""
    return {m["rule"]: m for m in rep["monitoring"]}

"""Derived metrics (T/E2, T/LH, Vermeulen free and bioavailable T, FAI, sperm counts, BMI) from canonical labs.

Formulas, constants and sources are data (``labs/data/derived.yaml``); this module evaluates them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin.labs.catalogue import CATALOGUE
from hpgtwin.labs.records import LabResult, PatientFile, SemenAnalysis
from hpgtwin.units import convert


@cache
def derived_table() -> dict[str, Any]:
    """The parsed ``derived.yaml`` (sources, constants, metrics)."""
    text = resources.files("hpgtwin.labs").joinpath("data/derived.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def constant(name: str) -> float:
    """A constant of ``derived.yaml`` (its unit is in the table)."""
    return float(derived_table()["constants"][name]["value"])


@dataclass(frozen=True)
class VermeulenResult:
    """Free and bioavailable testosterone from the Vermeulen 1999 mass balance, in mol/L."""

    free_mol_l: float
    bioavailable_mol_l: float
    total_mol_l: float

    @property
    def free_fraction_pct(self) -> float:
        """Free T as a percentage of total T."""
        return 100.0 * self.free_mol_l / self.total_mol_l

    @property
    def bioavailable_fraction_pct(self) -> float:
        """Bioavailable T as a percentage of total T."""
        return 100.0 * self.bioavailable_mol_l / self.total_mol_l


def vermeulen_free_testosterone(
    total_t_nmol_l: float, shbg_nmol_l: float, albumin_g_dl: float
) -> VermeulenResult:
    """Vermeulen 1999 free T: positive root of N K_s FT^2 + (N + K_s (SHBG - TT)) FT - TT = 0 (mol/L)."""
    k_shbg = constant("k_shbg_l_per_mol")
    k_alb = constant("k_albumin_l_per_mol")
    albumin_mol_l = albumin_g_dl * 10.0 / constant("albumin_molar_mass_g_mol")  # g/dL -> g/L -> mol/L
    tt = total_t_nmol_l * 1e-9
    shbg = shbg_nmol_l * 1e-9
    n = 1.0 + k_alb * albumin_mol_l
    a = n * k_shbg
    b = n + k_shbg * (shbg - tt)
    if tt == 0.0:
        return VermeulenResult(0.0, 0.0, 0.0)
    # Written as 2c / (-b - sqrt(b^2 - 4ac)) with c = -TT to avoid cancellation when b >> 0.
    free = 2.0 * tt / (b + math.sqrt(b * b + 4.0 * a * tt))
    return VermeulenResult(free_mol_l=free, bioavailable_mol_l=n * free, total_mol_l=tt)


@dataclass(frozen=True)
class DerivedValue:
    """One derived metric: value (None when an input is missing), unit, formula, source and the inputs used."""

    name: str
    value: float | None
    unit: str
    formula: str
    convention: str
    source: str
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of this metric."""
        return {
            "value": self.value,
            "unit": self.unit,
            "formula": self.formula,
            "convention": self.convention,
            "source": self.source,
            "inputs": self.inputs,
            "notes": list(self.notes),
            "missing": list(self.missing),
        }


def _metric(name: str, value: float | None, inputs: dict[str, Any], notes: tuple[str, ...] = (), missing: tuple[str, ...] = ()) -> DerivedValue:
    table = derived_table()
    spec = table["metrics"][name]
    return DerivedValue(
        name=name,
        value=value,
        unit=spec["unit"],
        formula=spec["formula"],
        convention=spec["convention"],
        source=table["sources"][spec["source"]],
        inputs=inputs,
        notes=notes,
        missing=missing,
    )


def _described(result: LabResult) -> dict[str, Any]:
    return {"value": result.value, "unit": result.unit, "date": result.date.isoformat() if result.date else None}


def _nmol_l(result: LabResult) -> float:
    analyte = CATALOGUE[result.analyte]
    return convert(result.value, result.unit, "nmol/L", molar_mass_g_mol=analyte.molar_mass_g_mol)


def _ratio(name: str, pf: PatientFile, top: str, bottom: str) -> DerivedValue:
    a, b = pf.latest(top), pf.latest(bottom)
    missing = tuple(k for k, r in ((top, a), (bottom, b)) if r is None)
    if a is None or b is None:
        return _metric(name, None, {}, missing=missing)
    inputs = {top: _described(a), bottom: _described(b)}
    if b.value == 0:
        return _metric(name, None, inputs, notes=(f"{bottom} is 0: ratio undefined",))
    notes = _date_note(a, b)
    return _metric(name, a.value / b.value, inputs, notes=notes)


def _date_note(*results: LabResult) -> tuple[str, ...]:
    dates = {r.date for r in results if r.date is not None}
    return ("inputs were measured on different dates",) if len(dates) > 1 else ()


def _vermeulen_metrics(pf: PatientFile) -> tuple[DerivedValue, DerivedValue]:
    tt, shbg, alb = pf.latest("testosterone_total"), pf.latest("shbg"), pf.latest("albumin")
    missing = tuple(k for k, r in (("testosterone_total", tt), ("shbg", shbg)) if r is None)
    if tt is None or shbg is None:
        return (
            _metric("free_testosterone_pg_ml", None, {}, missing=missing),
            _metric("bioavailable_testosterone_ng_dl", None, {}, missing=missing),
        )
    notes = list(_date_note(*(r for r in (tt, shbg, alb) if r is not None)))
    inputs: dict[str, Any] = {"testosterone_total": _described(tt), "shbg": _described(shbg)}
    if alb is None:
        albumin_g_dl = constant("default_albumin_g_dl")
        notes.append(f"albumin not measured: default {albumin_g_dl:g} g/dL used (ISSAM convention)")
        inputs["albumin"] = {"value": albumin_g_dl, "unit": "g/dL", "date": None, "default": True}
    else:
        albumin_g_dl = alb.value
        inputs["albumin"] = {**_described(alb), "default": False}
    result = vermeulen_free_testosterone(_nmol_l(tt), shbg.value, albumin_g_dl)
    molar_mass = constant("testosterone_molar_mass_g_mol")
    free_pg_ml = convert(result.free_mol_l, "mol/L", "pg/mL", molar_mass_g_mol=molar_mass)
    bio_ng_dl = convert(result.bioavailable_mol_l, "mol/L", "ng/dL", molar_mass_g_mol=molar_mass)
    extra = (f"free fraction {result.free_fraction_pct:.3g} % of total T",)
    return (
        _metric("free_testosterone_pg_ml", free_pg_ml, inputs, notes=tuple(notes) + extra),
        _metric(
            "bioavailable_testosterone_ng_dl",
            bio_ng_dl,
            inputs,
            notes=tuple(notes) + (f"bioavailable fraction {result.bioavailable_fraction_pct:.3g} % of total T",),
        ),
    )


def _fai(pf: PatientFile) -> DerivedValue:
    tt, shbg = pf.latest("testosterone_total"), pf.latest("shbg")
    missing = tuple(k for k, r in (("testosterone_total", tt), ("shbg", shbg)) if r is None)
    if tt is None or shbg is None:
        return _metric("free_androgen_index", None, {}, missing=missing)
    inputs = {"testosterone_total": _described(tt), "shbg": _described(shbg)}
    if shbg.value == 0:
        return _metric("free_androgen_index", None, inputs, notes=("SHBG is 0: index undefined",))
    return _metric("free_androgen_index", 100.0 * _nmol_l(tt) / shbg.value, inputs, notes=_date_note(tt, shbg))


def total_sperm_count_million(semen: SemenAnalysis) -> float | None:
    """The reported total count, else volume x concentration (10^6 per ejaculate)."""
    if semen.total_sperm_count_million is not None:
        return semen.total_sperm_count_million
    if semen.volume_ml is None or semen.concentration_million_per_ml is None:
        return None
    return semen.volume_ml * semen.concentration_million_per_ml


def _semen_metrics(pf: PatientFile) -> tuple[DerivedValue, DerivedValue]:
    semen = pf.latest_semen()
    if semen is None:
        missing = ("semen analysis",)
        return (
            _metric("total_sperm_count_million", None, {}, missing=missing),
            _metric("total_motile_count_million", None, {}, missing=missing),
        )
    inputs = {
        "date": semen.date.isoformat() if semen.date else None,
        "volume_ml": semen.volume_ml,
        "concentration_million_per_ml": semen.concentration_million_per_ml,
        "total_motility_pct": semen.total_motility_pct,
    }
    total = total_sperm_count_million(semen)
    notes = ("total count as reported",) if semen.total_sperm_count_million is not None else ()
    missing_total = () if total is not None else tuple(
        k for k in ("semen_volume", "sperm_concentration") if inputs[CATALOGUE[k].semen_field] is None
    )
    count = _metric("total_sperm_count_million", total, inputs, notes=notes, missing=missing_total)
    needed = {"semen_volume": semen.volume_ml, "sperm_concentration": semen.concentration_million_per_ml,
              "total_motility": semen.total_motility_pct}
    missing = tuple(k for k, v in needed.items() if v is None)
    tmc = None
    if not missing:
        tmc = semen.volume_ml * semen.concentration_million_per_ml * semen.total_motility_pct / 100.0
    return count, _metric("total_motile_count_million", tmc, inputs, missing=missing)


def _bmi(pf: PatientFile) -> DerivedValue:
    p = pf.patient
    inputs = {"weight_kg": p.weight_kg, "height_cm": p.height_cm}
    if p.bmi_kg_m2 is not None:
        return _metric("bmi_kg_m2", p.bmi_kg_m2, {**inputs, "bmi_kg_m2": p.bmi_kg_m2}, notes=("BMI as reported",))
    if p.weight_kg is None or p.height_cm is None or p.height_cm == 0:
        missing = tuple(k for k in ("weight", "height") if inputs[f"{k}_{'kg' if k == 'weight' else 'cm'}"] is None)
        return _metric("bmi_kg_m2", None, inputs, missing=missing)
    return _metric("bmi_kg_m2", p.weight_kg / (p.height_cm / 100.0) ** 2, inputs, notes=("computed from weight and height",))


def derive(pf: PatientFile) -> dict[str, DerivedValue]:
    """Every derived metric of ``derived.yaml`` for this patient file (value None where inputs are missing)."""
    free_t, bio_t = _vermeulen_metrics(pf)
    count, tmc = _semen_metrics(pf)
    metrics = [
        _ratio("t_e2_ratio", pf, "testosterone_total", "estradiol"),
        _ratio("t_lh_ratio", pf, "testosterone_total", "lh"),
        free_t,
        bio_t,
        _fai(pf),
        count,
        tmc,
        _bmi(pf),
    ]
    return {m.name: m for m in metrics}

"""Cross-checks between values of one file: measured free-T fraction, semen total count and motility, BMI."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin.labs.alerts import Alert
from hpgtwin.labs.records import PatientFile
from hpgtwin.units import convert


@cache
def consistency_table() -> dict[str, Any]:
    """The parsed ``consistency.yaml`` (thresholds and sources)."""
    text = resources.files("hpgtwin.labs").joinpath("data/consistency.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _free_t_fraction(pf: PatientFile) -> list[Alert]:
    rule = consistency_table()["free_testosterone_fraction"]
    totals = {r.date: r for r in pf.results("testosterone_total") if r.date is not None}
    alerts = []
    for free in pf.results("testosterone_free"):
        total = totals.get(free.date)
        if total is None or total.value <= 0:
            continue
        pct = 100.0 * (free.value / 10.0) / total.value  # pg/mL -> ng/dL is /10
        if not rule["low_pct"] <= pct <= rule["high_pct"]:
            alerts.append(
                Alert(
                    code="free_testosterone_fraction_unusual",
                    severity="warning",
                    message=(
                        f"measured free T {free.value:.4g} pg/mL is {pct:.2g} % of total T {total.value:.4g} ng/dL "
                        f"({free.date.isoformat()}); expected {rule['low_pct']:g}-{rule['high_pct']:g} %: analog assay "
                        "or unit error? Prefer calculated free T"
                    ),
                    source=rule["source"],
                )
            )
    return alerts


def _semen(pf: PatientFile) -> list[Alert]:
    table = consistency_table()
    alerts = []
    for s in pf.semen:
        on = s.date.isoformat() if s.date else "undated"
        if s.total_sperm_count_million is not None and s.volume_ml and s.concentration_million_per_ml is not None:
            product = s.volume_ml * s.concentration_million_per_ml
            rule = table["semen_total_count"]
            if abs(s.total_sperm_count_million - product) > rule["relative_tolerance"] * max(product, 1e-12):
                alerts.append(
                    Alert(
                        code="semen_inconsistent",
                        severity="warning",
                        message=(
                            f"semen analysis {on}: reported total count {s.total_sperm_count_million:.4g} x10^6 differs "
                            f"from volume x concentration = {product:.4g} x10^6 by more than "
                            f"{100 * rule['relative_tolerance']:g} %"
                        ),
                        source=rule["source"],
                    )
                )
        if s.progressive_motility_pct is not None and s.total_motility_pct is not None:
            rule = table["semen_motility"]
            if s.progressive_motility_pct > s.total_motility_pct + rule["tolerance_pct"]:
                alerts.append(
                    Alert(
                        code="semen_inconsistent",
                        severity="warning",
                        message=(
                            f"semen analysis {on}: progressive motility {s.progressive_motility_pct:g} % exceeds total "
                            f"motility {s.total_motility_pct:g} %"
                        ),
                        source=rule["source"],
                    )
                )
    return alerts


def _body_mass_index(pf: PatientFile) -> list[Alert]:
    """Reported BMI against weight / height^2, naming pounds when weight read as lb would fit."""
    p = pf.patient
    if p.bmi_kg_m2 is None or p.weight_kg is None or not p.height_cm:
        return []
    rule = consistency_table()["body_mass_index"]
    tolerance = rule["relative_tolerance"]
    height_m2 = (p.height_cm / 100.0) ** 2
    computed = p.weight_kg / height_m2
    if abs(p.bmi_kg_m2 - computed) <= tolerance * p.bmi_kg_m2:
        return []
    message = (
        f"reported BMI {p.bmi_kg_m2:.3g} kg/m2 differs from weight {p.weight_kg:.4g} kg / height "
        f"({p.height_cm:.4g} cm)^2 = {computed:.3g} kg/m2 by more than {100 * tolerance:g} %"
    )
    as_pounds = convert(p.weight_kg, "[lb_av]", "kg") / height_m2
    if abs(p.bmi_kg_m2 - as_pounds) <= tolerance * p.bmi_kg_m2:
        message += f"; read as pounds the weight gives {as_pounds:.3g} kg/m2: check the weight unit"
    return [Alert(code="bmi_inconsistent", severity="warning", message=message, source=rule["source"])]


def consistency_alerts(pf: PatientFile) -> list[Alert]:
    """Every cross-check alert of one patient file."""
    return _free_t_fraction(pf) + _semen(pf) + _body_mass_index(pf)

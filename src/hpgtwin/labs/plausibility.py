"""Plausibility alerts: a value that only makes sense in another unit, or that is impossible in any unit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hpgtwin.errors import UnitError
from hpgtwin.labs.alerts import Alert
from hpgtwin.labs.catalogue import CATALOGUE, SOURCES, Analyte
from hpgtwin.labs.records import PatientFile
from hpgtwin.units import convert, normalize_unit

_SAME_FACTOR_TOLERANCE = 1e-9


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def alternative_reading(analyte: Analyte, value: float, stated_unit: str) -> tuple[str, float] | None:
    """The first confusable unit in which ``value`` lands in the reference interval, with the canonical value."""
    stated = convert(value, stated_unit, analyte.canonical_unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
    for unit in analyte.confusable_units:
        if normalize_unit(unit) == normalize_unit(stated_unit):
            continue
        try:
            reading = convert(value, unit, analyte.canonical_unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
        except UnitError:
            continue
        if abs(reading - stated) <= _SAME_FACTOR_TOLERANCE * max(abs(stated), 1.0):
            continue
        ri = analyte.reference_interval
        if ri.low is None and ri.high is None:
            inside = analyte.expected_untreated.contains(reading)
        else:
            inside = ri.contains(reading)
        if inside:
            return unit, reading
    return None


def check_value(
    analyte: Analyte,
    value: float,
    stated_unit: str,
    *,
    treated: bool,
    when: date | None = None,
) -> Alert | None:
    """``probable_unit_error`` or ``implausible_value`` for one entered value, or None when it looks right."""
    canonical = convert(value, stated_unit, analyte.canonical_unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
    on = f" ({when.isoformat()})" if when else ""
    plausible = analyte.plausible.contains(canonical)
    expected = analyte.expected_untreated.contains(canonical)
    may_be_treatment = treated and analyte.treatment_sensitive and plausible
    if not expected and not may_be_treatment:
        alternative = alternative_reading(analyte, value, stated_unit)
        if alternative is not None:
            unit, reading = alternative
            return Alert(
                code="probable_unit_error",
                severity="warning" if plausible else "high",
                message=(
                    f"{analyte.key} {_fmt(value)} {stated_unit}{on} is unlikely in an untreated man; read as "
                    f"{_fmt(value)} {unit} it would be {_fmt(reading)} {analyte.canonical_unit} "
                    f"(within the reference interval): check whether the unit was {unit}"
                ),
                source=SOURCES[analyte.expected_untreated.source],
            )
    if not plausible:
        low, high = analyte.plausible.low, analyte.plausible.high
        return Alert(
            code="implausible_value",
            severity="high",
            message=(
                f"{analyte.key} {_fmt(value)} {stated_unit}{on} = {_fmt(canonical)} {analyte.canonical_unit} is "
                f"outside the physiologically possible range {_fmt(low) if low is not None else '-'}-"
                f"{_fmt(high) if high is not None else '-'} {analyte.canonical_unit} and fits no other unit"
            ),
            source=SOURCES[analyte.plausible.source],
        )
    return None


def _entered_values(pf: PatientFile) -> Iterator[tuple[Analyte, float, str, date | None]]:
    for result in pf.labs:
        analyte = CATALOGUE[result.analyte]
        if result.original_value is not None and result.original_unit:
            yield analyte, result.original_value, result.original_unit, result.date
        else:
            yield analyte, result.value, result.unit, result.date
    for semen in pf.semen:
        for analyte in CATALOGUE.values():
            if analyte.semen_field and getattr(semen, analyte.semen_field) is not None:
                yield analyte, getattr(semen, analyte.semen_field), analyte.canonical_unit, semen.date
    for analyte in CATALOGUE.values():
        if analyte.patient_field and getattr(pf.patient, analyte.patient_field) is not None:
            yield analyte, getattr(pf.patient, analyte.patient_field), analyte.canonical_unit, None


def plausibility_alerts(pf: PatientFile) -> list[Alert]:
    """Every plausibility alert of a patient file (labs, semen parameters, body measures)."""
    treated = bool(pf.patient.medications)
    alerts: list[Alert] = []
    for analyte, value, unit, when in _entered_values(pf):
        try:
            alert = check_value(analyte, value, unit, treated=treated, when=when)
        except UnitError:
            continue
        if alert is not None:
            alerts.append(alert)
    return alerts

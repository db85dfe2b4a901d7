"""Checks on single values as they enter: numbers, dates, and units against the analyte's dimension."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from hpgtwin.errors import ImplausibleValue, PatientFileError, UnitError
from hpgtwin.labs.catalogue import Analyte
from hpgtwin.units import convert, dimensionality, normalize_unit

_DIMENSION_NAMES = {
    "[mass] / [length] ** 3": "a mass concentration",
    "[substance] / [length] ** 3": "a molar concentration",
    "[biological_activity] / [length] ** 3": "an activity concentration (IU)",
    "[mass]": "a mass",
    "[length]": "a length",
    "[length] ** 3": "a volume",
    "1 / [length] ** 3": "a number concentration",
    "dimensionless": "a ratio or count",
    "[mass] / [length] ** 2": "a mass per area",
}


def describe_dimension(unit: str) -> str:
    """Plain words for a unit's dimension (``'a mass concentration'`` for ng/dL)."""
    text = str(dimensionality(unit)) or "dimensionless"
    return _DIMENSION_NAMES.get(text, text)


def as_number(value: object, where: str) -> float:
    """A finite, non-negative float from a JSON value; raises ImplausibleValue naming ``where``."""
    if isinstance(value, bool) or value is None:
        raise ImplausibleValue(f"{where}: value {value!r} is not a number")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError as exc:
            raise ImplausibleValue(f"{where}: value {value!r} is not a number") from exc
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise ImplausibleValue(f"{where}: value {value!r} is not a number")
    if not math.isfinite(number):
        raise ImplausibleValue(f"{where}: value {value!r} is not a finite number")
    if number < 0:
        raise ImplausibleValue(f"{where}: value {number:g} is negative")
    return number


def as_date(value: object, where: str, *, today: date | None = None) -> date | None:
    """A calendar date from an ISO string (date or date-time); None when absent; refuses future dates."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = date.fromisoformat(text[:10]) if len(text) >= 10 else _partial_date(text)
        except ValueError as exc:
            raise PatientFileError(f"{where}: date {value!r} is not an ISO date (YYYY-MM-DD)") from exc
    else:
        raise PatientFileError(f"{where}: date {value!r} is not an ISO date (YYYY-MM-DD)")
    limit = today or datetime.now(UTC).date()
    if parsed > limit:
        raise PatientFileError(f"{where}: date {parsed.isoformat()} is in the future")
    return parsed


def _partial_date(text: str) -> date:
    """FHIR allows YYYY and YYYY-MM; they are read as the first day of the period."""
    parts = text.split("-")
    if len(parts) == 1 and len(parts[0]) == 4:
        return date(int(parts[0]), 1, 1)
    if len(parts) == 2 and len(parts[0]) == 4:
        return date(int(parts[0]), int(parts[1]), 1)
    raise ValueError(text)


def to_canonical(analyte: Analyte, value: float, unit: object, where: str) -> float:
    """``value`` in ``unit`` converted to the analyte's canonical unit; UnitError when missing/unknown/wrong."""
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError(f"{where}: missing unit for {analyte.key} (expected e.g. {analyte.canonical_unit})")
    try:
        normalize_unit(unit)
        dimensionality(unit)
    except UnitError as exc:
        raise UnitError(f"{where}: unknown unit {unit!r} for {analyte.key}") from exc
    try:
        return convert(value, unit, analyte.canonical_unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
    except UnitError as exc:
        detail = ""
        if "[biological_activity]" in str(dimensionality(analyte.canonical_unit)) or "[biological_activity]" in str(
            dimensionality(unit)
        ):
            detail = f" (international units are never converted to mass: enter the value in {analyte.canonical_unit})"
        raise UnitError(
            f"{where}: unit {unit!r} is {describe_dimension(unit)}, but {analyte.key} is measured as "
            f"{describe_dimension(analyte.canonical_unit)} ({analyte.canonical_unit}){detail}"
        ) from exc

"""Checks on the patient covariates as they enter: age, BMI, weight, height and the wish for children.

One place for every entry path (JSON patient file, FHIR import, web form, JSON API, CLI), so a value refused in one
is refused in all. Limits are data: age below, the body measures in ``labs/data/analytes.yaml`` (``plausible``,
each with its source). A value outside them is refused with an ImplausibleValue naming the field; when reading it
in a unit that is easily confused with the stated one (inches for cm, pounds for kg) gives a usual value, the
message says so.
"""

from __future__ import annotations

from types import MappingProxyType

from hpgtwin.errors import ImplausibleValue, InputError
from hpgtwin.labs.catalogue import CATALOGUE, SOURCES, Analyte
from hpgtwin.labs.plausibility import alternative_reading
from hpgtwin.labs.validate import as_number

AGE_LIMITS_YEARS = (12.0, 110.0)  # adult-male tool; outside this the age is a typo [assumption]
COVARIATE_FIELDS = ("age_years", "bmi_kg_m2", "weight_kg", "height_cm")
BODY_MEASURES: MappingProxyType[str, Analyte] = MappingProxyType(
    {a.patient_field: a for a in CATALOGUE.values() if a.patient_field}
)

# patient.desires_fertility: the documented answers (case-insensitive for text). Anything else is refused.
FERTILITY_ANSWERS: MappingProxyType[str, bool | None] = MappingProxyType({
    "true": True,
    "yes": True,
    "false": False,
    "no": False,
    "": None,
    "unknown": None,
    "not stated": None,
})


class FertilityAnswerError(InputError):
    """A ``desires_fertility`` value that is not one of the documented answers."""


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def check_covariate(field: str, value: object, where: str | None = None) -> float | None:
    """One covariate as a float in its canonical unit (None when absent); raises ImplausibleValue outside limits."""
    where = where or f"patient.{field}"
    if value is None:
        return None
    number = as_number(value, where)
    if field == "age_years":
        low, high = AGE_LIMITS_YEARS
        if not low <= number <= high:
            raise ImplausibleValue(f"{where}: {_fmt(number)} is outside {low:g}-{high:g} years (assumption)")
        return number
    analyte = BODY_MEASURES.get(field)
    if analyte is None:
        raise InputError(f"{where}: {field!r} is not a patient covariate ({', '.join(COVARIATE_FIELDS)})")
    return check_body_measure(analyte, number, analyte.canonical_unit, number, where)


def check_body_measure(analyte: Analyte, value: float, unit: str, canonical: float, where: str) -> float:
    """``canonical`` (``value`` entered in ``unit``) when plausible for this body measure; else ImplausibleValue."""
    if not analyte.plausible.contains(canonical):
        raise ImplausibleValue(f"{where}: {_out_of_range(analyte, canonical)}{_unit_hint(analyte, value, unit)}")
    return canonical


def _out_of_range(analyte: Analyte, number: float) -> str:
    """Why a body measure is refused: the value, the limits and their source."""
    unit = analyte.canonical_unit
    low, high = analyte.plausible.low, analyte.plausible.high
    limits = f"{_fmt(low) if low is not None else '-'}-{_fmt(high) if high is not None else '-'} {unit}"
    return f"{_fmt(number)} {unit} is outside the plausible range {limits} ({SOURCES[analyte.plausible.source]})"


def _unit_hint(analyte: Analyte, value: float, unit: str) -> str:
    """'; read as [in_i] it would be 177.8 cm: ...' when a confusable unit gives a usual value, else ''."""
    alternative = alternative_reading(analyte, value, unit)
    if alternative is None:
        return ""
    other, reading = alternative
    return f"; read as {_fmt(value)} {other} it would be {_fmt(reading)} {analyte.canonical_unit}: check the unit"


def check_body_measures(bmi_kg_m2: float | None, weight_kg: float | None, height_cm: float | None,
                        where: str = "patient") -> None:
    """Refuse weight and height whose BMI (weight / height^2) is impossible, when no BMI was reported."""
    if bmi_kg_m2 is not None or weight_kg is None or not height_cm:
        return
    bmi = BODY_MEASURES["bmi_kg_m2"]
    computed = weight_kg / (height_cm / 100.0) ** 2
    if not bmi.plausible.contains(computed):
        raise ImplausibleValue(
            f"{where}: weight {_fmt(weight_kg)} kg and height {_fmt(height_cm)} cm give a BMI of "
            f"{_out_of_range(bmi, computed)}"
        )


def parse_desires_fertility(value: object, where: str = "patient.desires_fertility") -> bool | None:
    """True, False or None (not stated) from a boolean, null or one of ``FERTILITY_ANSWERS``; else refused."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in FERTILITY_ANSWERS:
        return FERTILITY_ANSWERS[value.strip().lower()]
    shown = repr(value) if isinstance(value, str) and len(value) <= 20 else type(value).__name__
    raise FertilityAnswerError(
        f"{where}: {shown} is not an answer; use true/yes, false/no, or unknown/not stated (or leave it out)"
    )

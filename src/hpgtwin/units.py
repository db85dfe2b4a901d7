"""The one pint registry of hpgtwin, and conversion of lab units written in UCUM or in common lab spelling.

Units are converted at the edge only (intake, FHIR). Mass <-> amount-of-substance conversion needs the analyte's
molar mass and is never guessed; international units (IU) measure biological activity and are never converted
to mass (the factor depends on the reference preparation, e.g. WHO IS 84/500 vs 83/573 for prolactin).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

from hpgtwin.errors import UnitError

UREG = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
UREG.define("international_unit = [biological_activity] = IU")
Quantity = UREG.Quantity

# Common lab spellings that are not UCUM, mapped to the UCUM code they mean (lower-cased keys).
_ALIASES: dict[str, str] = {
    "miu/ml": "m[IU]/mL",
    "µiu/ml": "u[IU]/mL",
    "uiu/ml": "u[IU]/mL",
    "miu/l": "m[IU]/L",
    "iu/l": "[IU]/L",
    "iu/ml": "[IU]/mL",
    "u/l": "[IU]/L",
    "mu/l": "m[IU]/L",
    "mu/ml": "m[IU]/mL",
    "ng/dl": "ng/dL",
    "ng/ml": "ng/mL",
    "pg/ml": "pg/mL",
    "pg/dl": "pg/dL",
    "ng/l": "ng/L",
    "ug/l": "ug/L",
    "µg/l": "ug/L",
    "ug/dl": "ug/dL",
    "µg/dl": "ug/dL",
    "nmol/l": "nmol/L",
    "pmol/l": "pmol/L",
    "umol/l": "umol/L",
    "µmol/l": "umol/L",
    "g/dl": "g/dL",
    "g/l": "g/L",
    "ml": "mL",
    "l/l": "L/L",
    "m/ml": "10*6/mL",
    "million/ml": "10*6/mL",
    "millions/ml": "10*6/mL",
    "mill/ml": "10*6/mL",
    "x10^6/ml": "10*6/mL",
    "x10*6/ml": "10*6/mL",
    "10^6/ml": "10*6/mL",
    "1/ml": "/mL",
    "/ml": "/mL",
    "cells/ml": "/mL",
    "million": "10*6",
    "x10^6": "10*6",
    "10^6": "10*6",
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "pound": "[lb_av]",
    "pounds": "[lb_av]",
    "in": "[in_i]",
    "inch": "[in_i]",
    "inches": "[in_i]",
    "kg/m^2": "kg/m2",
    "kg/m²": "kg/m2",
    "percent": "%",
    "fraction": "1",
}

# UCUM atoms in square brackets (or that pint spells differently), to their pint names.
_UCUM_ATOMS: dict[str, str] = {
    "[IU]": "IU",
    "[iU]": "IU",
    "[lb_av]": "lb",
    "[in_i]": "inch",
    "[ft_i]": "foot",
    "[oz_av]": "oz",
    "%": "percent",
}

# The canonical units used inside hpgtwin, with their UCUM code for FHIR valueQuantity.code.
_TO_UCUM: dict[str, str] = {
    "IU/L": "[IU]/L",
    "mIU/L": "m[IU]/L",
    "mIU/mL": "m[IU]/mL",
    "uIU/mL": "u[IU]/mL",
}

_POWER_OF_TEN = re.compile(r"^10[*^](-?\d+)")
_EXPONENT = re.compile(r"(?<=[A-Za-z\]])(-?\d+)")


def normalize_unit(unit: str) -> str:
    """The UCUM code for a unit written in UCUM or common lab spelling (whitespace and annotations removed)."""
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError("missing unit")
    code = re.sub(r"\{[^}]*\}", "", unit.strip()).replace(" ", "").replace("μ", "u").replace("µ", "u")
    return _ALIASES.get(code.lower(), code)


def to_ucum(unit: str) -> str:
    """The UCUM code (for FHIR ``valueQuantity.code``) of a hpgtwin unit string."""
    return _TO_UCUM.get(unit, unit)


@lru_cache(maxsize=512)
def _parse(unit: str) -> tuple[float, pint.Unit]:
    """A unit as (scale factor, pint unit): UCUM ``10*6/mL`` is (1e6, 1/mL)."""
    code = normalize_unit(unit)
    factor = 1.0
    match = _POWER_OF_TEN.match(code)
    if match:
        factor = 10.0 ** int(match.group(1))
        code = code[match.end() :] or "1"
        if code.startswith("/"):
            code = "1" + code
    if code.startswith("/"):
        code = "1" + code
    for atom, name in _UCUM_ATOMS.items():
        code = code.replace(atom, name)
    if "[" in code or "]" in code:
        raise UnitError(f"unknown unit {unit!r}")
    expression = _EXPONENT.sub(r"**\1", code.replace(".", "*"))
    if expression in ("1", ""):
        return factor, UREG.dimensionless
    try:
        parsed = UREG.parse_units(expression)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError, TypeError,
            ValueError, AssertionError) as exc:
        raise UnitError(f"unknown unit {unit!r}") from exc
    return factor, parsed


def parse_unit(unit: str) -> pint.Quantity:
    """A unit as a pint Quantity of magnitude one unit (carries UCUM powers of ten); raises UnitError."""
    factor, parsed = _parse(unit)
    return Quantity(factor, parsed)


def is_known_unit(unit: str) -> bool:
    """True when the unit parses (UCUM or a known lab spelling)."""
    try:
        parse_unit(unit)
    except UnitError:
        return False
    return True


def dimensionality(unit: str) -> pint.util.UnitsContainer:
    """The physical dimension of a unit, e.g. ``[mass] / [length] ** 3`` for ng/dL."""
    return parse_unit(unit).dimensionality


def _is_activity(q: pint.Quantity) -> bool:
    return "[biological_activity]" in q.dimensionality


def convertible(from_unit: str, to_unit: str, *, molar_mass_g_mol: float | None = None) -> bool:
    """True when ``from_unit`` converts to ``to_unit`` (through the molar mass when it is given)."""
    try:
        convert(1.0, from_unit, to_unit, molar_mass_g_mol=molar_mass_g_mol)
    except UnitError:
        return False
    return True


def convert(value: float, from_unit: str, to_unit: str, *, molar_mass_g_mol: float | None = None) -> float:
    """Convert ``value`` from one unit to another; mass <-> molar only through ``molar_mass_g_mol``."""
    source = parse_unit(from_unit)
    target = parse_unit(to_unit)
    quantity = float(value) * source
    if source.dimensionality == target.dimensionality:
        return float((quantity / target).to("dimensionless").magnitude)
    if _is_activity(source) or _is_activity(target):
        raise UnitError(
            f"cannot convert {from_unit!r} to {to_unit!r}: international units measure activity, not mass"
        )
    if molar_mass_g_mol is None:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}: dimensions differ")
    if not (math.isfinite(molar_mass_g_mol) and molar_mass_g_mol > 0):
        raise UnitError(f"molar mass must be a positive number, got {molar_mass_g_mol!r}")
    molar_mass = Quantity(molar_mass_g_mol, "g/mol")
    for candidate in (quantity / molar_mass, quantity * molar_mass):
        if candidate.dimensionality == target.dimensionality:
            return float((candidate / target).to("dimensionless").magnitude)
    raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}: dimensions differ")

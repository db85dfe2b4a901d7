"""Property tests: conversions round-trip, and a unit and its UCUM spelling agree, for every catalogue unit pair."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hpgtwin.labs.catalogue import CATALOGUE
from hpgtwin.units import convert, convertible

# Every (analyte, alternative unit) pair the catalogue names, plus the canonical unit itself.
PAIRS = sorted(
    {
        (key, unit)
        for key, a in CATALOGUE.items()
        for unit in (a.canonical_unit, *a.confusable_units)
        if convertible(unit, a.canonical_unit, molar_mass_g_mol=a.molar_mass_g_mol)
    }
)
VALUES = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
REL_TOL = 1e-12  # two float conversions lose at most a few ulps


@settings(max_examples=300, deadline=None)
@given(pair=st.sampled_from(PAIRS), value=VALUES)
def test_round_trip_through_canonical(pair: tuple[str, str], value: float) -> None:
    key, unit = pair
    analyte = CATALOGUE[key]
    there = convert(value, unit, analyte.canonical_unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
    back = convert(there, analyte.canonical_unit, unit, molar_mass_g_mol=analyte.molar_mass_g_mol)
    assert math.isclose(back, value, rel_tol=REL_TOL)


@settings(max_examples=200, deadline=None)
@given(value=VALUES, molar_mass=st.floats(min_value=50.0, max_value=200000.0))
def test_mass_molar_round_trip(value: float, molar_mass: float) -> None:
    molar = convert(value, "ng/dL", "nmol/L", molar_mass_g_mol=molar_mass)
    assert math.isclose(convert(molar, "nmol/L", "ng/dL", molar_mass_g_mol=molar_mass), value, rel_tol=REL_TOL)


@settings(max_examples=200, deadline=None)
@given(value=VALUES, pair=st.sampled_from([("m[IU]/mL", "mIU/mL"), ("[IU]/L", "IU/L"), ("[lb_av]", "lb"), ("[in_i]", "in"), ("10*6/mL", "M/mL")]))
def test_ucum_and_lab_spelling_agree(value: float, pair: tuple[str, str]) -> None:
    ucum, spelled = pair
    assert convert(value, ucum, spelled) == value or math.isclose(convert(value, ucum, spelled), value, rel_tol=REL_TOL)


@settings(max_examples=200, deadline=None)
@given(value=VALUES)
def test_conversion_is_linear(value: float) -> None:
    factor = convert(1.0, "pmol/L", "pg/mL", molar_mass_g_mol=272.38)
    assert math.isclose(convert(value, "pmol/L", "pg/mL", molar_mass_g_mol=272.38), value * factor, rel_tol=REL_TOL)

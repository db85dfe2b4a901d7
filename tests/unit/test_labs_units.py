"""Unit parsing and conversion: UCUM codes, lab spellings, molar conversions, IU never to mass."""

from __future__ import annotations

import pytest

from hpgtwin.errors import UnitError
from hpgtwin.units import convert, convertible, is_known_unit, normalize_unit, to_ucum

T_MOLAR_MASS = 288.42  # g/mol, testosterone, PubChem CID 6013
E2_MOLAR_MASS = 272.38  # g/mol, estradiol, PubChem CID 5757


@pytest.mark.parametrize(
    "code",
    ["ng/dL", "nmol/L", "pg/mL", "pmol/L", "m[IU]/mL", "[IU]/L", "m[IU]/L", "10*6/mL", "10*6", "%", "kg",
     "[lb_av]", "cm", "[in_i]", "g/dL", "g/L", "mIU/L", "ug/L", "kg/m2", "mL", "1", "umol/L", "u[IU]/mL"],
)
def test_ucum_codes_parse(code: str) -> None:
    assert is_known_unit(code)


def test_testosterone_ng_dl_per_nmol_l() -> None:
    # 1 nmol/L = 28.842 ng/dL for MW 288.42 g/mol (clinical.md 5.1: x 28.84); exact arithmetic, tolerance 1e-12.
    assert convert(1.0, "nmol/L", "ng/dL", molar_mass_g_mol=T_MOLAR_MASS) == pytest.approx(28.842, rel=1e-12)


def test_estradiol_pmol_l_per_pg_ml() -> None:
    # 1 pg/mL = 3.671 pmol/L for MW 272.38 (clinical.md 5.1); factor printed to 4 s.f., so rel 1e-3.
    assert convert(1.0, "pg/mL", "pmol/L", molar_mass_g_mol=E2_MOLAR_MASS) == pytest.approx(3.671, rel=1e-3)


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (5.0, "m[IU]/mL", "[IU]/L", 5.0),  # identity (clinical.md 5.1)
        (5.0, "mIU/mL", "IU/L", 5.0),
        (2.0, "uIU/mL", "mIU/L", 2.0),  # TSH identity
        (43.0, "g/L", "g/dL", 4.3),
        (20e6, "/mL", "10*6/mL", 20.0),
        (0.45, "L/L", "%", 45.0),
        (200.0, "[lb_av]", "kg", 90.718474),  # avoirdupois pound = 0.45359237 kg (exact by definition)
        (70.0, "[in_i]", "cm", 177.8),  # international inch = 2.54 cm (exact by definition)
        (3.0, "ng/mL", "ug/L", 3.0),
    ],
)
def test_same_dimension_conversions(value: float, source: str, target: str, expected: float) -> None:
    assert convert(value, source, target) == pytest.approx(expected, rel=1e-12)


def test_iu_never_converted_to_mass() -> None:
    with pytest.raises(UnitError, match="international units"):
        convert(1.0, "mIU/mL", "ng/mL", molar_mass_g_mol=23000.0)


def test_mass_to_molar_needs_molar_mass() -> None:
    with pytest.raises(UnitError, match="dimensions differ"):
        convert(300.0, "ng/dL", "nmol/L")
    assert not convertible("ng/dL", "nmol/L")
    assert convertible("ng/dL", "nmol/L", molar_mass_g_mol=T_MOLAR_MASS)


@pytest.mark.parametrize("bad", ["", "   ", "furlongs", "[foo]/L", "ng/"])
def test_unknown_or_missing_unit(bad: str) -> None:
    with pytest.raises(UnitError):
        convert(1.0, bad, "ng/dL")


def test_lab_spellings_normalise_to_ucum() -> None:
    assert normalize_unit("mIU/ml") == "m[IU]/mL"
    assert normalize_unit("ng/dl") == "ng/dL"
    assert normalize_unit("µg/L") == "ug/L"
    assert normalize_unit("lbs") == "[lb_av]"
    assert to_ucum("IU/L") == "[IU]/L"
    assert to_ucum("ng/dL") == "ng/dL"

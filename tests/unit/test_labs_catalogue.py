"""The analyte catalogue: every analyte of issue 2 present, LOINC codes valid, every number sourced."""

from __future__ import annotations

import pytest

from hpgtwin.errors import UnknownAnalyte
from hpgtwin.labs.catalogue import CATALOGUE, SOURCES, is_valid_loinc, loinc_check_digit, lookup_analyte
from hpgtwin.units import convertible, is_known_unit

ISSUE_2_ANALYTES = (
    "testosterone_total", "testosterone_free", "testosterone_free_calculated", "testosterone_bioavailable",
    "estradiol", "lh", "fsh", "shbg", "albumin", "prolactin", "tsh", "free_t4", "inhibin_b", "amh", "hematocrit",
    "psa", "semen_volume", "sperm_concentration", "total_motility", "progressive_motility", "normal_forms",
    "total_sperm_count", "weight", "height", "bmi",
)
# Canonical units of docs/design.md.
DESIGN_UNITS = {
    "testosterone_total": "ng/dL", "testosterone_free": "pg/mL", "testosterone_bioavailable": "ng/dL",
    "estradiol": "pg/mL", "lh": "IU/L", "fsh": "IU/L", "shbg": "nmol/L", "albumin": "g/dL", "prolactin": "ng/mL",
    "tsh": "mIU/L", "free_t4": "ng/dL", "inhibin_b": "pg/mL", "amh": "ng/mL", "hematocrit": "%", "psa": "ng/mL",
    "weight": "kg", "height": "cm", "bmi": "kg/m2",
}


def test_every_issue_analyte_is_catalogued() -> None:
    assert set(ISSUE_2_ANALYTES) <= set(CATALOGUE)


@pytest.mark.parametrize(("key", "unit"), sorted(DESIGN_UNITS.items()))
def test_canonical_units_follow_design(key: str, unit: str) -> None:
    assert CATALOGUE[key].canonical_unit == unit


@pytest.mark.parametrize(
    ("code", "valid"),
    # Known-good codes and the two wrong codes found in public repositories (clinical.md section 4).
    [("2986-8", True), ("10501-5", True), ("38476-8", True), ("38476-0", False), ("11068-0", False),
     ("2986_8", False), ("2986-", False), ("", False)],
)
def test_loinc_check_digit_examples(code: str, valid: bool) -> None:
    assert is_valid_loinc(code) is valid


def test_loinc_check_digit_algorithm_on_users_guide_example() -> None:
    # LOINC Users' Guide mod-10 example: body 12345 -> check digit 5.
    assert loinc_check_digit("12345") == 5


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_catalogue_loinc_codes_are_valid_and_flagged(key: str) -> None:
    analyte = CATALOGUE[key]
    for code in analyte.loinc_codes:
        assert is_valid_loinc(code.code), f"{key}: {code.code} fails the LOINC check digit"
        assert isinstance(code.confirmed, bool)
        assert code.source in SOURCES
    assert isinstance(analyte.loinc_confirmed, bool)


def test_unconfirmed_codes_are_marked() -> None:
    assert not CATALOGUE["testosterone_free_calculated"].loinc_confirmed
    assert not CATALOGUE["inhibin_b"].loinc_confirmed
    assert not CATALOGUE["total_sperm_count"].loinc_confirmed
    assert CATALOGUE["testosterone_total"].loinc_confirmed


def test_loinc_codes_are_unique_across_analytes() -> None:
    codes = [c.code for a in CATALOGUE.values() for c in a.loinc_codes]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_number_has_a_source_and_units_parse(key: str) -> None:
    analyte = CATALOGUE[key]
    for source in analyte.sources.values():
        assert source in SOURCES
    assert is_known_unit(analyte.canonical_unit)
    for unit in analyte.confusable_units:
        assert convertible(unit, analyte.canonical_unit, molar_mass_g_mol=analyte.molar_mass_g_mol), unit
    ri, pl = analyte.reference_interval, analyte.plausible
    if ri.low is not None:
        assert pl.contains(ri.low)
    if ri.high is not None:
        assert pl.contains(ri.high)


@pytest.mark.parametrize(
    ("text", "key"),
    [("E2", "estradiol"), ("Total Testosterone", "testosterone_total"), ("14913-8", "testosterone_total"),
     ("free_t4", "free_t4"), ("hct", "hematocrit"), ("sperm concentration", "sperm_concentration")],
)
def test_lookup_by_synonym_or_code(text: str, key: str) -> None:
    assert lookup_analyte(text).key == key


def test_unknown_analyte_suggests_nearest_name() -> None:
    with pytest.raises(UnknownAnalyte, match="did you mean 'estradiol'"):
        lookup_analyte("estradoil")
    with pytest.raises(UnknownAnalyte, match="not in the catalogue"):
        lookup_analyte("1234-5")


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_export_code_fits_its_unit(key: str) -> None:
    """The LOINC code used on export describes the kind of unit sent with it (no code/unit mismatch)."""
    from hpgtwin.interop.fhir_codes import loinc_property
    from hpgtwin.interop.fhir_export import export_code_and_unit
    from hpgtwin.units import dimensionality

    code, unit = export_code_and_unit(CATALOGUE[key])
    expected = {"mass": "[mass] / [length] ** 3", "molar": "[substance] / [length] ** 3",
                "activity": "[biological_activity] / [length] ** 3"}
    kind = loinc_property(code.long_name)
    if kind is not None:
        assert str(dimensionality(unit)) == expected[kind]

"""ISSAM worked example of Vermeulen 1999 calculated free testosterone (issam.ch/freetesuit.htm).

Input: total T 10 nmol/L, SHBG 40 nmol/L, albumin 4.3 g/dL. Published result: free T 0.17388 nmol/L = 1.7388 %
of total T [seen via clinical.md 1.2, table A]. Tolerance: 4 significant figures (issue 2), i.e. rel 5e-5.
"""

from __future__ import annotations

import pytest

from hpgtwin.labs import intake, parse_patient_dict
from hpgtwin.labs.derived import vermeulen_free_testosterone

ISSAM_FREE_T_NMOL_L = 0.17388  # issam.ch/freetesuit.htm
ISSAM_FREE_T_PCT = 1.7388  # issam.ch/freetesuit.htm
FOUR_SIG_FIGS = 5e-5


def test_free_testosterone_matches_issam() -> None:
    result = vermeulen_free_testosterone(10.0, 40.0, 4.3)
    assert result.free_mol_l * 1e9 == pytest.approx(ISSAM_FREE_T_NMOL_L, rel=FOUR_SIG_FIGS)
    assert result.free_fraction_pct == pytest.approx(ISSAM_FREE_T_PCT, rel=FOUR_SIG_FIGS)


def test_issam_example_through_intake_in_si_units() -> None:
    pf = parse_patient_dict(
        {
            "patient": {"id": "issam"},
            "labs": [
                {"analyte": "testosterone_total", "value": 10, "unit": "nmol/L"},
                {"analyte": "shbg", "value": 40, "unit": "nmol/L"},
                {"analyte": "albumin", "value": 43, "unit": "g/L"},
            ],
        }
    )
    free_pg_ml = intake(pf).value("free_testosterone_pg_ml")
    # 0.17388 nmol/L x 288.42 g/mol = 50.15 pg/mL (molar mass from PubChem CID 6013)
    assert free_pg_ml == pytest.approx(ISSAM_FREE_T_NMOL_L * 288.42, rel=FOUR_SIG_FIGS)


def test_bioavailable_is_n_times_free() -> None:
    # BioT = N x FT with N = 1 + 3.6e4 L/mol x 43 g/L / 69000 g/mol = 23.4348 (Vermeulen 1999; ISSAM rounds to 23.43)
    result = vermeulen_free_testosterone(10.0, 40.0, 4.3)
    assert result.bioavailable_mol_l / result.free_mol_l == pytest.approx(1 + 3.6e4 * 43 / 69000, rel=1e-12)


@pytest.mark.parametrize(
    ("tt", "shbg", "alb_g_l", "free_pmol_l"),
    [
        # clinical.md 1.2 G: regression anchors computed with the same formula (not external truth), 4 s.f.
        (5, 20, 43, 121.1),
        (8, 10, 43, 254.7),
        (20, 50, 43, 327.3),
        (40, 10, 43, 1454.0),
    ],
)
def test_regression_anchors(tt: float, shbg: float, alb_g_l: float, free_pmol_l: float) -> None:
    result = vermeulen_free_testosterone(tt, shbg, alb_g_l / 10)
    assert result.free_mol_l * 1e12 == pytest.approx(free_pmol_l, rel=5e-4)  # anchors printed to 4 s.f.

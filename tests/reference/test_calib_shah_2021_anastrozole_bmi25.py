"""Calibration target `shah_2021_anastrozole_bmi25`: Shah T, Nyirenda T, Shin D. Transl Androl Urol 2021 (PMC8039603); the seed documents call it Helo 2015.

Population: {'n': 30, 'age_years': {'median': 34, 'iqr': [33, 38]}, 'bmi_kg_m2': {'median': 28.7, 'iqr': [26.6, 32.2]}, 'condition': 'hypogonadal subfertile men, BMI >= 25'}. Regimen: anastrozole 1 mg daily.
Virtual experiment(s) in tools/calib_experiments.py: shah.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

from calib_cases import TOL, test_within_20_percent  # noqa: F401 (collected by pytest)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("shah", "baseline_testosterone_ng_dl", 270.6, "baseline"),
    ("shah", "baseline_estradiol_pg_ml", 32.0, "baseline"),
    ("shah", "baseline_lh_iu_l", 3.4, "baseline"),
    ("shah", "baseline_sperm_concentration_million_ml", 7.8, "baseline"),
    ("shah", "baseline_fsh_iu_l", 4.8, "abs"),
    ("shah", "testosterone_fc_week4", 1.775314, "fc"),
    ("shah", "testosterone_fc_week13", 1.702513, "fc"),
    ("shah", "testosterone_fc_week22", 1.522542, "fc"),
    ("shah", "estradiol_fc_week22", 0.496875, "fc"),
    ("shah", "t_e2_ratio_fc_week22", 2.944444, "fc"),
    ("shah", "lh_fc_week22", 1.588235, "fc"),
    ("shah", "fsh_fc_week22", 1.583333, "fc"),
    ("shah", "sperm_concentration_fc_week22", 1.820513, "fc"),
    ("shah", "total_motile_count_fc_week22", 1.404762, "fc"),
    ("shah", "testosterone_drift_week22_vs_week4", 0.857619, "shape: T peaks near month 1, drifts down"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
}


def test_shape_t_peaks_early_and_drifts_down(observed):
    """Shah 2021 shape: T peaks near month 1 and drifts down by month 5 (480 -> 461 -> 412 ng/dL).

    Tolerance: a visible drift, week-22 T at least 5% below week-4 T (published: 14% below).
    """
    o = observed["shah"]
    assert o["testosterone_fc_week22"] <= 0.95 * o["testosterone_fc_week4"]

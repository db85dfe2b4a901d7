"""Calibration target `nankin_1987_cypionate_pk`: Nankin HR. Fertil Steril 1987;47:1004-1009.

Population: {'n': 11, 'condition': 'hypogonadal men'}. Regimen: testosterone cypionate 200 mg once.
Virtual experiment(s) in tools/calib_experiments.py: nankin.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

from calib_cases import TOL, test_within_20_percent  # noqa: F401 (collected by pytest)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("nankin", "testosterone_peak_fc_days1_7", 3.0, "hypogonadal man: Leydig 0.4 (assumption)"),
    ("nankin", "estradiol_peak_fc_days2_7", 3.0, "fc"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
}


def test_shape_peak_on_days_2_to_5(observed):
    """Nankin 1987: serum T peaks on days 2-5 after testosterone cypionate 200 mg."""
    assert 2 <= observed["nankin"]["testosterone_peak_day"] <= 5


def test_shape_back_to_baseline_by_day_14(observed):
    """Nankin 1987: T back to basal by days 13-14 (tolerance: within 20% of baseline)."""
    assert observed["nankin"]["testosterone_fc_day14"] <= 1.2


def test_shape_lh_suppressed(observed):
    """Nankin 1987: LH suppressed after the injection (day-7 LH below baseline)."""
    assert observed["nankin"]["lh_fc_day7"] < 1.0

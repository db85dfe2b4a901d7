"""Calibration target `handelsman_2005_te_sperm_kinetics`: Hum Reprod 2005;20:1733-1740 (kinetic analysis of WHO testosterone enanthate trials).

Population: {'condition': 'healthy fertile men'}. Regimen: testosterone enanthate 200 mg weekly.
Virtual experiment(s) in tools/calib_experiments.py: handelsman.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

from calib_cases import TOL, test_within_20_percent  # noqa: F401 (collected by pytest)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("handelsman", "suppression_half_weeks", 5.5, "time"),
    ("handelsman", "suppression_to_10_weeks", 6.8, "time"),
    ("handelsman", "suppression_to_5_weeks", 8.7, "time"),
    ("handelsman", "suppression_to_3_weeks", 10.0, "time"),
    ("handelsman", "suppression_to_1_weeks", 13.0, "time"),
    ("handelsman", "recovery_to_3_weeks", 9.0, "time"),
    ("handelsman", "recovery_to_5_weeks", 9.9, "time"),
    ("handelsman", "recovery_to_10_weeks", 11.5, "time"),
    ("handelsman", "recovery_to_20_weeks", 13.6, "time"),
    ("handelsman", "recovery_plateau_fc", 0.85, "plateau ~85% of own baseline"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
}


def test_shape_suppression_then_sigmoid_recovery(observed):
    """Handelsman 2005: thresholds are reached in order during suppression and recovery (sigmoid recovery)."""
    o = observed["handelsman"]
    sup = [o[f"suppression_to_{t}_weeks"] for t in (10, 5, 3, 1)]
    rec = [o[f"recovery_to_{t}_weeks"] for t in (3, 5, 10, 20)]
    assert sup == sorted(sup) and rec == sorted(rec)

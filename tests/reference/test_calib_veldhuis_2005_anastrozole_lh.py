"""Calibration target `veldhuis_2005_anastrozole_lh`: Veldhuis JD, Iranmanesh A. JCEM 2005;90:211-218 (PMC1315304).

Population: {'condition': 'young and older men'}. Regimen: anastrozole (short course).
Virtual experiment(s) in tools/calib_experiments.py: veldhuis_older, veldhuis_young.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

from calib_cases import TOL, test_within_20_percent  # noqa: F401 (collected by pytest)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("veldhuis_young", "estradiol_fc_day10", 0.5, "young men; 10 mg/d x 10 d assumed"),
    ("veldhuis_young", "lh_fc_day10", 2.1, "young men"),
    ("veldhuis_older", "estradiol_fc_day10", 0.5, "older men"),
    ("veldhuis_older", "lh_fc_day10", 2.1, "older men"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
}


def test_shape_older_men_smaller_t_rise(observed):
    """Veldhuis 2005: older men fail to reach the young men's T rise on anastrozole."""
    assert observed["veldhuis_older"]["testosterone_fc_day10"] < observed["veldhuis_young"]["testosterone_fc_day10"]

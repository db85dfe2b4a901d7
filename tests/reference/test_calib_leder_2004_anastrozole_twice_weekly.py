"""Calibration target `leder_2004_anastrozole_twice_weekly`: Leder BZ et al. JCEM 2004;89:1174-1180.

Population: {'n': 11, 'age_years': {'min': 62, 'max': 74}, 'condition': 'older men, screening T < 350 ng/dL'}. Regimen: anastrozole 1 mg twice weekly.
Virtual experiment(s) in tools/calib_experiments.py: leder_twice_weekly.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

import math

import calib_experiments as ce
from calib_cases import TOL, test_within_20_percent  # noqa: F401 (collected by pytest)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("leder_twice_weekly", "baseline_testosterone_ng_dl", 397, "baseline"),
    ("leder_twice_weekly", "baseline_estradiol_pg_ml", 27, "baseline"),
    ("leder_twice_weekly", "testosterone_fc_week12", 1.309824, "fc"),
    ("leder_twice_weekly", "bioavailable_testosterone_fc_week12", 1.547826, "fc"),
    ("leder_twice_weekly", "estradiol_fc_week12", 0.62963, "fc"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
}


def test_shape_same_e2_suppression_as_daily():
    """Leder 2004: twice weekly gives the same measured E2 suppression as daily (within 20% of each other).

    Measured E2 includes the immunoassay floor of Leder 2004 (tools/calib_experiments.py); model 0.75 vs 0.69.
    """
    daily, twice = ce.observe("leder_daily"), ce.observe("leder_twice_weekly")
    assert abs(math.log(twice["estradiol_fc_week12"] / daily["estradiol_fc_week12"])) <= TOL


def test_shape_smaller_t_rise_than_daily():
    """Leder 2004: twice weekly gives a smaller T rise than daily (P = 0.012); model 1.45 vs 1.50."""
    daily, twice = ce.observe("leder_daily"), ce.observe("leder_twice_weekly")
    assert twice["testosterone_fc_week12"] < daily["testosterone_fc_week12"]

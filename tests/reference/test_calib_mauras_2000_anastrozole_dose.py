"""Calibration target `mauras_2000_anastrozole_dose`: Mauras N et al. JCEM 2000;85:2370-2377.

Population: {'n': 12, 'age_years': {'mean': 16.1}, 'condition': 'healthy late-pubertal males'}. Regimen: ['anastrozole 0.5 mg daily', 'anastrozole 1 mg daily'].
Virtual experiment(s) in tools/calib_experiments.py: mauras_0.5mg, mauras_1mg.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

import math

from calib_cases import TOL, test_within_20_percent  # noqa: F401 (collected by pytest)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("mauras_0.5mg", "estradiol_fc_day10", 0.5, "0.5 mg daily"),
    ("mauras_1mg", "estradiol_fc_day10", 0.5, "1 mg daily"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
}


def test_shape_doses_equivalent(observed):
    """Mauras 2000: about the same E2 fall with 0.5 mg and 1 mg (within 20% of each other)."""
    a, b = observed["mauras_0.5mg"]["estradiol_fc_day10"], observed["mauras_1mg"]["estradiol_fc_day10"]
    assert abs(math.log(a / b)) <= TOL

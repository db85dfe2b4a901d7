"""Calibration target `coviello_2005_hcg_itt`: Coviello AD et al. JCEM 2005;90:2595-2602.

Regimen: testosterone enanthate 200 mg weekly + hcg 125-500 IU every other day.
Virtual experiment(s) in tools/calib_experiments.py: coviello_hcg125, coviello_hcg500, coviello_te.
Tolerance (calibration brief, calibration_targets.yaml header): |ln(model/published)| <= ln 1.2, i.e.
fold changes (and times, cohort baselines) within 20%. Known misses are strict xfails with the model value;
docs/validation.md has the full table.
"""

from __future__ import annotations

from calib_cases import TOL, test_within_20_percent  # noqa: F401 (collected by pytest)

# (experiment, observable, published value, where the number comes from)
PUBLISHED = [
    ("coviello_te", "intratesticular_t_fc_week3", 0.06, "TE 200 mg/wk alone"),
    ("coviello_hcg125", "intratesticular_t_fc_week3", 1.0, "+ hCG 125 IU eod"),
    ("coviello_hcg500", "intratesticular_t_fc_week3", 1.0, "+ hCG 500 IU eod"),
]
# Observations the calibrated model does not reproduce within 20% (model value; see docs/validation.md).
KNOWN_MISSES = {
}
